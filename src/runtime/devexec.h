/* octet — running a session's nodes on an OpenCL device with the CPU for the
 * rest. At load every node whose op the device implements (backend/cl/cl_ops.h)
 * is assigned to it and prepared (weights uploaded once). A run walks the plan
 * in order: device nodes enqueue kernels on device buffers, CPU nodes compute on
 * the host arena as always, and an activation is copied only when it crosses
 * from one side to the other (or is a graph input / output). Views (Reshape,
 * Flatten, ...) share their input's device buffer as they share its host one. */
#ifndef OCT_RUNTIME_DEVEXEC_H
#define OCT_RUNTIME_DEVEXEC_H

#include "backend/cl/cl_device.h"
#include "ops/op.h"
#include "runtime/plan.h"

typedef struct oct_devexec oct_devexec;

/* Open the device the spec names and assign / prepare g's nodes. *out = NULL
 * (OCT_OK) when the CPU path is meant: kind CPU, or AUTO with no GPU.
 * Any other failure returns its status (OCT_E_DEVICE, OCT_E_NOT_FOUND ...):
 * the caller logs it and runs on the CPU. */
oct_status oct_devexec_open(const oct_graph *g, const oct_device_spec *spec, oct_devexec **out);
void oct_devexec_free(oct_devexec *d);

/* Run the plan's nodes (inputs and host arena already bound in p->vals). On
 * success the graph outputs' host buffers hold the results. OCT_E_DEVICE: the
 * device failed (the caller falls back to the CPU and runs again); prof: per
 * node seconds or NULL. */
oct_status oct_devexec_run(oct_devexec *d, const oct_graph *g, oct_plan *p, const oct_exec *ex, double *prof);

/* Node k runs on the device. */
int oct_devexec_on_device(const oct_devexec *d, int k);
/* "opencl:P:D <name>" */
const char *oct_devexec_name(const oct_devexec *d);
/* One line: the device, its capabilities, the program's load time, the node split. */
void oct_devexec_describe(const oct_devexec *d, char *buf, size_t n);
/* Nodes on the device / in all. */
void oct_devexec_counts(const oct_devexec *d, int *on_device, int *total);
/* Activations the last run copied between device and CPU in the middle of the
 * graph (graph inputs going up and outputs coming down are not counted). */
int oct_devexec_hops(const oct_devexec *d);

#endif
