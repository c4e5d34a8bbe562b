/* DFT (opset 17): input [batch, n_1, ..., n_k, 1 | 2] (real | complex), the
 * transform runs along `axis` (default 1; negative counts from the end of
 * the signal dims) over dft_length samples (optional scalar input, a shape
 * input: the signal is truncated or zero-padded; default the axis length).
 * inverse = 1 is the inverse transform scaled by 1/n. onesided = 1 (real
 * input only) keeps the first floor(n/2) + 1 bins. Output: [.., bins, .., 2].
 * f16/f32/f64, computed in double through fft_util. */
#include <stdlib.h>

#include "ops/ew_util.h"
#include "ops/fft_util.h"
#include "ops/shape_util.h"

typedef struct dft_geom {
    int axis;
    int64_t len, bins;
} dft_geom;

static oct_status dft_geometry(const oct_node *n, const oct_tensor *const *in, dft_geom *g)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 2, 1));
    const oct_tensor *x = in[0], *dl = oct_ops_input(n, in, 1);
    if (!oct_dt_in(x->dtype, OCT_DTS_FLOAT)) return oct_op_bad_dtype(n, x->dtype);
    if (x->rank < 3 || (x->dims[x->rank - 1] != 1 && x->dims[x->rank - 1] != 2)) {
        char a[160];
        return oct_err(OCT_E_SHAPE, "DFT: input must be [batch, n_1, ..., 1 | 2], got %s",
                       oct_shape_str(x->rank, x->dims, a, sizeof a));
    }
    int64_t ax = oct_attr_int(n, "axis", 1);
    if (ax < 0) ax += x->rank; /* -2 is the last signal dim */
    if (ax < 0 || ax > x->rank - 2)
        return oct_err(OCT_E_INVALID, "DFT: axis %lld must name a signal dim, in [1, %d]",
                       (long long)oct_attr_int(n, "axis", 1), x->rank - 2);
    g->axis = (int)ax;
    g->len = x->dims[ax];
    if (dl) {
        if (dl->dtype != OCT_DT_I32 && dl->dtype != OCT_DT_I64)
            return oct_err(OCT_E_DTYPE, "DFT: dft_length must be int32/int64, got %s", oct_dtype_name(dl->dtype));
        if (oct_tensor_numel(dl) != 1 || dl->rank > 1) return oct_err(OCT_E_SHAPE, "DFT: dft_length must be a scalar");
        if (!dl->data) return oct_err(OCT_E_UNSUPPORTED, "DFT: dft_length must be known when planning");
        g->len = oct_ew_get_i64(dl->dtype, dl->data, 0);
        if (g->len < 1)
            return oct_err(OCT_E_INVALID, "DFT: dft_length %lld must be positive", (long long)g->len);
    }
    int onesided = (int)oct_attr_int(n, "onesided", 0), inverse = (int)oct_attr_int(n, "inverse", 0);
    if (onesided && x->dims[x->rank - 1] == 2)
        return oct_err(OCT_E_INVALID, "DFT: onesided output needs a real input (last dim 1)");
    if (onesided && inverse)
        return oct_err(OCT_E_UNSUPPORTED, "DFT: onesided together with inverse is not supported");
    g->bins = onesided ? g->len / 2 + 1 : g->len;
    if (g->len > ((int64_t)1 << 28)) return oct_err(OCT_E_UNSUPPORTED, "DFT: dft_length %lld is too large", (long long)g->len);
    return OCT_OK;
}

static oct_status dft_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    dft_geom g;
    OCT_TRY(dft_geometry(n, in, &g));
    int64_t d[OCT_MAX_RANK];
    const oct_tensor *x = in[0];
    for (int i = 0; i < x->rank; i++) d[i] = x->dims[i];
    d[g.axis] = g.bins;
    d[x->rank - 1] = 2;
    return oct_out_shape(out[0], x->dtype, x->rank, d);
}

static oct_status dft_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0];
    dft_geom g;
    OCT_TRY(dft_geometry(n, in, &g));
    int r = x->rank, inverse = (int)oct_attr_int(n, "inverse", 0);
    int64_t c = x->dims[r - 1], Lin = x->dims[g.axis];
    int64_t outer = oct_shape_numel(g.axis, x->dims);
    int64_t inner = oct_shape_numel(r - 2 - g.axis, x->dims + g.axis + 1);
    if (outer * inner == 0) return OCT_OK;
    oct_fft f;
    OCT_TRY(oct_fft_init(&f, g.len));
    double *buf = malloc((size_t)(2 * g.len) * sizeof *buf);
    if (!buf) {
        oct_fft_free(&f);
        return oct_err(OCT_E_NOMEM, "DFT: out of memory");
    }
    int64_t take = Lin < g.len ? Lin : g.len;
    double scale = inverse ? 1.0 / (double)g.len : 1.0;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            for (int64_t j = 0; j < g.len; j++) {
                size_t src = (size_t)(((o * Lin + j) * inner + i) * c);
                buf[2 * j] = j < take ? oct_dtype_get(x->dtype, x->data, src) : 0.0;
                buf[2 * j + 1] = j < take && c == 2 ? oct_dtype_get(x->dtype, x->data, src + 1) : 0.0;
            }
            oct_fft_run(&f, buf, inverse);
            for (int64_t k = 0; k < g.bins; k++) {
                size_t dst = (size_t)(((o * g.bins + k) * inner + i) * 2);
                oct_dtype_set(out[0]->dtype, out[0]->data, dst, buf[2 * k] * scale);
                oct_dtype_set(out[0]->dtype, out[0]->data, dst + 1, buf[2 * k + 1] * scale);
            }
        }
    free(buf);
    oct_fft_free(&f);
    return OCT_OK;
}

const oct_op_impl oct_op_DFT = {
    .shape_inputs = 1u << 1,
    .infer = dft_infer,
    .compute = dft_compute,
};
