/* GlobalLpPool (opsets 1..22): (sum |x|^p)^(1/p) over every (n, c) plane;
 * output [N, C, 1, ...]. f32/f16. */
#include "ops/op.h"
#include "ops/pool_common.h"

static oct_status globallppool_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    float p = oct_attr_float(n, "p", 2.f);
    if (!(p > 0.f) || p > 64.f)
        return oct_err(OCT_E_INVALID, "GlobalLpPool '%s': p must be in (0, 64], got %g", n->name, (double)p);
    return oct_pooling_global_infer(n, in, out);
}

static oct_status globallppool_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                       const oct_exec *ex)
{
    return oct_pooling_global_run(OCT_POOLING_LP, oct_attr_float(n, "p", 2.f), in[0], out[0], ex);
}

const oct_op_impl oct_op_GlobalLpPool = {
    .infer = globallppool_infer,
    .compute = globallppool_compute,
};
