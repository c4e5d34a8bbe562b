/* octet — graph operators on the OpenCL device: which nodes the device can
 * run, their device-side preparation (weights uploaded once) and launch.
 * The runtime (runtime/devexec.c) assigns a node to the device when its op
 * has an entry here and supports() accepts it; every other node runs on the
 * CPU, with transfers only where an activation crosses between the two. */
#ifndef OCT_BACKEND_CL_OPS_H
#define OCT_BACKEND_CL_OPS_H

#include "backend/cl/cl_runtime.h"
#include "core/tensor.h"
#include "graph/ir.h"

typedef struct oct_cl_op {
    const char *op_type, *domain;
    /* 1 if the device runs this node: dtypes, attributes, constant weights (shapes
     * are checked again at run time, where they are known) */
    int (*supports)(const oct_node *n, const oct_graph *g, const oct_cl *cl);
    /* upload constant operands / make kernels; *state is passed to run and release */
    oct_status (*prepare)(const oct_node *n, const oct_graph *g, oct_cl *cl, void **state);
    /* in / out: the plan's tensors (shapes; data pointers are host buffers and
     * must not be used); in_mem / out_mem: their device buffers (NULL for an
     * omitted input or one prepare took into the state). Enqueue only. */
    oct_status (*run)(oct_cl *cl, const oct_node *n, void *state, const oct_tensor *const *in, const cl_mem *in_mem,
                      oct_tensor *const *out, const cl_mem *out_mem);
    void (*release)(void *state);
    /* which inputs prepare consumed (bit i): the runtime does not upload them */
    unsigned (*consumed)(const oct_node *n);
} oct_cl_op;

/* The first device implementation of node n's op that supports it, or NULL
 * (an op may have several: MatMul with a constant B is a GEMM, with two
 * activations a batched product). */
const oct_cl_op *oct_cl_op_find(const oct_node *n, const oct_graph *g, const oct_cl *cl);

/* Shared by the op files: a read-only device copy of a host array. */
cl_mem oct_cl_upload(oct_cl *cl, const void *data, size_t bytes, oct_status *st);
/* 1-D launch of kernel k over n items (rounded up to the device's group size). */
oct_status oct_cl_launch_1d(oct_cl *cl, cl_kernel k, size_t n, const char *what);
/* A dims-D launch over gws (the kernel checks every index against its sizes).
 * The work-group size is chosen per device: on a GPU dimension 0 takes the
 * kernel's preferred multiple (capped by the device's limits) and the global
 * size is rounded up to it; on a CPU device the driver chooses. */
oct_status oct_cl_launch(oct_cl *cl, cl_kernel k, cl_uint dims, const size_t *gws, const char *what);
/* Set kernel k's arguments from index 0 in order, as fmt says, one letter per
 * argument: 'm' cl_mem, 'i' int, 'u' unsigned int, 'f' float (passed as double),
 * 'l' cl_long (int64_t). what names the kernel in the error. */
oct_status oct_cl_args(cl_kernel k, const char *what, const char *fmt, ...);

#endif
