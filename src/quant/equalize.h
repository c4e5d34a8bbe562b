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
 * leaves the float function unchanged. With r1_c = max|W1[c]| and
 * r2_c = max|W2[:, c]|, s_c = sqrt(r1_c / r2_c) makes both ranges
 * sqrt(r1_c r2_c): each channel then uses the same share of its layer's int8
 * grid. Chains (a layer in two pairs) are swept until no scale moves by more
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
    double ratio_before;   /* max_c r1_c / r2_c over min_c r1_c / r2_c before equalization */
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

/* Equalize every pair of g (weights rewritten in place). r may be NULL. */
oct_status oct_cle_run(oct_graph *g, oct_cle_result *r);
void oct_cle_result_free(oct_cle_result *r);

/* Empirical bias correction, in two steps so that one set of means serves
 * any mix of quantized layers:
 *   oct_bias_means   the mean input (per sample position) of every Conv /
 *                    Gemm layer of g marked in `which` (n_node flags; NULL:
 *                    all) over the rows of x, in batches of `batch`;
 *   oct_bias_apply   for the layers marked in `which` whose weight will be
 *                    int8 quantized (symmetric, per output channel when
 *                    per_channel, as qdq_insert.c), the shift (W - Wq) E[x]
 *                    added to the bias (one is created where there was
 *                    none); *count: layers corrected. */
typedef struct oct_bias_means {
    int n_val;
    double **mean;   /* per value of g: per-sample means, or NULL */
    int64_t *numel;  /* per value: values per sample */
} oct_bias_means;

oct_status oct_bias_means_run(const oct_graph *g, const unsigned char *which, const oct_tensor *x, int64_t batch,
                              oct_bias_means *out);
oct_status oct_bias_apply(oct_graph *g, const unsigned char *which, int per_channel, const oct_bias_means *m,
                          int *count);
void oct_bias_means_free(oct_bias_means *m);

#endif
