/* octet — shared core of NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.
 * Both view the scores as [N, C, D] (D = product of the dims after C) and the
 * target as [N, D]; the loss element is -x[n, t, d] * weight[t] (0 where
 * t == ignore_index), then reduced: none (target's shape), sum, or mean
 * (sum / sum of the applied weights). */
#ifndef OCT_OPS_LOSS_UTIL_H
#define OCT_OPS_LOSS_UTIL_H

#include <stdint.h>

#include "ops/op.h"

typedef enum oct_loss_red { OCT_LOSS_NONE, OCT_LOSS_SUM, OCT_LOSS_MEAN } oct_loss_red;

typedef struct oct_loss_geom {
    int64_t N, C, D;
    oct_loss_red red;
    int has_ii;      /* ignore_index attribute present */
    int64_t ii;
} oct_loss_geom;

/* Validate attributes and inputs (scores, target, optional weight) and fill g.
 * float_types: bit set of accepted score dtypes. Sets out0's shape and dtype. */
oct_status oct_loss_setup(const oct_node *n, const oct_tensor *const *in, uint32_t float_types,
                          oct_loss_geom *g, oct_tensor *out0);

/* Loss from x (dtype xdt, [N, C, D] row-major), target and optional weight
 * into out (dtype of out). Targets outside [0, C) that are not ignore_index
 * are OCT_E_INVALID. */
oct_status oct_loss_nll(const oct_node *n, const oct_loss_geom *g, oct_dtype xdt, const void *x,
                        const oct_tensor *target, const oct_tensor *weight, oct_tensor *out);

#endif
