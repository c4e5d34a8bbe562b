/* GlobalAveragePool (opsets 1..22): mean of every (n, c) plane; output [N, C, 1, ...]. f32/f16. */
#include "ops/op.h"
#include "ops/pool_common.h"

static oct_status gap_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                               const oct_exec *ex)
{
    (void)n;
    return oct_pooling_global_run(OCT_POOLING_AVG, 0.f, in[0], out[0], ex);
}

const oct_op_impl oct_op_GlobalAveragePool = {
    .infer = oct_pooling_global_infer,
    .compute = gap_compute,
};
