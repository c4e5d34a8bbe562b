/* SoftmaxCrossEntropyLoss (opset 12, 13): log_prob = LogSoftmax(scores) over
 * the class axis 1, then the NegativeLogLikelihoodLoss of log_prob (weights,
 * ignore_index, reduction none / sum / mean). The optional second output is
 * log_prob itself. f16/f32/f64 (bf16 from opset 13) scores, computed in double. */
#include <math.h>
#include <stdlib.h>

#include "ops/ew_util.h"
#include "ops/loss_util.h"
#include "ops/shape_util.h"

static uint32_t sce_types(const oct_node *n)
{
    return OCT_DTS_FLOAT | (n->opset >= 13 ? OCT_DTB(OCT_DT_BF16) : 0u);
}

static oct_status sce_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    oct_loss_geom g;
    if (n->n_out > 2) return oct_err(OCT_E_INVALID, "%s: expects 1..2 outputs, got %d", n->op_type, n->n_out);
    OCT_TRY(oct_loss_setup(n, in, sce_types(n), &g, out[0]));
    if (n->n_out > 1 && out[1]) OCT_TRY(oct_out_shape(out[1], in[0]->dtype, in[0]->rank, in[0]->dims));
    return OCT_OK;
}

static oct_status sce_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0];
    oct_loss_geom g;
    oct_tensor hdr = *out[0];
    OCT_TRY(oct_loss_setup(n, in, sce_types(n), &g, &hdr));
    int64_t N = g.N, C = g.C, D = g.D;
    size_t cnt = (size_t)(N * C * D);
    double *lp = malloc((cnt ? cnt : 1) * sizeof *lp);
    if (!lp) return oct_err(OCT_E_NOMEM, "%s: out of memory", n->op_type);
    for (int64_t i = 0; i < N; i++)
        for (int64_t d = 0; d < D; d++) {
            size_t base = (size_t)(i * C * D + d);
            double m = -INFINITY, s = 0;
            for (int64_t c = 0; c < C; c++) {
                double v = oct_dtype_get(x->dtype, x->data, base + (size_t)(c * D));
                lp[base + (size_t)(c * D)] = v;
                m = v > m ? v : m;
            }
            for (int64_t c = 0; c < C; c++) s += exp(lp[base + (size_t)(c * D)] - m);
            double ls = log(s);
            for (int64_t c = 0; c < C; c++) lp[base + (size_t)(c * D)] = lp[base + (size_t)(c * D)] - m - ls;
        }
    oct_status s = oct_loss_nll(n, &g, OCT_DT_F64, lp, in[1], oct_ops_input(n, in, 2), out[0]);
    if (s == OCT_OK && n->n_out > 1 && out[1])
        for (size_t i = 0; i < cnt; i++) oct_dtype_set(out[1]->dtype, out[1]->data, i, lp[i]);
    free(lp);
    return s;
}

const oct_op_impl oct_op_SoftmaxCrossEntropyLoss = {
    .infer = sce_infer,
    .compute = sce_compute,
};
