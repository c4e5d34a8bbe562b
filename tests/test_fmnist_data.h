/* octet — the Fashion-MNIST data the quantization tests share: the first
 * 1000 test images (tests/data, f32 [1000,1,28,28]) with their labels, and
 * the first `calib_n` training images from Debian's IDX files normalised as
 * the bundled models' preprocess (the calibration set). */
#ifndef OCT_TEST_FMNIST_DATA_H
#define OCT_TEST_FMNIST_DATA_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/dataset.h"
#include "io/npy.h"

#define TFM_TRAIN_IDX "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"

typedef struct tfm_data {
    oct_tensor *x;    /* 1000 test images */
    int64_t *y;       /* their labels */
    oct_dataset calib;
} tfm_data;

static inline void tfm_free(tfm_data *d)
{
    oct_tensor_free(d->x);
    free(d->y);
    oct_dataset_free(&d->calib);
    memset(d, 0, sizeof *d);
}

/* 0 on success; prints the error and returns -1 otherwise. */
static inline int tfm_load(tfm_data *d, int64_t calib_n)
{
    memset(d, 0, sizeof *d);
    oct_tensor *y = NULL;
    if (oct_npy_read(OCTET_SOURCE_DIR "/tests/data/fmnist_test1000_x.npy", &d->x) != OCT_OK ||
        oct_npy_read(OCTET_SOURCE_DIR "/tests/data/fmnist_test1000_y.npy", &y) != OCT_OK) {
        fprintf(stderr, "%s\n", oct_errmsg());
        tfm_free(d);
        return -1;
    }
    d->y = malloc(1000 * sizeof *d->y);
    for (int i = 0; d->y && i < 1000; i++) d->y[i] = (int64_t)oct_dtype_get(y->dtype, y->data, (size_t)i);
    oct_tensor_free(y);
    oct_data_spec spec;
    memset(&spec, 0, sizeof spec);
    strcpy(spec.idx_images, TFM_TRAIN_IDX);
    const float norm[3] = {0.00392156862745098f, 0.286f, 0.353f};
    if (!d->y || oct_dataset_load(&spec, norm, calib_n, 0, &d->calib) != OCT_OK) {
        fprintf(stderr, "%s\n", d->y ? oct_errmsg() : "out of memory");
        tfm_free(d);
        return -1;
    }
    return 0;
}

#endif
