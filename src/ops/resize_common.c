/* Separable resampling engine of Resize / Upsample (see resize_common.h). */
#include "ops/resize_common.h"

#include "ops/pn_kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

oct_status oct_resize_spec_shape(const oct_node *n, oct_resize_spec *s, const oct_tensor *x, const float *scales,
                                 const int64_t *sizes, const float *roi)
{
    s->rank = x->rank;
    for (int a = 0; a < x->rank; a++) {
        int64_t in = x->dims[a];
        s->in[a] = in;
        s->roi_s[a] = roi ? roi[a] : 0.0;
        s->roi_e[a] = roi ? roi[x->rank + a] : 1.0;
        if (sizes) {
            if (sizes[a] < 0 || sizes[a] > ((int64_t)1 << 40))
                return oct_err(OCT_E_INVALID, "%s '%s': sizes[%d] = %lld is out of range", n->op_type, n->name, a,
                               (long long)sizes[a]);
            s->out[a] = sizes[a];
            s->scale[a] = in > 0 ? (double)sizes[a] / (double)in : 1.0;
            s->len_out[a] = (double)sizes[a];
        } else {
            double sc = scales[a];
            if (!(sc > 0) || sc > 1e6)
                return oct_err(OCT_E_INVALID, "%s '%s': scales[%d] = %g must be positive", n->op_type, n->name, a,
                               sc);
            double span = s->ctm == OCT_RS_TF_CROP_AND_RESIZE ? s->roi_e[a] - s->roi_s[a] : 1.0;
            double o = floor((double)in * span * sc);
            if (!(o >= 0) || o > 1e12)
                return oct_err(OCT_E_INVALID, "%s '%s': output size on axis %d is out of range", n->op_type, n->name,
                               a);
            s->out[a] = (int64_t)o;
            s->scale[a] = sc;
            s->len_out[a] = (double)in * sc;
        }
    }
    return OCT_OK;
}

oct_status oct_resize_check_dtype(const oct_node *n, const oct_resize_spec *s, oct_dtype dt)
{
    if (dt == OCT_DT_F32 || dt == OCT_DT_F16) return OCT_OK;
    if (s->mode == OCT_RS_NEAREST && oct_dtype_size(dt) > 0 && dt != OCT_DT_STRING) return OCT_OK;
    return oct_op_bad_dtype(n, dt);
}

static double coord(const oct_resize_spec *s, int a, int64_t o)
{
    double sc = s->scale[a], L = s->len_out[a], in = (double)s->in[a], x = (double)o;
    switch (s->ctm) {
    case OCT_RS_HALF_PIXEL: return (x + 0.5) / sc - 0.5;
    case OCT_RS_PYTORCH_HALF_PIXEL: return L > 1 ? (x + 0.5) / sc - 0.5 : 0.0;
    case OCT_RS_ALIGN_CORNERS: return L == 1 ? 0.0 : x * (in - 1) / (L - 1);
    case OCT_RS_ASYMMETRIC: return x / sc;
    case OCT_RS_TF_HALF_PIXEL_FOR_NN: return (x + 0.5) / sc;
    case OCT_RS_TF_CROP_AND_RESIZE: {
        double rs = s->roi_s[a], re = s->roi_e[a];
        double v = L == 1 ? (re - rs) * (in - 1) / 2 : x * (re - rs) * (in - 1) / (L - 1);
        return v + rs * (in - 1);
    }
    case OCT_RS_HALF_PIXEL_SYMMETRIC: {
        double adj = (double)s->out[a] / L, center = in / 2;
        return center * (1 - adj) + (x + 0.5) / sc - 0.5;
    }
    }
    return x;
}

static int ntaps(const oct_resize_spec *s) { return s->mode == OCT_RS_NEAREST ? 1 : s->mode == OCT_RS_LINEAR ? 2 : 4; }

