/* MeanVarianceNormalization (opsets 9..22; newest schema 13):
 *   y = (x - mean) / (sqrt(mean(x^2) - mean^2) + 1e-9)
 * with mean/variance over `axes` (default [0, 2, 3]). X: f32/f16. */
#include <math.h>
#include <stdlib.h>

#include "ops/op.h"

static oct_status mvn_axes(const oct_node *n, const oct_tensor *x, int *red)
{
    static const int64_t def[3] = {0, 2, 3};
    const int64_t *ax = def;
    int cnt = oct_attr_ints(n, "axes", &ax);
    if (cnt < 0) {
        ax = def;
        cnt = 3;
    }
    for (int i = 0; i < x->rank; i++) red[i] = 0;
    for (int i = 0; i < cnt; i++) {
        int a;
        oct_status s = oct_axis_norm(ax[i], x->rank, &a);
        if (s != OCT_OK) return oct_err_ctx(s, "MeanVarianceNormalization '%s': axes: ", n->name);
        red[a] = 1;
    }
    return OCT_OK;
}

static oct_status mvn_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    const oct_tensor *x = in[0];
    if (x->dtype != OCT_DT_F32 && x->dtype != OCT_DT_F16) return oct_op_bad_dtype(n, x->dtype);
    int red[OCT_MAX_RANK];
    OCT_TRY(mvn_axes(n, x, red));
    return oct_out_shape(out[0], x->dtype, x->rank, x->dims);
}

static inline float ld(const oct_tensor *t, int64_t i)
{
    return t->dtype == OCT_DT_F32 ? ((const float *)t->data)[i] : oct_f16_to_f32(((const uint16_t *)t->data)[i]);
}

/* Walk all elements; call per row of the last axis with the kept-key base
 * and the key step along the last axis. */
static oct_status mvn_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0];
    oct_tensor *y = out[0];
    int red[OCT_MAX_RANK];
    OCT_TRY(mvn_axes(n, x, red));
    int r = x->rank;
    int64_t total = oct_tensor_numel(x);
    if (total <= 0) return OCT_OK;
    if (r == 0) {
        oct_dtype_set(y->dtype, y->data, 0, 0.0);
        return OCT_OK;
    }
    int64_t kst[OCT_MAX_RANK], K = 1, cnt = 1;
    for (int i = r - 1; i >= 0; i--) {
        kst[i] = red[i] ? 0 : K;
        if (red[i]) cnt *= x->dims[i];
        else K *= x->dims[i];
    }
    double *acc = calloc((size_t)(2 * K), sizeof *acc);
    if (!acc) return oct_err(OCT_E_NOMEM, "MeanVarianceNormalization '%s': out of memory", n->name);
    int64_t W = x->dims[r - 1], rows = total / W;
    for (int pass = 0; pass < 2; pass++) {
        int64_t idx[OCT_MAX_RANK] = {0};
        for (int64_t row = 0; row < rows; row++) {
            int64_t base = 0;
            for (int i = 0; i < r - 1; i++) base += idx[i] * kst[i];
            for (int64_t w = 0; w < W; w++) {
                int64_t key = base + w * kst[r - 1], e = row * W + w;
                double v = ld(x, e);
                if (pass == 0) {
                    acc[2 * key] += v;
                    acc[2 * key + 1] += v * v;
                } else {
                    double v2 = (v - acc[2 * key]) / acc[2 * key + 1];
                    if (y->dtype == OCT_DT_F32) ((float *)y->data)[e] = (float)v2;
                    else ((uint16_t *)y->data)[e] = oct_f32_to_f16((float)v2);
                }
            }
            for (int i = r - 2; i >= 0; i--) {
                if (++idx[i] < x->dims[i]) break;
                idx[i] = 0;
            }
        }
        if (pass == 0)
            for (int64_t k = 0; k < K; k++) {
                double m = acc[2 * k] / (double)cnt, m2 = acc[2 * k + 1] / (double)cnt, var = m2 - m * m;
                acc[2 * k] = m;
                acc[2 * k + 1] = sqrt(var > 0 ? var : 0) + 1e-9;
            }
    }
    free(acc);
    return OCT_OK;
}

const oct_op_impl oct_op_MeanVarianceNormalization = {
    .infer = mvn_infer,
    .compute = mvn_compute,
};
