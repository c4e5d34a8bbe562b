/* Hardmax: 1 at the first maximum along the axis, 0 elsewhere (same axis
 * semantics as Softmax: opset >= 13 one axis, default -1; older opsets
 * flatten to 2D at axis, default 1). f16/f32/f64. */
#include "ops/ew_util.h"
#include "ops/softmax.h"

static oct_status hardmax_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    if (!oct_dt_in(in[0]->dtype, OCT_DTS_FLOAT)) return oct_op_bad_dtype(n, in[0]->dtype);
    int64_t o, l, i;
    OCT_TRY(oct_softmax_geom(n, in[0], &o, &l, &i));
    return oct_out_shape(out[0], in[0]->dtype, in[0]->rank, in[0]->dims);
}

static oct_status hardmax_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                  const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0];
    oct_dtype dt = x->dtype;
    int64_t outer, L, inner;
    OCT_TRY(oct_softmax_geom(n, x, &outer, &L, &inner));
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < inner; j++) {
            size_t base = (size_t)(o * L * inner + j);
            int64_t best = 0;
            double bv = 0;
            for (int64_t l = 0; l < L; l++) {
                double v = oct_dtype_get(dt, x->data, base + (size_t)(l * inner));
                if (l == 0 || v > bv) {
                    bv = v;
                    best = l;
                }
            }
            /* x is read fully before y is written, so y may be x */
            for (int64_t l = 0; l < L; l++)
                oct_dtype_set(dt, out[0]->data, base + (size_t)(l * inner), l == best ? 1.0 : 0.0);
        }
    return OCT_OK;
}

const oct_op_impl oct_op_Hardmax = {
    .infer = hardmax_infer,
    .compute = hardmax_compute,
};
