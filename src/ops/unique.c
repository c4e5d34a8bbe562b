/* Unique (opset 11): the distinct elements (no axis: of the flattened input)
 * or distinct slices along `axis`, sorted ascending (lexicographically for
 * slices) when sorted = 1 (default), else in order of first occurrence.
 * Outputs Y, indices (first occurrence of each), inverse_indices (position in
 * Y of each input element/slice) and counts; the last three are i64.
 *
 * The output shape depends on the values of X, so X is a shape input: the
 * planner evaluates Unique at plan time when X is a constant or derives from
 * graph inputs (the plan is then keyed on their values); X computed from
 * run-time-only data is refused by the planner (OCT_E_UNSUPPORTED).
 * Number types and bool; floats compare as numbers with NaNs last and equal. */
#include <stdlib.h>
#include <string.h>

#include "ops/ew_util.h"
#include "ops/shape_util.h"

typedef struct uq_view {
    const oct_tensor *x;
    int axis;                   /* -1: flattened */
    int64_t outer, L, inner;    /* x viewed as [outer, L, inner] */
} uq_view;

typedef struct uq_result {
    int64_t U;
    int64_t *first;  /* [U] first occurrence of each unique slice, output order */
    int64_t *count;  /* [U] */
    int64_t *inv;    /* [L] */
} uq_result;

static int uq_cmp_elem(oct_dtype t, const void *d, size_t i, size_t j)
{
    if (oct_dt_in(t, OCT_DTS_FLOAT | OCT_DTB(OCT_DT_BF16))) {
        double a = oct_dtype_get(t, d, i), b = oct_dtype_get(t, d, j);
        int na = a != a, nb = b != b;
        if (na || nb) return na - nb; /* NaN after every number, NaNs equal */
        return (a > b) - (a < b);
    }
    int64_t a = oct_ew_get_i64(t, d, i), b = oct_ew_get_i64(t, d, j);
    if (oct_dt_in(t, OCT_DTS_UINT)) return ((uint64_t)a > (uint64_t)b) - ((uint64_t)a < (uint64_t)b);
    return (a > b) - (a < b);
}

/* Lexicographic comparison of slices p and q. */
static int uq_cmp(const uq_view *v, int64_t p, int64_t q)
{
    for (int64_t o = 0; o < v->outer; o++)
        for (int64_t i = 0; i < v->inner; i++) {
            size_t a = (size_t)((o * v->L + p) * v->inner + i), b = (size_t)((o * v->L + q) * v->inner + i);
            int c = uq_cmp_elem(v->x->dtype, v->x->data, a, b);
            if (c) return c;
        }
    return 0;
}

/* Stable bottom-up merge sort of slice ids. */
static void uq_sort(const uq_view *v, int64_t *a, int64_t *tmp, int64_t n)
{
    for (int64_t w = 1; w < n; w *= 2) {
        for (int64_t lo = 0; lo < n; lo += 2 * w) {
            int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int64_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) tmp[k++] = uq_cmp(v, a[j], a[i]) < 0 ? a[j++] : a[i++];
            while (i < mid) tmp[k++] = a[i++];
            while (j < hi) tmp[k++] = a[j++];
        }
        memcpy(a, tmp, (size_t)n * sizeof *a);
    }
}

static oct_status uq_view_of(const oct_node *n, const oct_tensor *x, uq_view *v)
{
    v->x = x;
    const oct_attr *a = oct_node_attr(n, "axis");
    if (!a) {
        v->axis = -1;
        v->outer = v->inner = 1;
        v->L = oct_tensor_numel(x);
        return OCT_OK;
    }
    if (oct_axis_norm(a->i, x->rank, &v->axis) != OCT_OK)
        return oct_err(OCT_E_INVALID, "Unique: axis %lld is out of range for rank %d", (long long)a->i, x->rank);
    v->outer = oct_shape_numel(v->axis, x->dims);
    v->L = x->dims[v->axis];
    v->inner = oct_shape_numel(x->rank - v->axis - 1, x->dims + v->axis + 1);
    return OCT_OK;
}

static void uq_free(uq_result *r)
{
    free(r->first);
    free(r->count);
    free(r->inv);
    memset(r, 0, sizeof *r);
}

