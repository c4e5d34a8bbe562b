/* octet — the operator interface.
 *
 * One ONNX operator = one row in ops.def + one file src/ops/<op>.c that defines
 *     const oct_op_impl oct_op_<Name> = { ... };
 *
 * Lifecycle (see docs/ARCHITECTURE.md):
 *   load:  prepare(node, graph)        optional; constants are known (e.g. pack weights)
 *   plan:  infer(node, in, out)        every run shape: set out[i] dtype/rank/dims
 *   run:   compute(node, in, out, ex)  out[i]->data is allocated by the session
 *
 * infer() sees real input tensors: dtype/rank/dims always; data only for the
 * inputs whose bit is set in `shape_inputs` (e.g. Reshape's `shape`), otherwise
 * data may be NULL. An omitted optional input is a NULL pointer. infer() must
 * validate everything it relies on (attributes, ranks, dtypes) and return
 * OCT_E_UNSUPPORTED for a dtype or attribute value octet does not implement
 * (the conformance runner counts such cases as skipped), or OCT_E_INVALID /
 * OCT_E_SHAPE with a message for bad models. compute() may then assume that.
 */
#ifndef OCT_OPS_OP_H
#define OCT_OPS_OP_H

#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"
#include "core/status.h"
#include "core/tensor.h"
#include "graph/ir.h"

typedef struct oct_exec {
    oct_pool *pool;   /* may be NULL: run serially */
} oct_exec;

typedef struct oct_op_impl {
    uint32_t shape_inputs; /* bit i: infer() needs input i's data */
    oct_status (*infer)(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out);
    oct_status (*compute)(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                          const oct_exec *ex);
    oct_status (*prepare)(oct_node *n, const oct_graph *g); /* optional */
    void (*release)(oct_node *n);                          /* optional: free n->state */
    size_t (*state_bytes)(const oct_node *n);              /* optional: bytes n->state holds
                                                              (packed weights; oct_session_weight_bytes) */
    int fusable_act;  /* 1: compute() applies n->act to output 0 (Conv/Gemm/MatMul) */
    /* >0: the op accepts a fused residual sum as input number `fusable_sum` (an extra
     * input past its ONNX inputs, same shape as output 0): y = act(op(x) + sum).
     * Made by the residual-fusion pass from Op -> Add(op_out, other). */
    int fusable_sum;
    /* 1: output 0 holds input 0's bytes unchanged under a new shape (Reshape,
     * Flatten, Squeeze, Unsqueeze): the planner makes it a view of input 0's
     * buffer and compute() is not called for it at run time. */
    int view;
} oct_op_impl;

typedef struct oct_op_def {
    const char *op_type;
    const char *domain;    /* "" = ai.onnx */
    int min_opset;         /* opset range of the domain this implementation covers */
    int max_opset;
    const oct_op_impl *impl;
    /* convenience copies of impl's members */
    uint32_t shape_inputs;
    oct_status (*infer)(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out);
    oct_status (*compute)(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                          const oct_exec *ex);
    oct_status (*prepare)(oct_node *n, const oct_graph *g);
    void (*release)(oct_node *n);
} oct_op_def;

/* Look up by op type, domain ("" or "ai.onnx") and opset; NULL if none.
 * When the type exists but not for this opset, *reason says so. */
const oct_op_def *oct_op_find(const char *op_type, const char *domain, int opset, const char **reason);
/* Resolve node->def for every live node; OCT_E_UNSUPPORTED names the first
 * missing op ("op 'X' (opset N) is not supported"). */
oct_status oct_graph_resolve_ops(oct_graph *g);
/* Registry iteration (for `octet --list-ops` and docs). */
int oct_op_count(void);
const oct_op_def *oct_op_at(int i);

/* Helpers shared by op files. */
/* Apply a fused activation in place. */
void oct_act_apply(const oct_act *a, float *x, int64_t n);
/* Error helper: OCT_E_UNSUPPORTED "Op: dtype X is not supported" */
oct_status oct_op_bad_dtype(const oct_node *n, oct_dtype dt);
/* Check input count in [lo, hi] (hi < 0: unbounded) and that the
 * first `required` inputs are present. */
oct_status oct_op_check_arity(const oct_node *n, const oct_tensor *const *in, int lo, int hi, int required);
/* Read an integer tensor (i32 or i64, any rank) into a small int64 array.
 * OCT_E_INVALID if more than max elements or no data. */
oct_status oct_tensor_read_ints(const oct_tensor *t, int64_t *out, int max, int *count);
/* Set output shape helper. */
oct_status oct_out_shape(oct_tensor *out, oct_dtype dt, int rank, const int64_t *dims);

#endif
