/* octet — transformer float ops on the OpenCL device (kernels_cl/norm_f32.cl):
 * Softmax over the last axis, LayerNormalization over the last axis (ONNX and
 * the com.octet fused form), Gelu (erf form; ONNX and com.octet), ReduceMean /
 * ReduceSum over one axis. */
#include <stdlib.h>
#include <string.h>

#include "backend/cl/cl_ops.h"

typedef struct norm_dev {
    cl_kernel k;
    cl_mem gamma, beta; /* LayerNormalization */
    int D;
} norm_dev;

static int is_float(const oct_graph *g, int v)
{
    return v >= 0 && (g->val[v].dtype == OCT_DT_F32 || g->val[v].dtype == OCT_DT_UNDEFINED);
}

static const oct_tensor *cval(const oct_graph *g, const oct_node *n, int i)
{
    return i < n->n_in && n->in[i] >= 0 ? g->val[n->in[i]].constant : NULL;
}

static int softmax_supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    int64_t axis = oct_attr_int(n, "axis", n->opset >= 13 ? -1 : 1);
    int rank = n->in[0] >= 0 ? g->val[n->in[0]].rank : -1;
    return n->n_in == 1 && n->n_out == 1 && is_float(g, n->in[0]) && (axis == -1 || (rank > 0 && axis == rank - 1));
}

static int ln_supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    const oct_tensor *s = cval(g, n, 1), *b = cval(g, n, 2);
    int rank = n->in[0] >= 0 ? g->val[n->in[0]].rank : -1;
    int64_t axis = oct_attr_int(n, "axis", -1);
    return n->n_out == 1 && is_float(g, n->in[0]) && s && s->dtype == OCT_DT_F32 && s->rank == 1 &&
           (n->n_in < 3 || n->in[2] < 0 || (b && b->dtype == OCT_DT_F32 && oct_tensor_numel(b) == s->dims[0])) &&
           (axis == -1 || (rank > 0 && axis == rank - 1));
}

static int gelu_supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    return n->n_in == 1 && n->n_out == 1 && is_float(g, n->in[0]) &&
           !strcmp(oct_attr_str(n, "approximate", "none"), "none");
}

/* The single reduced axis (normalised), or -1. */
static int reduce_axis(const oct_node *n, const oct_graph *g, int rank)
{
    const int64_t *ax = NULL;
    int na = oct_attr_ints(n, "axes", &ax);
    int64_t a;
    if (na == 1) a = ax[0];
    else if (na < 0 && n->n_in > 1 && n->in[1] >= 0 && g->val[n->in[1]].constant &&
             g->val[n->in[1]].constant->dtype == OCT_DT_I64 && oct_tensor_numel(g->val[n->in[1]].constant) == 1)
        a = ((const int64_t *)g->val[n->in[1]].constant->data)[0];
    else return -1;
    if (a < 0) a += rank;
    return rank > 0 && a >= 0 && a < rank ? (int)a : -1;
}

static int reduce_supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    int rank = n->in[0] >= 0 ? g->val[n->in[0]].rank : -1;
    return n->n_out == 1 && is_float(g, n->in[0]) && reduce_axis(n, g, rank) >= 0 &&
           !oct_attr_int(n, "noop_with_empty_axes", 0);
}

static void release(void *state)
{
    norm_dev *d = state;
    if (!d) return;
    if (d->k) clReleaseKernel(d->k);
    if (d->gamma) clReleaseMemObject(d->gamma);
    if (d->beta) clReleaseMemObject(d->beta);
    free(d);
}

