/* Portable build of the pooling/normalization f32 kernels + run-time dispatch. */
#include "ops/pn_kernels.h"

#include "core/cpu.h"

#define OCT_PNK_TABLE oct_pn_kernels_generic
#define OCT_PNK_NAME "generic"
#include "ops/pn_kernels.inc"

const oct_pn_kernels *oct_pn_kernels_get(void)
{
    return oct_cpu_level_get() >= OCT_CPU_AVX2 ? &oct_pn_kernels_avx2 : &oct_pn_kernels_generic;
}
