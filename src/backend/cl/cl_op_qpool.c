/* octet — integer data movement of static INT8 chains on the OpenCL device
 * (kernels_cl/qpool_i8.cl): com.octet MaxPoolNhwc (uint8 / int8), and
 * QuantizeLinear / DequantizeLinear with one constant scale and zero point;
 * the same results as the CPU ops. */
#include <stdlib.h>
#include <string.h>

#include "backend/cl/cl_ops.h"
#include "ops/pool_common.h"
#include "ops/quant_util.h"

typedef struct qpool_dev {
    cl_kernel k;
    float scale;  /* QuantizeLinear */
    int32_t zp;
    oct_dtype qdt;
} qpool_dev;

static const oct_tensor *cval(const oct_graph *g, const oct_node *n, int i)
{
    return i < n->n_in && n->in[i] >= 0 ? g->val[n->in[i]].constant : NULL;
}

static int mp_supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)g, (void)cl;
    return n->n_in == 1 && (n->n_out == 1 || n->out[1] < 0);
}

static int q_supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    const oct_tensor *s = cval(g, n, 1), *z = cval(g, n, 2);
    if (!s || s->dtype != OCT_DT_F32 || oct_tensor_numel(s) != 1 || !(((const float *)s->data)[0] > 0)) return 0;
    if (n->n_in > 2 && n->in[2] >= 0 && (!z || oct_tensor_numel(z) != 1 || (z->dtype != OCT_DT_U8 && z->dtype != OCT_DT_I8)))
        return 0;
    return n->n_out == 1 && n->in[0] >= 0 &&
           (g->val[n->in[0]].dtype == OCT_DT_F32 || g->val[n->in[0]].dtype == OCT_DT_UNDEFINED);
}

static int dq_supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    const oct_tensor *s = cval(g, n, 1), *z = cval(g, n, 2);
    if (!s || s->dtype != OCT_DT_F32 || oct_tensor_numel(s) != 1 || n->n_out != 1 || n->in[0] < 0) return 0;
    if (n->n_in > 2 && n->in[2] >= 0 && (!z || oct_tensor_numel(z) != 1 || (z->dtype != OCT_DT_U8 && z->dtype != OCT_DT_I8)))
        return 0;
    oct_dtype dt = g->val[n->in[0]].dtype;
    return dt == OCT_DT_U8 || dt == OCT_DT_I8 || dt == OCT_DT_UNDEFINED;
}

static void release(void *state)
{
    qpool_dev *d = state;
    if (!d) return;
    if (d->k) clReleaseKernel(d->k);
    free(d);
}

static oct_status prepare(const oct_node *n, const oct_graph *g, oct_cl *cl, void **state)
{
    qpool_dev *d = calloc(1, sizeof *d);
    if (!d) return oct_err(OCT_E_NOMEM, "out of memory");
    int quant = !strcmp(n->op_type, "QuantizeLinear"), dequant = !strcmp(n->op_type, "DequantizeLinear");
    if (quant || dequant) {
        const oct_tensor *s = cval(g, n, 1), *z = cval(g, n, 2);
        d->scale = ((const float *)s->data)[0];
        d->qdt = z ? z->dtype : OCT_DT_U8;
        d->zp = 0;
        if (z) oct_quant_read_zp(z, 1, &d->zp);
    }
    const char *kn = quant ? "oct_quantize_static" : dequant ? "oct_dequantize_static" : "oct_maxpool_nhwc_8";
    if (!(d->k = oct_cl_kernel(cl, kn))) {
        release(d);
        return OCT_E_DEVICE;
    }
    *state = d;
    return OCT_OK;
}

