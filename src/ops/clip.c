/* Clip: y = min(max(x, lo), hi). Opsets 1-10 take min/max attributes (absent
 * = unbounded); 11+ take optional scalar inputs 1 (min) and 2 (max) of x's
 * dtype, read at compute time. Floats, and integers from opset 12. */
#include <float.h>

#include "ops/unary.h"

static oct_status clip_bound_check(const oct_node *n, const oct_tensor *t, oct_dtype dt, const char *what)
{
    if (!t) return OCT_OK;
    if (t->dtype != dt)
        return oct_err(OCT_E_DTYPE, "Clip: %s has dtype %s, x %s", what, oct_dtype_name(t->dtype),
                       oct_dtype_name(dt));
    if (oct_tensor_numel(t) != 1)
        return oct_err(OCT_E_SHAPE, "Clip: %s must be a scalar, has %lld elements", what,
                       (long long)oct_tensor_numel(t));
    (void)n;
    return OCT_OK;
}

static oct_status clip_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    oct_dtype dt = in[0] ? in[0]->dtype : OCT_DT_UNDEFINED;
    if (n->opset < 11) {
        OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    } else {
        OCT_TRY(oct_op_check_arity(n, in, 1, 3, 1));
        OCT_TRY(clip_bound_check(n, n->n_in > 1 ? in[1] : NULL, dt, "min"));
        OCT_TRY(clip_bound_check(n, n->n_in > 2 ? in[2] : NULL, dt, "max"));
    }
    uint32_t ok = n->opset >= 12 ? OCT_DTS_NUM : OCT_DTS_FLOAT;
    if (!oct_dt_in(dt, ok)) return oct_op_bad_dtype(n, dt);
    return oct_out_shape(out[0], dt, in[0]->rank, in[0]->dims);
}

/* bounds travel as floats (alpha/beta) and int64 (i0/i1) */
static void clip_f32(const float *x, float *y, int64_t n, const oct_unparams *p)
{
    const float lo = p->alpha, hi = p->beta;
    for (int64_t i = 0; i < n; i++) {
        float v = x[i] < lo ? lo : x[i];
        y[i] = v > hi ? hi : v;
    }
}
static double clip_f64(double x, const oct_unparams *p)
{
    double v = x < p->d0 ? p->d0 : x;
    return v > p->d1 ? p->d1 : v;
}
static int64_t clip_i64(int64_t x, int uns, const oct_unparams *p)
{
    if (uns) {
        uint64_t v = (uint64_t)x < (uint64_t)p->i0 ? (uint64_t)p->i0 : (uint64_t)x;
        return (int64_t)(v > (uint64_t)p->i1 ? (uint64_t)p->i1 : v);
    }
    int64_t v = x < p->i0 ? p->i0 : x;
    return v > p->i1 ? p->i1 : v;
}

static const oct_unop clip_op = {.types = OCT_DTS_NUM, .f32 = clip_f32, .f64 = clip_f64, .i64 = clip_i64};

static oct_status clip_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                               const oct_exec *ex)
{
    oct_dtype dt = in[0]->dtype;
    oct_unparams p = {0};
    int uns = oct_dt_in(dt, OCT_DTS_UINT);
    p.d0 = -INFINITY;
    p.d1 = INFINITY;
    p.i0 = uns ? 0 : INT64_MIN;
    p.i1 = uns ? -1 /* UINT64_MAX */ : INT64_MAX;
    if (n->opset < 11) {
        const oct_attr *a = oct_node_attr(n, "min"), *b = oct_node_attr(n, "max");
        if (a) p.d0 = a->f;
        else if (n->opset >= 6) p.d0 = -FLT_MAX;
        if (b) p.d1 = b->f;
        else if (n->opset >= 6) p.d1 = FLT_MAX;
    } else {
        for (int k = 1; k <= 2 && k < n->n_in; k++) {
            const oct_tensor *t = in[k];
            if (!t) continue;
            if (!t->data) return oct_err(OCT_E_INVALID, "Clip: bound input %d has no data", k);
            if (oct_dt_in(dt, OCT_DTS_INT)) {
                int64_t v = oct_ew_get_i64(dt, t->data, 0);
                if (k == 1) p.i0 = v;
                else p.i1 = v;
            } else {
                double v = oct_dtype_get(dt, t->data, 0);
                if (k == 1) p.d0 = v;
                else p.d1 = v;
            }
        }
    }
    p.alpha = (float)p.d0;
    p.beta = (float)p.d1;
    oct_unop_run(&clip_op, &p, dt, in[0]->data, out[0]->data, oct_tensor_numel(in[0]), ex ? ex->pool : NULL);
    return OCT_OK;
}

const oct_op_impl oct_op_Clip = {
    .infer = clip_infer,
    .compute = clip_compute,
};
