/* octet — INT8 GEMM packing (portable): A panels [g][r][kg], B panels
 * [g][c][kg] with column sums; k-groups of 4 bytes or 2 int16. */
#include <string.h>

#include "backend/cpu/qgemm_kernels.h"

static inline uint8_t a_at(const uint8_t *A, int64_t lda, int transA, int64_t i, int64_t k)
{
    return transA ? A[k * lda + i] : A[i * lda + k];
}

void oct_qgemm_pack_a_panel(const void *A_, int64_t lda, int transA, int a_signed, int64_t i0, int mr,
                            int64_t K, int kg, void *dst)
{
    const uint8_t *A = A_;
    uint8_t flip = a_signed ? 0x80 : 0;
    int64_t ng = (K + kg - 1) / kg, kfull = K / kg * kg;
    if (kg == 4) {
        uint8_t *d = dst;
        if (!transA) {
            uint32_t flip4 = a_signed ? 0x80808080u : 0;
            for (int r = 0; r < mr; r++) {
                const uint8_t *s = A + (i0 + r) * lda;
                uint8_t *dr = d + 4 * r;
                for (int64_t k = 0; k < kfull; k += 4, dr += 4 * mr) {
                    uint32_t w;
                    memcpy(&w, s + k, 4);
                    w ^= flip4;
                    memcpy(dr, &w, 4);
                }
            }
        } else {
            for (int64_t k = 0; k < kfull; k++) {
                const uint8_t *s = A + k * lda + i0;
                uint8_t *dk = d + (k >> 2) * 4 * mr + (k & 3);
                for (int r = 0; r < mr; r++) dk[4 * r] = s[r] ^ flip;
            }
        }
        if (kfull < K) {
            uint8_t *dg = d + (kfull >> 2) * 4 * mr;
            memset(dg, 0, (size_t)(4 * mr));
            for (int r = 0; r < mr; r++)
                for (int64_t k = kfull; k < K; k++)
                    dg[4 * r + (k - kfull)] = a_at(A, lda, transA, i0 + r, k) ^ flip;
        }
        return;
    }
    /* kg == 2: zero-extended int16 pairs */
    int16_t *d = dst;
    for (int64_t g = 0; g < ng; g++)
        for (int r = 0; r < mr; r++)
            for (int q = 0; q < 2; q++) {
                int64_t k = 2 * g + q;
                d[(g * mr + r) * 2 + q] = k < K ? (int16_t)(a_at(A, lda, transA, i0 + r, k) ^ flip) : 0;
            }
}

void oct_qgemm_pack_b_panel(const int8_t *B, int64_t ldb, int transB, int64_t j0, int nrv, int nr,
                            int64_t K, int kg, void *dst, int32_t *colsum)
{
    int64_t ng = (K + kg - 1) / kg;
    size_t esz = kg == 4 ? 1 : 2;
    memset(dst, 0, (size_t)(ng * nr * kg) * esz);
    int32_t sum[OCT_QGEMM_MAX_NR] = {0};
    if (kg == 4 && !transB) {
        /* rows k..k+3 interleaved: d[c * 4 + q] = B[k + q][j0 + c] */
        int8_t *d = dst;
        for (int64_t k = 0; k < K; k += 4, d += 4 * nr)
            for (int q = 0; q < 4 && k + q < K; q++) {
                const int8_t *s = B + (k + q) * ldb + j0;
                for (int c = 0; c < nrv; c++) {
                    d[c * 4 + q] = s[c];
                    sum[c] += s[c];
                }
            }
    } else if (kg == 4) {
        /* 4 consecutive k of row j0 + c of B (N x K) */
        int8_t *d = dst;
        for (int c = 0; c < nrv; c++) {
            const int8_t *s = B + (j0 + c) * ldb;
            int32_t acc = 0;
            for (int64_t k = 0; k < K; k++) {
                d[(k >> 2) * nr * 4 + c * 4 + (k & 3)] = s[k];
                acc += s[k];
            }
            sum[c] = acc;
        }
    } else {
        int16_t *d = dst;
        for (int64_t k = 0; k < K; k++)
            for (int c = 0; c < nrv; c++) {
                int8_t v = transB ? B[(j0 + c) * ldb + k] : B[k * ldb + j0 + c];
                d[(k / 2) * nr * 2 + c * 2 + (k & 1)] = v;
                sum[c] += v;
            }
    }
    for (int c = 0; c < nrv; c++) colsum[c] = sum[c];
}
