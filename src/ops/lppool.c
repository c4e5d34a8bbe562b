/* LpPool (opsets 1..22): y = (sum |x|^p)^(1/p) over each window; p is a float
 * (opset 1) or integer attribute (default 2); ceil_mode from opset 18. f32/f16. */
#include "ops/op.h"
#include "ops/pool_common.h"

static oct_status lppool_geom(const oct_node *n, const oct_tensor *x, oct_pooling_geom *g)
{
    oct_pooling_opts o = {n->opset >= 18, n->opset >= 18};
    return oct_pooling_geom_init(n, x, &o, g);
}

static oct_status lppool_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    OCT_TRY(oct_pooling_check_dtype(n, in[0]->dtype, 0));
    float p = oct_attr_float(n, "p", 2.f);
    if (!(p > 0.f) || p > 64.f)
        return oct_err(OCT_E_INVALID, "LpPool '%s': p must be in (0, 64], got %g", n->name, (double)p);
    oct_pooling_geom g;
    OCT_TRY(lppool_geom(n, in[0], &g));
    int64_t dims[5];
    oct_pooling_out_dims(&g, dims);
    return oct_out_shape(out[0], in[0]->dtype, in[0]->rank, dims);
}

static oct_status lppool_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                 const oct_exec *ex)
{
    oct_pooling_geom g;
    OCT_TRY(lppool_geom(n, in[0], &g));
    oct_pooling_args a = {OCT_POOLING_LP, 0, oct_attr_float(n, "p", 2.f), 0};
    return oct_pooling_run(&g, &a, in[0], out[0], NULL, ex);
}

const oct_op_impl oct_op_LpPool = {
    .infer = lppool_infer,
    .compute = lppool_compute,
};