/* Taps of axis a: idx/w are [out][nt]; ext[o] = 1 for extrapolated outputs.
 * Returns 1 if the axis mapping is the identity. */
static int axis_taps(const oct_resize_spec *s, int a, int64_t *idx, float *w, uint8_t *ext)
{
    const int nt = ntaps(s);
    const int64_t in = s->in[a], out = s->out[a];
    int ident = in == out;
    for (int64_t o = 0; o < out; o++) {
        int64_t *ix = idx + o * nt;
        float *wt = w + o * nt;
        double x = coord(s, a, o);
        ext[o] = 0;
        if (s->ctm == OCT_RS_TF_CROP_AND_RESIZE && (x < 0 || x > (double)(in - 1))) {
            ext[o] = 1;
            ident = 0;
            for (int k = 0; k < nt; k++) {
                ix[k] = 0;
                wt[k] = 0.f;
            }
            continue;
        }
        if (s->mode == OCT_RS_NEAREST) {
            double fl = floor(x), fr = x - fl;
            int64_t i;
            switch (s->nearest) {
            case OCT_RS_ROUND_PREFER_FLOOR: i = (int64_t)(fr <= 0.5 ? fl : fl + 1); break;
            case OCT_RS_ROUND_PREFER_CEIL: i = (int64_t)(fr < 0.5 ? fl : fl + 1); break;
            case OCT_RS_FLOOR: i = (int64_t)fl; break;
            case OCT_RS_CEIL: i = (int64_t)ceil(x); break;
            default: i = (int64_t)(s->scale[a] < 1 ? ceil(x) : fl); break;
            }
            ix[0] = i < 0 ? 0 : i >= in ? in - 1 : i;
            wt[0] = 1.f;
            ident &= ix[0] == o;
            continue;
        }
        double base = ceil(x) - 1, r = x - base; /* r in (0, 1] */
        double c[4];
        int64_t b0;
        if (s->mode == OCT_RS_LINEAR) {
            c[0] = 1 - r;
            c[1] = r;
            b0 = (int64_t)base;
        } else {
            double A = s->cubic_a, t = r + 1, u = 1 - r, v = 2 - r;
            c[0] = ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;
            c[1] = ((A + 2) * r - (A + 3)) * r * r + 1;
            c[2] = ((A + 2) * u - (A + 3)) * u * u + 1;
            c[3] = ((A * v - 5 * A) * v + 8 * A) * v - 4 * A;
            b0 = (int64_t)base - 1;
        }
        if (s->exclude_outside) {
            double sum = 0;
            for (int k = 0; k < nt; k++) {
                if (b0 + k < 0 || b0 + k >= in) c[k] = 0;
                sum += c[k];
            }
            if (sum != 0)
                for (int k = 0; k < nt; k++) c[k] /= sum;
        }
        for (int k = 0; k < nt; k++) {
            int64_t i = b0 + k;
            ix[k] = i < 0 ? 0 : i >= in ? in - 1 : i;
            wt[k] = (float)c[k];
            if (wt[k] != 0.f && ix[k] != o) ident = 0;
            if (ix[k] == o && wt[k] != 1.f) ident = 0;
        }
    }
    return ident;
}

typedef struct {
    const char *src;
    char *dst;
    size_t es;
    int64_t in_len, out_len, inner;
    int nt;
    const int64_t *idx;
    const float *w;
    const uint8_t *ext;
    const void *fill; /* one element: the extrapolation value */
} pass_ctx;

