/* octet — pieces shared by QLinearAveragePool (qlinear_avgpool.c) and
 * QLinearGlobalAveragePool (qlinear_gavgpool.c), com.microsoft domain:
 * inputs (X, x_scale, x_zero_point, y_scale, y_zero_point), attribute
 * channels_last. */
#ifndef OCT_OPS_QLINEAR_POOL_H
#define OCT_OPS_QLINEAR_POOL_H

#include <stdint.h>

#include "ops/op.h"

typedef struct oct_qpool_params {
    float xs, ys;
    int32_t zx, zy;
    oct_dtype dt; /* X and Y: u8 or i8 */
} oct_qpool_params;

/* Arity (4..5, x_zero_point / y_zero_point may be omitted), X u8 / i8 of rank
 * >= 3, float32 scalar scales, scalar zero points of X's dtype, channels_last
 * 0 or 1. */
oct_status oct_qpool_check_params(const oct_node *n, const oct_tensor *const *in);
void oct_qpool_read_params(const oct_node *n, const oct_tensor *const *in, oct_qpool_params *p);

/* onnxruntime's global average: acc = sum - zx * S, y = saturate(rne((float)acc *
 * (xs / (ys * (float)S))) + zy) for N images of C channels of S pixels (NCHW, or
 * NHWC when channels_last). */
void oct_qpool_global_run(const oct_qpool_params *p, const uint8_t *x, int64_t N, int64_t C, int64_t S,
                          int channels_last, uint8_t *y, oct_pool *pool);

#endif
