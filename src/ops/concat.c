/* Concat along `axis` (negative from opset 11). Any dtype. Empty inputs are fine. */
#include <string.h>

#include "ops/shape_util.h"

static oct_status concat_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, -1, n->n_in));
    const oct_tensor *x = in[0];
    OCT_TRY(oct_ops_check_storable(n, x->dtype));
    if (!oct_node_attr(n, "axis") && n->opset >= 4)
        return oct_err(OCT_E_INVALID, "Concat: attribute 'axis' is required");
    int axis;
    if (x->rank == 0) return oct_err(OCT_E_INVALID, "Concat: inputs must have rank >= 1");
    OCT_TRY(oct_axis_norm(oct_attr_int(n, "axis", 1), x->rank, &axis));
    int64_t d[OCT_MAX_RANK];
    for (int i = 0; i < x->rank; i++) d[i] = x->dims[i];
    for (int k = 1; k < n->n_in; k++) {
        const oct_tensor *t = in[k];
        if (t->dtype != x->dtype)
            return oct_err(OCT_E_DTYPE, "Concat: input %d is %s, input 0 is %s", k, oct_dtype_name(t->dtype),
                           oct_dtype_name(x->dtype));
        int ok = t->rank == x->rank;
        for (int i = 0; ok && i < x->rank; i++) ok = i == axis || t->dims[i] == x->dims[i];
        if (!ok) {
            char a[96], b[96];
            return oct_err(OCT_E_SHAPE, "Concat: input %d shape %s does not match input 0 shape %s on axis %d",
                           k, oct_shape_str(t->rank, t->dims, a, sizeof a),
                           oct_shape_str(x->rank, x->dims, b, sizeof b), axis);
        }
        d[axis] += t->dims[axis];
    }
    return oct_out_shape(out[0], x->dtype, x->rank, d);
}

typedef struct {
    const oct_node *n;
    const oct_tensor *const *in;
    char *dst;
    size_t es;
    int axis;
    int64_t out_row; /* bytes per outer index in the output */
} concat_ctx;

static void concat_range(void *vctx, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const concat_ctx *c = vctx;
    for (int64_t o = b; o < e; o++) {
        char *d = c->dst + o * c->out_row;
        for (int k = 0; k < c->n->n_in; k++) {
            const oct_tensor *t = c->in[k];
            int64_t row = oct_shape_numel(t->rank - c->axis, t->dims + c->axis) * (int64_t)c->es;
            if (row) memcpy(d, (const char *)t->data + o * row, (size_t)row);
            d += row;
        }
    }
}

static oct_status concat_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                 const oct_exec *ex)
{
    oct_tensor *y = out[0];
    int64_t total = oct_tensor_numel(y);
    if (total == 0) return OCT_OK;
    concat_ctx c = {n, in, y->data, oct_dtype_size(y->dtype), 0, 0};
    OCT_TRY(oct_axis_norm(oct_attr_int(n, "axis", 1), y->rank, &c.axis));
    int64_t outer = oct_shape_numel(c.axis, y->dims);
    c.out_row = total / outer * (int64_t)c.es;
    int64_t grain = (1 << 16) / (c.out_row ? c.out_row : 1);
    if (total * (int64_t)c.es >= (1 << 17)) oct_pool_for(ex->pool, outer, grain > 0 ? grain : 1, concat_range, &c);
    else concat_range(&c, 0, outer, 0);
    return OCT_OK;
}

const oct_op_impl oct_op_Concat = {
    .infer = concat_infer,
    .compute = concat_compute,
};
