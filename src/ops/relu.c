/* Relu: y = max(x, 0). f32 (and f16/i8/i32/i64 via generic path). */
#include "ops/op.h"

static oct_status relu_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    switch (in[0]->dtype) {
    case OCT_DT_F32: case OCT_DT_I8: case OCT_DT_I32: case OCT_DT_I64: case OCT_DT_F64: break;
    default: return oct_op_bad_dtype(n, in[0]->dtype);
    }
    return oct_out_shape(out[0], in[0]->dtype, in[0]->rank, in[0]->dims);
}

typedef struct { const float *x; float *y; } relu_args;

static void relu_range(void *ctx, int64_t b, int64_t e, int tid)
{
    (void)tid;
    relu_args *a = ctx;
    for (int64_t i = b; i < e; i++) a->y[i] = a->x[i] > 0.f ? a->x[i] : 0.f;
}

static oct_status relu_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                               const oct_exec *ex)
{
    (void)n;
    int64_t cnt = oct_tensor_numel(in[0]);
    if (in[0]->dtype == OCT_DT_F32) {
        relu_args a = {in[0]->data, out[0]->data};
        oct_pool_for(ex->pool, cnt, 1 << 15, relu_range, &a);
        return OCT_OK;
    }
    for (int64_t i = 0; i < cnt; i++) {
        double v = oct_dtype_get(in[0]->dtype, in[0]->data, (size_t)i);
        oct_dtype_set(out[0]->dtype, out[0]->data, (size_t)i, v > 0 ? v : 0);
    }
    return OCT_OK;
}

const oct_op_impl oct_op_Relu = {
    .infer = relu_infer,
    .compute = relu_compute,
};
