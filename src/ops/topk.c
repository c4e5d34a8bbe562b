/* TopK (opsets 1..22; newest schema 11): the K largest (or smallest) values
 * along `axis` and their int64 indices. K is an attribute (opset 1) or a
 * 1-element int64 input (opset 10+, needed at plan time); largest/sorted from
 * opset 11. Results are always sorted (allowed for sorted = 0); ties keep the
 * lower index first; NaN counts as larger than any number.
 * X: f32, f16, f64, i8..i64, u8..u64. Threaded over slices. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/op.h"

typedef struct {
    double v;
    int64_t i;
} topk_item;

/* a ranks before b for "largest" */
static int gt(const topk_item *a, const topk_item *b)
{
    int an = isnan(a->v), bn = isnan(b->v);
    if (an != bn) return an;
    if (!an && a->v != b->v) return a->v > b->v;
    return a->i < b->i;
}

static int lt(const topk_item *a, const topk_item *b)
{
    int an = isnan(a->v), bn = isnan(b->v);
    if (an != bn) return bn;
    if (!an && a->v != b->v) return a->v < b->v;
    return a->i < b->i;
}

static int cmp_gt(const void *a, const void *b) { return gt(a, b) ? -1 : gt(b, a) ? 1 : 0; }
static int cmp_lt(const void *a, const void *b) { return lt(a, b) ? -1 : lt(b, a) ? 1 : 0; }

static oct_status topk_params(const oct_node *n, const oct_tensor *const *in, int *axis, int64_t *k)
{
    const oct_tensor *x = in[0];
    if (x->rank < 1) return oct_err(OCT_E_SHAPE, "TopK '%s': input must have rank >= 1", n->name);
    oct_status s = oct_axis_norm(oct_attr_int(n, "axis", -1), x->rank, axis);
    if (s != OCT_OK) return oct_err_ctx(s, "TopK '%s': ", n->name);
    if (n->opset < 10) {
        if (!oct_node_attr(n, "k")) return oct_err(OCT_E_INVALID, "TopK '%s': attribute k is required", n->name);
        *k = oct_attr_int(n, "k", 0);
    } else {
        int cnt = 0;
        int64_t kv[1];
        if (!in[1]) return oct_err(OCT_E_INVALID, "TopK '%s': input K is required", n->name);
        s = oct_tensor_read_ints(in[1], kv, 1, &cnt);
        if (s != OCT_OK) return oct_err_ctx(s, "TopK '%s': K: ", n->name);
        if (cnt != 1) return oct_err(OCT_E_INVALID, "TopK '%s': K must have one element, got %d", n->name, cnt);
        *k = kv[0];
    }
    if (*k < 0 || *k > x->dims[*axis])
        return oct_err(OCT_E_INVALID, "TopK '%s': K = %lld is out of range for axis %d of size %lld", n->name,
                       (long long)*k, *axis, (long long)x->dims[*axis]);
    return OCT_OK;
}

static oct_status topk_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, n->opset < 10 ? 1 : 2, n->opset < 10 ? 1 : 2, n->opset < 10 ? 1 : 2));
    const oct_tensor *x = in[0];
    switch (x->dtype) {
    case OCT_DT_F32: case OCT_DT_F16: case OCT_DT_F64: case OCT_DT_I8: case OCT_DT_I16: case OCT_DT_I32:
    case OCT_DT_I64: case OCT_DT_U8: case OCT_DT_U16: case OCT_DT_U32: case OCT_DT_U64: break;
    default: return oct_op_bad_dtype(n, x->dtype);
    }
    if (n->n_out != 2) return oct_err(OCT_E_INVALID, "TopK '%s': expects 2 outputs, got %d", n->name, n->n_out);
    int axis;
    int64_t k;
    OCT_TRY(topk_params(n, in, &axis, &k));
    int64_t dims[OCT_MAX_RANK];
    for (int i = 0; i < x->rank; i++) dims[i] = i == axis ? k : x->dims[i];
    if (out[0]) OCT_TRY(oct_out_shape(out[0], x->dtype, x->rank, dims));
    if (out[1]) OCT_TRY(oct_out_shape(out[1], OCT_DT_I64, x->rank, dims));
    return OCT_OK;
}

