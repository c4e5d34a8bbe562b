/* octet — cross-layer equalization and bias correction (Nagel et al. 2019,
 * "Data-Free Quantization Through Weight Equalization and Bias Correction").
 *
 * Equalization (equalize.c) works on the float base graph (BatchNorm folded,
 * activations fused; quant/quantize.h). A *pair* is
 *
 *     layer1 (Conv / Gemm / MatMul, constant float weight)
 *       [fused or separate Relu / LeakyRelu / Clip(0, inf)]
 *       [MaxPool / AveragePool / GlobalAveragePool / GlobalMaxPool]...
 *       [Flatten(axis 1) or an equivalent Reshape]
 *     layer2 (Conv with group 1 or depthwise / Gemm / MatMul, constant float weight)
 *
 * where every value in between has layer2's path as its only consumer. All
 * those ops commute with a positive per-channel scale, so for any s_c > 0
 *
 *     W1[c] /= s_c, b1[c] /= s_c,   W2[:, c] *= s_c   (c = channel of the path)
 *
 * leaves the float function unchanged. Two objectives choose s:
 *
 *   on weights (data-free; Nagel et al.)  with r1_c = max|W1[c]| and
 *     r2_c = max|W2[:, c]|, s_c = sqrt(r1_c / r2_c) makes both ranges
 *     sqrt(r1_c r2_c): each channel uses the same share of both layers'
 *     per-tensor int8 grids. The right balance for per-tensor weights.
 *   on data (per-channel weights with calibration data)  per-channel
 *     weights make W1's rounding error independent of s (each row has its
 *     own scale), so what s trades is the per-tensor activation between the
 *     layers against W2's columns: with a_c = max|x_c| of layer2's input
 *     over the calibration set, s_c = sqrt(a_c / r2_c) makes both
 *     sqrt(a_c r2_c) (SmoothQuant's balance with alpha = 1/2).
 *
 * Both products r1_c r2_c and a_c r2_c are invariant under any channel
 * scaling, so a model whose channels were scaled by hostile factors ends
 * equalized exactly as its source model. Chains (a layer in two pairs) are swept until no scale moves by more
 * than 1e-4 (log) or 100 sweeps. Clip with other bounds (ReLU6) is not
 * positively homogeneous and is skipped with that reason, as are residual
 * branches (several consumers), shared weights, grouped convolutions other
 * than depthwise, and per-sample biases.
 *
 * Bias correction (bias_correct.c): quantizing W to Wq shifts the expected
 * output of a layer by (W - Wq) E[x]. The correction adds that shift back to
 * the bias, so that the quantized layer has the float layer's expected output:
 *   empirical  E[x] is the mean input of the layer (per channel and position)
 *              over the calibration set, and the shift is the layer run on it
 *              with weight W - Wq and no bias, averaged over output positions;
 *   analytic   (not implemented: see docs/QUANTIZATION.md) data-free, for a
 *              layer whose input is ReLU(BatchNorm(.)) with known statistics:
 *              per channel E[x] = gamma phi(beta/gamma) + beta Phi(beta/gamma). */
#ifndef OCT_QUANT_EQUALIZE_H
#define OCT_QUANT_EQUALIZE_H

#include "graph/ir.h"

typedef struct oct_cle_pair {
    int n1, n2;            /* node indices in the graph */
    int channels;          /* channels of the path between them */
    double s_min, s_max;   /* range of the cumulative per-channel scales */
    double ratio_before;   /* max_c r_c / r2_c over min_c r_c / r2_c before equalization */
    int on_data;           /* 1: r_c = a_c (balanced on data), 0: r_c = r1_c (on weights) */
} oct_cle_pair;

typedef struct oct_cle_skip {
    int n1;                /* the layer whose output could not be equalized */
    char reason[192];
} oct_cle_skip;

typedef struct oct_cle_result {
    int n_pair, n_skip, sweeps;
    oct_cle_pair *pair;
    oct_cle_skip *skip;
} oct_cle_result;

/* Per-position statistics of layer inputs (input_stats.c): for the input 0
 * of every Conv / Gemm / MatMul node marked in `which` (n_node flags; NULL:
 * all) with a static shape, over the rows of x run in batches of `batch`,
 * the mean and the largest magnitude at each position of a sample. */
typedef struct oct_input_stats {
    int n_val;
    double **mean;   /* per value of g: per-sample-position means, or NULL */
    double **amax;   /* per value of g: per-sample-position max |x|, or NULL */
    int64_t *numel;  /* per value: values per sample */
    int64_t rows;
} oct_input_stats;

oct_status oct_input_stats_run(const oct_graph *g, const unsigned char *which, const oct_tensor *x, int64_t batch,
                               oct_input_stats *out);
void oct_input_stats_free(oct_input_stats *m);

/* Equalize every pair of g (weights rewritten in place). With `act` (input
 * statistics of g as it is now, NULL for none) a pair whose layer2 input was
 * measured is balanced on data (see above); the others on weights. r may be
 * NULL. */
oct_status oct_cle_run(oct_graph *g, const oct_input_stats *act, oct_cle_result *r);
void oct_cle_result_free(oct_cle_result *r);

/* Empirical bias correction: for the layers marked in `which` whose weight
 * will be int8 quantized (symmetric, per output channel when per_channel, as
 * qdq_insert.c) and whose input mean m measured, the shift (W - Wq) E[x] added
 * to the bias (one is created where there was none); *count: layers
 * corrected. */
oct_status oct_bias_apply(oct_graph *g, const unsigned char *which, int per_channel, const oct_input_stats *m,
                          int *count);

#endif
