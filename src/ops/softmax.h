/* octet — geometry shared by Softmax, LogSoftmax and Hardmax. */
#ifndef OCT_OPS_SOFTMAX_H
#define OCT_OPS_SOFTMAX_H

#include "ops/op.h"

/* View x as [outer, L, inner] reduced over L: opset >= 13 uses one axis
 * (default -1); older opsets flatten to 2D at `axis` (default 1), i.e.
 * L = prod(dims[axis:]) and inner = 1. Validates the axis. */
oct_status oct_softmax_geom(const oct_node *n, const oct_tensor *x, int64_t *outer, int64_t *L,
                            int64_t *inner);

#endif
