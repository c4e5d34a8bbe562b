/* octet — loading an evaluation / calibration data set described by an
 * oct_data_spec (quant/qconfig.h): .npy inputs, or IDX images normalised to
 * f32 [N,1,H,W]; labels as int64 [N] when the spec has them. */
#ifndef OCT_IO_DATASET_H
#define OCT_IO_DATASET_H

#include "core/tensor.h"
#include "quant/qconfig.h"

typedef struct oct_dataset {
    oct_tensor *x;      /* inputs, dims[0] = samples */
    int64_t *labels;    /* NULL when the spec has none; else x->dims[0] values */
    int64_t n;          /* samples */
} oct_dataset;

/* Load samples [spec->offset, spec->offset + limit) (limit <= 0: all).
 * norm_default (may be NULL) gives scale/mean/std for IDX images when the spec
 * has none: {scale, mean, std}. want_labels: fail with a clear message when
 * the spec has no labels. Errors name the file. */
oct_status oct_dataset_load(const oct_data_spec *spec, const float *norm_default, int64_t limit, int want_labels,
                            oct_dataset *out);
void oct_dataset_free(oct_dataset *d);

/* Rows [first, first + count) of d->x as a borrowed view (free with oct_tensor_free). */
oct_tensor *oct_dataset_batch(const oct_dataset *d, int64_t first, int64_t count);

#endif
