/* octet — SGEMM operand packing into micro-panels (portable C). */
#include <string.h>

#include "backend/cpu/sgemm_kernels.h"

void oct_sgemm_pack_a_panel(const float *A, int64_t lda, int transA, int64_t i0, int mr, int64_t k0,
                            int64_t kc, float *dst)
{
    if (transA) {
        /* op(A)[i][k] = A[k][i]: each k step is a contiguous run of mr */
        for (int64_t kk = 0; kk < kc; kk++)
            memcpy(dst + kk * mr, A + (k0 + kk) * lda + i0, (size_t)mr * sizeof(float));
        return;
    }
    /* op(A)[i][k] = A[i][k]: interleave mr rows, 4 rows at a time */
    int r = 0;
    for (; r + 4 <= mr; r += 4) {
        const float *s0 = A + (i0 + r) * lda + k0, *s1 = s0 + lda, *s2 = s1 + lda, *s3 = s2 + lda;
        float *d = dst + r;
        for (int64_t kk = 0; kk < kc; kk++, d += mr) {
            d[0] = s0[kk];
            d[1] = s1[kk];
            d[2] = s2[kk];
            d[3] = s3[kk];
        }
    }
    for (; r < mr; r++) {
        const float *s = A + (i0 + r) * lda + k0;
        float *d = dst + r;
        for (int64_t kk = 0; kk < kc; kk++, d += mr) *d = s[kk];
    }
}

void oct_sgemm_pack_b_panel(const float *B, int64_t ldb, int transB, int64_t j0, int nrv, int nr,
                            int64_t k0, int64_t kc, float *dst)
{
    if (!transB) {
        /* op(B)[k][j] = B[k][j]: contiguous rows */
        for (int64_t kk = 0; kk < kc; kk++) {
            float *d = dst + kk * nr;
            memcpy(d, B + (k0 + kk) * ldb + j0, (size_t)nrv * sizeof(float));
            for (int c = nrv; c < nr; c++) d[c] = 0.f;
        }
        return;
    }
    /* op(B)[k][j] = B[j][k]: column c of the panel is row j0 + c of B */
    for (int c = 0; c < nr; c++) {
        float *d = dst + c;
        if (c >= nrv) {
            for (int64_t kk = 0; kk < kc; kk++, d += nr) *d = 0.f;
            continue;
        }
        const float *s = B + (j0 + c) * ldb + k0;
        for (int64_t kk = 0; kk < kc; kk++, d += nr) *d = s[kk];
    }
}

void oct_sgemm_pack_b_panels(const float *B, int64_t ldb, int transB, int64_t j0, int64_t ncols, int nr,
                             int64_t k0, int64_t kc, float *dst)
{
    for (int64_t j = 0; j < ncols; j += nr, dst += (int64_t)nr * kc) {
        int nrv = (int)(ncols - j < nr ? ncols - j : nr);
        oct_sgemm_pack_b_panel(B, ldb, transB, j0 + j, nrv, nr, k0, kc, dst);
    }
}
