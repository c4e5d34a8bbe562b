/* Shared core of the NegativeLogLikelihoodLoss / SoftmaxCrossEntropyLoss ops
 * (see loss_util.h). Accumulation is in double. */
#include <string.h>

#include "ops/ew_util.h"
#include "ops/loss_util.h"
#include "ops/shape_util.h"

oct_status oct_loss_setup(const oct_node *n, const oct_tensor *const *in, uint32_t float_types,
                          oct_loss_geom *g, oct_tensor *out0)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 3, 2));
    const oct_tensor *x = in[0], *t = in[1], *w = oct_ops_input(n, in, 2);
    if (!oct_dt_in(x->dtype, float_types)) return oct_op_bad_dtype(n, x->dtype);
    if (t->dtype != OCT_DT_I32 && t->dtype != OCT_DT_I64)
        return oct_err(OCT_E_DTYPE, "%s: target must be int32/int64, got %s", n->op_type, oct_dtype_name(t->dtype));
    if (x->rank < 2)
        return oct_err(OCT_E_SHAPE, "%s: input must have shape [N, C, ...] (rank >= 2), got rank %d", n->op_type,
                       x->rank);
    char a[128], b[128];
    int bad = t->rank != x->rank - 1 || t->dims[0] != x->dims[0];
    for (int i = 1; !bad && i < t->rank; i++) bad = t->dims[i] != x->dims[i + 1];
    if (bad)
        return oct_err(OCT_E_SHAPE, "%s: target shape %s does not fit input shape %s (expected [N, d1, ...])",
                       n->op_type, oct_shape_str(t->rank, t->dims, a, sizeof a),
                       oct_shape_str(x->rank, x->dims, b, sizeof b));
    if (w) {
        if (w->dtype != x->dtype)
            return oct_err(OCT_E_DTYPE, "%s: weight dtype %s differs from input dtype %s", n->op_type,
                           oct_dtype_name(w->dtype), oct_dtype_name(x->dtype));
        if (w->rank != 1 || w->dims[0] != x->dims[1])
            return oct_err(OCT_E_SHAPE, "%s: weight must have shape [C] = [%lld], got %s", n->op_type,
                           (long long)x->dims[1], oct_shape_str(w->rank, w->dims, a, sizeof a));
    }
    const char *red = oct_attr_str(n, "reduction", "mean");
    if (!strcmp(red, "none")) g->red = OCT_LOSS_NONE;
    else if (!strcmp(red, "sum")) g->red = OCT_LOSS_SUM;
    else if (!strcmp(red, "mean")) g->red = OCT_LOSS_MEAN;
    else
        return oct_err(OCT_E_INVALID, "%s: reduction '%s' is not one of none, sum, mean", n->op_type, red);
    g->has_ii = oct_node_attr(n, "ignore_index") != NULL;
    g->ii = oct_attr_int(n, "ignore_index", 0);
    g->N = x->dims[0];
    g->C = x->dims[1];
    g->D = oct_shape_numel(x->rank - 2, x->dims + 2);
    if (g->red == OCT_LOSS_NONE) return oct_out_shape(out0, x->dtype, t->rank, t->dims);
    return oct_out_shape(out0, x->dtype, 0, NULL);
}

oct_status oct_loss_nll(const oct_node *n, const oct_loss_geom *g, oct_dtype xdt, const void *x,
                        const oct_tensor *target, const oct_tensor *weight, oct_tensor *out)
{
    int64_t N = g->N, C = g->C, D = g->D;
    double acc = 0, wsum = 0;
    for (int64_t i = 0; i < N; i++)
        for (int64_t d = 0; d < D; d++) {
            int64_t pos = i * D + d;
            int64_t t = oct_ew_get_i64(target->dtype, target->data, (size_t)pos);
            double l = 0, w = 0;
            if (!(g->has_ii && t == g->ii)) {
                if (t < 0 || t >= C)
                    return oct_err(OCT_E_INVALID, "%s: target %lld (at position %lld) is out of range [0, %lld)%s",
                                   n->op_type, (long long)t, (long long)pos, (long long)C,
                                   g->has_ii ? " and is not ignore_index" : "");
                w = weight ? oct_dtype_get(weight->dtype, weight->data, (size_t)t) : 1.0;
                l = -oct_dtype_get(xdt, x, (size_t)((i * C + t) * D + d)) * w;
            }
            if (g->red == OCT_LOSS_NONE) oct_dtype_set(out->dtype, out->data, (size_t)pos, l);
            acc += l;
            wsum += w;
        }
    if (g->red == OCT_LOSS_SUM) oct_dtype_set(out->dtype, out->data, 0, acc);
    else if (g->red == OCT_LOSS_MEAN) oct_dtype_set(out->dtype, out->data, 0, acc / wsum);
    return OCT_OK;
}
