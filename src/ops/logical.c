/* And, Or, Xor (numpy broadcasting) and Not on bool tensors. Any nonzero
 * byte counts as true; outputs are 0/1. */
#include "ops/binary.h"
#include "ops/broadcast.h"

OCT_BIN_KERNEL(and_b, uint8_t, uint8_t, (x != 0) & (w != 0))
OCT_BIN_KERNEL(or_b, uint8_t, uint8_t, (x != 0) | (w != 0))
OCT_BIN_KERNEL(xor_b, uint8_t, uint8_t, (x != 0) ^ (w != 0))

static const oct_binop and_op = {.k = {[OCT_DT_BOOL] = and_b}, .out_bool = 1};
static const oct_binop or_op = {.k = {[OCT_DT_BOOL] = or_b}, .out_bool = 1};
static const oct_binop xor_op = {.k = {[OCT_DT_BOOL] = xor_b}, .out_bool = 1};

OCT_BINOP_IMPL(And, and_op)
OCT_BINOP_IMPL(Or, or_op)
OCT_BINOP_IMPL(Xor, xor_op)

static oct_status not_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    if (in[0]->dtype != OCT_DT_BOOL) return oct_op_bad_dtype(n, in[0]->dtype);
    return oct_out_shape(out[0], OCT_DT_BOOL, in[0]->rank, in[0]->dims);
}

static void not_range(void *ctx, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const oct_tensor *const *io = ctx;
    const uint8_t *x = io[0]->data;
    uint8_t *y = io[1]->data;
    for (int64_t i = b; i < e; i++) y[i] = x[i] == 0;
}

static oct_status not_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    (void)n;
    const oct_tensor *io[2] = {in[0], out[0]};
    oct_pool_for(oct_ex_pool(ex), oct_tensor_numel(in[0]), OCT_EW_GRAIN, not_range, io);
    return OCT_OK;
}

const oct_op_impl oct_op_Not = {
    .infer = not_infer,
    .compute = not_compute,
};
