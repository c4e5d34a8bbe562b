/* octet — Transpose and Concat (4-byte or 1-byte elements, rank <= 8) and MatMul of two
 * activations (batched, A [..., M, K] x B [..., K, N] with either side's batch
 * broadcast) on the OpenCL device (kernels_cl/layout_f32.cl). */
#include <stdlib.h>
#include <string.h>

#include "backend/cl/cl_ops.h"
#include "core/dtype.h"

typedef struct layout_dev {
    cl_kernel k, k8; /* k8: the 1-byte variant */
    cl_mem idx;      /* Gather: the constant indices (int32, made non-negative) */
    int64_t ni, min_d; /* Gather: index count; the axis size the indices need */
} layout_dev;

static int tr_supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    oct_dtype dt = n->in[0] >= 0 ? g->val[n->in[0]].dtype : OCT_DT_UNDEFINED;
    return n->n_in == 1 && n->n_out == 1 &&
           (dt == OCT_DT_UNDEFINED || oct_dtype_size(dt) == 4 || oct_dtype_size(dt) == 1);
}

static int concat_supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    if (n->n_in < 1 || n->n_out != 1) return 0;
    for (int i = 0; i < n->n_in; i++) {
        if (n->in[i] < 0) return 0;
        oct_dtype dt = g->val[n->in[i]].dtype;
        if (dt != OCT_DT_UNDEFINED && oct_dtype_size(dt) != 4 && oct_dtype_size(dt) != 1) return 0;
    }
    return 1;
}

static const oct_tensor *cval(const oct_graph *g, const oct_node *n, int i)
{
    return i < n->n_in && n->in[i] >= 0 ? g->val[n->in[i]].constant : NULL;
}

/* Gather with constant indices (checked at load) over 4-byte / 1-byte data. */
static int gather_supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    const oct_tensor *ix = cval(g, n, 1);
    if (n->n_in != 2 || n->n_out != 1 || n->in[0] < 0 || !ix || (ix->dtype != OCT_DT_I64 && ix->dtype != OCT_DT_I32))
        return 0;
    if (oct_tensor_numel(ix) > (1 << 24)) return 0;
    oct_dtype dt = g->val[n->in[0]].dtype;
    int rank = g->val[n->in[0]].rank;
    int64_t axis = oct_attr_int(n, "axis", 0);
    if (rank < 1 || (axis < 0 ? axis + rank : axis) < 0 || (axis < 0 ? axis + rank : axis) >= rank) return 0;
    int64_t D = g->val[n->in[0]].dims[axis < 0 ? axis + rank : axis];
    if (D <= 0) return 0; /* the axis size must be static to check the indices */
    for (int64_t i = 0; i < oct_tensor_numel(ix); i++) {
        int64_t v = (int64_t)oct_dtype_get(ix->dtype, ix->data, (size_t)i);
        if (v < -D || v >= D) return 0; /* the CPU reports it */
    }
    return dt == OCT_DT_UNDEFINED || oct_dtype_size(dt) == 4 || oct_dtype_size(dt) == 1;
}

static int bmm_supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    if (n->n_in != 2 || n->n_out != 1 || n->in[0] < 0 || n->in[1] < 0 || g->val[n->in[1]].constant) return 0;
    if (n->act.kind != OCT_ACT_NONE) return 0;
    for (int i = 0; i < 2; i++)
        if (g->val[n->in[i]].dtype != OCT_DT_F32 && g->val[n->in[i]].dtype != OCT_DT_UNDEFINED) return 0;
    return 1;
}

static void release(void *state)
{
    layout_dev *d = state;
    if (!d) return;
    if (d->k) clReleaseKernel(d->k);
    if (d->k8) clReleaseKernel(d->k8);
    if (d->idx) clReleaseMemObject(d->idx);
    free(d);
}