static oct_status mp_run(oct_cl *cl, const oct_node *n, void *state, const oct_tensor *const *in,
                         const cl_mem *in_mem, oct_tensor *const *out, const cl_mem *out_mem)
{
    qpool_dev *d = state;
    const oct_tensor *x = in[0];
    if (x->rank != 4 || (x->dtype != OCT_DT_U8 && x->dtype != OCT_DT_I8) || oct_tensor_numel(out[0]) > (1 << 30))
        return oct_err(OCT_E_UNSUPPORTED, "%s: not for the device kernel", n->op_type);
    oct_tensor v = *x; /* NCHW view for the shared geometry */
    v.dims[1] = x->dims[3];
    v.dims[2] = x->dims[1];
    v.dims[3] = x->dims[2];
    const oct_pooling_opts po = {1, 1};
    oct_pooling_geom g;
    OCT_TRY(oct_pooling_geom_init(n, &v, &po, &g));
    if (g.nsp != 2) return oct_err(OCT_E_UNSUPPORTED, "%s: 2-D only", n->op_type);
    cl_int total = (cl_int)oct_tensor_numel(out[0]);
    if (total == 0) return OCT_OK;
    OCT_TRY(oct_cl_args(d->k, "oct_maxpool_nhwc_8", "mmiiiiiiiiiiiiiii", in_mem[0], out_mem[0], (int)g.in[1],
                        (int)g.in[2], (int)g.c, (int)g.out[1], (int)g.out[2], (int)g.k[1], (int)g.k[2], (int)g.s[1],
                        (int)g.s[2], (int)g.d[1], (int)g.d[2], (int)g.pb[1], (int)g.pb[2], x->dtype == OCT_DT_I8,
                        total));
    return oct_cl_launch_1d(cl, d->k, (size_t)total, "enqueueing oct_maxpool_nhwc_8");
}

static oct_status q_run(oct_cl *cl, const oct_node *n, void *state, const oct_tensor *const *in, const cl_mem *in_mem,
                        oct_tensor *const *out, const cl_mem *out_mem)
{
    qpool_dev *d = state;
    int64_t total = oct_tensor_numel(in[0]);
    if (in[0]->dtype != OCT_DT_F32 || out[0]->dtype != d->qdt || total > (1 << 30))
        return oct_err(OCT_E_UNSUPPORTED, "%s: not for the device kernel", n->op_type);
    if (total == 0) return OCT_OK;
    float lo = (float)(oct_quant_lo(d->qdt) - d->zp), hi = (float)(oct_quant_hi(d->qdt) - d->zp);
    OCT_TRY(oct_cl_args(d->k, "oct_quantize_static", "mmifffi", in_mem[0], out_mem[0], (int)total, (double)d->scale,
                        (double)lo, (double)hi, d->zp));
    return oct_cl_launch_1d(cl, d->k, (size_t)total, "enqueueing oct_quantize_static");
}

static oct_status dq_run(oct_cl *cl, const oct_node *n, void *state, const oct_tensor *const *in,
                         const cl_mem *in_mem, oct_tensor *const *out, const cl_mem *out_mem)
{
    qpool_dev *d = state;
    int64_t total = oct_tensor_numel(in[0]);
    if ((in[0]->dtype != OCT_DT_U8 && in[0]->dtype != OCT_DT_I8) || out[0]->dtype != OCT_DT_F32 || total > (1 << 30))
        return oct_err(OCT_E_UNSUPPORTED, "%s: not for the device kernel", n->op_type);
    if (total == 0) return OCT_OK;
    OCT_TRY(oct_cl_args(d->k, "oct_dequantize_static", "mmifii", in_mem[0], out_mem[0], (int)total, (double)d->scale,
                        d->zp, in[0]->dtype == OCT_DT_I8));
    return oct_cl_launch_1d(cl, d->k, (size_t)total, "enqueueing oct_dequantize_static");
}

static unsigned none(const oct_node *n)
{
    (void)n;
    return 0;
}

static unsigned q_consumed(const oct_node *n)
{
    (void)n;
    return 0x6u; /* scale, zero point */
}

const oct_cl_op oct_cl_op_maxpool_nhwc = {"MaxPoolNhwc", "com.octet", mp_supports, prepare, mp_run, release, none};
const oct_cl_op oct_cl_op_quantize = {"QuantizeLinear", "", q_supports, prepare, q_run, release, q_consumed};
const oct_cl_op oct_cl_op_dequantize = {"DequantizeLinear", "", dq_supports, prepare, dq_run, release, q_consumed};
