/* octet — elementwise float ops on the OpenCL device (kernels_cl/elementwise.cl):
 * Add / Sub / Mul / Div with numpy broadcasting (rank <= 8) and Relu. Constant
 * operands are uploaded by the runtime like any other input. */
#include <stdlib.h>
#include <string.h>

#include "backend/cl/cl_ops.h"

typedef struct ew_dev {
    cl_kernel k;
    int op; /* binary: 0 add, 1 sub, 2 mul, 3 div */
} ew_dev;

static int float_or_unknown(const oct_graph *g, int v)
{
    return v >= 0 && (g->val[v].dtype == OCT_DT_F32 || g->val[v].dtype == OCT_DT_UNDEFINED);
}

static int bin_supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    return n->n_in == 2 && n->n_out == 1 && float_or_unknown(g, n->in[0]) && float_or_unknown(g, n->in[1]) &&
           n->act.kind == OCT_ACT_NONE;
}

static int relu_supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    return n->n_in == 1 && n->n_out == 1 && float_or_unknown(g, n->in[0]);
}

static void release(void *state)
{
    ew_dev *d = state;
    if (!d) return;
    if (d->k) clReleaseKernel(d->k);
    free(d);
}

static oct_status prepare(const oct_node *n, const oct_graph *g, oct_cl *cl, void **state)
{
    (void)g;
    ew_dev *d = calloc(1, sizeof *d);
    if (!d) return oct_err(OCT_E_NOMEM, "out of memory");
    const char *ops[] = {"Add", "Sub", "Mul", "Div"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(n->op_type, ops[i])) d->op = i;
    d->k = oct_cl_kernel(cl, strcmp(n->op_type, "Relu") ? "oct_binary_f32" : "oct_act_f32");
    if (!d->k) {
        release(d);
        return OCT_E_DEVICE;
    }
    *state = d;
    return OCT_OK;
}

/* Element strides of x broadcast to the output's rank-8 shape (front-padded). */
static void bcast(const oct_tensor *x, const oct_tensor *y, cl_int *dims, cl_int *str)
{
    int64_t s = 1;
    for (int k = 7, i = x->rank - 1; k >= 0; k--, i--) {
        int oi = y->rank - (8 - k);
        dims[k] = oi >= 0 ? (cl_int)y->dims[oi] : 1;
        int64_t d = i >= 0 ? x->dims[i] : 1;
        str[k] = i >= 0 && d != 1 ? (cl_int)s : 0;
        s *= d;
    }
}

static oct_status bin_run(oct_cl *cl, const oct_node *n, void *state, const oct_tensor *const *in,
                          const cl_mem *in_mem, oct_tensor *const *out, const cl_mem *out_mem)
{
    ew_dev *d = state;
    const oct_tensor *y = out[0];
    int64_t total = oct_tensor_numel(y);
    if (y->rank > 8 || total > (1 << 30) || in[0]->dtype != OCT_DT_F32 || in[1]->dtype != OCT_DT_F32)
        return oct_err(OCT_E_UNSUPPORTED, "%s: rank or size too large for the device kernel", n->op_type);
    if (total == 0) return OCT_OK;
    cl_int dims[8], sa[8], sb[8];
    bcast(in[0], y, dims, sa);
    bcast(in[1], y, dims, sb);
    int same = oct_tensor_numel(in[0]) == total && oct_tensor_numel(in[1]) == total;
    OCT_TRY(oct_cl_args(d->k, "oct_binary_f32", "iimmmi", d->op, (int)total, in_mem[0], in_mem[1], out_mem[0], same));
    /* the int8 vectors (no oct_cl_args letter) */
    cl_int e = clSetKernelArg(d->k, 6, sizeof dims, dims);
    e |= clSetKernelArg(d->k, 7, sizeof sa, sa);
    e |= clSetKernelArg(d->k, 8, sizeof sb, sb);
    if (e != CL_SUCCESS) return oct_cl_fail(e, "setting the int8 arguments of oct_binary_f32");
    return oct_cl_launch_1d(cl, d->k, (size_t)total, "enqueueing oct_binary_f32");
}

static oct_status relu_run(oct_cl *cl, const oct_node *n, void *state, const oct_tensor *const *in,
                           const cl_mem *in_mem, oct_tensor *const *out, const cl_mem *out_mem)
{
    ew_dev *d = state;
    int64_t total = oct_tensor_numel(out[0]);
    if (total > (1 << 30) || in[0]->dtype != OCT_DT_F32)
        return oct_err(OCT_E_UNSUPPORTED, "%s: not for the device kernel", n->op_type);
    if (total == 0) return OCT_OK;
    OCT_TRY(oct_cl_args(d->k, "oct_act_f32", "immiff", (int)total, in_mem[0], out_mem[0], 1, 0.0, 0.0));
    return oct_cl_launch_1d(cl, d->k, (size_t)total, "enqueueing oct_act_f32");
}

static unsigned none(const oct_node *n)
{
    (void)n;
    return 0;
}

const oct_cl_op oct_cl_op_add = {"Add", "", bin_supports, prepare, bin_run, release, none};
const oct_cl_op oct_cl_op_sub = {"Sub", "", bin_supports, prepare, bin_run, release, none};
const oct_cl_op oct_cl_op_mul = {"Mul", "", bin_supports, prepare, bin_run, release, none};
const oct_cl_op oct_cl_op_div = {"Div", "", bin_supports, prepare, bin_run, release, none};
const oct_cl_op oct_cl_op_relu = {"Relu", "", relu_supports, prepare, relu_run, release, none};
