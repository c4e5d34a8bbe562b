/* octet serve — JSON arrays <-> tensors: the v2 "data" (flat or nested, as
 * Triton accepts) and the /infer form (nested arrays whose nesting is the
 * shape). Every value is checked: a number for numeric types (an integer,
 * within range, for integer types), true/false for BOOL. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/dtype.h"
#include "io/jdoc.h"
#include "serve.h"

#define MAX_DEPTH OCT_MAX_RANK

size_t oct_json_elem_size(oct_dtype dt)
{
    switch (dt) {
    case OCT_DT_F32: case OCT_DT_I32: case OCT_DT_U32: return 4;
    case OCT_DT_F16: case OCT_DT_I16: case OCT_DT_U16: return 2;
    case OCT_DT_I8: case OCT_DT_U8: case OCT_DT_BOOL: return 1;
    case OCT_DT_F64: case OCT_DT_I64: case OCT_DT_U64: return 8;
    default: return 0;
    }
}

oct_status oct_json_shape(const oct_jval *v, int64_t *dims, int *rank)
{
    int r = 0;
    const oct_jval *e = v;
    while (oct_jis(e, OCT_J_ARR)) {
        if (r == MAX_DEPTH) return oct_err(OCT_E_SHAPE, "arrays nested deeper than %d levels", MAX_DEPTH);
        dims[r++] = (int64_t)e->n;
        if (!e->n) break;
        e = oct_jat(e, 0);
    }
    *rank = r;
    return OCT_OK;
}

typedef struct fill {
    oct_dtype dt;
    void *data;
    int64_t n, at;
    const int64_t *dims; /* nested: the expected shape (NULL: any nesting, flattened) */
    int rank;
} fill;

static oct_status range_of(oct_dtype dt, double *lo, double *hi)
{
    switch (dt) {
    case OCT_DT_I8: *lo = -128, *hi = 127; break;
    case OCT_DT_U8: *lo = 0, *hi = 255; break;
    case OCT_DT_I16: *lo = -32768, *hi = 32767; break;
    case OCT_DT_U16: *lo = 0, *hi = 65535; break;
    case OCT_DT_I32: *lo = -2147483648.0, *hi = 2147483647.0; break;
    case OCT_DT_U32: *lo = 0, *hi = 4294967295.0; break;
    default: return OCT_E_INVALID;
    }
    return OCT_OK;
}

static oct_status put(fill *f, const oct_jval *e)
{
    if (f->at >= f->n) return oct_err(OCT_E_SHAPE, "more values than the shape holds (%lld)", (long long)f->n);
    if (f->dt == OCT_DT_F32) { /* the common case first */
        if (e->type != OCT_J_NUM) return oct_err(OCT_E_DTYPE, "value %lld is not a number", (long long)f->at);
        ((float *)f->data)[f->at++] = (float)e->u.num;
        return OCT_OK;
    }
    if (f->dt == OCT_DT_BOOL) {
        if (!oct_jis_bool(e)) return oct_err(OCT_E_DTYPE, "value %lld is not true/false (BOOL)", (long long)f->at);
        ((uint8_t *)f->data)[f->at++] = e->type == OCT_J_TRUE;
        return OCT_OK;
    }
    if (e->type != OCT_J_NUM) return oct_err(OCT_E_DTYPE, "value %lld is not a number", (long long)f->at);
    double v = e->u.num, lo, hi;
    switch (f->dt) {
    case OCT_DT_F16: ((uint16_t *)f->data)[f->at++] = oct_f32_to_f16((float)v); return OCT_OK;
    case OCT_DT_F64: ((double *)f->data)[f->at++] = v; return OCT_OK;
    case OCT_DT_I64:
    case OCT_DT_U64: {
        int64_t i;
        if (!oct_jint(e, &i) || (f->dt == OCT_DT_U64 && i < 0))
            return oct_err(OCT_E_DTYPE, "value %lld (%.*s) is not a %s", (long long)f->at, (int)e->n, e->raw,
                           oct_dtype_to_v2(f->dt));
        ((int64_t *)f->data)[f->at++] = i;
        return OCT_OK;
    }
    default:
        if (range_of(f->dt, &lo, &hi) != OCT_OK)
            return oct_err(OCT_E_DTYPE, "datatype %s is not supported", oct_dtype_to_v2(f->dt));
        if (!e->is_int || v < lo || v > hi)
            return oct_err(OCT_E_DTYPE, "value %lld (%.*s) is not a %s", (long long)f->at, (int)e->n, e->raw,
                           oct_dtype_to_v2(f->dt));
        oct_dtype_set(f->dt, f->data, (size_t)f->at++, v);
        return OCT_OK;
    }
}

