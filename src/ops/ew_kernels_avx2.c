/* AVX2+FMA build of the hot f32 kernels (flags from CMake: *_avx2.c);
 * called only through oct_ew_kernels_get() after run-time detection. */
#define OCT_EWK_TABLE oct_ew_kernels_avx2
#define OCT_EWK_NAME "avx2"
#include "ops/ew_kernels.inc"
