/* NegativeLogLikelihoodLoss (opset 12, 13): loss[n, d] = -input[n, target[n, d], d]
 * * weight[target[n, d]], zero where target == ignore_index; reduction none /
 * sum / mean (weighted mean when weights or ignore_index apply). f16/f32/f64
 * scores, i32/i64 targets; accumulation in double. */
#include "ops/ew_util.h"
#include "ops/loss_util.h"
#include "ops/shape_util.h"

static oct_status nll_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    oct_loss_geom g;
    return oct_loss_setup(n, in, OCT_DTS_FLOAT, &g, out[0]);
}

static oct_status nll_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    (void)ex;
    oct_loss_geom g;
    oct_tensor hdr = *out[0]; /* setup only rewrites the shape: keep out[0] untouched */
    OCT_TRY(oct_loss_setup(n, in, OCT_DTS_FLOAT, &g, &hdr));
    return oct_loss_nll(n, &g, in[0]->dtype, in[0]->data, in[1], oct_ops_input(n, in, 2), out[0]);
}

const oct_op_impl oct_op_NegativeLogLikelihoodLoss = {
    .infer = nll_infer,
    .compute = nll_compute,
};
