/* octet — convolution helpers for the CPU backend: geometry, im2col panels
 * for the SGEMM B-panel callback, depthwise kernels. 1-D and 2-D
 * convolutions are described as 3-D ones with leading size-1 dimensions. */
#ifndef OCT_BACKEND_CPU_CONV_H
#define OCT_BACKEND_CPU_CONV_H

#include <stdint.h>

#include "backend/cpu/par.h"
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
    OCT_CONV_NT,
    OCT_CONV_DFLAT /* see below (AVX-512, 2-D) */
} oct_conv_algo;

oct_conv_algo oct_conv_choose(const oct_conv_geom *g, oct_cpu_level lvl);

/* ---- direct flat convolution (conv_dflat*.c) -------------------------------
 * 2-D, AVX-512. Per (image, group) the input is copied once into a source
 *   S[ci][phase y][phase x][Hp][Wp]
 * the padded image split into its stride phases (padded position (i * sy + a,
 * j * sx + b) goes to phase (a, b), row i, column j; only the phases some tap
 * uses are kept), so that every tap k = (ci, ky, kx) is a stride-1 window of
 * S: output position (oy, ox), flat q = oy * Wp + ox, reads S[koff[k] + q].
 * Y_g = W_g * B with B[k][q] = S[koff[k] + q] read straight from S by an
 * 8 (channels) x 48 (positions) microkernel: no im2col. Columns ox >= OW are
 * computed and dropped by the masked stores of the epilogue, which also adds
 * bias, the fused residual sum and the activation. */
#define OCT_CONV_DFLAT_MR 8
#define OCT_CONV_DFLAT_NR 48

typedef struct oct_conv_dflat_geom {
    int64_t Hp, Wp;     /* phase image size */
    int64_t na, nb;     /* phases kept along y and x */
    int64_t nq;         /* flat positions computed: (OH - 1) * Wp + OW */
    int64_t src_floats; /* S plus slack for the widest junk read */
    int64_t *pa, *pb;   /* the kept phases (na, nb entries; in koff's allocation) */
    int direct;         /* S is the input itself (1x1, stride 1, no padding) */
} oct_conv_dflat_geom;

/* This thread's source buffer (64-byte aligned, grows; NULL if out of
 * memory); freed at thread exit or by oct_conv_scratch_release. */
float *oct_conv_dflat_scratch(size_t n_floats);
void oct_conv_scratch_release(void);
/* Fraction of the computed flat positions that are output positions. */
double oct_conv_dflat_useful(const oct_conv_geom *g);
/* Packed weights: per group, per 8-row tile, [Kg][8] (rows >= Mg zero). */
int64_t oct_conv_dflat_w_floats(const oct_conv_geom *g);
void oct_conv_dflat_pack_w(const oct_conv_geom *g, const float *w, float *dst);
/* The same layout in fp16 (FP16 mode): the task widens one 8-row tile at a
 * time into a per-thread scratch, so results equal packing the widened
 * weights with oct_conv_dflat_pack_w bit for bit. */
void oct_conv_dflat_pack_w_f16(const oct_conv_geom *g, const uint16_t *w, uint16_t *dst);

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
    /* optional fused residual sum (same shape as y): y = act(conv + bias + res) */
    const float *res;
    int64_t *koff; /* FLAT / NT / DFLAT: offset of each k in the padded image (owned) */
    /* DFLAT: weights packed by oct_conv_dflat_pack_w (NULL: packed per call),
     * or by oct_conv_dflat_pack_w_f16 (dfw_h; then dfw is NULL) */
    const float *dfw;
    const uint16_t *dfw_h;
    float *dfw_own;
    oct_conv_dflat_geom df;
} oct_conv_job;

/* Run fn(ctx, u) for u in [0, n) over the pool (may be NULL). Thread tid owns
 * the home range [tid * n / T, (tid + 1) * n / T), walks it forwards (or
 * backwards: rev) and then steals from the far end of the other ranges. The
 * same images stay on the same core from layer to layer, and alternating the
 * direction starts a layer with the images the previous one wrote last, still
 * in this core's L2. */
void oct_conv_par_units(oct_pool *pool, int64_t n, int rev, oct_unit_fn fn, void *ctx);

/* y[i] = act(y[i] + r[i]) (a fused residual sum after a pass without act). */
void oct_conv_add_res_act(float *restrict y, const float *restrict r, int64_t n, const oct_act *act);

/* Fill the derived fields (koff; DFLAT: geometry, weights if dfw and dfw_h
 * are NULL). w may be NULL when the weights come packed.
 * OCT_E_NOMEM on allocation failure. */
oct_status oct_conv_job_prepare(oct_conv_job *j);
void oct_conv_job_release(oct_conv_job *j);
/* One (image n, group gi) of the job; pool may be NULL. */
oct_status oct_conv_job_task(const oct_conv_job *j, int64_t n, int64_t gi, oct_pool *pool);

/* DFLAT parts of the above: fill koff and df; one (image, group). */
oct_status oct_conv_dflat_prepare(oct_conv_job *j);
oct_status oct_conv_dflat_task_avx512(const oct_conv_job *j, int64_t n, int64_t gi);
/* One (image, group) over the pool: the source is built once, then the
 * (position panel, channel tile) items are shared out (small batches). */
oct_status oct_conv_dflat_image_avx512(const oct_conv_job *j, int64_t n, int64_t gi, oct_pool *pool);

#endif
