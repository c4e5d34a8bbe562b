/* AVX-512 build of the hot f32 kernels (flags from CMake: *_avx512.c; 512-bit
 * vectors preferred); called only through oct_ew_kernels_get() after run-time
 * detection. Same source and results as the other builds. */
#define OCT_EWK_TABLE oct_ew_kernels_avx512
#define OCT_EWK_NAME "avx512"
#include "ops/ew_kernels.inc"
