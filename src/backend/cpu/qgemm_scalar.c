/* octet — portable INT8 GEMM microkernel (4 x 16) and the scalar epilogue,
 * the reference the SIMD paths must match bit for bit. Sums are done in
 * uint32 (wrap-around defined, like the SIMD adds). */
#include <string.h>

#include "backend/cpu/qgemm_kernels.h"

#define MR OCT_QGEMM_SCALAR_MR
#define NR OCT_QGEMM_SCALAR_NR

static int32_t sat_shl(int32_t x, int l)
{
    int64_t v = (int64_t)x * ((int64_t)1 << l);
    return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

/* floor((x * m0 + 2^30) / 2^31) == gemmlowp's SaturatingRoundingDoublingHighMul
 * for m0 >= 0 (its truncating division of a negative sum equals this floor). */
static int32_t srdhm(int32_t x, int32_t m0)
{
    int64_t p = (int64_t)x * m0 + ((int64_t)1 << 30);
    return (int32_t)(p >> 31); /* arithmetic shift; |result| < 2^31 */
}

/* gemmlowp's RoundingDivideByPOT: x / 2^e rounded half away from zero. */
static int32_t rdbpot(int32_t x, int e)
{
    int32_t mask = (int32_t)((1u << e) - 1u);
    int32_t rem = x & mask, thr = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (rem > thr ? 1 : 0);
}

static int32_t requant(int32_t x, int32_t m0, int lsh, int rsh)
{
    if (lsh) x = sat_shl(x, lsh);
    x = srdhm(x, m0);
    return rsh ? rdbpot(x, rsh) : x;
}

int32_t oct_qgemm_requant(int32_t x, int32_t m0, int shift)
{
    return requant(x, m0, shift < 0 ? -shift : 0, shift > 0 ? shift : 0);
}

void oct_qgemm_epi_scalar(int32_t acc, int c, const oct_qgemm_tile *t, void *dst)
{
    int32_t x = (int32_t)((uint32_t)acc + (uint32_t)t->colterm[c]);
    switch (t->out) {
    case OCT_QGEMM_OUT_S32: memcpy(dst, &x, 4); break;
    case OCT_QGEMM_OUT_F32: {
        float y = (float)x;
        y = y * t->scale[c];
        if (t->has_fbias) y = y + t->fbias[c];
        if (t->clamp) {
            y = y > t->f_lo ? y : t->f_lo; /* as maxps(y, lo), minps(y, hi) */
            y = y < t->f_hi ? y : t->f_hi;
        }
        memcpy(dst, &y, 4);
        break;
    }
    default: {
        int32_t q = requant(x, t->m0[c], t->lsh[c], t->rsh[c]);
        q = q > t->q_lo ? q : t->q_lo;
        q = q < t->q_hi ? q : t->q_hi;
        q += t->zo;
        if (t->out == OCT_QGEMM_OUT_U8) *(uint8_t *)dst = (uint8_t)q;
        else *(int8_t *)dst = (int8_t)q;
        break;
    }
    }
}

static size_t out_size(int out) { return out == OCT_QGEMM_OUT_U8 || out == OCT_QGEMM_OUT_S8 ? 1 : 4; }

void oct_qgemm_ukr_scalar(int64_t nkg, const void *a, const void *b, void *c, int64_t ldc, int mr,
                          int nr, const oct_qgemm_tile *t)
{
    uint32_t acc[MR][NR];
    memset(acc, 0, sizeof acc);
    const uint8_t *pa = a;
    const int8_t *pb = b;
    for (int64_t g = 0; g < nkg; g++, pa += 4 * mr, pb += 4 * NR)
        for (int r = 0; r < mr; r++)
            for (int j = 0; j < NR; j++) {
                int32_t s = 0;
                for (int q = 0; q < 4; q++) s += (int32_t)pa[4 * r + q] * pb[4 * j + q];
                acc[r][j] += (uint32_t)s;
            }
    size_t es = out_size(t->out);
    for (int r = 0; r < mr; r++) {
        char *cr = (char *)c + (size_t)((int64_t)r * ldc) * es;
        for (int j = 0; j < nr; j++) oct_qgemm_epi_scalar((int32_t)acc[r][j], j, t, cr + (size_t)j * es);
    }
}
