/* AVX2+FMA -O3 build of the pooling/normalization f32 kernels (flags from
 * CMake: *_avx2.c); called only through oct_pn_kernels_get() after run-time
 * detection. */
#define OCT_PNK_TABLE oct_pn_kernels_avx2
#define OCT_PNK_NAME "avx2"
#include "ops/pn_kernels.inc"
