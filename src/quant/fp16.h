/* octet — FP16 weights: the float weights of Conv / Gemm / MatMul stored as
 * fp16 (half the bytes), computed in fp32.
 *
 * Graph form (standard ONNX, so the exported model runs in other runtimes):
 *     W (f32 initializer) -> Conv          becomes
 *     W_fp16 (f16 initializer) -> Cast(to=FLOAT) -> W -> Conv
 * The Cast output keeps W's name when every use of W is such a weight slot;
 * otherwise (W also read elsewhere, or by a node kept fp32) the converted
 * nodes read a new value "<W>_f32__k" and W stays as it was for the others.
 * At load, graph/pass_fp16.c wires W_fp16 straight into the op, which keeps
 * it fp16 in its packed form and widens it on the fly (backend/cpu/f16cvt.h).
 *
 * Converted: input 1 (the weight) of Conv, Gemm and MatMul when it is a
 * float constant. Biases (Conv input 2, Gemm's C) stay fp32: they are tiny
 * and are added once per output, where fp16 rounding would cost accuracy for
 * no memory. Everything else (norm parameters, embeddings, constants of
 * elementwise ops) stays fp32 as well.
 *
 * BatchNormalization nodes that follow a Conv / Gemm are folded into it first
 * (oct_pass_fold_batchnorm, as the session would at load) so the folded
 * weights are what gets rounded, then dead nodes and unused constants are
 * dropped and the graph is sorted again. Dead nodes are never touched.
 *
 * Values beyond fp16's range: a weight with a finite |w| > 65504 (it would
 * become infinity) is an error (OCT_E_INVALID) naming the node and the
 * weight, and no weight is converted (BN folding, which loses nothing, may
 * have happened): keep that node fp32 with an override (keep_fp32 / the
 * config's "overrides"). Values below fp16's
 * smallest subnormal round to zero as IEEE rounding says; inf / NaN stay so.
 *
 * keep_fp32 (may be NULL) is asked for each candidate node; non-zero keeps
 * that node's weight fp32. bytes_before / bytes_after (may be NULL) receive
 * the bytes of all constants of the graph on entry and on return (the BN
 * folding drops BN parameters too, so compare sessions for the weight bytes
 * alone: oct_session_weight_bytes). The new Cast nodes are resolved when the
 * registry has Cast for the graph's opset. */
#ifndef OCT_QUANT_FP16_H
#define OCT_QUANT_FP16_H

#include <stdint.h>

#include "core/status.h"
#include "graph/ir.h"

oct_status oct_quant_to_fp16(oct_graph *g, int (*keep_fp32)(void *ctx, const oct_node *n), void *ctx,
                             int64_t *bytes_before, int64_t *bytes_after);

#endif
