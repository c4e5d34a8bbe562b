/* octet — Conv / ConvTranspose attribute parsing and output geometry. */
#ifndef OCT_OPS_CONV_ATTRS_H
#define OCT_OPS_CONV_ATTRS_H

#include "backend/cpu/conv.h"
#include "core/tensor.h"
#include "graph/ir.h"

/* Validate X (N, C, spatial...), W and the attributes (group, kernel_shape,
 * strides, dilations, pads, auto_pad) and fill g. For Conv (transpose = 0) W
 * is (M, C/group, k...), g->in is X's spatial shape and g->out the result.
 * For ConvTranspose (transpose = 1) W is (C, M/group, k...) and g describes
 * the equivalent forward convolution from the output back to the input:
 * g->in is the ConvTranspose output (also reading output_padding and
 * output_shape), g->out is X's spatial shape, g->C / g->M are swapped
 * accordingly (g->C = output channels, g->M = input channels). */
oct_status oct_conv_attrs_geom(const oct_node *n, const oct_tensor *X, const oct_tensor *W, int transpose,
                               oct_conv_geom *g);

#endif