static oct_status prepare(const oct_node *n, const oct_graph *g, oct_cl *cl, void **state)
{
    layout_dev *d = calloc(1, sizeof *d);
    if (!d) return oct_err(OCT_E_NOMEM, "out of memory");
    int tr = !strcmp(n->op_type, "Transpose"), cat = !strcmp(n->op_type, "Concat"), ga = !strcmp(n->op_type, "Gather");
    const char *k32 = tr ? "oct_transpose_32" : cat ? "oct_concat_32" : ga ? "oct_gather_32" : "oct_bmm_f32";
    const char *k8 = tr ? "oct_transpose_8" : cat ? "oct_concat_8" : ga ? "oct_gather_8" : NULL;
    if (ga) {
        const oct_tensor *ix = cval(g, n, 1);
        int rank = g->val[n->in[0]].rank;
        int64_t axis = oct_attr_int(n, "axis", 0), D = g->val[n->in[0]].dims[axis < 0 ? axis + rank : axis];
        d->ni = oct_tensor_numel(ix);
        d->min_d = D;
        int32_t *v = malloc(sizeof(int32_t) * (size_t)(d->ni > 0 ? d->ni : 1));
        oct_status st = v ? OCT_OK : oct_err(OCT_E_NOMEM, "out of memory");
        for (int64_t i = 0; v && i < d->ni; i++) {
            int64_t q = (int64_t)oct_dtype_get(ix->dtype, ix->data, (size_t)i);
            v[i] = (int32_t)(q < 0 ? q + D : q);
        }
        if (st == OCT_OK) d->idx = oct_cl_upload(cl, v, sizeof(int32_t) * (size_t)(d->ni > 0 ? d->ni : 1), &st);
        free(v);
        if (st != OCT_OK) {
            release(d);
            return st;
        }
    }
    if (!(d->k = oct_cl_kernel(cl, k32)) || (k8 && !(d->k8 = oct_cl_kernel(cl, k8)))) {
        release(d);
        return OCT_E_DEVICE;
    }
    *state = d;
    return OCT_OK;
}

static oct_status tr_run(oct_cl *cl, const oct_node *n, void *state, const oct_tensor *const *in,
                         const cl_mem *in_mem, oct_tensor *const *out, const cl_mem *out_mem)
{
    layout_dev *d = state;
    const oct_tensor *x = in[0], *y = out[0];
    int64_t total = oct_tensor_numel(y);
    size_t es = oct_dtype_size(x->dtype);
    if (x->rank > 8 || total > (1 << 30) || (es != 4 && es != 1))
        return oct_err(OCT_E_UNSUPPORTED, "%s: not for the device kernel", n->op_type);
    cl_kernel k = es == 4 ? d->k : d->k8;
    if (total == 0) return OCT_OK;
    int perm[8];
    const int64_t *pa = NULL;
    int np = oct_attr_ints(n, "perm", &pa);
    for (int i = 0; i < x->rank; i++) perm[i] = np == x->rank ? (int)pa[i] : x->rank - 1 - i;
    int64_t xs[8], st = 1;
    for (int i = x->rank - 1; i >= 0; i--) xs[i] = st, st *= x->dims[i];
    cl_int dims[8], strides[8];
    for (int k = 0; k < 8; k++) {
        int oi = y->rank - (8 - k);
        dims[k] = oi >= 0 ? (cl_int)y->dims[oi] : 1;
        strides[k] = oi >= 0 ? (cl_int)xs[perm[oi]] : 0;
    }
    OCT_TRY(oct_cl_args(k, es == 4 ? "oct_transpose_32" : "oct_transpose_8", "mmi", in_mem[0], out_mem[0],
                        (int)total));
    /* the int8 vectors (no oct_cl_args letter) */
    cl_int e = clSetKernelArg(k, 3, sizeof dims, dims);
    e |= clSetKernelArg(k, 4, sizeof strides, strides);
    if (e != CL_SUCCESS) return oct_cl_fail(e, "setting the transpose kernel's int8 arguments");
    return oct_cl_launch_1d(cl, k, (size_t)total, "enqueueing the transpose kernel");
}

static oct_status bmm_run(oct_cl *cl, const oct_node *n, void *state, const oct_tensor *const *in,
                          const cl_mem *in_mem, oct_tensor *const *out, const cl_mem *out_mem)
{
    layout_dev *d = state;
    const oct_tensor *a = in[0], *b = in[1], *y = out[0];
    if (a->rank < 2 || b->rank < 2 || y->rank < 2 || a->dtype != OCT_DT_F32 || b->dtype != OCT_DT_F32 ||
        oct_tensor_numel(y) > (1 << 30) || oct_tensor_numel(a) > (1 << 30) || oct_tensor_numel(b) > (1 << 30))
        return oct_err(OCT_E_UNSUPPORTED, "%s: not for the device kernel", n->op_type);
    int64_t M = a->dims[a->rank - 2], K = a->dims[a->rank - 1], N = b->dims[b->rank - 1];
    int64_t mk = M * K, kn = K * N, mn = M * N;
    int64_t ab = oct_tensor_numel(a) / (mk > 0 ? mk : 1), bb = oct_tensor_numel(b) / (kn > 0 ? kn : 1);
    int64_t batches = oct_tensor_numel(y) / (mn > 0 ? mn : 1);
    if (b->dims[b->rank - 2] != K || (ab != 1 && ab != batches) || (bb != 1 && bb != batches))
        return oct_err(OCT_E_UNSUPPORTED, "%s: batch broadcast the device kernel does not do", n->op_type);
    if (batches == 0 || M == 0 || N == 0) return OCT_OK;
    OCT_TRY(oct_cl_args(d->k, "oct_bmm_f32", "mmmiiiiii", in_mem[0], in_mem[1], out_mem[0], (int)batches, (int)M,
                        (int)N, (int)K, ab == 1 ? 0 : (int)(M * K), bb == 1 ? 0 : (int)(K * N)));
    size_t gws[3] = {(size_t)(N + 7) / 8, (size_t)M, (size_t)batches};
    return oct_cl_launch(cl, d->k, 3, gws, "enqueueing oct_bmm_f32");
}

