/* octet — loading a calibration / evaluation data set (io/dataset.h). */
#include "io/dataset.h"

#include <stdlib.h>
#include <string.h>

#include "io/idx.h"
#include "io/npy.h"

static int is_float_dtype(oct_dtype t)
{
    return t == OCT_DT_F32 || t == OCT_DT_F64 || t == OCT_DT_F16 || t == OCT_DT_BF16;
}

static int is_int_dtype(oct_dtype t)
{
    switch (t) {
    case OCT_DT_U8: case OCT_DT_I8: case OCT_DT_U16: case OCT_DT_I16:
    case OCT_DT_U32: case OCT_DT_I32: case OCT_DT_U64: case OCT_DT_I64: return 1;
    default: return 0;
    }
}

/* Bytes of one sample (row along dim 0). */
static size_t row_bytes(const oct_tensor *t)
{
    return t->rank == 0 || t->dims[0] == 0 ? 0 : oct_tensor_nbytes(t) / (size_t)t->dims[0];
}

/* Rows [first, first + count) of t: an owned copy, converted to f32 when
 * t holds another float type. */
static oct_tensor *take_rows(const oct_tensor *t, int64_t first, int64_t count)
{
    int64_t dims[OCT_MAX_RANK];
    memcpy(dims, t->dims, sizeof dims);
    dims[0] = count;
    oct_dtype dt = is_float_dtype(t->dtype) ? OCT_DT_F32 : t->dtype;
    oct_tensor *o = oct_tensor_new(dt, t->rank, dims);
    if (!o) return NULL;
    size_t rb = row_bytes(t);
    const unsigned char *src = (const unsigned char *)t->data + (size_t)first * rb;
    if (dt == t->dtype) {
        memcpy(o->data, src, (size_t)count * rb);
    } else {
        size_t n = (size_t)oct_tensor_numel(o);
        float *dst = o->data;
        for (size_t i = 0; i < n; i++) dst[i] = (float)oct_dtype_get(t->dtype, src, i);
    }
    return o;
}

static oct_status load_inputs(const oct_data_spec *spec, const float *norm_default, oct_tensor **raw, const char **file)
{
    *raw = NULL;
    if (spec->npy[0]) {
        *file = spec->npy;
        OCT_TRY(oct_npy_read(spec->npy, raw));
        if ((*raw)->rank < 1) return oct_err(OCT_E_SHAPE, "%s: inputs must have a sample dimension (got a scalar)", spec->npy);
        return OCT_OK;
    }
    if (!spec->idx_images[0]) return oct_err(OCT_E_INVALID, "data set has neither 'npy' nor 'idx_images'");
    *file = spec->idx_images;
    if (!spec->has_norm && !norm_default)
        return oct_err(OCT_E_INVALID,
                       "%s: IDX images need a normalisation: 'scale', 'mean' and 'std' in the data set or the model's "
                       "'preprocess' section",
                       spec->idx_images);
    OCT_TRY(oct_idx_read(spec->idx_images, raw));
    if ((*raw)->dtype != OCT_DT_U8 || (*raw)->rank != 3)
        return oct_err(OCT_E_SHAPE, "%s: IDX images must be u8 [N,H,W] (got %s, rank %d)", spec->idx_images,
                       oct_dtype_name((*raw)->dtype), (*raw)->rank);
    return OCT_OK;
}

static oct_status load_labels(const oct_data_spec *spec, oct_tensor **lab, const char **file)
{
    *lab = NULL;
    *file = spec->labels_npy[0] ? spec->labels_npy : spec->idx_labels;
    if (!(*file)[0]) return OCT_OK;
    OCT_TRY(spec->labels_npy[0] ? oct_npy_read(*file, lab) : oct_idx_read(*file, lab));
    oct_tensor *l = *lab;
    if (!is_int_dtype(l->dtype))
        return oct_err(OCT_E_DTYPE, "%s: labels must be integers (got %s)", *file, oct_dtype_name(l->dtype));
    if (!(l->rank == 1 || (l->rank == 2 && l->dims[1] == 1)))
        return oct_err(OCT_E_SHAPE, "%s: labels must have shape [N] or [N,1] (got rank %d)", *file, l->rank);
    return OCT_OK;
}