typedef struct {
    const oct_tensor *x;
    oct_tensor *vals, *idx;
    int64_t A, inner, k;
    int largest;
    topk_item *scratch;
} topk_ctx;

static double ld(const oct_tensor *t, int64_t i)
{
    if (t->dtype == OCT_DT_F32) return ((const float *)t->data)[i];
    if (t->dtype == OCT_DT_F16) return oct_f16_to_f32(((const uint16_t *)t->data)[i]);
    return oct_dtype_get(t->dtype, t->data, (size_t)i);
}

/* Heap whose root is the worst kept item. */
static void sift_down(topk_item *h, int64_t n, int64_t i, int (*better)(const topk_item *, const topk_item *))
{
    for (;;) {
        int64_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && better(&h[w], &h[l])) w = l;
        if (r < n && better(&h[w], &h[r])) w = r;
        if (w == i) return;
        topk_item t = h[i];
        h[i] = h[w];
        h[w] = t;
        i = w;
    }
}

static void topk_range(void *ctx, int64_t b, int64_t e, int tid)
{
    topk_ctx *c = ctx;
    const int64_t A = c->A, inner = c->inner, k = c->k;
    int (*better)(const topk_item *, const topk_item *) = c->largest ? gt : lt;
    topk_item *it = c->scratch + (int64_t)tid * A;
    const size_t es = oct_dtype_size(c->x->dtype);
    for (int64_t s = b; s < e; s++) {
        int64_t o = s / inner, in = s % inner, base = o * A * inner + in;
        if (k * 8 < A) {
            int64_t n = 0;
            for (int64_t a = 0; a < A; a++) {
                topk_item t = {ld(c->x, base + a * inner), a};
                /* quick reject against the worst kept value (ties lose: higher index) */
                if (n == k && !isnan(it[0].v) && (c->largest ? t.v <= it[0].v : t.v >= it[0].v)) continue;
                if (n < k) {
                    it[n++] = t;
                    if (n == k)
                        for (int64_t i = k / 2; i >= 0; i--) sift_down(it, k, i, better);
                } else if (better(&t, &it[0])) {
                    it[0] = t;
                    sift_down(it, k, 0, better);
                }
            }
        } else {
            for (int64_t a = 0; a < A; a++) {
                it[a].v = ld(c->x, base + a * inner);
                it[a].i = a;
            }
        }
        qsort(it, (size_t)(k * 8 < A ? k : A), sizeof *it, c->largest ? cmp_gt : cmp_lt);
        int64_t obase = o * k * inner + in;
        for (int64_t j = 0; j < k; j++) {
            if (c->vals) /* copy the element itself: exact for every dtype */
                memcpy((char *)c->vals->data + (size_t)(obase + j * inner) * es,
                       (const char *)c->x->data + (size_t)(base + it[j].i * inner) * es, es);
            if (c->idx) ((int64_t *)c->idx->data)[obase + j * inner] = it[j].i;
        }
    }
}

static oct_status topk_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                               const oct_exec *ex)
{
    const oct_tensor *x = in[0];
    int axis;
    int64_t k;
    OCT_TRY(topk_params(n, in, &axis, &k));
    int64_t A = x->dims[axis], outer = oct_shape_numel(axis, x->dims);
    int64_t inner = oct_shape_numel(x->rank - axis - 1, x->dims + axis + 1);
    if (k == 0 || outer * inner == 0) return OCT_OK;
    oct_pool *pool = ex ? ex->pool : NULL;
    topk_ctx c = {x, out[0], out[1], A, inner, k, n->opset < 11 || oct_attr_int(n, "largest", 1) != 0, NULL};
    c.scratch = malloc((size_t)(A * oct_pool_size(pool)) * sizeof *c.scratch);
    if (!c.scratch) return oct_err(OCT_E_NOMEM, "TopK '%s': out of memory", n->name);
    int64_t grain = (1 << 14) / (A > 0 ? A : 1);
    oct_pool_for(pool, outer * inner, grain < 1 ? 1 : grain, topk_range, &c);
    free(c.scratch);
    return OCT_OK;
}

const oct_op_impl oct_op_TopK = {
    .shape_inputs = 1u << 1,
    .infer = topk_infer,
    .compute = topk_compute,
};
