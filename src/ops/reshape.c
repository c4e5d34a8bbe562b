/* Reshape: 0 copies the input dim (unless allowzero), -1 is inferred.
 * Opset < 5 takes the shape from the `shape` attribute, later from input 1. */
#include "ops/shape_util.h"

static oct_status reshape_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    int64_t shape[OCT_MAX_RANK + 1];
    int cnt = -1;
    if (n->opset < 5) {
        OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    } else {
        OCT_TRY(oct_op_check_arity(n, in, 2, 2, 2));
    }
    const oct_tensor *x = in[0];
    OCT_TRY(oct_ops_check_storable(n, x->dtype));
    if (n->opset >= 5 && oct_tensor_numel(in[1]) > OCT_MAX_RANK)
        return oct_err(OCT_E_UNSUPPORTED, "Reshape: target rank %lld exceeds the maximum %d",
                       (long long)oct_tensor_numel(in[1]), OCT_MAX_RANK);
    OCT_TRY(oct_ops_ints_attr_or_input(n, in, "shape", 5, 1, shape, OCT_MAX_RANK, &cnt));
    if (cnt < 0) return oct_err(OCT_E_INVALID, "Reshape: the target shape is missing");
    int allowzero = n->opset >= 14 ? (int)oct_attr_int(n, "allowzero", 0) : 0;
    int64_t known = 1;
    int neg = -1;
    for (int i = 0; i < cnt; i++) {
        if (shape[i] == 0 && !allowzero) {
            if (i >= x->rank)
                return oct_err(OCT_E_INVALID, "Reshape: shape[%d] = 0 copies a dim the rank-%d input does not have",
                               i, x->rank);
            shape[i] = x->dims[i];
        }
        if (shape[i] == -1) {
            if (neg >= 0) return oct_err(OCT_E_INVALID, "Reshape: more than one -1 in the target shape");
            neg = i;
            continue;
        }
        if (shape[i] < 0)
            return oct_err(OCT_E_INVALID, "Reshape: negative size %lld in the target shape", (long long)shape[i]);
        known *= shape[i];
    }
    int64_t numel = oct_tensor_numel(x);
    if (neg >= 0) {
        if (known == 0) {
            if (numel != 0)
                return oct_err(OCT_E_SHAPE, "Reshape: cannot infer -1 with a zero-sized target shape");
            shape[neg] = 0;
        } else {
            if (numel % known)
                return oct_err(OCT_E_SHAPE, "Reshape: %lld elements do not divide into the target shape",
                               (long long)numel);
            shape[neg] = numel / known;
        }
        known *= shape[neg];
    }
    if (known != numel) {
        char a[96], b[96];
        return oct_err(OCT_E_SHAPE, "Reshape: input %s has %lld elements, target shape %s has %lld",
                       oct_shape_str(x->rank, x->dims, a, sizeof a), (long long)numel,
                       oct_shape_str(cnt, shape, b, sizeof b), (long long)known);
    }
    return oct_out_shape(out[0], x->dtype, cnt, shape);
}

static oct_status reshape_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                  const oct_exec *ex)
{
    (void)n; (void)ex;
    oct_ops_copy_data(out[0], in[0]);
    return OCT_OK;
}

const oct_op_impl oct_op_Reshape = {
    .view = 1,
    .shape_inputs = 1u << 1,
    .infer = reshape_infer,
    .compute = reshape_compute,
};
