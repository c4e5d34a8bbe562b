/* octet — im2col straight into SGEMM B micro-panels, AVX-512: a run of up to
 * 32 output columns is two masked loads (stride 1) or gathers (stride > 1),
 * with the lanes outside the image zeroed by the mask. */
#include <immintrin.h>

#include "backend/cpu/conv.h"
#include "backend/cpu/transpose_avx512.h"

static inline __mmask16 range_mask(int64_t lo, int64_t hi) /* lanes [lo, hi) of 16 */
{
    if (lo < 0) lo = 0;
    if (hi > 16) hi = 16;
    if (hi <= lo) return 0;
    return (__mmask16)(((1u << (hi - lo)) - 1u) << lo);
}

static inline void copy_run(float *o, const float *row, int64_t ix0, int64_t sx, int len, int64_t IW)
{
    /* valid columns c: 0 <= ix0 + c * sx < IW */
    int64_t lo = 0, hi = len;
    if (ix0 < 0) lo = (-ix0 + sx - 1) / sx;
    if (ix0 + (hi - 1) * sx >= IW) hi = ix0 >= IW ? 0 : (IW - 1 - ix0) / sx + 1;
    if (hi > len) hi = len;
    for (int h = 0; h < len; h += 16) {
        __mmask16 st = range_mask(0, len - h);
        __mmask16 ld = range_mask(lo - h, hi - h);
        __m512 v;
        if (sx == 1) {
            v = _mm512_maskz_loadu_ps(ld, row + ix0 + h);
        } else {
            __m512i idx = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                             _mm512_set1_epi32((int)sx));
            v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), ld, idx, row + ix0 + h * sx, 4);
        }
        _mm512_mask_storeu_ps(o + h, st, v);
    }
}

static inline void zero_run(float *o, int len)
{
    for (int h = 0; h < len; h += 16) _mm512_mask_storeu_ps(o + h, range_mask(0, len - h), _mm512_setzero_ps());
}

#define IM2COL_FN oct_conv_im2col_panel_avx512
#define IM2COL_COPY_RUN copy_run
#define IM2COL_ZERO zero_run
#include "backend/cpu/conv_im2col_body.h"

/* No padding (the caller padded the image): every run is inside the image,
 * so a run is one or two plain (or strided) vector copies with masks that are
 * the same for every row of the panel. */
void oct_conv_im2col_panel_nopad_avx512(void *ctx, int64_t k0, int64_t kc, int64_t j0, int nrv, int nr,
                                        float *dst)
{
    const oct_im2col_ctx *ic = ctx;
    const oct_conv_geom *g = ic->g;
    const int64_t OH = g->out[1], OW = g->out[2], IH = g->in[1], IW = g->in[2];
    const int64_t KD = g->k[0], KH = g->k[1], KW = g->k[2], sx = g->s[2];
    int64_t base[32];
    int c0[32], n_runs = 0;
    __mmask16 m0[32], m1[32];
    int64_t p = j0;
    for (int c = 0; c < nrv && n_runs < 32;) {
        int64_t ox = p % OW, t = p / OW, oy = t % OH, oz = t / OH;
        int len = (int)(OW - ox < nrv - c ? OW - ox : nrv - c);
        base[n_runs] = (oz * g->s[0] * IH + oy * g->s[1]) * IW + ox * sx;
        c0[n_runs] = c;
        m0[n_runs] = range_mask(0, len);
        m1[n_runs] = range_mask(0, len - 16);
        n_runs++;
        c += len;
        p += len;
    }
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i strided = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                               _mm512_set1_epi32((int)sx));
    const __mmask16 tail0 = range_mask(nrv, 16), tail1 = range_mask(nrv - 16, 16);
    int64_t kx = k0 % KW, t = k0 / KW;
    int64_t ky = t % KH;
    t /= KH;
    int64_t kz = t % KD, ci = t / KD;
    for (int64_t kk = 0; kk < kc; kk++) {
        float *d = dst + kk * nr;
        const float *src = ic->x + ci * g->in_sp + (kz * g->d[0] * IH + ky * g->d[1]) * IW + kx * g->d[2];
        if (sx == 1) {
            for (int r = 0; r < n_runs; r++) {
                const float *s = src + base[r];
                float *o = d + c0[r];
                _mm512_mask_storeu_ps(o, m0[r], _mm512_maskz_loadu_ps(m0[r], s));
                if (m1[r]) _mm512_mask_storeu_ps(o + 16, m1[r], _mm512_maskz_loadu_ps(m1[r], s + 16));
            }
        } else {
            for (int r = 0; r < n_runs; r++) {
                const float *s = src + base[r];
                float *o = d + c0[r];
                int len = (r + 1 < n_runs ? c0[r + 1] : nrv) - c0[r];
                for (int h = 0; h < len; h += 16) {
                    __mmask16 m = h ? m1[r] : m0[r];
                    __m512 v;
                    if (sx == 2)
                        v = _mm512_permutex2var_ps(
                            _mm512_maskz_loadu_ps(range_mask(0, 2 * (len - h) - 1), s + 2 * h), even,
                            _mm512_maskz_loadu_ps(range_mask(0, 2 * (len - h) - 17), s + 2 * h + 16));
                    else
                        v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, strided, s + h * sx, 4);
                    _mm512_mask_storeu_ps(o + h, m, v);
                }
            }
        }
        if (nrv < nr) {
            _mm512_mask_storeu_ps(d, tail0, _mm512_setzero_ps());
            if (nr > 16) _mm512_mask_storeu_ps(d + 16, tail1, _mm512_setzero_ps());
        }
        if (++kx == KW) {
            kx = 0;
            if (++ky == KH) {
                ky = 0;
                if (++kz == KD) {
                    kz = 0;
                    ci++;
                }
            }
        }
    }
}

