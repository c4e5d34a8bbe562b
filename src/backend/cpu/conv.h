/* octet — convolution helpers for the CPU backend: geometry, im2col panels
 * for the SGEMM B-panel callback, depthwise kernels. 1-D and 2-D
 * convolutions are described as 3-D ones with leading size-1 dimensions. */
#ifndef OCT_BACKEND_CPU_CONV_H
#define OCT_BACKEND_CPU_CONV_H

#include <stdint.h>

#include "backend/cpu/sgemm.h"
#include "core/cpu.h"
#include "core/pool.h"
#include "graph/ir.h"

typedef struct oct_conv_geom {
    int nsp;                 /* spatial rank of the model (1..3) */
    int64_t N, C, M, G;      /* batch, input channels, output channels, groups */
    int64_t Cg, Mg, Kg;      /* per group: input channels, output channels, Cg * prod(k) */
    /* spatial, always 3 entries (depth, height, width); unused leading ones are 1/0 */
    int64_t in[3], out[3], k[3], s[3], d[3], pb[3], pe[3];
    int64_t in_sp, out_sp, k_sp; /* products of in, out, k */
} oct_conv_geom;

/* im2col B-panel source: image `x` points at the first of the group's Cg
 * input channels. Row k of op(B) is (ci, kz, ky, kx), column j is an output
 * position (oz, oy, ox). Matches oct_sgemm_bpanel_fn. */
typedef struct oct_im2col_ctx {
    const oct_conv_geom *g;
    const float *x;
} oct_im2col_ctx;

void oct_conv_im2col_panel(void *ctx, int64_t k0, int64_t kc, int64_t j0, int nrv, int nr, float *dst);
void oct_conv_im2col_panel_avx512(void *ctx, int64_t k0, int64_t kc, int64_t j0, int nrv, int nr, float *dst);
/* Same for a geometry without padding (g->pb, g->pe all 0: the caller padded
 * the image); nr <= 32. */
void oct_conv_im2col_panel_nopad_avx512(void *ctx, int64_t k0, int64_t kc, int64_t j0, int nrv, int nr,
                                        float *dst);

/* "Flat" stride-1 im2col over a padded image: output column q stands for
 * position (q / PW, q % PW) of the padded width PW (columns ox >= OW are
 * computed and dropped), so row k of op(B) is the contiguous slice
 * x[koff[k] + q]. Matches oct_sgemm_bpanel_fn. */
typedef struct oct_conv_flat_ctx {
    const float *x;
    const int64_t *koff;
} oct_conv_flat_ctx;

void oct_conv_flat_panel(void *ctx, int64_t k0, int64_t kc, int64_t j0, int nrv, int nr, float *dst);
void oct_conv_flat_panel_avx512(void *ctx, int64_t k0, int64_t kc, int64_t j0, int nrv, int nr, float *dst);

/* Transposed im2col over a padded image (AVX-512 path, no bounds checks):
 * row i of op(A) is output position i, column k = (ci, kz, ky, kx) reads
 * x[koff[k] + (input offset of position i)]. Matches oct_sgemm_apanel_fn. */
typedef struct oct_conv_t_ctx {
    const oct_conv_geom *g; /* padded geometry */
    const float *x;
    const int64_t *koff;
} oct_conv_t_ctx;

void oct_conv_im2colT_panel_avx512(void *ctx, int64_t i0, int mr, int64_t k0, int64_t kc, float *dst);
/* dst (cols x rows, leading dim ldd) = transpose of src (rows x cols, lds). */
void oct_transpose_avx512(const float *src, int64_t rows, int64_t cols, int64_t lds, float *dst, int64_t ldd);

/* Copy the Cg channels of x (spatial g->in) into xp with g->pb / g->pe zero
 * borders; *gp becomes the same geometry without padding. xp holds
 * oct_conv_padded_size(g) floats. */
int64_t oct_conv_padded_size(const oct_conv_geom *g);
void oct_conv_pad_input(const oct_conv_geom *g, const float *x, float *xp, oct_conv_geom *gp);

/* Depthwise 2-D (spatial as in g, any stride/dilation/padding): one channel.
 * y = act(bias + sum w * x) over the kernel window. */
void oct_conv_dw_channel(const oct_conv_geom *g, const float *x, const float *w, float bias,
                         const oct_act *act, float *y);

/* y[i] += w * x[i * stride] for i < n (row kernels, dispatched by level). */
void oct_conv_axpy_scalar(float *y, const float *x, int64_t n, int64_t stride, float w);
void oct_conv_axpy_avx2(float *y, const float *x, int64_t n, int64_t stride, float w);
void oct_conv_axpy_avx512(float *y, const float *x, int64_t n, int64_t stride, float w);

/* ---- GEMM-based convolution (conv_gemm.c) ---------------------------------
 * Per (image, group) one GEMM:
 *   DIRECT  1x1, stride 1, no padding: Y_g = W_g * X_g, X_g used in place
 *   FLAT    stride 1, 1-D/2-D: Y_g = W_g * im2col over the padded width
 *           (extra columns computed into a scratch and dropped)
 *   RUNS    any other: Y_g = W_g * im2col, bounds-checked (or on a padded copy)
 *   NT      Y_g^T = im2col^T * W_g^T into a scratch, then transposed: output
 *           positions on the MR side, channels on the NR side (AVX-512 only;
 *           chosen when it wastes far fewer padded tile rows/columns) */
typedef enum oct_conv_algo {
    OCT_CONV_DIRECT,
    OCT_CONV_FLAT,
    OCT_CONV_RUNS,
    OCT_CONV_NT
} oct_conv_algo;

oct_conv_algo oct_conv_choose(const oct_conv_geom *g, oct_cpu_level lvl);

typedef struct oct_conv_job {
    const oct_conv_geom *g;
    oct_conv_algo algo;
    oct_cpu_level lvl;
    const float *x, *w, *bias; /* whole tensors (bias may be NULL) */
    float *y;
    /* per group, optional: W_g packed as A (M x K) for DIRECT/FLAT/RUNS, or
     * W_g^T packed as B (K x M) for NT; NULL: W is packed per call */
    oct_sgemm_packed *const *packed;
    oct_act act;
    int64_t *koff; /* FLAT / NT: offset of each k in the padded image (owned) */
} oct_conv_job;

/* Fill the derived fields (koff). OCT_E_NOMEM on allocation failure. */
oct_status oct_conv_job_prepare(oct_conv_job *j);
void oct_conv_job_release(oct_conv_job *j);
/* One (image n, group gi) of the job; pool may be NULL. */
oct_status oct_conv_job_task(const oct_conv_job *j, int64_t n, int64_t gi, oct_pool *pool);

#endif
