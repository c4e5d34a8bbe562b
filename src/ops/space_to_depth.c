/* SpaceToDepth: [N,C,H,W] -> [N,C*b^2,H/b,W/b] (inverse of DepthToSpace DCR).
 * A 6-D permutation of the input. Any dtype. */
#include "ops/shape_util.h"

static oct_status s2d_params(const oct_node *n, const oct_tensor *x, int64_t *b)
{
    (void)n;
    *b = oct_attr_int(n, "blocksize", 0);
    if (*b <= 0) return oct_err(OCT_E_INVALID, "SpaceToDepth: blocksize must be positive");
    if (x->rank != 4) return oct_err(OCT_E_INVALID, "SpaceToDepth: input must be 4-D, got rank %d", x->rank);
    if (x->dims[2] % *b || x->dims[3] % *b)
        return oct_err(OCT_E_SHAPE, "SpaceToDepth: H=%lld and W=%lld must be divisible by blocksize %lld",
                       (long long)x->dims[2], (long long)x->dims[3], (long long)*b);
    return OCT_OK;
}

static oct_status s2d_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    const oct_tensor *x = in[0];
    OCT_TRY(oct_ops_check_storable(n, x->dtype));
    int64_t b;
    OCT_TRY(s2d_params(n, x, &b));
    int64_t d[4] = {x->dims[0], x->dims[1] * b * b, x->dims[2] / b, x->dims[3] / b};
    return oct_out_shape(out[0], x->dtype, 4, d);
}

static oct_status s2d_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    const oct_tensor *x = in[0];
    int64_t b;
    OCT_TRY(s2d_params(n, x, &b));
    if (oct_tensor_numel(x) == 0) return OCT_OK;
    int64_t v[6] = {x->dims[0], x->dims[1], x->dims[2] / b, b, x->dims[3] / b, b};
    int perm[6] = {0, 3, 5, 1, 2, 4};
    oct_ops_permute(out[0]->data, x->data, oct_dtype_size(x->dtype), 6, v, perm, ex->pool);
    return OCT_OK;
}

const oct_op_impl oct_op_SpaceToDepth = {
    .infer = s2d_infer,
    .compute = s2d_compute,
};
