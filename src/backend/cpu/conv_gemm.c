/* octet — GEMM-based convolution: algorithm choice and one (image, group). */
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/conv.h"

static int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

oct_conv_algo oct_conv_choose(const oct_conv_geom *g, oct_cpu_level lvl)
{
    int nopad = 1;
    for (int i = 0; i < 3; i++) nopad &= g->pb[i] == 0 && g->pe[i] == 0;
    int direct = g->k_sp == 1 && g->s[0] == 1 && g->s[1] == 1 && g->s[2] == 1 && nopad;
    int two_d = g->in[0] == 1 && g->k[0] == 1 && g->out[0] == 1 && g->pb[0] == 0 && g->pe[0] == 0;
    if (lvl == OCT_CPU_AVX512 && two_d && g->out_sp > 0) {
        /* padded tile work of the direct flat product against the GEMMs' */
        int mr, nr;
        oct_sgemm_tile(&mr, &nr);
        double useful = oct_conv_dflat_useful(g);
        double cost_df = useful > 0 ? (double)round_up(g->Mg, OCT_CONV_DFLAT_MR) * (double)g->out_sp / useful : 1e300;
        double cost_gemm = (double)round_up(g->Mg, mr) * (double)round_up(g->out_sp, nr);
        double cost_t = (double)round_up(g->out_sp, mr) * (double)round_up(g->Mg, nr);
        if (cost_t < cost_gemm) cost_gemm = cost_t;
        if (cost_df <= 1.25 * cost_gemm) return OCT_CONV_DFLAT;
    }
    if (direct) return OCT_CONV_DIRECT;
    int64_t pw = g->in[2] + g->pb[2] + g->pe[2];
    int flat_ok = g->in[0] == 1 && g->out[0] == 1 && g->k[0] == 1 && g->s[1] == 1 && g->s[2] == 1;
    /* flat unless the extra padded-width columns outweigh the cheaper im2col
     * (short K: e.g. a 5x5 kernel on 1 channel) */
    oct_conv_algo nn = flat_ok && (g->Kg >= 64 || pw == g->out[2]) ? OCT_CONV_FLAT : OCT_CONV_RUNS;
    if (lvl != OCT_CPU_AVX512) return nn;
    /* padded tile work: W_g * B puts Mg on the 14-row side and the positions
     * on the 32-column side; NT the other way round */
    int mr, nr;
    oct_sgemm_tile(&mr, &nr);
    int64_t ncols = nn == OCT_CONV_FLAT ? g->out[1] * pw : g->out_sp;
    double cost_nn = (double)g->Mg * (double)round_up(ncols, nr);
    double cost_nt = (double)g->out_sp * (double)round_up(g->Mg, nr);
    /* NT pays for a transposed im2col and an output transpose: measured on
     * [64,32,14,14] * [64,32,3,3] (cost ratio 0.875) NN is still 8% faster */
    return cost_nt <= 0.75 * cost_nn ? OCT_CONV_NT : nn;
}

oct_status oct_conv_job_prepare(oct_conv_job *j)
{
    j->koff = NULL;
    j->dfw_own = NULL;
    if (j->algo == OCT_CONV_DFLAT) {
        OCT_TRY(oct_conv_dflat_prepare(j));
        if (!j->dfw && !j->dfw_h) {
            j->dfw_own = malloc((size_t)oct_conv_dflat_w_floats(j->g) * sizeof(float));
            if (!j->dfw_own) {
                oct_conv_job_release(j);
                return oct_err(OCT_E_NOMEM, "Conv: out of memory");
            }
            oct_conv_dflat_pack_w(j->g, j->w, j->dfw_own);
            j->dfw = j->dfw_own;
        }
        return OCT_OK;
    }
    if (j->algo != OCT_CONV_FLAT && j->algo != OCT_CONV_NT) return OCT_OK;
    const oct_conv_geom *g = j->g;
    const int64_t PD = g->in[0] + g->pb[0] + g->pe[0], PH = g->in[1] + g->pb[1] + g->pe[1];
    const int64_t PW = g->in[2] + g->pb[2] + g->pe[2];
    j->koff = malloc((size_t)g->Kg * sizeof *j->koff);
    if (!j->koff) return oct_err(OCT_E_NOMEM, "Conv: out of memory");
    int64_t k = 0;
    for (int64_t ci = 0; ci < g->Cg; ci++)
        for (int64_t kz = 0; kz < g->k[0]; kz++)
            for (int64_t ky = 0; ky < g->k[1]; ky++)
                for (int64_t kx = 0; kx < g->k[2]; kx++)
                    j->koff[k++] = ci * PD * PH * PW + (kz * g->d[0] * PH + ky * g->d[1]) * PW + kx * g->d[2];
    return OCT_OK;
}

void oct_conv_job_release(oct_conv_job *j)
{
    free(j->koff);
    j->koff = NULL;
    free(j->dfw_own);
    j->dfw_own = NULL;
}

/* one simple loop per activation, vectorized by the compiler (gcc's -O2 does
 * not vectorize loops that need a remainder) */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("tree-vectorize")))
#endif
void oct_conv_add_res_act(float *restrict y, const float *restrict r, int64_t n, const oct_act *act)
{
    const float lo = act->alpha, hi = act->beta;
    switch (act->kind) {
    case OCT_ACT_RELU:
        for (int64_t i = 0; i < n; i++) {
            float v = y[i] + r[i];
            y[i] = v > 0.f ? v : 0.f;
        }
        break;
    case OCT_ACT_CLIP:
        for (int64_t i = 0; i < n; i++) {
            float v = y[i] + r[i];
            v = v < lo ? lo : v;
            y[i] = v > hi ? hi : v;
        }
        break;
    case OCT_ACT_LEAKYRELU:
        for (int64_t i = 0; i < n; i++) {
            float v = y[i] + r[i];
            y[i] = v < 0.f ? lo * v : v;
        }
        break;
    default:
        for (int64_t i = 0; i < n; i++) y[i] += r[i];
        break;
    }
}