void oct_conv_flat_panel_avx512(void *ctx, int64_t k0, int64_t kc, int64_t j0, int nrv, int nr, float *dst)
{
    const oct_conv_flat_ctx *f = ctx;
    const int64_t *koff = f->koff + k0;
    const float *x = f->x + j0;
    if (nr == 32 && nrv == 32) {
        for (int64_t kk = 0; kk < kc; kk++) {
            const float *s = x + koff[kk];
            _mm512_store_ps(dst + kk * 32, _mm512_loadu_ps(s));
            _mm512_store_ps(dst + kk * 32 + 16, _mm512_loadu_ps(s + 16));
        }
        return;
    }
    __mmask16 m0 = range_mask(0, nrv), m1 = range_mask(0, nrv - 16);
    for (int64_t kk = 0; kk < kc; kk++) {
        const float *s = x + koff[kk];
        float *d = dst + kk * nr;
        _mm512_mask_storeu_ps(d, range_mask(0, nr), _mm512_maskz_loadu_ps(m0, s));
        if (nr > 16) _mm512_mask_storeu_ps(d + 16, range_mask(0, nr - 16), _mm512_maskz_loadu_ps(m1, s + 16));
    }
}

/* Transposed im2col (op(A) rows = output positions) over a padded image. */
void oct_conv_im2colT_panel_avx512(void *ctx, int64_t i0, int mr, int64_t k0, int64_t kc, float *dst)
{
    const oct_conv_t_ctx *tc = ctx;
    const oct_conv_geom *g = tc->g;
    const int64_t OH = g->out[1], OW = g->out[2], IH = g->in[1], IW = g->in[2], sx = g->s[2];
    int64_t base[32];
    int c0[32], n_runs = 0;
    __mmask16 m[32];
    int64_t p = i0;
    for (int c = 0; c < mr && n_runs < 32;) {
        int64_t ox = p % OW, t = p / OW, oy = t % OH, oz = t / OH;
        int len = (int)(OW - ox < mr - c ? OW - ox : mr - c);
        base[n_runs] = (oz * g->s[0] * IH + oy * g->s[1]) * IW + ox * sx;
        c0[n_runs] = c;
        m[n_runs] = range_mask(0, len);
        n_runs++;
        c += len;
        p += len;
    }
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i strided = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                               _mm512_set1_epi32((int)sx));
    for (int64_t kk = 0; kk < kc; kk++) {
        const float *src = tc->x + tc->koff[k0 + kk];
        float *d = dst + kk * mr;
        for (int r = 0; r < n_runs; r++) {
            const float *s = src + base[r];
            __m512 v;
            if (sx == 1) v = _mm512_maskz_loadu_ps(m[r], s);
            else if (sx == 2) {
                int len = (r + 1 < n_runs ? c0[r + 1] : mr) - c0[r];
                v = _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(range_mask(0, 2 * len - 1), s), even,
                                           _mm512_maskz_loadu_ps(range_mask(0, 2 * len - 17), s + 16));
            } else {
                v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m[r], strided, s, 4);
            }
            _mm512_mask_storeu_ps(d + c0[r], m[r], v);
        }
    }
}

/* dst (cols x rows, ldd) = src^T (src: rows x cols, lds). */
void oct_transpose_avx512(const float *src, int64_t rows, int64_t cols, int64_t lds, float *dst, int64_t ldd)
{
    for (int64_t i = 0; i < rows; i += 16) {
        int hr = (int)(rows - i < 16 ? rows - i : 16);
        for (int64_t j = 0; j < cols; j += 16) {
            int hc = (int)(cols - j < 16 ? cols - j : 16);
            __mmask16 mc = range_mask(0, hc), mrw = range_mask(0, hr);
            __m512 r[16];
            for (int a = 0; a < 16; a++)
                r[a] = a < hr ? _mm512_maskz_loadu_ps(mc, src + (i + a) * lds + j) : _mm512_setzero_ps();
            transpose16(r);
            for (int b = 0; b < hc; b++) _mm512_mask_storeu_ps(dst + (j + b) * ldd + i, mrw, r[b]);
        }
    }
}