static oct_status prepare(const oct_node *n, const oct_graph *g, oct_cl *cl, void **state)
{
    norm_dev *d = calloc(1, sizeof *d);
    if (!d) return oct_err(OCT_E_NOMEM, "out of memory");
    oct_status st = OCT_OK;
    const char *kn = !strcmp(n->op_type, "Softmax")         ? "oct_softmax_rows_f32"
                     : !strcmp(n->op_type, "Gelu")          ? "oct_gelu_f32"
                     : !strncmp(n->op_type, "Reduce", 6)    ? "oct_reduce_axis_f32"
                                                            : "oct_layernorm_rows_f32";
    if (!strncmp(n->op_type, "Reduce", 6)) d->D = reduce_axis(n, g, n->in[0] >= 0 ? g->val[n->in[0]].rank : -1);
    if (!strcmp(n->op_type, "LayerNormalization")) {
        const oct_tensor *s = cval(g, n, 1), *b = cval(g, n, 2);
        d->D = (int)s->dims[0];
        d->gamma = oct_cl_upload(cl, s->data, oct_tensor_nbytes(s), &st);
        if (st == OCT_OK && b) d->beta = oct_cl_upload(cl, b->data, oct_tensor_nbytes(b), &st);
    }
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
    norm_dev *d = state;
    const oct_tensor *x = in[0];
    int64_t total = oct_tensor_numel(x);
    if (strncmp(n->op_type, "Reduce", 6) && oct_tensor_numel(out[0]) != total)
        return oct_err(OCT_E_SHAPE, "%s: output size differs", n->op_type);
    if (x->dtype != OCT_DT_F32 || x->rank < 1 || total > (1 << 30))
        return oct_err(OCT_E_UNSUPPORTED, "%s: not for the device kernel", n->op_type);
    if (total == 0) return OCT_OK;
    if (!strncmp(n->op_type, "Reduce", 6)) {
        int ax = d->D;
        if (ax >= x->rank) return oct_err(OCT_E_SHAPE, "%s: axis %d of rank %d", n->op_type, ax, x->rank);
        cl_int outer = 1, L = (cl_int)x->dims[ax], inner = 1, mean = !strcmp(n->op_type, "ReduceMean");
        for (int i = 0; i < ax; i++) outer *= (cl_int)x->dims[i];
        for (int i = ax + 1; i < x->rank; i++) inner *= (cl_int)x->dims[i];
        OCT_TRY(oct_cl_args(d->k, "oct_reduce_axis_f32", "mmiiii", in_mem[0], out_mem[0], outer, L, inner, mean));
        return oct_cl_launch_1d(cl, d->k, (size_t)outer * (size_t)inner, "enqueueing oct_reduce_axis_f32");
    }
    cl_int L = (cl_int)x->dims[x->rank - 1], rows = L ? (cl_int)(total / L) : 0;
    if (!strcmp(n->op_type, "Gelu")) {
        OCT_TRY(oct_cl_args(d->k, "oct_gelu_f32", "mmi", in_mem[0], out_mem[0], (int)total));
        return oct_cl_launch_1d(cl, d->k, (size_t)total, "enqueueing oct_gelu_f32");
    }
    if (!strcmp(n->op_type, "Softmax")) {
        OCT_TRY(oct_cl_args(d->k, "oct_softmax_rows_f32", "mmii", in_mem[0], out_mem[0], rows, L));
        return oct_cl_launch_1d(cl, d->k, (size_t)rows, "enqueueing oct_softmax_rows_f32");
    }
    if (L != d->D) return oct_err(OCT_E_SHAPE, "%s: last dim %d, scale has %d", n->op_type, (int)L, d->D);
    float eps = oct_attr_float(n, "epsilon", 1e-5f);
    OCT_TRY(oct_cl_args(d->k, "oct_layernorm_rows_f32", "mmmimiif", in_mem[0], d->gamma, d->beta ? d->beta : d->gamma,
                        d->beta != NULL, out_mem[0], rows, L, (double)eps));
    return oct_cl_launch_1d(cl, d->k, (size_t)rows, "enqueueing oct_layernorm_rows_f32");
}

static unsigned none(const oct_node *n)
{
    (void)n;
    return 0;
}

static unsigned ln_consumed(const oct_node *n)
{
    (void)n;
    return 0x6u; /* scale, bias */
}

const oct_cl_op oct_cl_op_softmax = {"Softmax", "", softmax_supports, prepare, run, release, none};
const oct_cl_op oct_cl_op_layernorm = {"LayerNormalization", "", ln_supports, prepare, run, release, ln_consumed};
const oct_cl_op oct_cl_op_layernorm_octet = {"LayerNormalization", "com.octet", ln_supports, prepare, run, release,
                                             ln_consumed};
const oct_cl_op oct_cl_op_gelu = {"Gelu", "", gelu_supports, prepare, run, release, none};
const oct_cl_op oct_cl_op_gelu_octet = {"Gelu", "com.octet", gelu_supports, prepare, run, release, none};
const oct_cl_op oct_cl_op_reducemean = {"ReduceMean", "", reduce_supports, prepare, run, release, none};
const oct_cl_op oct_cl_op_reducesum = {"ReduceSum", "", reduce_supports, prepare, run, release, none};
