/* octet — com.microsoft QLinearAdd (same-shape operands) and
 * QLinearGlobalAveragePool on the OpenCL device (kernels_cl/qadd_i8.cl), with
 * the CPU ops' (ONNX Runtime's) float arithmetic, constants precomputed as
 * they do: same results. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cl/cl_ops.h"
#include "ops/quant_util.h"

typedef struct qadd_dev {
    cl_kernel k;
    float ra, rb, fixed, lo, hi, scale, xs, ys;
    int32_t zx, zy;
    int is_signed;
} qadd_dev;

static const oct_tensor *cval(const oct_graph *g, const oct_node *n, int i)
{
    return i < n->n_in && n->in[i] >= 0 ? g->val[n->in[i]].constant : NULL;
}

static int same_static(const oct_value *a, const oct_value *b)
{
    if (a->rank < 0 || a->rank != b->rank) return 0;
    for (int i = 0; i < a->rank; i++) {
        if (a->dims[i] >= 0 && a->dims[i] == b->dims[i]) continue;
        if (a->dims[i] < 0 && b->dims[i] < 0 && a->dim_param[i] && b->dim_param[i] &&
            !strcmp(a->dim_param[i], b->dim_param[i]))
            continue;
        return 0;
    }
    return 1;
}

static int add_supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    if (n->n_in < 7 || n->n_out != 1 || n->in[0] < 0 || n->in[3] < 0) return 0;
    for (int i = 1; i < 8 && i < n->n_in; i++)
        if (i != 3 && n->in[i] >= 0 && !cval(g, n, i)) return 0;
    if (!cval(g, n, 1) || !cval(g, n, 4) || !cval(g, n, 6)) return 0;
    return same_static(&g->val[n->in[0]], &g->val[n->in[3]]);
}

static int gap_supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    if (n->n_in < 4 || n->n_out != 1 || n->in[0] < 0) return 0;
    for (int i = 1; i < n->n_in; i++)
        if (n->in[i] >= 0 && !cval(g, n, i)) return 0;
    return cval(g, n, 1) && cval(g, n, 3);
}

static void release(void *state)
{
    qadd_dev *d = state;
    if (!d) return;
    if (d->k) clReleaseKernel(d->k);
    free(d);
}

static oct_status prepare(const oct_node *n, const oct_graph *g, oct_cl *cl, void **state)
{
    qadd_dev *d = calloc(1, sizeof *d);
    if (!d) return oct_err(OCT_E_NOMEM, "out of memory");
    int add = !strcmp(n->op_type, "QLinearAdd");
    if (add) { /* as qlinear_add.c: rA, rB, fixed = C_zp - fma(A_zp, rA, rB * B_zp) */
        float sa, sb, sc;
        int32_t za = 0, zb = 0, zc = 0;
        oct_quant_read_scale(cval(g, n, 1), 1, &sa);
        oct_quant_read_scale(cval(g, n, 4), 1, &sb);
        oct_quant_read_scale(cval(g, n, 6), 1, &sc);
        const oct_tensor *zat = cval(g, n, 2), *zbt = cval(g, n, 5), *zct = cval(g, n, 7);
        if (zat) oct_quant_read_zp(zat, 1, &za);
        if (zbt) oct_quant_read_zp(zbt, 1, &zb);
        if (zct) oct_quant_read_zp(zct, 1, &zc);
        oct_dtype dt = zct ? zct->dtype : zat ? zat->dtype : OCT_DT_U8;
        d->is_signed = dt == OCT_DT_I8;
        d->ra = sa / sc;
        d->rb = sb / sc;
        d->fixed = (float)zc - fmaf((float)za, d->ra, d->rb * (float)zb);
        int32_t clamp[2];
        int has = oct_quant_act_clamp(n, sc, zc, dt, clamp);
        d->lo = (float)(has ? clamp[0] : oct_quant_lo(dt));
        d->hi = (float)(has ? clamp[1] : oct_quant_hi(dt));
    } else {
        const oct_tensor *zxt = cval(g, n, 2), *zyt = cval(g, n, 4);
        oct_quant_read_scale(cval(g, n, 1), 1, &d->xs);
        oct_quant_read_scale(cval(g, n, 3), 1, &d->ys);
        if (zxt) oct_quant_read_zp(zxt, 1, &d->zx);
        if (zyt) oct_quant_read_zp(zyt, 1, &d->zy);
        oct_dtype dt = zyt ? zyt->dtype : zxt ? zxt->dtype : OCT_DT_U8;
        d->is_signed = dt == OCT_DT_I8;
        d->lo = (float)(oct_quant_lo(dt) - d->zy);
        d->hi = (float)(oct_quant_hi(dt) - d->zy);
    }
    if (!(d->k = oct_cl_kernel(cl, add ? "oct_qadd_vv_8" : "oct_qgap_8"))) {
        release(d);
        return OCT_E_DEVICE;
    }
    *state = d;
    return OCT_OK;
}

