/* Tile: repeat the input `repeats[i]` times along each axis (opset >= 6). Any dtype. */
#include "ops/shape_util.h"

static oct_status tile_repeats(const oct_node *n, const oct_tensor *const *in, int64_t *rep)
{
    const oct_tensor *x = in[0], *r = in[1];
    if (r->rank != 1 || r->dims[0] != x->rank)
        return oct_err(OCT_E_INVALID, "Tile: repeats must be 1-D with %d entries", x->rank);
    int cnt;
    OCT_TRY(oct_tensor_read_ints(r, rep, OCT_MAX_RANK, &cnt));
    for (int i = 0; i < cnt; i++)
        if (rep[i] < 0) return oct_err(OCT_E_INVALID, "%s: negative repeat %lld", n->op_type, (long long)rep[i]);
    return OCT_OK;
}

static oct_status tile_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 2, 2));
    OCT_TRY(oct_ops_check_storable(n, in[0]->dtype));
    int64_t rep[OCT_MAX_RANK], d[OCT_MAX_RANK];
    OCT_TRY(tile_repeats(n, in, rep));
    for (int i = 0; i < in[0]->rank; i++) d[i] = in[0]->dims[i] * rep[i];
    return oct_out_shape(out[0], in[0]->dtype, in[0]->rank, d);
}

static oct_status tile_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                               const oct_exec *ex)
{
    const oct_tensor *x = in[0];
    int64_t rep[OCT_MAX_RANK], xs[OCT_MAX_RANK];
    OCT_TRY(tile_repeats(n, in, rep));
    if (oct_tensor_numel(out[0]) == 0) return OCT_OK;
    /* view the output as [r0, d0, r1, d1, ...] with stride 0 on the repeats */
    int64_t d[OCT_OPS_VIEW_RANK], s[OCT_OPS_VIEW_RANK];
    oct_shape_strides(x->rank, x->dims, xs);
    for (int i = 0; i < x->rank; i++) {
        d[2 * i] = rep[i];
        s[2 * i] = 0;
        d[2 * i + 1] = x->dims[i];
        s[2 * i + 1] = xs[i];
    }
    oct_ops_strided_copy(out[0]->data, x->data, oct_dtype_size(x->dtype), 2 * x->rank, d, s, ex->pool);
    return OCT_OK;
}

const oct_op_impl oct_op_Tile = {
    .shape_inputs = 1u << 1,
    .infer = tile_infer,
    .compute = tile_compute,
};
