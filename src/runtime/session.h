/* octet — a session: an imported, optimised model ready to run.
 * Thread safety: one run at a time per session (the scheduler owns that). */
#ifndef OCT_RUNTIME_SESSION_H
#define OCT_RUNTIME_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"
#include "core/status.h"
#include "core/tensor.h"
#include "graph/ir.h"

typedef struct oct_session oct_session;

typedef struct oct_session_opts {
    int n_threads;    /* <= 0: all cores */
    int optimize;     /* 1: run graph passes (default), 0: as imported */
    oct_pool *pool;   /* optional shared pool (not owned); overrides n_threads */
    int keep_adds;    /* 1: no residual-sum fusion (calibration observes every Add) */
    const char *device; /* auto | cpu | opencl | opencl:P:D; NULL: $OCTET_DEVICE, else auto */
} oct_session_opts;

/* Called after every node run by oct_session_run with the node's outputs
 * (tensors valid only during the call). Non-OK stops the run with that status. */
typedef oct_status (*oct_session_observer)(void *ctx, const oct_node *n, const oct_tensor *const *outputs);

void oct_session_opts_default(oct_session_opts *o);

/* Import, optimise, resolve ops and prepare. */
oct_status oct_session_load(const char *onnx_path, const oct_session_opts *o, oct_session **out);
/* Take ownership of g (freed even on failure). */
oct_status oct_session_from_graph(oct_graph *g, const oct_session_opts *o, oct_session **out);
void oct_session_free(oct_session *s);

const oct_graph *oct_session_graph(const oct_session *s);
int oct_session_n_inputs(const oct_session *s);
int oct_session_n_outputs(const oct_session *s);
const oct_value *oct_session_input(const oct_session *s, int i);
const oct_value *oct_session_output(const oct_session *s, int i);
int oct_session_input_index(const oct_session *s, const char *name);   /* -1 if none */
int oct_session_output_index(const oct_session *s, const char *name);  /* -1 if none */

/* Run. inputs[i] matches input i (dtype and the known dims are checked:
 * a clear OCT_E_SHAPE / OCT_E_DTYPE error names the input). outputs[i] receive
 * new tensors owned by the caller (oct_tensor_free). */
oct_status oct_session_run(oct_session *s, const oct_tensor *const *inputs, oct_tensor **outputs);

/* Install (fn non-NULL) or remove the observer. */
void oct_session_set_observer(oct_session *s, oct_session_observer fn, void *ctx);

/* Where the session runs: "cpu" or "opencl:P:D <name>" (nodes the device cannot
 * run still go to the CPU); the node's placement; and how often the device
 * failed (at load or in a run) so that the model fell back to the CPU — a
 * fallback is logged on stderr and is permanent for the session. */
const char *oct_session_device(const oct_session *s);
int oct_session_node_on_device(const oct_session *s, int node);
int oct_session_device_fallbacks(const oct_session *s);
/* Activations the last run moved between device and CPU mid-graph (0: none). */
int oct_session_device_hops(const oct_session *s);

/* Bytes of weights the session holds: the graph's constants plus what the
 * ops' prepared states hold (packed weights; oct_op_impl.state_bytes). */
size_t oct_session_weight_bytes(const oct_session *s);

/* Peak bytes of activation memory of the plan for the given input shapes
 * (plans are cached per input-shape signature). */
oct_status oct_session_plan_bytes(oct_session *s, const oct_tensor *const *inputs,
                                  size_t *peak, size_t *naive);

#endif