static oct_status walk(fill *f, const oct_jval *v, int depth)
{
    if (v->type != OCT_J_ARR) {
        if (f->dims && depth != f->rank)
            return oct_err(OCT_E_SHAPE, "arrays nested %d deep where the shape has %d dimensions", depth, f->rank);
        return put(f, v);
    }
    if (depth >= MAX_DEPTH + 1) return oct_err(OCT_E_SHAPE, "arrays nested deeper than %d levels", MAX_DEPTH);
    if (f->dims && (depth >= f->rank || (int64_t)v->n != f->dims[depth]))
        return oct_err(OCT_E_SHAPE, "ragged or misshapen arrays: dimension %d has %u values, expected %lld", depth,
                       v->n, depth < f->rank ? (long long)f->dims[depth] : 0LL);
    const oct_jval *it = v->u.items;
    if (f->dt == OCT_DT_F32 && (!f->dims || depth == f->rank - 1)) { /* a row of numbers */
        if (f->at + v->n > f->n) return oct_err(OCT_E_SHAPE, "more values than the shape holds (%lld)", (long long)f->n);
        float *dst = (float *)f->data + f->at;
        for (uint32_t i = 0; i < v->n; i++) {
            if (it[i].type != OCT_J_NUM) {
                if (it[i].type == OCT_J_ARR && !f->dims) goto general;
                return oct_err(OCT_E_DTYPE, "value %lld is not a number", (long long)(f->at + i));
            }
            dst[i] = (float)it[i].u.num;
        }
        f->at += v->n;
        return OCT_OK;
    }
general:
    for (uint32_t i = 0; i < v->n; i++) OCT_TRY(walk(f, &it[i], depth + 1));
    return OCT_OK;
}

/* Leaves (non-array values) under v: what the data can fill. */
static int64_t count_values(const oct_jval *v)
{
    if (v->type != OCT_J_ARR) return 1;
    int64_t n = 0;
    for (uint32_t i = 0; i < v->n; i++) n += count_values(oct_jat(v, i));
    return n;
}

oct_status oct_json_to_tensor(const oct_jval *v, oct_dtype dt, int rank, const int64_t *dims, oct_tensor **out)
{
    *out = NULL;
    if (!oct_json_elem_size(dt)) return oct_err(OCT_E_DTYPE, "datatype %s is not supported", oct_dtype_to_v2(dt));
    int64_t n = 1;
    for (int d = 0; d < rank; d++) {
        if (dims[d] < 0) return oct_err(OCT_E_SHAPE, "negative dimension in the shape");
        if (dims[d] && n > ((int64_t)1 << 40) / dims[d]) return oct_err(OCT_E_SHAPE, "shape too large");
        n *= dims[d];
    }
    if (!oct_jis(v, OCT_J_ARR)) return oct_err(OCT_E_SHAPE, "tensor data must be an array");
    int64_t have = count_values(v);
    if (have != n) /* before allocating: a shape never asks for more memory than the request carries */
        return oct_err(OCT_E_SHAPE, "%lld values where the shape holds %lld", (long long)have, (long long)n);
    oct_tensor *t = oct_tensor_new(dt, rank, dims);
    if (!t) return oct_err(OCT_E_NOMEM, "out of memory for a tensor of %lld values", (long long)n);
    /* nested exactly as the shape, or flat (any nesting that flattens to n values) */
    int64_t sh[MAX_DEPTH];
    int r = 0;
    oct_json_shape(v, sh, &r);
    fill f = {dt, t->data, n, 0, r == rank && r > 1 ? dims : NULL, rank};
    oct_status st = oct_jis(v, OCT_J_ARR) ? walk(&f, v, 0) : oct_err(OCT_E_SHAPE, "tensor data must be an array");
    if (st == OCT_OK && f.at != n)
        st = oct_err(OCT_E_SHAPE, "%lld values where the shape holds %lld", (long long)f.at, (long long)n);
    if (st != OCT_OK) {
        oct_tensor_free(t);
        return st;
    }
    *out = t;
    return OCT_OK;
}

static json_t *value(const oct_tensor *t, int64_t i)
{
    switch (t->dtype) {
    case OCT_DT_F32: {
        float f = ((const float *)t->data)[i];
        return isfinite(f) ? json_real(f) : json_null();
    }
    case OCT_DT_F16: {
        float f = oct_f16_to_f32(((const uint16_t *)t->data)[i]);
        return isfinite(f) ? json_real(f) : json_null();
    }
    case OCT_DT_F64: {
        double f = ((const double *)t->data)[i];
        return isfinite(f) ? json_real(f) : json_null();
    }
    case OCT_DT_BOOL: return json_boolean(((const uint8_t *)t->data)[i]);
    case OCT_DT_I64: return json_integer(((const int64_t *)t->data)[i]);
    case OCT_DT_U64: return json_integer((json_int_t)((const uint64_t *)t->data)[i]);
    default: return json_integer((json_int_t)oct_dtype_get(t->dtype, t->data, (size_t)i));
    }
}

static json_t *nest(const oct_tensor *t, int d, int64_t *i)
{
    json_t *a = json_array();
    if (d == t->rank - 1) {
        for (int64_t k = 0; k < t->dims[d]; k++) json_array_append_new(a, value(t, (*i)++));
        return a;
    }
    for (int64_t k = 0; k < t->dims[d]; k++) json_array_append_new(a, nest(t, d + 1, i));
    return a;
}

json_t *oct_tensor_to_json(const oct_tensor *t, int nested)
{
    int64_t n = oct_tensor_numel(t), i = 0;
    if (t->rank == 0) return nested ? value(t, 0) : json_pack("[o]", value(t, 0));
    if (nested) return nest(t, 0, &i);
    json_t *a = json_array();
    for (int64_t k = 0; k < n; k++) json_array_append_new(a, value(t, k));
    return a;
}