static oct_status build(const oct_data_spec *spec, const float *norm_default, int64_t limit, int want_labels,
                        oct_tensor **rawp, const char *xfile, oct_tensor *lab, const char *lfile, oct_dataset *out)
{
    oct_tensor *raw = *rawp;
    int64_t total = raw->dims[0];
    if (!lab && want_labels)
        return oct_err(OCT_E_INVALID, "%s: the data set has no labels ('labels_npy' or 'idx_labels') and they are needed here",
                       xfile);
    if (lab && lab->dims[0] != total)
        return oct_err(OCT_E_SHAPE, "%s has %lld samples but %s has %lld labels", xfile, (long long)total, lfile,
                       (long long)lab->dims[0]);
    if (total == 0) return oct_err(OCT_E_INVALID, "%s: the data set has no samples", xfile);
    if (spec->offset < 0 || spec->offset >= total)
        return oct_err(OCT_E_INVALID, "%s: offset %lld is past the end of the data set (%lld samples)", xfile,
                       (long long)spec->offset, (long long)total);
    int64_t first = spec->offset, count = total - first;
    if (limit > 0 && limit < count) count = limit;

    if (spec->idx_images[0]) {
        float sc = spec->has_norm ? spec->scale : norm_default[0];
        float mn = spec->has_norm ? spec->mean : norm_default[1];
        float sd = spec->has_norm ? spec->std : norm_default[2];
        int64_t d[3] = {count, raw->dims[1], raw->dims[2]};
        oct_tensor *view = oct_tensor_wrap(OCT_DT_U8, 3, d, (unsigned char *)raw->data + (size_t)first * row_bytes(raw));
        if (!view) return OCT_E_NOMEM;
        oct_status s = oct_idx_images_to_f32(view, sc, mn, sd, &out->x);
        oct_tensor_free(view);
        if (s != OCT_OK) return oct_err_ctx(s, "%s: ", xfile);
    } else if (first == 0 && count == total && raw->dtype == OCT_DT_F32) {
        out->x = raw; /* kept as it is */
        *rawp = NULL;
    } else {
        out->x = take_rows(raw, first, count);
        if (!out->x) return OCT_E_NOMEM;
    }
    out->n = count;

    if (!lab) return OCT_OK;
    out->labels = malloc((size_t)count * sizeof *out->labels);
    if (!out->labels) return oct_err(OCT_E_NOMEM, "out of memory");
    for (int64_t i = 0; i < count; i++) {
        double v = oct_dtype_get(lab->dtype, lab->data, (size_t)(first + i));
        if (v < 0)
            return oct_err(OCT_E_INVALID, "%s: label %lld of sample %lld is negative", lfile, (long long)v,
                           (long long)(first + i));
        out->labels[i] = (int64_t)v;
    }
    return OCT_OK;
}

oct_status oct_dataset_load(const oct_data_spec *spec, const float *norm_default, int64_t limit, int want_labels,
                            oct_dataset *out)
{
    memset(out, 0, sizeof *out);
    oct_tensor *raw = NULL, *lab = NULL;
    const char *xfile = "", *lfile = "";
    oct_status s = load_inputs(spec, norm_default, &raw, &xfile);
    if (s == OCT_OK) s = load_labels(spec, &lab, &lfile);
    if (s == OCT_OK) s = build(spec, norm_default, limit, want_labels, &raw, xfile, lab, lfile, out);
    oct_tensor_free(raw);
    oct_tensor_free(lab);
    if (s != OCT_OK) oct_dataset_free(out);
    return s;
}

void oct_dataset_free(oct_dataset *d)
{
    oct_tensor_free(d->x);
    free(d->labels);
    memset(d, 0, sizeof *d);
}

oct_tensor *oct_dataset_batch(const oct_dataset *d, int64_t first, int64_t count)
{
    if (!d->x || first < 0 || count < 1 || first > d->n || count > d->n - first) {
        oct_err(OCT_E_INVALID, "data set batch [%lld, %lld) is outside its %lld samples", (long long)first,
                (long long)(first + count), (long long)d->n);
        return NULL;
    }
    int64_t dims[OCT_MAX_RANK];
    memcpy(dims, d->x->dims, sizeof dims);
    dims[0] = count;
    return oct_tensor_wrap(d->x->dtype, d->x->rank, dims, (unsigned char *)d->x->data + (size_t)first * row_bytes(d->x));
}