static oct_status concat_run(oct_cl *cl, const oct_node *n, void *state, const oct_tensor *const *in,
                             const cl_mem *in_mem, oct_tensor *const *out, const cl_mem *out_mem)
{
    layout_dev *d = state;
    const oct_tensor *y = out[0];
    size_t es = oct_dtype_size(y->dtype);
    int64_t axis = oct_attr_int(n, "axis", 0);
    if (axis < 0) axis += y->rank;
    if ((es != 4 && es != 1) || axis < 0 || axis >= y->rank || oct_tensor_numel(y) > (1 << 30))
        return oct_err(OCT_E_UNSUPPORTED, "%s: not for the device kernel", n->op_type);
    int64_t outer = 1, inner_y = 1;
    for (int i = 0; i < axis; i++) outer *= y->dims[i];
    for (int i = (int)axis; i < y->rank; i++) inner_y *= y->dims[i];
    cl_kernel k = es == 4 ? d->k : d->k8;
    int64_t offset = 0;
    for (int j = 0; j < n->n_in; j++) {
        int64_t inner_x = oct_tensor_numel(in[j]) / (outer ? outer : 1);
        if (outer && inner_x) {
            OCT_TRY(oct_cl_args(k, es == 4 ? "oct_concat_32" : "oct_concat_8", "mmiiii", in_mem[j], out_mem[0],
                                (int)outer, (int)inner_x, (int)inner_y, (int)offset));
            OCT_TRY(oct_cl_launch_1d(cl, k, (size_t)(outer * inner_x), "enqueueing the concat kernel"));
        }
        offset += inner_x;
    }
    return OCT_OK;
}

static oct_status gather_run(oct_cl *cl, const oct_node *n, void *state, const oct_tensor *const *in,
                             const cl_mem *in_mem, oct_tensor *const *out, const cl_mem *out_mem)
{
    layout_dev *d = state;
    const oct_tensor *x = in[0];
    size_t es = oct_dtype_size(x->dtype);
    int64_t axis = oct_attr_int(n, "axis", 0);
    if (axis < 0) axis += x->rank;
    if ((es != 4 && es != 1) || axis < 0 || axis >= x->rank || x->dims[axis] != d->min_d ||
        oct_tensor_numel(out[0]) > (1 << 30) || oct_tensor_numel(x) > (1 << 30))
        return oct_err(OCT_E_UNSUPPORTED, "%s: not for the device kernel", n->op_type);
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; i++) outer *= x->dims[i];
    for (int i = (int)axis + 1; i < x->rank; i++) inner *= x->dims[i];
    int64_t total = outer * d->ni * inner;
    if (total == 0) return OCT_OK;
    cl_kernel k = es == 4 ? d->k : d->k8;
    OCT_TRY(oct_cl_args(k, es == 4 ? "oct_gather_32" : "oct_gather_8", "mmmiiii", in_mem[0], d->idx, out_mem[0],
                        (int)outer, (int)d->min_d, (int)d->ni, (int)inner));
    return oct_cl_launch_1d(cl, k, (size_t)total, "enqueueing the gather kernel");
}

static unsigned idx_consumed(const oct_node *n)
{
    (void)n;
    return 0x2u;
}

static unsigned none(const oct_node *n)
{
    (void)n;
    return 0;
}

const oct_cl_op oct_cl_op_transpose = {"Transpose", "", tr_supports, prepare, tr_run, release, none};
const oct_cl_op oct_cl_op_bmm = {"MatMul", "", bmm_supports, prepare, bmm_run, release, none};
const oct_cl_op oct_cl_op_concat = {"Concat", "", concat_supports, prepare, concat_run, release, none};
const oct_cl_op oct_cl_op_gather = {"Gather", "", gather_supports, prepare, gather_run, release, idx_consumed};