static void pass_range(void *ctx, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const pass_ctx *c = ctx;
    const oct_pn_kernels *K = oct_pn_kernels_get();
    const int64_t inner = c->inner;
    const size_t es = c->es;
    int64_t ob = b / c->out_len, o = b % c->out_len;
    for (int64_t r = b; r < e; r++, o = o + 1 == c->out_len ? (ob++, 0) : o + 1) {
        char *d = c->dst + (size_t)(r * inner) * es;
        const char *s = c->src + (size_t)(ob * c->in_len * inner) * es;
        if (c->ext[o]) {
            for (int64_t i = 0; i < inner; i++) memcpy(d + (size_t)i * es, c->fill, es);
        } else if (c->nt == 1) {
            memcpy(d, s + (size_t)(c->idx[o] * inner) * es, (size_t)inner * es);
        } else {
            float *df = (float *)d;
            const float *sf = (const float *)s;
            const int64_t *ix = c->idx + o * c->nt;
            const float *wt = c->w + o * c->nt;
            if (c->nt == 2) {
                K->wsum2(sf + ix[0] * inner, sf + ix[1] * inner, df, inner, wt[0], wt[1]);
            } else {
                const float *src[4] = {sf + ix[0] * inner, sf + ix[1] * inner, sf + ix[2] * inner,
                                       sf + ix[3] * inner};
                K->wsum4(src, wt, df, inner);
            }
        }
    }
}

/* Passes along the innermost axis (inner == 1): one range item is a whole
 * row of out_len outputs, gathered with typed loops. */
static void pass_range_last(void *ctx, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const pass_ctx *c = ctx;
    const int64_t L = c->out_len, nt = c->nt;
    const size_t es = c->es;
    for (int64_t ob = b; ob < e; ob++) {
        char *d = c->dst + (size_t)(ob * L) * es;
        const char *s = c->src + (size_t)(ob * c->in_len) * es;
        if (nt == 1 && es == 4) {
            for (int64_t o = 0; o < L; o++) ((uint32_t *)d)[o] = ((const uint32_t *)s)[c->idx[o]];
        } else if (nt == 1 && es == 2) {
            for (int64_t o = 0; o < L; o++) ((uint16_t *)d)[o] = ((const uint16_t *)s)[c->idx[o]];
        } else if (nt == 1 && es == 1) {
            for (int64_t o = 0; o < L; o++) d[o] = s[c->idx[o]];
        } else if (nt == 1) {
            for (int64_t o = 0; o < L; o++) memcpy(d + (size_t)o * es, s + (size_t)c->idx[o] * es, es);
        } else {
            float *df = (float *)d;
            const float *sf = (const float *)s;
            const int64_t *ix = c->idx;
            const float *wt = c->w;
            if (nt == 2)
                for (int64_t o = 0; o < L; o++) df[o] = wt[2 * o] * sf[ix[2 * o]] + wt[2 * o + 1] * sf[ix[2 * o + 1]];
            else
                for (int64_t o = 0; o < L; o++)
                    df[o] = wt[4 * o] * sf[ix[4 * o]] + wt[4 * o + 1] * sf[ix[4 * o + 1]] +
                            wt[4 * o + 2] * sf[ix[4 * o + 2]] + wt[4 * o + 3] * sf[ix[4 * o + 3]];
        }
        for (int64_t o = 0; o < L; o++)
            if (c->ext[o]) memcpy(d + (size_t)o * es, c->fill, es);
    }
}

/* Nearest: the whole resize is one gather, y[o0, .., ok] = x[i0(o0), .., ik(ok)],
 * done row by row (all axes but the last), without intermediate buffers. */
typedef struct {
    const oct_resize_spec *s;
    const char *src;
    char *dst;
    size_t es;
    const int64_t *idx[OCT_MAX_RANK];
    const uint8_t *ext[OCT_MAX_RANK];
    int64_t ist[OCT_MAX_RANK];
    int last_ident;
    const void *fill;
} nn_ctx;

