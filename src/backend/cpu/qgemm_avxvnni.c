/* octet — AVX-VNNI INT8 GEMM microkernel (6 x 16): vpdpbusd on ymm (VEX
 * encoding, for CPUs with AVX-VNNI but without AVX-512). */
#define YMM_DP(acc, a, b) ((acc) = _mm256_dpbusd_avx_epi32((acc), (a), (b)))
#define YMM_ASM_DP(acc, b) "%{vex%} vpdpbusd %%ymm" #b ", %%ymm14, %%ymm" #acc "\n\t"
#define YMM_UKR_NAME oct_qgemm_ukr_avxvnni
#include "backend/cpu/qgemm_ymm.h"

#if OCT_QGEMM_AVXVNNI_MR != MR || OCT_QGEMM_AVXVNNI_NR != NR
#error "qgemm_ymm.h is written for 6 x 16"
#endif