static oct_status uq_run(const oct_node *n, const uq_view *v, uq_result *r)
{
    int64_t L = v->L;
    size_t sz = (size_t)(L > 0 ? L : 1) * sizeof(int64_t);
    int64_t *perm = malloc(sz), *tmp = malloc(sz), *gid = malloc(sz);
    memset(r, 0, sizeof *r);
    r->first = malloc(sz);
    r->count = malloc(sz);
    r->inv = malloc(sz);
    if (!perm || !tmp || !gid || !r->first || !r->count || !r->inv) {
        free(perm), free(tmp), free(gid);
        uq_free(r);
        return oct_err(OCT_E_NOMEM, "Unique: out of memory");
    }
    for (int64_t j = 0; j < L; j++) perm[j] = j;
    uq_sort(v, perm, tmp, L);
    /* groups of equal slices in sorted order; stable sort puts each group's first occurrence first */
    int64_t U = 0;
    for (int64_t s = 0; s < L; s++) {
        if (s == 0 || uq_cmp(v, perm[s - 1], perm[s]) != 0) {
            r->first[U] = perm[s];
            r->count[U] = 0;
            U++;
        }
        r->count[U - 1]++;
        gid[perm[s]] = U - 1;
    }
    r->U = U;
    if (!oct_attr_int(n, "sorted", 1)) {
        /* reorder groups by first occurrence: walk the input, numbering groups as first seen */
        int64_t *pos = tmp, k = 0; /* pos[g] = new position of sorted group g */
        for (int64_t g = 0; g < U; g++) pos[g] = -1;
        for (int64_t j = 0; j < L; j++)
            if (pos[gid[j]] < 0) pos[gid[j]] = k++;
        int64_t *f2 = perm, *c2 = malloc(sz); /* perm is free now */
        if (!c2) {
            free(tmp), free(gid), free(perm);
            uq_free(r);
            return oct_err(OCT_E_NOMEM, "Unique: out of memory");
        }
        for (int64_t g = 0; g < U; g++) {
            f2[pos[g]] = r->first[g];
            c2[pos[g]] = r->count[g];
        }
        memcpy(r->first, f2, (size_t)U * sizeof *f2);
        memcpy(r->count, c2, (size_t)U * sizeof *c2);
        free(c2);
        for (int64_t j = 0; j < L; j++) r->inv[j] = pos[gid[j]];
    } else {
        memcpy(r->inv, gid, (size_t)L * sizeof *gid);
    }
    free(perm), free(tmp), free(gid);
    return OCT_OK;
}

static oct_status uq_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    const oct_tensor *x = in[0];
    if (n->n_out < 1 || n->n_out > 4) return oct_err(OCT_E_INVALID, "Unique: expects 1..4 outputs, got %d", n->n_out);
    if (!oct_dt_in(x->dtype, OCT_DTS_NUM | OCT_DTB(OCT_DT_BF16) | OCT_DTB(OCT_DT_BOOL)))
        return oct_op_bad_dtype(n, x->dtype);
    uq_view v;
    OCT_TRY(uq_view_of(n, x, &v));
    if (!x->data)
        return oct_err(OCT_E_UNSUPPORTED,
                       "Unique: the output shape depends on the input values, which are only known at run time");
    uq_result r;
    OCT_TRY(uq_run(n, &v, &r));
    int64_t U = r.U, L = v.L;
    uq_free(&r);
    if (out[0]) {
        if (v.axis < 0) {
            OCT_TRY(oct_out_shape(out[0], x->dtype, 1, &U));
        } else {
            int64_t d[OCT_MAX_RANK];
            memcpy(d, x->dims, sizeof d);
            d[v.axis] = U;
            OCT_TRY(oct_out_shape(out[0], x->dtype, x->rank, d));
        }
    }
    for (int k = 1; k < n->n_out; k++)
        if (out[k]) OCT_TRY(oct_out_shape(out[k], OCT_DT_I64, 1, k == 2 ? &L : &U));
    return OCT_OK;
}

static oct_status uq_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0];
    uq_view v;
    uq_result r;
    OCT_TRY(uq_view_of(n, x, &v));
    OCT_TRY(uq_run(n, &v, &r));
    if (out[0]) {
        size_t row = (size_t)v.inner * oct_dtype_size(x->dtype);
        char *dst = out[0]->data;
        const char *src = x->data;
        for (int64_t o = 0; o < v.outer; o++)
            for (int64_t u = 0; u < r.U; u++)
                memcpy(dst + (size_t)(o * r.U + u) * row, src + (size_t)(o * v.L + r.first[u]) * row, row);
    }
    if (n->n_out > 1 && out[1]) memcpy(out[1]->data, r.first, (size_t)r.U * sizeof(int64_t));
    if (n->n_out > 2 && out[2]) memcpy(out[2]->data, r.inv, (size_t)v.L * sizeof(int64_t));
    if (n->n_out > 3 && out[3]) memcpy(out[3]->data, r.count, (size_t)r.U * sizeof(int64_t));
    uq_free(&r);
    return OCT_OK;
}

const oct_op_impl oct_op_Unique = {
    .shape_inputs = 1u << 0,
    .infer = uq_infer,
    .compute = uq_compute,
};
