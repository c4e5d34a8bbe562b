/* octet — 2-D FP32 pooling on the OpenCL device (kernels_cl/pool_f32.cl):
 * MaxPool (no Indices output), AveragePool (count_include_pad with ceil_mode 0)
 * and GlobalAveragePool. */
#include <stdlib.h>
#include <string.h>

#include "backend/cl/cl_ops.h"
#include "ops/pool_common.h"

typedef struct pool_dev {
    cl_kernel k;
    int is_max, global;
} pool_dev;

static int supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    if (n->n_in != 1 || n->in[0] < 0 || (n->n_out > 1 && n->out[1] >= 0)) return 0;
    if (g->val[n->in[0]].dtype != OCT_DT_F32 && g->val[n->in[0]].dtype != OCT_DT_UNDEFINED) return 0;
    if (!strcmp(n->op_type, "AveragePool") && oct_attr_int(n, "count_include_pad", 0) && oct_attr_int(n, "ceil_mode", 0))
        return 0;
    return 1;
}

static void release(void *state)
{
    pool_dev *d = state;
    if (!d) return;
    if (d->k) clReleaseKernel(d->k);
    free(d);
}

static oct_status prepare(const oct_node *n, const oct_graph *g, oct_cl *cl, void **state)
{
    (void)g;
    pool_dev *d = calloc(1, sizeof *d);
    if (!d) return oct_err(OCT_E_NOMEM, "out of memory");
    d->global = !strcmp(n->op_type, "GlobalAveragePool");
    d->is_max = !strcmp(n->op_type, "MaxPool");
    if (!(d->k = oct_cl_kernel(cl, d->global ? "oct_gap_f32" : "oct_pool2d_f32"))) {
        release(d);
        return OCT_E_DEVICE;
    }
    *state = d;
    return OCT_OK;
}

static oct_status run(oct_cl *cl, const oct_node *n, void *state, const oct_tensor *const *in, const cl_mem *in_mem,
                      oct_tensor *const *out, const cl_mem *out_mem)
{
    pool_dev *d = state;
    const oct_tensor *x = in[0];
    if (x->dtype != OCT_DT_F32 || x->rank != 4 || oct_tensor_numel(x) > (1 << 30))
        return oct_err(OCT_E_UNSUPPORTED, "%s: only 2-D float pooling on the device", n->op_type);
    if (d->global) {
        cl_int hw = (cl_int)(x->dims[2] * x->dims[3]), planes = (cl_int)(x->dims[0] * x->dims[1]);
        if (planes == 0) return OCT_OK;
        OCT_TRY(oct_cl_args(d->k, "oct_gap_f32", "mmii", in_mem[0], out_mem[0], hw, planes));
        return oct_cl_launch_1d(cl, d->k, (size_t)planes, "enqueueing oct_gap_f32");
    }
    oct_pooling_opts po = {1, 1};
    oct_pooling_geom g;
    OCT_TRY(oct_pooling_geom_init(n, x, &po, &g));
    if (g.nsp != 2) return oct_err(OCT_E_UNSUPPORTED, "%s: only 2-D pooling on the device", n->op_type);
    cl_int total = (cl_int)oct_tensor_numel(out[0]);
    if (total == 0) return OCT_OK;
    OCT_TRY(oct_cl_args(d->k, "oct_pool2d_f32", "mmiiiiiiiiiiiiiii", in_mem[0], out_mem[0], (int)g.in[1], (int)g.in[2],
                        (int)g.out[1], (int)g.out[2], (int)g.k[1], (int)g.k[2], (int)g.s[1], (int)g.s[2], (int)g.d[1],
                        (int)g.d[2], (int)g.pb[1], (int)g.pb[2], d->is_max,
                        (int)oct_attr_int(n, "count_include_pad", 0), total));
    return oct_cl_launch_1d(cl, d->k, (size_t)total, "enqueueing oct_pool2d_f32");
}

static unsigned none(const oct_node *n)
{
    (void)n;
    return 0;
}

const oct_cl_op oct_cl_op_maxpool = {"MaxPool", "", supports, prepare, run, release, none};
const oct_cl_op oct_cl_op_avgpool = {"AveragePool", "", supports, prepare, run, release, none};
const oct_cl_op oct_cl_op_gap = {"GlobalAveragePool", "", supports, prepare, run, release, none};
