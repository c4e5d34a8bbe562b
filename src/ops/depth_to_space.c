/* DepthToSpace: [N,C,H,W] -> [N,C/b^2,H*b,W*b], mode DCR (default) or CRD
 * (opset 11). A 6-D permutation of the input. Any dtype. */
#include <string.h>

#include "ops/shape_util.h"

static oct_status d2s_params(const oct_node *n, const oct_tensor *x, int64_t *b, int *crd)
{
    *b = oct_attr_int(n, "blocksize", 0);
    if (*b <= 0) return oct_err(OCT_E_INVALID, "DepthToSpace: blocksize must be positive");
    const char *mode = n->opset >= 11 ? oct_attr_str(n, "mode", "DCR") : "DCR";
    if (!strcmp(mode, "DCR")) *crd = 0;
    else if (!strcmp(mode, "CRD")) *crd = 1;
    else return oct_err(OCT_E_INVALID, "DepthToSpace: unknown mode '%s'", mode);
    if (x->rank != 4) return oct_err(OCT_E_INVALID, "DepthToSpace: input must be 4-D, got rank %d", x->rank);
    if (x->dims[1] % (*b * *b))
        return oct_err(OCT_E_SHAPE, "DepthToSpace: channels %lld are not divisible by blocksize^2 = %lld",
                       (long long)x->dims[1], (long long)(*b * *b));
    return OCT_OK;
}

static oct_status d2s_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    const oct_tensor *x = in[0];
    OCT_TRY(oct_ops_check_storable(n, x->dtype));
    int64_t b;
    int crd;
    OCT_TRY(d2s_params(n, x, &b, &crd));
    int64_t d[4] = {x->dims[0], x->dims[1] / (b * b), x->dims[2] * b, x->dims[3] * b};
    return oct_out_shape(out[0], x->dtype, 4, d);
}

static oct_status d2s_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    const oct_tensor *x = in[0];
    int64_t b;
    int crd;
    OCT_TRY(d2s_params(n, x, &b, &crd));
    if (oct_tensor_numel(x) == 0) return OCT_OK;
    int64_t N = x->dims[0], C = x->dims[1] / (b * b), H = x->dims[2], W = x->dims[3];
    if (crd) {
        int64_t v[6] = {N, C, b, b, H, W};
        int perm[6] = {0, 1, 4, 2, 5, 3};
        oct_ops_permute(out[0]->data, x->data, oct_dtype_size(x->dtype), 6, v, perm, ex->pool);
    } else {
        int64_t v[6] = {N, b, b, C, H, W};
        int perm[6] = {0, 3, 4, 1, 5, 2};
        oct_ops_permute(out[0]->data, x->data, oct_dtype_size(x->dtype), 6, v, perm, ex->pool);
    }
    return OCT_OK;
}

const oct_op_impl oct_op_DepthToSpace = {
    .infer = d2s_infer,
    .compute = d2s_compute,
};
