/* octet — device + CPU execution of a plan (see devexec.h). */
#include "runtime/devexec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/cl/cl_ops.h"

#define MAX_IO 64

struct oct_devexec {
    oct_cl *cl;
    int n_node, n_val, n_dev;
    const oct_cl_op **ops; /* per node: the device implementation, NULL = CPU */
    void **state;
    cl_mem *buf;           /* per value: its device buffer (roots of views only) */
    size_t *buf_bytes;
    unsigned char *dev_ok, *host_ok, *const_up;
    int hops; /* mid-graph transfers in the current / last run */
    char name[320];
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void oct_devexec_free(oct_devexec *d)
{
    if (!d) return;
    for (int k = 0; k < d->n_node; k++)
        if (d->ops && d->ops[k] && d->state[k]) d->ops[k]->release(d->state[k]);
    for (int v = 0; d->buf && v < d->n_val; v++)
        if (d->buf[v]) clReleaseMemObject(d->buf[v]);
    free(d->ops);
    free(d->state);
    free(d->buf);
    free(d->buf_bytes);
    free(d->dev_ok);
    free(d->host_ok);
    free(d->const_up);
    oct_cl_close(d->cl);
    free(d);
}

oct_status oct_devexec_open(const oct_graph *g, const oct_device_spec *spec, oct_devexec **out)
{
    *out = NULL;
    if (spec->kind == OCT_DEVICE_CPU) return OCT_OK;
    oct_cl *cl = NULL;
    oct_status st = oct_cl_open(spec, &cl);
    if (st == OCT_E_NOT_FOUND && spec->kind == OCT_DEVICE_AUTO) {
        oct_err_clear();
        return OCT_OK; /* no GPU: the CPU path, as auto means */
    }
    if (st != OCT_OK) return st;
    oct_devexec *d = calloc(1, sizeof *d);
    if (!d) {
        oct_cl_close(cl);
        return oct_err(OCT_E_NOMEM, "out of memory");
    }
    d->cl = cl;
    d->n_node = g->n_node;
    d->n_val = g->n_val;
    size_t nn = (size_t)g->n_node + 1, nv = (size_t)g->n_val + 1;
    d->ops = calloc(nn, sizeof *d->ops);
    d->state = calloc(nn, sizeof *d->state);
    d->buf = calloc(nv, sizeof *d->buf);
    d->buf_bytes = calloc(nv, sizeof *d->buf_bytes);
    d->dev_ok = calloc(nv, 1);
    d->host_ok = calloc(nv, 1);
    d->const_up = calloc(nv, 1);
    if (!d->ops || !d->state || !d->buf || !d->buf_bytes || !d->dev_ok || !d->host_ok || !d->const_up) {
        oct_devexec_free(d);
        return oct_err(OCT_E_NOMEM, "out of memory");
    }
    snprintf(d->name, sizeof d->name, "opencl:%d:%d %s", cl->caps.platform_index, cl->caps.device_index,
             cl->caps.name);
    for (int k = 0; k < g->n_node; k++) {
        const oct_node *n = &g->node[k];
        if (n->dead || n->n_in > MAX_IO || n->n_out > MAX_IO) continue;
        const oct_cl_op *op = oct_cl_op_find(n, g, cl);
        if (!op) continue;
        st = op->prepare(n, g, cl, &d->state[k]);
        if (st != OCT_OK) {
            oct_err_ctx(st, "node '%s' (%s) on %s: ", n->name, n->op_type, d->name);
            oct_devexec_free(d);
            return st;
        }
        d->ops[k] = op;
        d->n_dev++;
    }
    *out = d;
    return OCT_OK;
}

void oct_devexec_describe(const oct_devexec *d, char *buf, size_t n)
{
    char caps[900];
    oct_cl_caps_describe(&d->cl->caps, caps, sizeof caps);
    snprintf(buf, n, "%s; kernels %s in %.0f ms; %d of %d nodes on the device", caps,
             d->cl->from_cache ? "loaded from the cache" : "built", d->cl->build_ms, d->n_dev, d->n_node);
}

int oct_devexec_on_device(const oct_devexec *d, int k) { return d && k >= 0 && k < d->n_node && d->ops[k] != NULL; }
const char *oct_devexec_name(const oct_devexec *d) { return d ? d->name : "cpu"; }

void oct_devexec_counts(const oct_devexec *d, int *on_device, int *total)
{
    *on_device = d ? d->n_dev : 0;
    *total = d ? d->n_node : 0;
}

static int root_of(const oct_plan *p, int v) { return p->kind[v] == OCT_V_VIEW ? p->view_of[v] : v; }

/* The device buffer of root value r, at least its plan size. */
static oct_status dev_buffer(oct_devexec *d, const oct_plan *p, int r)
{
    size_t need = oct_tensor_nbytes(&p->vals[r]);
    if (need == 0) need = 4;
    if (d->buf[r] && d->buf_bytes[r] >= need) return OCT_OK;
    if (d->buf[r]) clReleaseMemObject(d->buf[r]);
    d->buf[r] = NULL;
    d->dev_ok[r] = 0;
    d->const_up[r] = 0;
    if (oct_cl_fault("alloc")) return oct_err(OCT_E_DEVICE, "OpenCL: allocation failed (injected by OCTET_CL_FAIL)");
    cl_int e;
    d->buf[r] = clCreateBuffer(d->cl->ctx, CL_MEM_READ_WRITE, need, NULL, &e);
    if (!d->buf[r] || e != CL_SUCCESS) {
        d->buf[r] = NULL;
        return oct_cl_fail(e, "allocating an activation buffer");
    }
    d->buf_bytes[r] = need;
    return OCT_OK;
}

/* Make root r's device copy current (uploading its host bytes if needed). */
static oct_status to_device(oct_devexec *d, const oct_plan *p, int r)
{
    OCT_TRY(dev_buffer(d, p, r));
    if (d->dev_ok[r]) return OCT_OK;
    size_t nb = oct_tensor_nbytes(&p->vals[r]);
    if (nb) {
        cl_int e = clEnqueueWriteBuffer(d->cl->queue, d->buf[r], CL_TRUE, 0, nb, p->vals[r].data, 0, NULL, NULL);
        if (e != CL_SUCCESS) return oct_cl_fail(e, "copying an activation to the device");
    }
    d->dev_ok[r] = 1;
    if (p->kind[r] == OCT_V_CONST) d->const_up[r] = 1;
    if (p->kind[r] == OCT_V_ARENA) d->hops++; /* made by a CPU node */
    return OCT_OK;
}

/* Make root r's host copy current. */
static oct_status to_host(oct_devexec *d, const oct_plan *p, int r, int mid_graph)
{
    if (d->host_ok[r]) return OCT_OK;
    d->hops += mid_graph;
    size_t nb = oct_tensor_nbytes(&p->vals[r]);
    if (nb) {
        if (!d->buf[r] || !d->dev_ok[r]) return oct_err(OCT_E_INTERNAL, "value %d has no current copy", r);
        cl_int e = clEnqueueReadBuffer(d->cl->queue, d->buf[r], CL_TRUE, 0, nb, p->vals[r].data, 0, NULL, NULL);
        if (e != CL_SUCCESS) return oct_cl_fail(e, "copying an activation from the device");
    }
    d->host_ok[r] = 1;
    return OCT_OK;
}

static oct_status run_device_node(oct_devexec *d, const oct_graph *g, oct_plan *p, int k)
{
    const oct_node *n = &g->node[k];
    const oct_tensor *in[MAX_IO];
    oct_tensor *out[MAX_IO];
    cl_mem in_mem[MAX_IO], out_mem[MAX_IO];
    unsigned skip = d->ops[k]->consumed ? d->ops[k]->consumed(n) : 0;
    for (int j = 0; j < n->n_in; j++) {
        int v = n->in[j];
        in[j] = v >= 0 ? &p->vals[v] : NULL;
        in_mem[j] = NULL;
        if (v < 0 || (j < 32 && (skip >> j) & 1)) continue;
        int r = root_of(p, v);
        OCT_TRY(to_device(d, p, r));
        in_mem[j] = d->buf[r];
    }
    for (int j = 0; j < n->n_out; j++) {
        int v = n->out[j];
        out[j] = v >= 0 ? &p->vals[v] : NULL;
        out_mem[j] = NULL;
        if (v < 0) continue;
        OCT_TRY(dev_buffer(d, p, v));
        out_mem[j] = d->buf[v];
    }
    oct_status st = d->ops[k]->run(d->cl, n, d->state[k], in, in_mem, out, out_mem);
    if (st != OCT_OK) return oct_err_ctx(st, "node '%s' (%s) on %s: ", n->name, n->op_type, d->name);
    for (int j = 0; j < n->n_out; j++)
        if (n->out[j] >= 0) {
            d->dev_ok[n->out[j]] = 1;
            d->host_ok[n->out[j]] = 0;
        }
    return OCT_OK;
}

static oct_status run_cpu_node(oct_devexec *d, const oct_graph *g, oct_plan *p, int k, const oct_exec *ex)
{
    const oct_node *n = &g->node[k];
    const oct_tensor *in[MAX_IO];
    oct_tensor *out[MAX_IO];
    for (int j = 0; j < n->n_in; j++) {
        int v = n->in[j];
        in[j] = v >= 0 ? &p->vals[v] : NULL;
        if (v >= 0) OCT_TRY(to_host(d, p, root_of(p, v), 1));
    }
    for (int j = 0; j < n->n_out; j++) out[j] = n->out[j] >= 0 ? &p->vals[n->out[j]] : NULL;
    oct_status st = n->def->compute(n, in, out, ex);
    if (st != OCT_OK) return oct_err_ctx(st, "node '%s' (%s): ", n->name, n->op_type);
    for (int j = 0; j < n->n_out; j++)
        if (n->out[j] >= 0) {
            d->host_ok[n->out[j]] = 1;
            d->dev_ok[n->out[j]] = 0;
        }
    return OCT_OK;
}

int oct_devexec_hops(const oct_devexec *d) { return d ? d->hops : 0; }

oct_status oct_devexec_run(oct_devexec *d, const oct_graph *g, oct_plan *p, const oct_exec *ex, double *prof)
{
    d->hops = 0;
    for (int v = 0; v < g->n_val; v++) {
        int k = p->kind[v];
        d->host_ok[v] = k == OCT_V_INPUT || k == OCT_V_CONST || k == OCT_V_PLANDATA;
        d->dev_ok[v] = k == OCT_V_CONST && d->const_up[v]; /* constants stay uploaded */
    }
    for (int k = 0; k < g->n_node; k++) {
        if (!p->run[k] || p->run[k] == 2) continue; /* not at run time / a view */
        double t0 = prof ? now_s() : 0;
        oct_status st = d->ops[k] ? run_device_node(d, g, p, k) : run_cpu_node(d, g, p, k, ex);
        if (st != OCT_OK) return st;
        if (prof) {
            if (d->ops[k]) clFinish(d->cl->queue);
            prof[k] += now_s() - t0;
        }
    }
    for (int i = 0; i < g->n_out; i++) OCT_TRY(to_host(d, p, root_of(p, g->out[i]), 0));
    cl_int e = clFinish(d->cl->queue);
    return e == CL_SUCCESS ? OCT_OK : oct_cl_fail(e, "finishing the queue");
}
