/* Pow: y = a ^ b (numpy broadcasting). Base i32/i64/f16/f32/f64, exponent
 * any numeric dtype; y has the base's dtype. f32^f32 is the fast path (with
 * x*x / sqrt for a scalar 2 / 0.5 exponent); integer^integer uses exact
 * integer powers; everything else goes through double. */
#include <math.h>

#include "ops/binary.h"
#include "ops/broadcast.h"
#include "ops/ew_util.h"

static oct_status pow_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 2, 2));
    oct_dtype bt = in[0]->dtype, et = in[1]->dtype;
    uint32_t base_ok = OCT_DTS_FLOAT;
    if (n->opset >= 12) base_ok |= OCT_DTB(OCT_DT_I32) | OCT_DTB(OCT_DT_I64);
    if (!oct_dt_in(bt, base_ok)) return oct_op_bad_dtype(n, bt);
    if (!oct_dt_in(et, OCT_DTS_NUM)) return oct_op_bad_dtype(n, et);
    if (n->opset < 12 && et != bt)
        return oct_err(OCT_E_DTYPE, "Pow: exponent dtype %s differs from base %s", oct_dtype_name(et),
                       oct_dtype_name(bt));
    oct_tensor bv;
    OCT_TRY(oct_binop_legacy_view(n, in[0], in[1], &bv));
    const oct_tensor *ab[2] = {in[0], &bv};
    int rank;
    int64_t dims[OCT_MAX_RANK];
    OCT_TRY(oct_bcast_shape(2, ab, &rank, dims));
    return oct_out_shape(out[0], bt, rank, dims);
}

static float pow_one(float x, float w) { return powf(x, w); }

static void pow_row_f32(void *ctx, void *y_, const void *const *x, const int *s, int64_t n)
{
    (void)ctx;
    const float *a = x[0], *b = x[1];
    float *y = y_;
    if (s[0] && !s[1]) {
        float w = b[0];
        if (w == 2.0f) for (int64_t i = 0; i < n; i++) y[i] = a[i] * a[i];
        else if (w == 1.0f) for (int64_t i = 0; i < n; i++) y[i] = a[i];
        else if (w == 3.0f) for (int64_t i = 0; i < n; i++) y[i] = a[i] * a[i] * a[i];
        else if (w == 0.5f) for (int64_t i = 0; i < n; i++) y[i] = sqrtf(a[i]);
        else for (int64_t i = 0; i < n; i++) y[i] = pow_one(a[i], w);
        return;
    }
    for (int64_t i = 0; i < n; i++) y[i] = pow_one(a[s[0] ? i : 0], b[s[1] ? i : 0]);
}

static int64_t ipow(int64_t b, int64_t e)
{
    if (e < 0) return b == 1 ? 1 : b == -1 ? ((e & 1) ? -1 : 1) : 0;
    uint64_t r = 1, ub = (uint64_t)b; /* wraps like C integer arithmetic in two's complement */
    while (e) {
        if (e & 1) r *= ub;
        ub *= ub;
        e >>= 1;
    }
    return (int64_t)r;
}

typedef struct { oct_dtype bt, et, yt; } pow_gen;

static void pow_row_gen(void *ctx, void *y, const void *const *x, const int *s, int64_t n)
{
    const pow_gen *g = ctx;
    int iint = oct_dt_in(g->bt, OCT_DTS_INT) && oct_dt_in(g->et, OCT_DTS_INT);
    for (int64_t i = 0; i < n; i++) {
        size_t ia = s[0] ? (size_t)i : 0, ib = s[1] ? (size_t)i : 0;
        if (iint) {
            int64_t e = oct_ew_get_i64(g->et, x[1], ib);
            if (g->et == OCT_DT_U64 && e < 0) e = INT64_MAX; /* huge exponent */
            oct_ew_set_i64(g->yt, y, (size_t)i, ipow(oct_ew_get_i64(g->bt, x[0], ia), e));
        } else {
            double v = pow(oct_dtype_get(g->bt, x[0], ia), oct_dtype_get(g->et, x[1], ib));
            oct_ew_set_f64(g->yt, y, (size_t)i, v);
        }
    }
}

static oct_status pow_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    oct_tensor bv;
    OCT_TRY(oct_binop_legacy_view(n, in[0], in[1], &bv));
    const oct_tensor *ab[2] = {in[0], &bv};
    if (in[0]->dtype == OCT_DT_F32 && in[1]->dtype == OCT_DT_F32) {
        oct_bcast_run(oct_ex_pool(ex), 2, ab, out[0], pow_row_f32, NULL);
    } else {
        pow_gen g = {in[0]->dtype, in[1]->dtype, out[0]->dtype};
        oct_bcast_run(oct_ex_pool(ex), 2, ab, out[0], pow_row_gen, &g);
    }
    return OCT_OK;
}

const oct_op_impl oct_op_Pow = {
    .infer = pow_infer,
    .compute = pow_compute,
};
