#include "core/tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t oct_shape_numel(int rank, const int64_t *dims)
{
    int64_t n = 1;
    for (int i = 0; i < rank; i++) n *= dims[i];
    return n;
}

int64_t oct_tensor_numel(const oct_tensor *t) { return oct_shape_numel(t->rank, t->dims); }

size_t oct_tensor_nbytes(const oct_tensor *t)
{
    return (size_t)oct_tensor_numel(t) * oct_dtype_size(t->dtype);
}

oct_status oct_shape_bytes(oct_dtype dt, int rank, const int64_t *dims, size_t *out)
{
    size_t es = oct_dtype_size(dt);
    if (es == 0) return oct_err(OCT_E_UNSUPPORTED, "dtype %s is not supported", oct_dtype_name(dt));
    if (rank < 0 || rank > OCT_MAX_RANK)
        return oct_err(OCT_E_UNSUPPORTED, "rank %d exceeds the maximum %d", rank, OCT_MAX_RANK);
    size_t n = es;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0) return oct_err(OCT_E_SHAPE, "negative or unknown dimension %lld", (long long)dims[i]);
        if (dims[i] != 0 && n > ((size_t)1 << 46) / (size_t)dims[i])
            return oct_err(OCT_E_NOMEM, "tensor size overflows (dim %d = %lld)", i, (long long)dims[i]);
        n *= (size_t)dims[i];
    }
    *out = n;
    return OCT_OK;
}

void *oct_aligned_alloc(size_t nbytes)
{
    size_t sz = (nbytes + OCT_ALIGN - 1) / OCT_ALIGN * OCT_ALIGN;
    if (sz == 0) sz = OCT_ALIGN;
    void *p = aligned_alloc(OCT_ALIGN, sz);
    if (p) memset(p, 0, sz);
    return p;
}

void oct_aligned_free(void *p) { free(p); }

oct_status oct_tensor_set_shape(oct_tensor *t, oct_dtype dt, int rank, const int64_t *dims)
{
    if (rank < 0 || rank > OCT_MAX_RANK)
        return oct_err(OCT_E_UNSUPPORTED, "rank %d exceeds the maximum %d", rank, OCT_MAX_RANK);
    t->dtype = dt;
    t->rank = rank;
    for (int i = 0; i < rank; i++) t->dims[i] = dims[i];
    for (int i = rank; i < OCT_MAX_RANK; i++) t->dims[i] = 0;
    return OCT_OK;
}

oct_status oct_tensor_alloc(oct_tensor *t)
{
    size_t nb;
    OCT_TRY(oct_shape_bytes(t->dtype, t->rank, t->dims, &nb));
    if (t->owns_data) oct_aligned_free(t->data);
    t->data = oct_aligned_alloc(nb);
    t->owns_data = 1;
    if (!t->data) return oct_err(OCT_E_NOMEM, "cannot allocate %zu bytes", nb);
    return OCT_OK;
}

oct_tensor *oct_tensor_new(oct_dtype dt, int rank, const int64_t *dims)
{
    oct_tensor *t = calloc(1, sizeof *t);
    if (!t) { oct_err(OCT_E_NOMEM, "out of memory"); return NULL; }
    if (oct_tensor_set_shape(t, dt, rank, dims) != OCT_OK || oct_tensor_alloc(t) != OCT_OK) {
        oct_tensor_free(t);
        return NULL;
    }
    return t;
}

oct_tensor *oct_tensor_wrap(oct_dtype dt, int rank, const int64_t *dims, void *data)
{
    oct_tensor *t = calloc(1, sizeof *t);
    if (!t) { oct_err(OCT_E_NOMEM, "out of memory"); return NULL; }
    if (oct_tensor_set_shape(t, dt, rank, dims) != OCT_OK) { free(t); return NULL; }
    t->data = data;
    t->owns_data = 0;
    return t;
}

oct_tensor *oct_tensor_clone(const oct_tensor *src)
{
    oct_tensor *t = oct_tensor_new(src->dtype, src->rank, src->dims);
    if (t && src->data) memcpy(t->data, src->data, oct_tensor_nbytes(src));
    return t;
}

void oct_tensor_free(oct_tensor *t)
{
    if (!t) return;
    if (t->owns_data) oct_aligned_free(t->data);
    free(t);
}

int oct_shape_equal(int ra, const int64_t *a, int rb, const int64_t *b)
{
    if (ra != rb) return 0;
    for (int i = 0; i < ra; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

oct_status oct_shape_broadcast(int ra, const int64_t *a, int rb, const int64_t *b,
                               int *rout, int64_t *out)
{
    int r = ra > rb ? ra : rb;
    if (r > OCT_MAX_RANK) return oct_err(OCT_E_UNSUPPORTED, "rank %d exceeds the maximum", r);
    for (int i = 0; i < r; i++) {
        int64_t da = i < r - ra ? 1 : a[i - (r - ra)];
        int64_t db = i < r - rb ? 1 : b[i - (r - rb)];
        if (da == db || db == 1) out[i] = da;
        else if (da == 1) out[i] = db;
        else {
            char sa[128], sb[128];
            return oct_err(OCT_E_SHAPE, "shapes %s and %s cannot be broadcast",
                           oct_shape_str(ra, a, sa, sizeof sa), oct_shape_str(rb, b, sb, sizeof sb));
        }
    }
    *rout = r;
    return OCT_OK;
}

void oct_shape_strides(int rank, const int64_t *dims, int64_t *strides)
{
    int64_t s = 1;
    for (int i = rank - 1; i >= 0; i--) {
        strides[i] = s;
        s *= dims[i];
    }
}

char *oct_shape_str(int rank, const int64_t *dims, char *buf, size_t n)
{
    size_t off = 0;
    if (n == 0) return buf;
    buf[0] = '\0';
    off += (size_t)snprintf(buf + off, n - off, "[");
    for (int i = 0; i < rank && off < n; i++) {
        if (dims[i] < 0) off += (size_t)snprintf(buf + off, n - off, "%s?", i ? "," : "");
        else off += (size_t)snprintf(buf + off, n - off, "%s%lld", i ? "," : "", (long long)dims[i]);
    }
    if (off < n) snprintf(buf + off, n - off, "]");
    return buf;
}

oct_status oct_axis_norm(int64_t axis, int rank, int *out)
{
    int64_t a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= (rank > 0 ? rank : 1))
        return oct_err(OCT_E_INVALID, "axis %lld is out of range for rank %d", (long long)axis, rank);
    *out = (int)a;
    return OCT_OK;
}