static void nn_range(void *ctx, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const nn_ctx *c = ctx;
    const oct_resize_spec *s = c->s;
    const int r = s->rank;
    const int64_t L = s->out[r - 1];
    const int64_t *il = c->idx[r - 1];
    const size_t es = c->es;
    int64_t o[OCT_MAX_RANK] = {0}, rem = b;
    for (int a = r - 2; a >= 0; a--) {
        o[a] = rem % s->out[a];
        rem /= s->out[a];
    }
    for (int64_t row = b; row < e; row++) {
        int64_t off = 0;
        int ext = 0;
        for (int a = 0; a < r - 1; a++) {
            off += c->idx[a][o[a]] * c->ist[a];
            ext |= c->ext[a][o[a]];
        }
        char *d = c->dst + (size_t)(row * L) * es;
        const char *sr = c->src + (size_t)off * es;
        if (ext) {
            for (int64_t j = 0; j < L; j++) memcpy(d + (size_t)j * es, c->fill, es);
        } else if (c->last_ident) {
            memcpy(d, sr, (size_t)L * es);
        } else {
            switch (es) {
            case 4: for (int64_t j = 0; j < L; j++) ((uint32_t *)d)[j] = ((const uint32_t *)sr)[il[j]]; break;
            case 2: for (int64_t j = 0; j < L; j++) ((uint16_t *)d)[j] = ((const uint16_t *)sr)[il[j]]; break;
            case 1: for (int64_t j = 0; j < L; j++) d[j] = sr[il[j]]; break;
            default: for (int64_t j = 0; j < L; j++) memcpy(d + (size_t)j * es, sr + (size_t)il[j] * es, es);
            }
            const uint8_t *el = c->ext[r - 1];
            for (int64_t j = 0; j < L; j++)
                if (el[j]) memcpy(d + (size_t)j * es, c->fill, es);
        }
        for (int a = r - 2; a >= 0; a--) {
            if (++o[a] < s->out[a]) break;
            o[a] = 0;
        }
    }
}

static oct_status nn_run(const oct_resize_spec *s, const oct_tensor *x, oct_tensor *y, const void *fill,
                         oct_pool *pool)
{
    const int r = s->rank;
    int64_t tot = 0;
    for (int a = 0; a < r; a++) tot += s->out[a];
    int64_t *idx = malloc((size_t)(tot + 1) * sizeof *idx);
    float *w = malloc((size_t)(tot + 1) * sizeof *w);
    uint8_t *ext = malloc((size_t)(tot + 1));
    if (!idx || !w || !ext) {
        free(idx);
        free(w);
        free(ext);
        return oct_err(OCT_E_NOMEM, "Resize: out of memory");
    }
    nn_ctx c = {s, x->data, y->data, oct_dtype_size(x->dtype), {0}, {0}, {0}, 0, fill};
    oct_shape_strides(r, x->dims, c.ist);
    int64_t pos = 0;
    for (int a = 0; a < r; a++) {
        int id = axis_taps(s, a, idx + pos, w + pos, ext + pos);
        c.idx[a] = idx + pos;
        c.ext[a] = ext + pos;
        if (a == r - 1) c.last_ident = id;
        pos += s->out[a];
    }
    int64_t rows = oct_shape_numel(r - 1, s->out), L = s->out[r - 1];
    int64_t grain = (1 << 14) / (L > 0 ? L : 1);
    oct_pool_for(pool, rows, grain < 1 ? 1 : grain, nn_range, &c);
    free(idx);
    free(w);
    free(ext);
    return OCT_OK;
}

