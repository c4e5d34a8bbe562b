/* octet — 2-D float Conv on the OpenCL device (kernels_cl/conv_f32.cl): NCHW,
 * groups (depthwise included), strides, dilations, pads, the fused bias,
 * activation and residual sum (y = act(conv(x) + b + sum)) as the CPU Conv.
 * Weights f32, or fp16 in FP16 mode (oct_conv2d_f16w); uploaded once. */
#include <stdlib.h>
#include <string.h>

#include "backend/cl/cl_ops.h"
#include "ops/conv_attrs.h"
#include "ops/op.h"

typedef struct conv_dev {
    cl_mem w, bias;
    cl_kernel k;
    const char *kname; /* k's name, for errors */
    int tm;            /* output channels per work-item (divides M / G) */
} conv_dev;

static const oct_tensor *cval(const oct_graph *g, const oct_node *n, int i)
{
    return i < n->n_in && n->in[i] >= 0 ? g->val[n->in[i]].constant : NULL;
}

static int supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    const oct_tensor *w = cval(g, n, 1), *b = cval(g, n, 2);
    if (!w || (w->dtype != OCT_DT_F32 && w->dtype != OCT_DT_F16) || w->rank != 4 || n->in[0] < 0) return 0;
    if (g->val[n->in[0]].dtype != OCT_DT_F32 && g->val[n->in[0]].dtype != OCT_DT_UNDEFINED) return 0;
    if (n->n_in > 2 && n->in[2] >= 0 && (!b || b->dtype != OCT_DT_F32 || oct_tensor_numel(b) != w->dims[0])) return 0;
    return n->n_out == 1;
}

static void release(void *state)
{
    conv_dev *d = state;
    if (!d) return;
    if (d->w) clReleaseMemObject(d->w);
    if (d->bias) clReleaseMemObject(d->bias);
    if (d->k) clReleaseKernel(d->k);
    free(d);
}

static oct_status prepare(const oct_node *n, const oct_graph *g, oct_cl *cl, void **state)
{
    const oct_tensor *w = cval(g, n, 1), *b = cval(g, n, 2);
    conv_dev *d = calloc(1, sizeof *d);
    if (!d) return oct_err(OCT_E_NOMEM, "out of memory");
    oct_status st = OCT_OK;
    d->w = oct_cl_upload(cl, w->data, oct_tensor_nbytes(w), &st);
    if (st == OCT_OK && b) d->bias = oct_cl_upload(cl, b->data, oct_tensor_nbytes(b), &st);
    const char *kn = w->dtype == OCT_DT_F16 ? "oct_conv2d_f16w" : "oct_conv2d_f32";
    d->kname = kn;
    if (st == OCT_OK && !(d->k = oct_cl_kernel(cl, kn))) st = OCT_E_DEVICE;
    if (st != OCT_OK) {
        release(d);
        return st;
    }
    *state = d;
    return OCT_OK;
}

static oct_status run(oct_cl *cl, const oct_node *n, void *state, const oct_tensor *const *in, const cl_mem *in_mem,
                      oct_tensor *const *out, const cl_mem *out_mem)
{
    conv_dev *d = state;
    oct_conv_geom g;
    OCT_TRY(oct_conv_attrs_geom(n, in[0], in[1], 0, &g));
    if (g.nsp != 2 || oct_tensor_numel(out[0]) > (1 << 30) || oct_tensor_numel(in[0]) > (1 << 30))
        return oct_err(OCT_E_UNSUPPORTED, "%s: only 2-D convolutions of < 2^30 elements on the device", n->op_type);
    if (g.N == 0 || g.out_sp == 0 || g.M == 0) return OCT_OK;
    int tm = 8;
    while (g.Mg % tm) tm /= 2;
    int slot = n->def && n->def->impl ? n->def->impl->fusable_sum : 0;
    cl_mem sum = slot > 0 && slot < n->n_in ? in_mem[slot] : NULL;
    cl_mem any = out_mem[0];
    OCT_TRY(oct_cl_args(d->k, d->kname, "mmmimimiiiiiiiiiiiiiiiiiff", in_mem[0], d->w, d->bias ? d->bias : any,
                        d->bias != NULL, sum ? sum : any, sum != NULL, out_mem[0], (int)g.C, (int)g.in[1],
                        (int)g.in[2], (int)g.M, (int)g.out[1], (int)g.out[2], (int)g.k[1], (int)g.k[2], (int)g.s[1],
                        (int)g.s[2], (int)g.d[1], (int)g.d[2], (int)g.pb[1], (int)g.pb[2], (int)g.G, tm,
                        (int)n->act.kind, (double)n->act.alpha, (double)n->act.beta));
    size_t gws[3] = {(size_t)(g.out[2] + 7) / 8, (size_t)g.out[1], (size_t)(g.N * ((g.M + tm - 1) / tm))};
    return oct_cl_launch(cl, d->k, 3, gws, "enqueueing the conv kernel");
}

static unsigned consumed(const oct_node *n)
{
    (void)n;
    return 0x6u; /* W, B */
}

const oct_cl_op oct_cl_op_conv = {"Conv", "", supports, prepare, run, release, consumed};
