/* octet — helpers shared by the normalization ops (InstanceNormalization,
 * LayerNormalization, MeanVarianceNormalization, LRN, LpNormalization). */
#ifndef OCT_OPS_NORM_COMMON_H
#define OCT_OPS_NORM_COMMON_H

#include <stdint.h>

#include "ops/op.h"

/* A parameter tensor as f32: borrowed when it already is f32 with exactly
 * `count` elements; otherwise converted (f16/f64) and, when its shape is
 * unidirectionally broadcastable to the `rank`/`dims` shape whose numel is
 * count, expanded into a malloc'd buffer. *owned is set to what to free. */
oct_status oct_norm_param_f32(const oct_node *n, const char *what, const oct_tensor *t, int rank,
                              const int64_t *dims, const float **out, float **owned);
/* Check that a parameter can be used by oct_norm_param_f32 (for infer). */
oct_status oct_norm_param_check(const oct_node *n, const char *what, const oct_tensor *t, int rank,
                                const int64_t *dims);

/* Convert between the X dtype (f32 or f16) and f32. */
void oct_norm_load(oct_dtype dt, const void *src, int64_t off, float *dst, int64_t n);
void oct_norm_store(oct_dtype dt, const float *src, void *dst, int64_t off, int64_t n);

#endif
