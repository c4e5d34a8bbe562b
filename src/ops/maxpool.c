/* MaxPool (opsets 1..22): 1-D/2-D/3-D, kernel_shape, strides, pads, auto_pad,
 * dilations and ceil_mode (>= 10), storage_order and the optional Indices
 * output (>= 8). f32/f16, and u8/i8 from opset 12. */
#include "ops/op.h"
#include "ops/pool_common.h"

static oct_status maxpool_geom(const oct_node *n, const oct_tensor *x, oct_pooling_geom *g)
{
    oct_pooling_opts o = {n->opset >= 10, n->opset >= 10};
    return oct_pooling_geom_init(n, x, &o, g);
}

static oct_status maxpool_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    if (n->n_out < 1 || n->n_out > 2 || !out[0])
        return oct_err(OCT_E_INVALID, "MaxPool '%s': expects output Y and optional Indices (%d outputs)", n->name,
                       n->n_out);
    OCT_TRY(oct_pooling_check_dtype(n, in[0]->dtype, n->opset >= 12));
    int64_t so = oct_attr_int(n, "storage_order", 0);
    if (so != 0 && so != 1)
        return oct_err(OCT_E_INVALID, "MaxPool '%s': storage_order must be 0 or 1, got %lld", n->name,
                       (long long)so);
    oct_pooling_geom g;
    OCT_TRY(maxpool_geom(n, in[0], &g));
    int64_t dims[5];
    oct_pooling_out_dims(&g, dims);
    OCT_TRY(oct_out_shape(out[0], in[0]->dtype, in[0]->rank, dims));
    if (n->n_out > 1 && out[1]) {
        if (n->opset < 8)
            return oct_err(OCT_E_INVALID, "MaxPool '%s': Indices output needs opset >= 8", n->name);
        OCT_TRY(oct_out_shape(out[1], OCT_DT_I64, in[0]->rank, dims));
    }
    return OCT_OK;
}

static oct_status maxpool_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                  const oct_exec *ex)
{
    oct_pooling_geom g;
    OCT_TRY(maxpool_geom(n, in[0], &g));
    oct_pooling_args a = {OCT_POOLING_MAX, 0, 0.f, (int)oct_attr_int(n, "storage_order", 0)};
    return oct_pooling_run(&g, &a, in[0], out[0], n->n_out > 1 ? out[1] : NULL, ex);
}

const oct_op_impl oct_op_MaxPool = {
    .infer = maxpool_infer,
    .compute = maxpool_compute,
};