static oct_status add_run(oct_cl *cl, const oct_node *n, void *state, const oct_tensor *const *in,
                          const cl_mem *in_mem, oct_tensor *const *out, const cl_mem *out_mem)
{
    qadd_dev *d = state;
    int64_t total = oct_tensor_numel(out[0]);
    if (oct_tensor_numel(in[0]) != total || oct_tensor_numel(in[3]) != total || total > (1 << 30))
        return oct_err(OCT_E_UNSUPPORTED, "%s: broadcasting operands stay on the CPU", n->op_type);
    if (total == 0) return OCT_OK;
    OCT_TRY(oct_cl_args(d->k, "oct_qadd_vv_8", "mmmifffffi", in_mem[0], in_mem[3], out_mem[0], (int)total,
                        (double)d->ra, (double)d->rb, (double)d->fixed, (double)d->lo, (double)d->hi, d->is_signed));
    return oct_cl_launch_1d(cl, d->k, (size_t)total, "enqueueing oct_qadd_vv_8");
}

static oct_status gap_run(oct_cl *cl, const oct_node *n, void *state, const oct_tensor *const *in,
                          const cl_mem *in_mem, oct_tensor *const *out, const cl_mem *out_mem)
{
    qadd_dev *d = state;
    const oct_tensor *x = in[0];
    int cl_last = oct_attr_int(n, "channels_last", 0) != 0;
    if (x->rank < 3 || oct_tensor_numel(x) > (1 << 30)) return oct_err(OCT_E_UNSUPPORTED, "%s: rank", n->op_type);
    int64_t N = x->dims[0], C = cl_last ? x->dims[x->rank - 1] : x->dims[1], S = 1;
    for (int i = cl_last ? 1 : 2; i < (cl_last ? x->rank - 1 : x->rank); i++) S *= x->dims[i];
    if (N * C == 0) return OCT_OK;
    if (S > (1 << 23)) return oct_err(OCT_E_UNSUPPORTED, "%s: plane too large", n->op_type);
    cl_int planes = (cl_int)(N * C);
    float scale = d->xs / (d->ys * (float)S); /* as the CPU: x_scale / (y_scale * S) */
    OCT_TRY(oct_cl_args(d->k, "oct_qgap_8", "mmiiiiifffii", in_mem[0], out_mem[0], planes, (int)C, (int)S, cl_last,
                        d->zx, (double)scale, (double)d->lo, (double)d->hi, d->zy, d->is_signed));
    (void)out;
    return oct_cl_launch_1d(cl, d->k, (size_t)planes, "enqueueing oct_qgap_8");
}

static unsigned add_consumed(const oct_node *n)
{
    (void)n;
    return 0xF6u; /* all but A (0) and B (3) */
}

static unsigned gap_consumed(const oct_node *n)
{
    (void)n;
    return 0x1Eu; /* all but X */
}

const oct_cl_op oct_cl_op_qadd = {"QLinearAdd", "com.microsoft", add_supports, prepare, add_run, release,
                                  add_consumed};
const oct_cl_op oct_cl_op_qgap = {"QLinearGlobalAveragePool", "com.microsoft", gap_supports, prepare, gap_run,
                                  release, gap_consumed};
