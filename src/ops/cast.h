/* octet — dtype conversion shared by Cast, CastLike and other code. */
#ifndef OCT_OPS_CAST_H
#define OCT_OPS_CAST_H

#include <stdint.h>

#include "core/pool.h"
#include "core/tensor.h"

/* Convert n elements of dtype st at x to dtype dt at y (both types octet
 * holds). Float -> integer saturates (NaN -> 0); integer -> integer wraps;
 * anything -> bool is != 0; f32 -> f16 rounds to nearest even; -> bf16
 * truncates (as ONNX's reference). x == y is allowed when sizes match. */
void oct_cast_run(oct_dtype st, const void *x, oct_dtype dt, void *y, int64_t n, oct_pool *pool);

#endif
