/* Expand: broadcast the input to the (bidirectionally broadcast) shape given by
 * input 1's values. Any dtype. */
#include "ops/shape_util.h"

static oct_status expand_shape(const oct_node *n, const oct_tensor *const *in, int *r, int64_t *d)
{
    int64_t s[OCT_MAX_RANK];
    int cnt;
    if (in[1]->rank != 1)
        return oct_err(OCT_E_INVALID, "Expand: the shape input must be 1-D, got rank %d", in[1]->rank);
    if (in[1]->dims[0] > OCT_MAX_RANK)
        return oct_err(OCT_E_UNSUPPORTED, "Expand: rank %lld exceeds the maximum %d", (long long)in[1]->dims[0],
                       OCT_MAX_RANK);
    OCT_TRY(oct_tensor_read_ints(in[1], s, OCT_MAX_RANK, &cnt));
    for (int i = 0; i < cnt; i++)
        if (s[i] < 0) return oct_err(OCT_E_INVALID, "Expand: negative dim %lld in the shape", (long long)s[i]);
    oct_status st = oct_shape_broadcast(in[0]->rank, in[0]->dims, cnt, s, r, d);
    if (st) return oct_err_ctx(st, "%s: ", n->op_type);
    return OCT_OK;
}

static oct_status expand_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 2, 2));
    OCT_TRY(oct_ops_check_storable(n, in[0]->dtype));
    int r;
    int64_t d[OCT_MAX_RANK];
    OCT_TRY(expand_shape(n, in, &r, d));
    return oct_out_shape(out[0], in[0]->dtype, r, d);
}

static oct_status expand_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                 const oct_exec *ex)
{
    (void)n;
    const oct_tensor *x = in[0];
    oct_tensor *y = out[0];
    if (oct_tensor_numel(y) == 0) return OCT_OK;
    int64_t xs[OCT_MAX_RANK], s[OCT_MAX_RANK];
    oct_shape_strides(x->rank, x->dims, xs);
    int off = y->rank - x->rank;
    for (int i = 0; i < y->rank; i++) {
        int j = i - off;
        s[i] = (j < 0 || x->dims[j] == 1) ? 0 : xs[j];
    }
    oct_ops_strided_copy(y->data, x->data, oct_dtype_size(x->dtype), y->rank, y->dims, s, ex->pool);
    return OCT_OK;
}

const oct_op_impl oct_op_Expand = {
    .shape_inputs = 1u << 1,
    .infer = expand_infer,
    .compute = expand_compute,
};
