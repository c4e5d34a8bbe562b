/* GlobalMaxPool (opsets 1..22): max of every (n, c) plane; output [N, C, 1, ...]. f32/f16. */
#include "ops/op.h"
#include "ops/pool_common.h"

static oct_status gmp_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                               const oct_exec *ex)
{
    (void)n;
    return oct_pooling_global_run(OCT_POOLING_MAX, 0.f, in[0], out[0], ex);
}

const oct_op_impl oct_op_GlobalMaxPool = {
    .infer = oct_pooling_global_infer,
    .compute = gmp_compute,
};
