/* Reduce{Sum,Mean,Max,Min,Prod,L1,L2,LogSum,LogSumExp,SumSquare}.
 * Axes: attribute before opset 18 (ReduceSum: 13), then input 1; empty axes
 * reduce everything unless noop_with_empty_axes (then output = input);
 * keepdims (default 1). f32 has threaded kernels for contiguous and [A,R,B]
 * layouts; other layouts are permuted first. Other numeric dtypes go through
 * the generic kernel. */
#include <stdlib.h>
#include <string.h>

#include "ops/reduce_kern.h"
#include "ops/shape_util.h"

static const struct {
    const char *name;
    oct_reduce_kind kind;
} reduce_kinds[] = {
    {"ReduceSum", OCT_RED_SUM}, {"ReduceMean", OCT_RED_MEAN}, {"ReduceMax", OCT_RED_MAX},
    {"ReduceMin", OCT_RED_MIN}, {"ReduceProd", OCT_RED_PROD}, {"ReduceL1", OCT_RED_L1},
    {"ReduceL2", OCT_RED_L2}, {"ReduceLogSum", OCT_RED_LOGSUM}, {"ReduceLogSumExp", OCT_RED_LOGSUMEXP},
    {"ReduceSumSquare", OCT_RED_SUMSQ},
};

typedef struct {
    oct_reduce_kind kind;
    uint32_t mask; /* reduced axes */
    int noop;      /* empty axes with noop_with_empty_axes: copy */
    int keep;
} reduce_params;

static oct_status reduce_params_get(const oct_node *n, const oct_tensor *const *in, reduce_params *p)
{
    int found = 0;
    for (size_t i = 0; i < sizeof reduce_kinds / sizeof reduce_kinds[0]; i++)
        if (!strcmp(n->op_type, reduce_kinds[i].name)) {
            p->kind = reduce_kinds[i].kind;
            found = 1;
        }
    if (!found) return oct_err(OCT_E_INTERNAL, "%s is not a reduction", n->op_type);
    const oct_tensor *x = in[0];
    int axes_input_from = p->kind == OCT_RED_SUM ? 13 : 18;
    int64_t ax[OCT_MAX_RANK];
    int cnt;
    OCT_TRY(oct_ops_ints_attr_or_input(n, in, "axes", axes_input_from, 1, ax, OCT_MAX_RANK, &cnt));
    p->keep = oct_attr_int(n, "keepdims", 1) != 0;
    int noop_attr = n->opset >= axes_input_from ? oct_attr_int(n, "noop_with_empty_axes", 0) != 0 : 0;
    p->noop = 0;
    if (cnt <= 0) {
        p->noop = noop_attr;
        p->mask = p->noop ? 0 : (uint32_t)((1u << x->rank) - 1);
        return OCT_OK;
    }
    return oct_ops_norm_axes(n, ax, cnt, x->rank, NULL, &p->mask);
}

static oct_status reduce_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 2, 1));
    const oct_tensor *x = in[0];
    reduce_params p;
    OCT_TRY(reduce_params_get(n, in, &p));
    switch (x->dtype) {
    case OCT_DT_F32: case OCT_DT_F64: case OCT_DT_F16: case OCT_DT_I8: case OCT_DT_U8: case OCT_DT_I16:
    case OCT_DT_U16: case OCT_DT_I32: case OCT_DT_U32: case OCT_DT_I64: case OCT_DT_U64: break;
    case OCT_DT_BOOL: /* opset 20 ReduceMax / ReduceMin */
        if (p.kind == OCT_RED_MAX || p.kind == OCT_RED_MIN) break;
        return oct_op_bad_dtype(n, x->dtype);
    default: return oct_op_bad_dtype(n, x->dtype);
    }
    int64_t d[OCT_MAX_RANK];
    int r = 0;
    for (int i = 0; i < x->rank; i++) {
        if (!(p.mask & (1u << i))) d[r++] = x->dims[i];
        else if (p.keep) d[r++] = 1;
    }
    return oct_out_shape(out[0], x->dtype, r, d);
}

static oct_status reduce_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                 const oct_exec *ex)
{
    const oct_tensor *x = in[0];
    oct_tensor *y = out[0];
    reduce_params p;
    OCT_TRY(reduce_params_get(n, in, &p));
    if (p.noop) { oct_ops_copy_data(y, x); return OCT_OK; }
    int64_t rows = oct_tensor_numel(y);
    if (rows == 0) return OCT_OK;
    /* coalesce into alternating kept / reduced groups, dropping size-1 dims */
    int ng = 0, gr[OCT_MAX_RANK];
    int64_t gs[OCT_MAX_RANK], r = 1;
    for (int i = 0; i < x->rank; i++) {
        int f = (p.mask >> i) & 1;
        if (f) r *= x->dims[i];
        if (x->dims[i] == 1) continue;
        if (ng && gr[ng - 1] == f) gs[ng - 1] *= x->dims[i];
        else { gs[ng] = x->dims[i]; gr[ng] = f; ng++; }
    }
    int n_red = 0;
    for (int g = 0; g < ng; g++) n_red += gr[g];
    int inner = r == 0 || n_red == 0 || (n_red == 1 && gr[ng - 1]);
    if (x->dtype == OCT_DT_F32 && !inner && n_red == 1 && !gr[ng - 1] && gr[ng - 2] &&
        (ng == 2 || ng == 3)) {
        oct_reduce_f32_middle(p.kind, x->data, y->data, ng == 3 ? gs[0] : 1, gs[ng - 2], gs[ng - 1], ex->pool);
        return OCT_OK;
    }
    const void *src = x->data;
    void *tmp = NULL;
    if (!inner) { /* permute to [kept..., reduced...] */
        int perm[OCT_MAX_RANK], k = 0;
        for (int i = 0; i < x->rank; i++)
            if (!((p.mask >> i) & 1)) perm[k++] = i;
        for (int i = 0; i < x->rank; i++)
            if ((p.mask >> i) & 1) perm[k++] = i;
        tmp = malloc(oct_tensor_nbytes(x));
        if (!tmp) return oct_err(OCT_E_NOMEM, "%s: out of memory", n->op_type);
        oct_ops_permute(tmp, x->data, oct_dtype_size(x->dtype), x->rank, x->dims, perm, ex->pool);
        src = tmp;
    }
    if (x->dtype == OCT_DT_F32) oct_reduce_f32_inner(p.kind, src, y->data, rows, r, ex->pool);
    else oct_reduce_generic_inner(p.kind, x->dtype, src, y->data, rows, r);
    free(tmp);
    return OCT_OK;
}

#define REDUCE_OP(name)                  \
    const oct_op_impl oct_op_##name = {  \
        .shape_inputs = 1u << 1,         \
        .infer = reduce_infer,           \
        .compute = reduce_compute,       \
    };
REDUCE_OP(ReduceSum)
REDUCE_OP(ReduceMean)
REDUCE_OP(ReduceMax)
REDUCE_OP(ReduceMin)
REDUCE_OP(ReduceProd)
REDUCE_OP(ReduceL1)
REDUCE_OP(ReduceL2)
REDUCE_OP(ReduceLogSum)
REDUCE_OP(ReduceLogSumExp)
REDUCE_OP(ReduceSumSquare)
