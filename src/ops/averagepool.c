/* AveragePool (opsets 1..22): 1-D/2-D/3-D, kernel_shape, strides, pads,
 * auto_pad, count_include_pad (>= 7), ceil_mode (>= 10), dilations (>= 19).
 * f32/f16. */
#include "ops/op.h"
#include "ops/pool_common.h"

static oct_status avgpool_geom(const oct_node *n, const oct_tensor *x, oct_pooling_geom *g)
{
    oct_pooling_opts o = {n->opset >= 19, n->opset >= 10};
    return oct_pooling_geom_init(n, x, &o, g);
}

static oct_status avgpool_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    OCT_TRY(oct_pooling_check_dtype(n, in[0]->dtype, 0));
    int64_t cip = oct_attr_int(n, "count_include_pad", 0);
    if (cip != 0 && cip != 1)
        return oct_err(OCT_E_INVALID, "AveragePool '%s': count_include_pad must be 0 or 1, got %lld",
                       n->name, (long long)cip);
    oct_pooling_geom g;
    OCT_TRY(avgpool_geom(n, in[0], &g));
    int64_t dims[5];
    oct_pooling_out_dims(&g, dims);
    return oct_out_shape(out[0], in[0]->dtype, in[0]->rank, dims);
}

static oct_status avgpool_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                  const oct_exec *ex)
{
    oct_pooling_geom g;
    OCT_TRY(avgpool_geom(n, in[0], &g));
    oct_pooling_args a = {OCT_POOLING_AVG, (int)oct_attr_int(n, "count_include_pad", 0), 0.f, 0};
    return oct_pooling_run(&g, &a, in[0], out[0], NULL, ex);
}

const oct_op_impl oct_op_AveragePool = {
    .infer = avgpool_infer,
    .compute = avgpool_compute,
};
