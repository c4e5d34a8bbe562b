/* octet — depthwise convolution (one output channel per input channel),
 * row by row: for every kernel tap, y_row[ox] += w * x_row[ox * sx + off]
 * over the output columns whose input column is inside the image. The row
 * kernel (oct_conv_axpy_*) is SIMD for stride 1 (and 2 on AVX-512). */
#include "backend/cpu/conv.h"
#include "core/cpu.h"

void oct_conv_axpy_scalar(float *y, const float *x, int64_t n, int64_t stride, float w)
{
    if (stride == 1)
        for (int64_t i = 0; i < n; i++) y[i] += w * x[i];
    else
        for (int64_t i = 0; i < n; i++) y[i] += w * x[i * stride];
}

static int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

static void act_row(const oct_act *act, float *y, int64_t n)
{
    switch (act->kind) {
    case OCT_ACT_NONE: break;
    case OCT_ACT_RELU:
        for (int64_t i = 0; i < n; i++) y[i] = y[i] > 0.f ? y[i] : 0.f;
        break;
    case OCT_ACT_CLIP:
        for (int64_t i = 0; i < n; i++) {
            float v = y[i] < act->alpha ? act->alpha : y[i];
            y[i] = v > act->beta ? act->beta : v;
        }
        break;
    case OCT_ACT_LEAKYRELU:
        for (int64_t i = 0; i < n; i++) y[i] = y[i] < 0.f ? act->alpha * y[i] : y[i];
        break;
    }
}

void oct_conv_dw_channel(const oct_conv_geom *g, const float *x, const float *w, float bias,
                         const oct_act *act, float *y)
{
    oct_cpu_level lvl = oct_cpu_level_get();
    void (*axpy)(float *, const float *, int64_t, int64_t, float) =
        lvl == OCT_CPU_AVX512 ? oct_conv_axpy_avx512 : lvl == OCT_CPU_AVX2 ? oct_conv_axpy_avx2
                                                                           : oct_conv_axpy_scalar;
    const int64_t OD = g->out[0], OH = g->out[1], OW = g->out[2];
    const int64_t ID = g->in[0], IH = g->in[1], IW = g->in[2];
    const int64_t KD = g->k[0], KH = g->k[1], KW = g->k[2];
    const int64_t sx = g->s[2];
    for (int64_t oz = 0; oz < OD; oz++)
        for (int64_t oy = 0; oy < OH; oy++) {
            float *yr = y + (oz * OH + oy) * OW;
            for (int64_t ox = 0; ox < OW; ox++) yr[ox] = bias;
            for (int64_t kz = 0; kz < KD; kz++) {
                int64_t iz = oz * g->s[0] - g->pb[0] + kz * g->d[0];
                if (iz < 0 || iz >= ID) continue;
                for (int64_t ky = 0; ky < KH; ky++) {
                    int64_t iy = oy * g->s[1] - g->pb[1] + ky * g->d[1];
                    if (iy < 0 || iy >= IH) continue;
                    const float *xr = x + (iz * IH + iy) * IW;
                    const float *wr = w + (kz * KH + ky) * KW;
                    for (int64_t kx = 0; kx < KW; kx++) {
                        int64_t off = kx * g->d[2] - g->pb[2];
                        /* 0 <= ox * sx + off <= IW - 1 */
                        int64_t lo = ceil_div(-off, sx), hi = floor_div(IW - 1 - off, sx) + 1;
                        if (lo < 0) lo = 0;
                        if (hi > OW) hi = OW;
                        if (hi > lo) axpy(yr + lo, xr + lo * sx + off, hi - lo, sx, wr[kx]);
                    }
                }
            }
            act_row(act, yr, OW);
        }
}
