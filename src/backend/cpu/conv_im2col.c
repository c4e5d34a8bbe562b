/* octet — im2col straight into SGEMM B micro-panels (no im2col matrix):
 * portable version. */
#include "backend/cpu/conv.h"

static inline void copy_run(float *o, const float *row, int64_t ix0, int64_t sx, int len, int64_t IW)
{
    for (int c = 0; c < len; c++) {
        int64_t ix = ix0 + c * sx;
        o[c] = ix >= 0 && ix < IW ? row[ix] : 0.f;
    }
}

static inline void zero_run(float *o, int len)
{
    for (int c = 0; c < len; c++) o[c] = 0.f;
}

#define IM2COL_FN oct_conv_im2col_panel
#define IM2COL_COPY_RUN copy_run
#define IM2COL_ZERO zero_run
#include "backend/cpu/conv_im2col_body.h"

#include <string.h>

int64_t oct_conv_padded_size(const oct_conv_geom *g)
{
    int64_t sp = 1;
    for (int i = 0; i < 3; i++) sp *= g->in[i] + g->pb[i] + g->pe[i];
    /* slack: the flat im2col reads up to (k - 1) * d + 32 past the last
     * channel, vector loads a little past the end */
    return g->Cg * sp + (g->k[2] - 1) * g->d[2] + 64;
}

void oct_conv_pad_input(const oct_conv_geom *g, const float *x, float *xp, oct_conv_geom *gp)
{
    *gp = *g;
    for (int i = 0; i < 3; i++) {
        gp->in[i] = g->in[i] + g->pb[i] + g->pe[i];
        gp->pb[i] = gp->pe[i] = 0;
    }
    gp->in_sp = gp->in[0] * gp->in[1] * gp->in[2];
    const int64_t PD = gp->in[0], PH = gp->in[1], PW = gp->in[2];
    float *o = xp;
    for (int64_t c = 0; c < g->Cg; c++)
        for (int64_t z = 0; z < PD; z++)
            for (int64_t y = 0; y < PH; y++, o += PW) {
                int64_t iz = z - g->pb[0], iy = y - g->pb[1];
                if (iz < 0 || iz >= g->in[0] || iy < 0 || iy >= g->in[1]) {
                    memset(o, 0, (size_t)PW * sizeof(float));
                    continue;
                }
                const float *r = x + c * g->in_sp + (iz * g->in[1] + iy) * g->in[2];
                memset(o, 0, (size_t)g->pb[2] * sizeof(float));
                memcpy(o + g->pb[2], r, (size_t)g->in[2] * sizeof(float));
                memset(o + g->pb[2] + g->in[2], 0, (size_t)g->pe[2] * sizeof(float));
            }
    memset(o, 0, (size_t)((g->k[2] - 1) * g->d[2] + 64) * sizeof(float));
}

void oct_conv_flat_panel(void *ctx, int64_t k0, int64_t kc, int64_t j0, int nrv, int nr, float *dst)
{
    const oct_conv_flat_ctx *f = ctx;
    for (int64_t kk = 0; kk < kc; kk++) {
        const float *s = f->x + f->koff[k0 + kk] + j0;
        float *d = dst + kk * nr;
        for (int c = 0; c < nrv; c++) d[c] = s[c];
        for (int c = nrv; c < nr; c++) d[c] = 0.f;
    }
}
