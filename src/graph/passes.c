#include "graph/passes.h"

#include <stdlib.h>
#include <string.h>

oct_status oct_passes_run_stats(oct_graph *g, const oct_exec *ex, oct_pass_stats *st)
{
    oct_pass_stats local;
    if (!st) st = &local;
    memset(st, 0, sizeof *st);
    st->fp16_weights = oct_pass_fp16_weights(g);
    st->identity_removed = oct_pass_remove_identity(g);
    OCT_TRY(oct_pass_fold_constants_opt(g, ex, 1, &st->folded));
    OCT_TRY(oct_pass_fold_batchnorm(g, &st->bn_folded));
    st->act_fused = oct_pass_fuse_activation(g);
    const char *fn = getenv("OCTET_FUSE_NORM"); /* "0": keep LayerNorm / GELU subgraphs as they are */
    if (!fn || strcmp(fn, "0")) OCT_TRY(oct_pass_fuse_norm(g, &st->norm_fused));
    OCT_TRY(oct_pass_qdq_fuse(g, &st->qdq_fused));
    OCT_TRY(oct_pass_nhwc(g, &st->nhwc));
    int more = 0;
    OCT_TRY(oct_pass_fold_constants(g, ex, &more));
    st->folded += more;
    st->dead_removed = oct_pass_dce(g);
    return oct_graph_toposort(g);
}

oct_status oct_passes_run(oct_graph *g, const oct_exec *ex) { return oct_passes_run_stats(g, ex, NULL); }
