/* octet — AVX2 INT8 GEMM microkernel (6 x 16) for CPUs without VNNI.
 * vpmaddubsw would saturate (255 * 127 * 2 > 32767), so the operands are
 * packed widened to int16 pairs (A zero-extended, B sign-extended) and
 * vpmaddwd sums each pair exactly into int32. */
#define YMM_DP(acc, a, b) ((acc) = _mm256_add_epi32((acc), _mm256_madd_epi16((a), (b))))
#define YMM_ASM_DP(acc, b)                                                      \
    "vpmaddwd %%ymm" #b ", %%ymm14, %%ymm15\n\t"                                  \
    "vpaddd %%ymm15, %%ymm" #acc ", %%ymm" #acc "\n\t"
#define YMM_UKR_NAME oct_qgemm_ukr_avx2
#include "backend/cpu/qgemm_ymm.h"

#if OCT_QGEMM_AVX2_MR != MR || OCT_QGEMM_AVX2_NR != NR
#error "qgemm_ymm.h is written for 6 x 16"
#endif
