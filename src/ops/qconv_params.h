/* octet — the fixed-point requantization parameters of an integer
 * convolution node (QLinearConv inputs: x_scale, x_zero_point, w, w_scale,
 * w_zero_point, y_scale, y_zero_point, all constant; weights int8 with zero
 * zero points): per output channel M0 and shift with M0 * 2^(-31-shift) =
 * x_scale * w_scale[m] / y_scale, the zero points, and the output clamp
 * (the type's range, or the fused ReLU / Clip). Shared by the CPU NHWC
 * convolution and its OpenCL twin so both requantize identically. */
#ifndef OCT_OPS_QCONV_PARAMS_H
#define OCT_OPS_QCONV_PARAMS_H

#include <stdint.h>

#include "graph/ir.h"

typedef struct oct_qconv_params {
    int64_t M;
    int32_t *m0, *shift; /* M values (malloc'd) */
    int32_t zx, zo, q_lo, q_hi;
    oct_dtype xdt, ydt;
} oct_qconv_params;

oct_status oct_qconv_params_make(const oct_node *n, const oct_graph *g, oct_qconv_params *p);
void oct_qconv_params_free(oct_qconv_params *p);

#endif
