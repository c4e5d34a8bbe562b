/* Portable build of the hot f32 kernels + run-time dispatch. */
#include "ops/ew_opt.h"

#include "core/cpu.h"

#define OCT_EWK_TABLE oct_ew_kernels_generic
#define OCT_EWK_NAME "generic"
#include "ops/ew_kernels.inc"

const oct_ew_kernels *oct_ew_kernels_get(void)
{
    oct_cpu_level lvl = oct_cpu_level_get();
    if (lvl >= OCT_CPU_AVX512) return &oct_ew_kernels_avx512;
    return lvl >= OCT_CPU_AVX2 ? &oct_ew_kernels_avx2 : &oct_ew_kernels_generic;
}
