/* octet — graph passes run at load time (in this order):
 *   fp16 weights (Cast(to=FLOAT) of an fp16 constant into a Conv/Gemm/MatMul
 *     weight slot: the op reads the fp16 constant directly)
 *   identity removal (Identity, inference Dropout)
 *   constant folding (nodes whose inputs are all constants)
 *   BatchNormalization folded into a preceding Conv or Gemm
 *   activation fusion (Conv/Gemm/MatMul + Relu/Clip/LeakyRelu)
 * and, once shapes are inferred (session load), residual fusion
 * (Conv + Add(conv, r) -> Conv with a fused sum) followed by activation fusion again.
 *   dead code elimination (incl. constants no one uses)
 * Ops must be resolved (oct_graph_resolve_ops) before. */
#ifndef OCT_GRAPH_PASSES_H
#define OCT_GRAPH_PASSES_H

#include "graph/ir.h"
#include "ops/op.h"

typedef struct oct_pass_stats {
    int identity_removed;
    int folded;
    int bn_folded;
    int act_fused;
    int sum_fused;
    int dead_removed;
    int fp16_weights; /* weight slots rewired to an fp16 constant */
    int qdq_fused;
    int nhwc;
    int norm_fused; /* LayerNorm / GELU subgraphs made one op */
} oct_pass_stats;

oct_status oct_passes_run(oct_graph *g, const oct_exec *ex);
oct_status oct_passes_run_stats(oct_graph *g, const oct_exec *ex, oct_pass_stats *st);

/* Returns the number of weight slots rewired (pass_fp16.c). */
int oct_pass_fp16_weights(oct_graph *g);
int oct_pass_remove_identity(oct_graph *g);
oct_status oct_pass_fold_constants(oct_graph *g, const oct_exec *ex, int *count);
/* keep_dq: leave DequantizeLinear nodes (quantized weights stay integers for
 * the QDQ fusion; a second folding after it handles what was not fused). */
oct_status oct_pass_fold_constants_opt(oct_graph *g, const oct_exec *ex, int keep_dq, int *count);
/* QDQ -> integer operators (pass_qdq.c); see the file's comment. */
oct_status oct_pass_qdq_fuse(oct_graph *g, int *count);
/* Channels-last integer chains (pass_nhwc.c); see the file's comment. */
oct_status oct_pass_nhwc(oct_graph *g, int *count);
oct_status oct_pass_fold_batchnorm(oct_graph *g, int *count);
int oct_pass_fuse_activation(oct_graph *g);
/* LayerNorm and GELU subgraphs -> com.octet LayerNormalization / Gelu (pass_fuse_norm.c). */
oct_status oct_pass_fuse_norm(oct_graph *g, int *count);
/* Needs static shapes on the values (run after shape inference). */
int oct_pass_fuse_residual(oct_graph *g);
int oct_pass_dce(oct_graph *g);

/* Shared helpers for passes. */
void oct_graph_replace_uses(oct_graph *g, int from, int to);
/* Number of live consumer slots of value v (a node using v twice counts twice). */
int oct_graph_use_count(const oct_graph *g, int v);
/* Index of the only live node consuming v, or -1 if none or several (or v is a graph output). */
int oct_graph_single_consumer(const oct_graph *g, int v);
/* Add a new constant value holding t (ownership taken). -1 on failure. */
int oct_graph_add_constant(oct_graph *g, const char *prefix, oct_tensor *t);

#endif