oct_status oct_resize_run(const oct_resize_spec *s, const oct_tensor *x, oct_tensor *y, oct_pool *pool)
{
    const int r = s->rank, nt = ntaps(s);
    if (oct_tensor_numel(y) == 0) return OCT_OK;
    /* work in f32 for f16 linear/cubic */
    int conv = x->dtype == OCT_DT_F16 && s->mode != OCT_RS_NEAREST;
    oct_dtype wdt = conv ? OCT_DT_F32 : x->dtype;
    size_t es = oct_dtype_size(wdt);
    unsigned char fill[16] = {0};
    oct_dtype_set(wdt, fill, 0, s->extrapolation);
    /* axes in order of increasing out/in ratio (shrink first) */
    int order[OCT_MAX_RANK], na = 0;
    for (int a = 0; a < r; a++) order[na++] = a;
    for (int i = 1; i < na; i++)
        for (int j = i; j > 0; j--) {
            int p = order[j - 1], q = order[j];
            double rp = (double)s->out[p] / (double)(s->in[p] ? s->in[p] : 1);
            double rq = (double)s->out[q] / (double)(s->in[q] ? s->in[q] : 1);
            if (rq < rp || (rq == rp && q > p)) { /* ties: last axes first (cheaper gathers) */
                order[j - 1] = q;
                order[j] = p;
            }
        }
    int64_t cur[OCT_MAX_RANK];
    for (int a = 0; a < r; a++) cur[a] = s->in[a];
    if (oct_tensor_numel(x) == 0) return oct_err(OCT_E_SHAPE, "Resize: empty input with a non-empty output");
    if (s->mode == OCT_RS_NEAREST && r >= 1) return nn_run(s, x, y, fill, pool);
    oct_status st = OCT_OK;
    void *xbuf = NULL, *prev_own = NULL;
    const void *src = x->data;
    if (conv) {
        xbuf = malloc((size_t)oct_tensor_numel(x) * sizeof(float));
        if (!xbuf) return oct_err(OCT_E_NOMEM, "Resize: out of memory");
        oct_f16_to_f32_n(x->data, xbuf, (size_t)oct_tensor_numel(x));
        src = xbuf;
    }
    /* find the axes that need a pass */
    int todo[OCT_MAX_RANK], nd = 0;
    int64_t maxout = 1;
    for (int a = 0; a < r; a++) maxout = s->out[a] > maxout ? s->out[a] : maxout;
    int64_t *idx = malloc((size_t)(maxout * nt) * sizeof *idx);
    float *w = malloc((size_t)(maxout * nt) * sizeof *w);
    uint8_t *ext = malloc((size_t)maxout);
    if (!idx || !w || !ext) {
        st = oct_err(OCT_E_NOMEM, "Resize: out of memory");
        goto done;
    }
    for (int i = 0; i < r; i++)
        if (!axis_taps(s, order[i], idx, w, ext)) todo[nd++] = order[i];
    if (nd == 0) {
        if (conv) oct_f32_to_f16_n(src, y->data, (size_t)oct_tensor_numel(y));
        else memcpy(y->data, src, oct_tensor_nbytes(y));
        goto done;
    }
    for (int i = 0; i < nd; i++) {
        int a = todo[i];
        axis_taps(s, a, idx, w, ext);
        int64_t outer = oct_shape_numel(a, cur), inner = oct_shape_numel(r - a - 1, cur + a + 1);
        cur[a] = s->out[a];
        int last = i == nd - 1;
        void *dst;
        if (last && !conv) {
            dst = y->data;
        } else {
            dst = malloc((size_t)oct_shape_numel(r, cur) * es);
            if (!dst) {
                st = oct_err(OCT_E_NOMEM, "Resize: out of memory");
                goto done;
            }
        }
        pass_ctx c = {src, dst, es, s->in[a], s->out[a], inner, nt, idx, w, ext, fill};
        if (inner == 1) {
            int64_t grain = (1 << 14) / (s->out[a] * nt + 1);
            oct_pool_for(pool, outer, grain < 1 ? 1 : grain, pass_range_last, &c);
        } else {
            int64_t rows = outer * s->out[a], grain = (1 << 14) / (inner * nt + 1);
            oct_pool_for(pool, rows, grain < 1 ? 1 : grain, pass_range, &c);
        }
        free(prev_own);
        prev_own = dst == y->data ? NULL : dst;
        src = dst;
    }
    if (conv) oct_f32_to_f16_n(src, y->data, (size_t)oct_tensor_numel(y));
done:
    free(prev_own);
    free(xbuf);
    free(idx);
    free(w);
    free(ext);
    return st;
}