static oct_status gemm_task(const oct_conv_job *j, int64_t n, int64_t gi, oct_pool *pool);

oct_status oct_conv_job_task(const oct_conv_job *j, int64_t n, int64_t gi, oct_pool *pool)
{
    if (j->algo == OCT_CONV_DFLAT) return oct_conv_dflat_task_avx512(j, n, gi);
    OCT_TRY(gemm_task(j, n, gi, pool));
    if (j->res) {
        const oct_conv_geom *g = j->g;
        int64_t off = (n * g->M + gi * g->Mg) * g->out_sp;
        oct_conv_add_res_act(j->y + off, j->res + off, g->Mg * g->out_sp, &j->act);
    }
    return OCT_OK;
}

/* The GEMM algorithms; with a residual sum the activation waits for it. */
static oct_status gemm_task(const oct_conv_job *j, int64_t n, int64_t gi, oct_pool *pool)
{
    const oct_conv_geom *g = j->g;
    const float *x = j->x + (n * g->C + gi * g->Cg) * g->in_sp;
    float *y = j->y + (n * g->M + gi * g->Mg) * g->out_sp;
    const float *w = j->w ? j->w + gi * g->Mg * g->Kg : NULL; /* NULL: packed */
    oct_sgemm_packed *pk = j->packed ? j->packed[gi] : NULL;
    int avx512 = j->lvl == OCT_CPU_AVX512;
    oct_sgemm_args a;
    oct_sgemm_args_init(&a);
    a.K = g->Kg;
    if (!j->res) a.act = j->act;
    oct_conv_geom gp;
    oct_im2col_ctx ic = {g, x};
    oct_conv_flat_ctx fc = {NULL, j->koff};
    oct_conv_t_ctx tc = {&gp, NULL, j->koff};
    float *xp = NULL, *tmp = NULL;
    if (j->algo == OCT_CONV_FLAT || j->algo == OCT_CONV_NT || (j->algo == OCT_CONV_RUNS && avx512)) {
        /* pad the image once: the im2col writers then need no bounds checks */
        xp = malloc((size_t)oct_conv_padded_size(g) * sizeof(float));
        if (!xp) return oct_err(OCT_E_NOMEM, "Conv: out of memory");
        oct_conv_pad_input(g, x, xp, &gp);
    }
    if (j->algo == OCT_CONV_NT) {
        a.M = g->out_sp;
        a.N = g->Mg;
        tc.x = xp;
        a.apanel = oct_conv_im2colT_panel_avx512;
        a.actx = &tc;
        if (pk) {
            a.pb = pk;
        } else {
            a.B = w;
            a.ldb = g->Kg;
            a.transB = 1;
        }
        if (j->bias) {
            a.bias = j->bias + gi * g->Mg;
            a.bias_kind = OCT_SGEMM_BIAS_COL;
        }
        tmp = malloc((size_t)(g->out_sp * g->Mg) * sizeof(float));
        if (!tmp) {
            free(xp);
            return oct_err(OCT_E_NOMEM, "Conv: out of memory");
        }
        a.C = tmp;
        a.ldc = g->Mg;
        oct_status s = oct_sgemm_run(&a, pool);
        if (s == OCT_OK) oct_transpose_avx512(tmp, g->out_sp, g->Mg, g->Mg, y, g->out_sp);
        free(xp);
        free(tmp);
        return s;
    }
    a.M = g->Mg;
    a.N = g->out_sp;
    if (pk) {
        a.pa = pk;
    } else {
        a.A = w;
        a.lda = g->Kg;
    }
    if (j->bias) {
        a.bias = j->bias + gi * g->Mg;
        a.bias_kind = OCT_SGEMM_BIAS_ROW;
    }
    if (j->algo == OCT_CONV_DIRECT) {
        a.B = x;
        a.ldb = g->in_sp;
    } else if (j->algo == OCT_CONV_FLAT) {
        /* GEMM over OH x PW columns into tmp, then drop the extra columns */
        a.N = g->out[1] * gp.in[2];
        tmp = malloc((size_t)(g->Mg * a.N) * sizeof(float));
        if (!tmp) {
            free(xp);
            return oct_err(OCT_E_NOMEM, "Conv: out of memory");
        }
        fc.x = xp;
        a.bpanel = avx512 ? oct_conv_flat_panel_avx512 : oct_conv_flat_panel;
        a.bctx = &fc;
    } else if (avx512) {
        ic.g = &gp;
        ic.x = xp;
        a.bpanel = oct_conv_im2col_panel_nopad_avx512;
        a.bctx = &ic;
    } else {
        a.bpanel = oct_conv_im2col_panel;
        a.bctx = &ic;
    }
    a.C = tmp ? tmp : y;
    a.ldc = a.N;
    oct_status s = oct_sgemm_run(&a, pool);
    if (tmp && s == OCT_OK) {
        const int64_t OH = g->out[1], OW = g->out[2], PW = gp.in[2];
        for (int64_t m = 0; m < g->Mg; m++)
            for (int64_t oy = 0; oy < OH; oy++)
                memcpy(y + (m * OH + oy) * OW, tmp + (m * OH + oy) * PW, (size_t)OW * sizeof(float));
    }
    free(xp);
    free(tmp);
    return s;
}
