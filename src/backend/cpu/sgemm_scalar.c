/* octet — portable SGEMM microkernel (4 x 16), the reference for the SIMD ones. */
#include "backend/cpu/sgemm_kernels.h"

#define MR OCT_SGEMM_SCALAR_MR
#define NR OCT_SGEMM_SCALAR_NR

static float act1(float x, const oct_act *a)
{
    switch (a->kind) {
    case OCT_ACT_RELU: return x > 0.f ? x : 0.f;
    case OCT_ACT_CLIP: x = x < a->alpha ? a->alpha : x; return x > a->beta ? a->beta : x;
    case OCT_ACT_LEAKYRELU: return x < 0.f ? a->alpha * x : x;
    default: return x;
    }
}

void oct_sgemm_ukr_scalar(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, int mr,
                          int nr, const oct_sgemm_epi *e)
{
    float acc[MR][NR] = {{0}};
    if (mr == MR) {
        for (int64_t k = 0; k < kc; k++, a += MR, b += NR)
            for (int r = 0; r < MR; r++)
                for (int j = 0; j < NR; j++) acc[r][j] += a[r] * b[j];
    } else {
        for (int64_t k = 0; k < kc; k++, a += mr, b += NR)
            for (int r = 0; r < mr; r++)
                for (int j = 0; j < NR; j++) acc[r][j] += a[r] * b[j];
    }
    for (int r = 0; r < mr; r++) {
        float *cr = c + (int64_t)r * ldc;
        for (int j = 0; j < nr; j++) {
            float x = e->alpha * acc[r][j];
            if (e->load_c) x += e->beta * cr[j];
            if (e->bias_row) x += e->bias_row[r];
            if (e->bias_col) x += e->bias_col[j];
            if (e->act) x = act1(x, e->act);
            cr[j] = x;
        }
    }
}
