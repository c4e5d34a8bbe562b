/* octet serve — JSON arrays <-> tensors: the v2 "data" (flat or nested, as
 * Triton accepts) and the /infer form (nested arrays whose nesting is the
 * shape). Every value is checked: a number for numeric types (an integer,
 * within range, for integer types), true/false for BOOL. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/dtype.h"
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

oct_status oct_json_shape(json_t *v, int64_t *dims, int *rank)
{
    int r = 0;
    json_t *e = v;
    while (json_is_array(e)) {
        if (r == MAX_DEPTH) return oct_err(OCT_E_SHAPE, "arrays nested deeper than %d levels", MAX_DEPTH);
        dims[r++] = (int64_t)json_array_size(e);
        if (!json_array_size(e)) break;
        e = json_array_get(e, 0);
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

static oct_status put(fill *f, json_t *e)
{
    if (f->at >= f->n) return oct_err(OCT_E_SHAPE, "more values than the shape holds (%lld)", (long long)f->n);
    double v;
    if (f->dt == OCT_DT_BOOL) {
        if (!json_is_boolean(e)) return oct_err(OCT_E_DTYPE, "value %lld is not true/false (BOOL)", (long long)f->at);
        v = json_is_true(e);
    } else if (json_is_integer(e)) {
        v = (double)json_integer_value(e);
    } else if (json_is_real(e)) {
        v = json_real_value(e);
    } else {
        return oct_err(OCT_E_DTYPE, "value %lld is not a number", (long long)f->at);
    }
    if (f->dt != OCT_DT_F32 && f->dt != OCT_DT_F16 && f->dt != OCT_DT_F64 && f->dt != OCT_DT_BOOL) {
        double lo, hi;
        switch (f->dt) {
        case OCT_DT_I8: lo = -128, hi = 127; break;
        case OCT_DT_U8: lo = 0, hi = 255; break;
        case OCT_DT_I16: lo = -32768, hi = 32767; break;
        case OCT_DT_U16: lo = 0, hi = 65535; break;
        case OCT_DT_I32: lo = -2147483648.0, hi = 2147483647.0; break;
        case OCT_DT_U32: lo = 0, hi = 4294967295.0; break;
        case OCT_DT_U64: lo = 0, hi = 18446744073709551615.0; break;
        default: lo = -9223372036854775808.0, hi = 9223372036854775807.0; break;
        }
        if (!json_is_integer(e) || v < lo || v > hi)
            return oct_err(OCT_E_DTYPE, "value %lld (%g) is not a %s", (long long)f->at, v, oct_dtype_to_v2(f->dt));
        if (f->dt == OCT_DT_I64) {
            ((int64_t *)f->data)[f->at++] = (int64_t)json_integer_value(e);
            return OCT_OK;
        }
    } else if (f->dt == OCT_DT_F16) {
        ((uint16_t *)f->data)[f->at++] = oct_f32_to_f16((float)v);
        return OCT_OK;
    }
    oct_dtype_set(f->dt, f->data, (size_t)f->at++, v);
    return OCT_OK;
}

static oct_status walk(fill *f, json_t *v, int depth)
{
    if (!json_is_array(v)) {
        if (f->dims && depth != f->rank)
            return oct_err(OCT_E_SHAPE, "arrays nested %d deep where the shape has %d dimensions", depth, f->rank);
        return put(f, v);
    }
    if (depth >= MAX_DEPTH + 1) return oct_err(OCT_E_SHAPE, "arrays nested deeper than %d levels", MAX_DEPTH);
    if (f->dims && (depth >= f->rank || (int64_t)json_array_size(v) != f->dims[depth]))
        return oct_err(OCT_E_SHAPE, "ragged or misshapen arrays: dimension %d has %zu values, expected %lld", depth,
                       json_array_size(v), depth < f->rank ? (long long)f->dims[depth] : 0LL);
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) OCT_TRY(walk(f, e, depth + 1));
    return OCT_OK;
}

oct_status oct_json_to_tensor(json_t *v, oct_dtype dt, int rank, const int64_t *dims, oct_tensor **out)
{
    *out = NULL;
    if (!oct_json_elem_size(dt)) return oct_err(OCT_E_DTYPE, "datatype %s is not supported", oct_dtype_to_v2(dt));
    int64_t n = 1;
    for (int d = 0; d < rank; d++) {
        if (dims[d] < 0) return oct_err(OCT_E_SHAPE, "negative dimension in the shape");
        if (dims[d] && n > ((int64_t)1 << 40) / dims[d]) return oct_err(OCT_E_SHAPE, "shape too large");
        n *= dims[d];
    }
    oct_tensor *t = oct_tensor_new(dt, rank, dims);
    if (!t) return oct_err(OCT_E_NOMEM, "out of memory for a tensor of %lld values", (long long)n);
    /* nested exactly as the shape, or flat (any nesting that flattens to n values) */
    int64_t sh[OCT_MAX_RANK];
    int r = 0;
    oct_json_shape(v, sh, &r);
    fill f = {dt, t->data, n, 0, r == rank && r > 1 ? dims : NULL, rank};
    oct_status st = json_is_array(v) ? walk(&f, v, 0) : oct_err(OCT_E_SHAPE, "tensor data must be an array");
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
