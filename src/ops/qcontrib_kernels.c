/* octet — portable kernels of the com.microsoft quantized ops (see
 * qcontrib_kernels.h) and the run-time choice between them and AVX2. */
#include "ops/qcontrib_kernels.h"

#include <math.h>

#include "core/cpu.h"
#include "ops/quant_util.h"

static inline int32_t byte_at(const uint8_t *x, int64_t i, int is_signed)
{
    return is_signed ? (int32_t)(int8_t)x[i] : (int32_t)x[i];
}

void oct_qc_add_vv_scalar(const uint8_t *p, const uint8_t *q, int64_t n, float rp, float rq, float c, float lo,
                          float hi, int is_signed, uint8_t *y)
{
    for (int64_t i = 0; i < n; i++) {
        float v = fmaf((float)byte_at(p, i, is_signed), rp, fmaf((float)byte_at(q, i, is_signed), rq, c));
        y[i] = (uint8_t)oct_quant_rne(v, lo, hi);
    }
}

void oct_qc_add_vs_scalar(const uint8_t *p, int64_t n, float rp, float c, float lo, float hi, int is_signed,
                          uint8_t *y)
{
    for (int64_t i = 0; i < n; i++) y[i] = (uint8_t)oct_quant_rne(fmaf((float)byte_at(p, i, is_signed), rp, c), lo, hi);
}

static int64_t sum_q8(const uint8_t *x, int64_t n, int is_signed)
{
    int64_t s = 0;
    if (is_signed)
        for (int64_t i = 0; i < n; i++) s += (int8_t)x[i];
    else
        for (int64_t i = 0; i < n; i++) s += x[i];
    return s;
}

static void acc_q8(const uint8_t *x, int64_t n, int is_signed, int32_t *acc)
{
    if (is_signed)
        for (int64_t i = 0; i < n; i++) acc[i] += (int8_t)x[i];
    else
        for (int64_t i = 0; i < n; i++) acc[i] += x[i];
}

void oct_qc_avg_run_scalar(const float *x, const int64_t *row, int64_t nrows, int64_t kw, int64_t sx, int64_t n,
                           float cnt, float ys, float zy, float lo, float hi, uint8_t *y)
{
    for (int64_t o = 0; o < n; o++) {
        float s = 0.f;
        for (int64_t r = 0; r < nrows; r++) {
            const float *xr = x + row[r] + o * sx;
            for (int64_t j = 0; j < kw; j++) s += xr[j];
        }
        y[o] = (uint8_t)oct_quant_rne(s / cnt / ys + zy, lo, hi);
    }
}

const oct_qc_kernels oct_qc_kernels_portable = {
    "portable", oct_qc_add_vv_scalar, oct_qc_add_vs_scalar, sum_q8, acc_q8, oct_qc_avg_run_scalar,
};

const oct_qc_kernels *oct_qc_kernels_get(void)
{
    return oct_cpu_level_get() >= OCT_CPU_AVX2 ? &oct_qc_kernels_avx2 : &oct_qc_kernels_portable;
}
