/* octet — direct flat convolution: geometry, tap offsets, weight packing
 * (portable; the task itself is conv_dflat_avx512.c). See conv.h. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/conv.h"
#include "core/tscratch.h"

/* ---- per-thread source buffer ---------------------------------------------- */

static oct_tscratch df_ws = OCT_TSCRATCH_INIT;

float *oct_conv_dflat_scratch(size_t n_floats) { return oct_tscratch_get(&df_ws, n_floats * sizeof(float)); }

void oct_conv_scratch_release(void) { oct_tscratch_release(&df_ws); }

/* ---- geometry ------------------------------------------------------------------ */

/* Phase image size along one axis: the outputs plus the farthest tap. */
static int64_t phase_len(int64_t out, int64_t k, int64_t d, int64_t s) { return out + (k - 1) * d / s; }

static int64_t distinct_phases(int64_t k, int64_t d, int64_t s, int64_t *list)
{
    int64_t n = 0;
    for (int64_t i = 0; i < k; i++) {
        int64_t p = i * d % s, seen = 0;
        for (int64_t j = 0; j < n; j++) seen |= list[j] == p;
        if (!seen) list[n++] = p;
    }
    return n;
}

static int64_t index_of(const int64_t *list, int64_t n, int64_t v)
{
    for (int64_t j = 0; j < n; j++)
        if (list[j] == v) return j;
    return 0;
}

double oct_conv_dflat_useful(const oct_conv_geom *g)
{
    const int64_t OH = g->out[1], OW = g->out[2];
    const int64_t Wp = phase_len(OW, g->k[2], g->d[2], g->s[2]);
    const int64_t nq = (OH - 1) * Wp + OW;
    const int64_t panels = (nq + OCT_CONV_DFLAT_NR - 1) / OCT_CONV_DFLAT_NR;
    /* the last panel is computed in 16-column steps */
    const int64_t last = nq - (panels - 1) * OCT_CONV_DFLAT_NR;
    const int64_t cols = (panels - 1) * OCT_CONV_DFLAT_NR + (last + 15) / 16 * 16;
    return cols > 0 ? (double)(OH * OW) / (double)cols : 0.0;
}

int64_t oct_conv_dflat_w_floats(const oct_conv_geom *g)
{
    const int64_t tiles = (g->Mg + OCT_CONV_DFLAT_MR - 1) / OCT_CONV_DFLAT_MR;
    return g->G * tiles * g->Kg * OCT_CONV_DFLAT_MR;
}

void oct_conv_dflat_pack_w(const oct_conv_geom *g, const float *w, float *dst)
{
    const int64_t MR = OCT_CONV_DFLAT_MR, tiles = (g->Mg + MR - 1) / MR, K = g->Kg;
    for (int64_t gi = 0; gi < g->G; gi++)
        for (int64_t t = 0; t < tiles; t++) {
            float *d = dst + (gi * tiles + t) * K * MR;
            for (int64_t r = 0; r < MR; r++) {
                int64_t m = t * MR + r;
                const float *s = w + (gi * g->Mg + m) * K;
                for (int64_t k = 0; k < K; k++) d[k * MR + r] = m < g->Mg ? s[k] : 0.f;
            }
        }
}

void oct_conv_dflat_pack_w_f16(const oct_conv_geom *g, const uint16_t *w, uint16_t *dst)
{
    const int64_t MR = OCT_CONV_DFLAT_MR, tiles = (g->Mg + MR - 1) / MR, K = g->Kg;
    for (int64_t gi = 0; gi < g->G; gi++)
        for (int64_t t = 0; t < tiles; t++) {
            uint16_t *d = dst + (gi * tiles + t) * K * MR;
            for (int64_t r = 0; r < MR; r++) {
                int64_t m = t * MR + r;
                const uint16_t *s = w + (gi * g->Mg + m) * K;
                for (int64_t k = 0; k < K; k++) d[k * MR + r] = m < g->Mg ? s[k] : 0;
            }
        }
}

oct_status oct_conv_dflat_prepare(oct_conv_job *j)
{
    const oct_conv_geom *g = j->g;
    oct_conv_dflat_geom *df = &j->df;
    memset(df, 0, sizeof *df);
    const int64_t sy = g->s[1], sx = g->s[2], dy = g->d[1], dx = g->d[2], KH = g->k[1], KW = g->k[2];
    const int64_t OH = g->out[1], OW = g->out[2];
    int64_t na_max = KH < sy ? KH : sy, nb_max = KW < sx ? KW : sx;
    j->koff = malloc((size_t)(g->Kg + na_max + nb_max) * sizeof *j->koff);
    if (!j->koff) return oct_err(OCT_E_NOMEM, "Conv: out of memory");
    df->pa = j->koff + g->Kg;
    df->pb = df->pa + na_max;
    df->na = distinct_phases(KH, dy, sy, df->pa);
    df->nb = distinct_phases(KW, dx, sx, df->pb);
    df->Hp = phase_len(OH, KH, dy, sy);
    df->Wp = phase_len(OW, KW, dx, sx);
    df->nq = (OH - 1) * df->Wp + OW;
    int nopad = g->pb[1] == 0 && g->pe[1] == 0 && g->pb[2] == 0 && g->pe[2] == 0;
    df->direct = KH == 1 && KW == 1 && sy == 1 && sx == 1 && nopad;
    const int64_t plane = df->Hp * df->Wp;
    int64_t k = 0, kmax = 0;
    for (int64_t ci = 0; ci < g->Cg; ci++)
        for (int64_t ky = 0; ky < KH; ky++)
            for (int64_t kx = 0; kx < KW; kx++) {
                int64_t ia = index_of(df->pa, df->na, ky * dy % sy), ib = index_of(df->pb, df->nb, kx * dx % sx);
                int64_t o = ((ci * df->na + ia) * df->nb + ib) * plane + ky * dy / sy * df->Wp + kx * dx / sx;
                j->koff[k++] = o;
                if (o > kmax) kmax = o;
            }
    /* reads stop at koff + nq - 1 (the last column vector is masked) */
    int64_t need = g->Cg * df->na * df->nb * plane;
    if (kmax + df->nq > need) need = kmax + df->nq;
    df->src_floats = (need + 16 + 15) / 16 * 16;
    return OCT_OK;
}
