/* Shared geometry and kernels of the pooling ops (see pool_common.h). */
#include "ops/pool_common.h"

#include "ops/pn_kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static oct_status read_ints(const oct_node *n, const char *name, int want, int64_t def, int64_t minv,
                            int64_t *v)
{
    const int64_t *a;
    int cnt = oct_attr_ints(n, name, &a);
    if (cnt < 0) {
        for (int i = 0; i < want; i++) v[i] = def;
        return OCT_OK;
    }
    if (cnt != want)
        return oct_err(OCT_E_INVALID, "%s '%s': %s has %d values, expected %d", n->op_type, n->name, name,
                       cnt, want);
    for (int i = 0; i < want; i++) {
        if (a[i] < minv || a[i] > (int64_t)1 << 40)
            return oct_err(OCT_E_INVALID, "%s '%s': %s[%d] = %lld is out of range", n->op_type, n->name,
                           name, i, (long long)a[i]);
        v[i] = a[i];
    }
    return OCT_OK;
}

oct_status oct_pooling_geom_init(const oct_node *n, const oct_tensor *x, const oct_pooling_opts *o,
                                 oct_pooling_geom *g)
{
    if (x->rank < 3)
        return oct_err(OCT_E_SHAPE, "%s '%s': input must have rank >= 3 (N, C, spatial...), got rank %d",
                       n->op_type, n->name, x->rank);
    if (x->rank > 5)
        return oct_err(OCT_E_UNSUPPORTED, "%s '%s': %d spatial dimensions (at most 3 are supported)",
                       n->op_type, n->name, x->rank - 2);
    int nsp = x->rank - 2;
    int64_t k[3], s[3], d[3], pads[6];
    if (!oct_node_attr(n, "kernel_shape"))
        return oct_err(OCT_E_INVALID, "%s '%s': attribute kernel_shape is required", n->op_type, n->name);
    OCT_TRY(read_ints(n, "kernel_shape", nsp, 1, 1, k));
    OCT_TRY(read_ints(n, "strides", nsp, 1, 1, s));
    OCT_TRY(read_ints(n, "dilations", nsp, 1, 1, d));
    OCT_TRY(read_ints(n, "pads", 2 * nsp, 0, 0, pads));
    if (!o->allow_dilations)
        for (int i = 0; i < nsp; i++)
            if (d[i] != 1)
                return oct_err(OCT_E_UNSUPPORTED, "%s '%s': dilations are not supported at opset %d",
                               n->op_type, n->name, n->opset);
    int64_t ceil_mode = o->allow_ceil ? oct_attr_int(n, "ceil_mode", 0) : 0;
    if (ceil_mode != 0 && ceil_mode != 1)
        return oct_err(OCT_E_INVALID, "%s '%s': ceil_mode must be 0 or 1, got %lld", n->op_type, n->name,
                       (long long)ceil_mode);
    const char *ap = oct_attr_str(n, "auto_pad", "NOTSET");
    int mode;
    if (!strcmp(ap, "NOTSET") || !*ap) mode = 0;
    else if (!strcmp(ap, "SAME_UPPER")) mode = 1;
    else if (!strcmp(ap, "SAME_LOWER")) mode = 2;
    else if (!strcmp(ap, "VALID")) mode = 3;
    else return oct_err(OCT_E_INVALID, "%s '%s': unknown auto_pad '%s'", n->op_type, n->name, ap);

    memset(g, 0, sizeof *g);
    g->nsp = nsp;
    g->n = x->dims[0];
    g->c = x->dims[1];
    for (int j = 0; j < 3; j++) {
        g->in[j] = g->out[j] = g->k[j] = g->s[j] = g->d[j] = 1;
        g->pb[j] = g->pe[j] = 0;
    }
    for (int i = 0; i < nsp; i++) {
        int j = 3 - nsp + i;
        int64_t in = x->dims[2 + i], ek = (k[i] - 1) * d[i] + 1, out, pb = 0, pe = 0;
        if (in < 0) return oct_err(OCT_E_SHAPE, "%s '%s': unknown input dimension", n->op_type, n->name);
        if (mode == 0) {
            pb = pads[i];
            pe = pads[i + nsp];
            if (pb >= ek || pe >= ek)
                return oct_err(OCT_E_INVALID, "%s '%s': pads (%lld, %lld) on spatial axis %d must be smaller "
                               "than the kernel extent %lld", n->op_type, n->name, (long long)pb,
                               (long long)pe, i, (long long)ek);
            int64_t span = in + pb + pe - ek;
            if (span < 0)
                return oct_err(OCT_E_SHAPE, "%s '%s': kernel extent %lld on spatial axis %d is larger than "
                               "the padded input (%lld)", n->op_type, n->name, (long long)ek, i,
                               (long long)(in + pb + pe));
            if (ceil_mode) {
                out = (span + s[i] - 1) / s[i] + 1;
                /* the last window must start inside the input or the leading pad */
                if ((out - 1) * s[i] >= in + pb) out--;
            } else {
                out = span / s[i] + 1;
            }
        } else if (mode == 3) {
            if (in < ek)
                return oct_err(OCT_E_SHAPE, "%s '%s': kernel extent %lld on spatial axis %d is larger than "
                               "the input (%lld) with auto_pad VALID", n->op_type, n->name, (long long)ek, i,
                               (long long)in);
            out = (in - ek) / s[i] + 1;
        } else {
            out = (in + s[i] - 1) / s[i];
            int64_t total = (out - 1) * s[i] + ek - in;
            if (total < 0) total = 0;
            if (mode == 1) { pb = total / 2; pe = total - pb; }
            else { pe = total / 2; pb = total - pe; }
        }
        g->in[j] = in;
        g->out[j] = out;
        g->k[j] = k[i];
        g->s[j] = s[i];
        g->d[j] = d[i];
        g->pb[j] = pb;
        g->pe[j] = pe;
    }
    g->in_plane = g->in[0] * g->in[1] * g->in[2];
    g->out_plane = g->out[0] * g->out[1] * g->out[2];
    return OCT_OK;
}

void oct_pooling_out_dims(const oct_pooling_geom *g, int64_t *dims)
{
    dims[0] = g->n;
    dims[1] = g->c;
    for (int i = 0; i < g->nsp; i++) dims[2 + i] = g->out[3 - g->nsp + i];
}

oct_status oct_pooling_check_dtype(const oct_node *n, oct_dtype dt, int allow_int)
{
    if (dt == OCT_DT_F32 || dt == OCT_DT_F16) return OCT_OK;
    if (allow_int && (dt == OCT_DT_U8 || dt == OCT_DT_I8)) return OCT_OK;
    return oct_op_bad_dtype(n, dt);
}

/* taps i in [0, k) with lo <= start + i*d < hi */
static int64_t taps_in(int64_t start, int64_t k, int64_t d, int64_t lo, int64_t hi)
{
    int64_t c = 0;
    for (int64_t i = 0; i < k; i++) {
        int64_t p = start + i * d;
        c += p >= lo && p < hi;
    }
    return c;
}

void oct_pooling_plane_ref(const oct_pooling_geom *g, const oct_pooling_args *a, const float *x,
                           float *y, int64_t *idx, int64_t idx_base)
{
    const int64_t *in = g->in;
    for (int64_t o0 = 0; o0 < g->out[0]; o0++)
    for (int64_t o1 = 0; o1 < g->out[1]; o1++)
    for (int64_t o2 = 0; o2 < g->out[2]; o2++) {
        int64_t st0 = o0 * g->s[0] - g->pb[0], st1 = o1 * g->s[1] - g->pb[1], st2 = o2 * g->s[2] - g->pb[2];
        float m = -INFINITY, acc = 0.f;
        int64_t best = -1, cnt = 0;
        for (int64_t i0 = 0; i0 < g->k[0]; i0++) {
            int64_t h0 = st0 + i0 * g->d[0];
            if (h0 < 0 || h0 >= in[0]) continue;
            for (int64_t i1 = 0; i1 < g->k[1]; i1++) {
                int64_t h1 = st1 + i1 * g->d[1];
                if (h1 < 0 || h1 >= in[1]) continue;
                for (int64_t i2 = 0; i2 < g->k[2]; i2++) {
                    int64_t h2 = st2 + i2 * g->d[2];
                    if (h2 < 0 || h2 >= in[2]) continue;
                    int64_t off = (h0 * in[1] + h1) * in[2] + h2;
                    float v = x[off];
                    cnt++;
                    switch (a->kind) {
                    case OCT_POOLING_MAX:
                        if (best < 0 || v > m) {
                            m = v;
                            best = a->storage_order ? h0 + h1 * in[0] + h2 * in[0] * in[1] : off;
                        }
                        break;
                    case OCT_POOLING_AVG: acc += v; break;
                    case OCT_POOLING_LP: acc += powf(fabsf(v), a->p); break;
                    }
                }
            }
        }
        int64_t o = (o0 * g->out[1] + o1) * g->out[2] + o2;
        switch (a->kind) {
        case OCT_POOLING_MAX:
            y[o] = m;
            if (idx) idx[o] = idx_base + (best < 0 ? 0 : best);
            break;
        case OCT_POOLING_AVG:
            if (a->count_include_pad)
                cnt = taps_in(st0, g->k[0], g->d[0], -g->pb[0], in[0] + g->pe[0]) *
                      taps_in(st1, g->k[1], g->d[1], -g->pb[1], in[1] + g->pe[1]) *
                      taps_in(st2, g->k[2], g->d[2], -g->pb[2], in[2] + g->pe[2]);
            y[o] = cnt ? acc / (float)cnt : 0.f;
            break;
        case OCT_POOLING_LP:
            y[o] = a->p == 2.f ? sqrtf(acc) : a->p == 1.f ? acc : powf(acc, 1.f / a->p);
            break;
        }
    }
}

/* ---- fast separable 1-D / 2-D kernel ---- */

static int64_t row_len(const oct_pooling_geom *g)
{
    int64_t span = (g->out[2] - 1) * g->s[2] + (g->k[2] - 1) * g->d[2] + 1;
    int64_t need = g->pb[2] + g->in[2];
    return span > need ? span : need;
}

int64_t oct_pooling_scratch2d(const oct_pooling_geom *g)
{
    if (g->nsp > 2) return 0;
    return row_len(g) + 2 * g->out[2] + 16;
}

int oct_pooling_plane_2d(const oct_pooling_geom *g, const oct_pooling_args *a, const float *x, float *y,
                         float *scratch)
{
    if (g->nsp > 2 || (a->kind != OCT_POOLING_MAX && a->kind != OCT_POOLING_AVG)) return 0;
    const oct_pn_kernels *K = oct_pn_kernels_get();
    const int64_t H = g->in[1], W = g->in[2], OH = g->out[1], OW = g->out[2];
    const int64_t kh = g->k[1], kw = g->k[2], sh = g->s[1], sw = g->s[2], dh = g->d[1], dw = g->d[2];
    const int64_t pt = g->pb[1], pl = g->pb[2];
    const int64_t rl = row_len(g);
    float *row = scratch, *cin = scratch + rl, *cpad = cin + OW;
    const int is_max = a->kind == OCT_POOLING_MAX;
    if (!is_max)
        for (int64_t o = 0; o < OW; o++) { /* reciprocal column tap counts */
            int64_t st = o * sw - pl, ci = taps_in(st, kw, dw, 0, W), cp = taps_in(st, kw, dw, -pl, W + g->pe[2]);
            cin[o] = ci ? 1.f / (float)ci : 0.f;
            cpad[o] = cp ? 1.f / (float)cp : 0.f;
        }
    const float fill = is_max ? -INFINITY : 0.f;
    for (int64_t j = 0; j < pl; j++) row[j] = fill;
    for (int64_t j = pl + W; j < rl; j++) row[j] = fill;
    float *r = row + pl;
    for (int64_t oh = 0; oh < OH; oh++) {
        int64_t h0 = oh * sh - pt, rows_in = 0, rows_pad = 0;
        for (int64_t i = 0; i < kh; i++) {
            int64_t h = h0 + i * dh;
            rows_pad += h >= -pt && h < H + g->pe[1];
            if (h < 0 || h >= H) continue;
            const float *xr = x + h * W;
            if (rows_in == 0) memcpy(r, xr, (size_t)W * sizeof *r);
            else if (is_max) K->vmax(xr, r, W);
            else K->vadd(xr, r, W);
            rows_in++;
        }
        if (rows_in == 0)
            for (int64_t w = 0; w < W; w++) r[w] = fill;
        float *yr = y + oh * OW;
        if (is_max) {
            K->hmax(row, yr, OW, kw, sw, dw);
        } else {
            K->hsum(row, yr, OW, kw, sw, dw);
            int64_t rows = a->count_include_pad ? rows_pad : rows_in;
            K->scale2(yr, OW, rows ? 1.f / (float)rows : 0.f, a->count_include_pad ? cpad : cin);
        }
    }
    return 1;
}

/* ---- driver: threads over planes, converts non-f32 planes ---- */

typedef struct {
    const oct_pooling_geom *g;
    const oct_pooling_args *a;
    const oct_tensor *x;
    oct_tensor *y;
    int64_t *idx;
    float *scratch;
    int64_t per_thread;
    int fast;
} run_ctx;

static void to_f32(oct_dtype dt, const void *src, float *dst, int64_t n)
{
    switch (dt) {
    case OCT_DT_F16: oct_f16_to_f32_n(src, dst, (size_t)n); break;
    case OCT_DT_U8: for (int64_t i = 0; i < n; i++) dst[i] = ((const uint8_t *)src)[i]; break;
    case OCT_DT_I8: for (int64_t i = 0; i < n; i++) dst[i] = ((const int8_t *)src)[i]; break;
    default: break;
    }
}

static void from_f32(oct_dtype dt, const float *src, void *dst, int64_t n)
{
    switch (dt) {
    case OCT_DT_F16: oct_f32_to_f16_n(src, dst, (size_t)n); break;
    case OCT_DT_U8:
        for (int64_t i = 0; i < n; i++) {
            float v = nearbyintf(src[i]);
            ((uint8_t *)dst)[i] = (uint8_t)(v < 0.f ? 0.f : v > 255.f ? 255.f : v);
        }
        break;
    case OCT_DT_I8:
        for (int64_t i = 0; i < n; i++) {
            float v = nearbyintf(src[i]);
            ((int8_t *)dst)[i] = (int8_t)(v < -128.f ? -128.f : v > 127.f ? 127.f : v);
        }
        break;
    default: break;
    }
}

static void run_range(void *ctx, int64_t b, int64_t e, int tid)
{
    run_ctx *c = ctx;
    const oct_pooling_geom *g = c->g;
    oct_dtype dt = c->x->dtype;
    size_t es = oct_dtype_size(dt);
    float *sc = c->scratch ? c->scratch + (int64_t)tid * c->per_thread : NULL;
    for (int64_t p = b; p < e; p++) {
        const float *xp;
        float *yp;
        float *work = sc;
        if (dt == OCT_DT_F32) {
            xp = (const float *)c->x->data + p * g->in_plane;
            yp = (float *)c->y->data + p * g->out_plane;
        } else {
            float *xb = sc, *yb = sc + g->in_plane;
            to_f32(dt, (const char *)c->x->data + (size_t)(p * g->in_plane) * es, xb, g->in_plane);
            xp = xb;
            yp = yb;
            work = yb + g->out_plane;
        }
        if (!(c->fast && !c->idx && oct_pooling_plane_2d(g, c->a, xp, yp, work)))
            oct_pooling_plane_ref(g, c->a, xp, yp, c->idx ? c->idx + p * g->out_plane : NULL,
                                  p * g->in_plane);
        if (dt != OCT_DT_F32)
            from_f32(dt, yp, (char *)c->y->data + (size_t)(p * g->out_plane) * es, g->out_plane);
    }
}

oct_status oct_pooling_run(const oct_pooling_geom *g, const oct_pooling_args *a, const oct_tensor *x,
                           oct_tensor *y, oct_tensor *indices, const oct_exec *ex)
{
    int64_t planes = g->n * g->c;
    if (planes <= 0 || g->out_plane <= 0) return OCT_OK;
    run_ctx c = {g, a, x, y, indices ? indices->data : NULL, NULL, 0, 0};
    c.fast = !indices && g->nsp <= 2 && (a->kind == OCT_POOLING_MAX || a->kind == OCT_POOLING_AVG);
    c.per_thread = (c.fast ? oct_pooling_scratch2d(g) : 0) +
                   (x->dtype != OCT_DT_F32 ? g->in_plane + g->out_plane : 0);
    int nt = ex ? oct_pool_size(ex->pool) : 1;
    if (c.per_thread > 0) {
        c.scratch = malloc((size_t)(c.per_thread * nt) * sizeof(float));
        if (!c.scratch) return oct_err(OCT_E_NOMEM, "pooling: out of memory for scratch");
    }
    int64_t work = g->out_plane * g->k[0] * g->k[1] * g->k[2] + g->in_plane;
    int64_t grain = (1 << 16) / (work > 0 ? work : 1);
    oct_pool_for(ex ? ex->pool : NULL, planes, grain < 1 ? 1 : grain, run_range, &c);
    free(c.scratch);
    return OCT_OK;
}

/* ---- global pools ---- */

typedef struct {
    oct_pooling_kind kind;
    float p;
    const oct_tensor *x;
    oct_tensor *y;
    int64_t plane;
    float *scratch;
} global_ctx;

static float global_plane(oct_pooling_kind kind, float p, const float *x, int64_t n)
{
    const oct_pn_kernels *K = oct_pn_kernels_get();
    if (kind == OCT_POOLING_MAX) return K->max(x, n);
    if (kind == OCT_POOLING_AVG) return n ? K->sum(x, n) / (float)n : 0.f;
    float s = 0.f;
    if (p == 2.f) {
        for (int64_t i = 0; i < n; i++) s += x[i] * x[i];
        return sqrtf(s);
    }
    for (int64_t i = 0; i < n; i++) s += powf(fabsf(x[i]), p);
    return p == 1.f ? s : powf(s, 1.f / p);
}

static void global_range(void *ctx, int64_t b, int64_t e, int tid)
{
    global_ctx *c = ctx;
    int64_t S = c->plane;
    for (int64_t i = b; i < e; i++) {
        float v;
        if (c->x->dtype == OCT_DT_F32) {
            v = global_plane(c->kind, c->p, (const float *)c->x->data + i * S, S);
            ((float *)c->y->data)[i] = v;
        } else {
            float *buf = c->scratch + (int64_t)tid * S;
            oct_f16_to_f32_n((const uint16_t *)c->x->data + i * S, buf, (size_t)S);
            v = global_plane(c->kind, c->p, buf, S);
            ((uint16_t *)c->y->data)[i] = oct_f32_to_f16(v);
        }
    }
}

oct_status oct_pooling_global_run(oct_pooling_kind kind, float p, const oct_tensor *x, oct_tensor *y,
                                  const oct_exec *ex)
{
    int64_t planes = x->dims[0] * x->dims[1];
    if (planes <= 0) return OCT_OK;
    global_ctx c = {kind, p, x, y, oct_tensor_numel(x) / planes, NULL};
    oct_pool *pool = ex ? ex->pool : NULL;
    if (x->dtype != OCT_DT_F32) {
        c.scratch = malloc((size_t)(c.plane * oct_pool_size(pool) + 1) * sizeof(float));
        if (!c.scratch) return oct_err(OCT_E_NOMEM, "global pool: out of memory for scratch");
    }
    int64_t grain = (1 << 15) / (c.plane > 0 ? c.plane : 1);
    oct_pool_for(pool, planes, grain < 1 ? 1 : grain, global_range, &c);
    free(c.scratch);
    return OCT_OK;
}

oct_status oct_pooling_global_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    OCT_TRY(oct_pooling_check_dtype(n, in[0]->dtype, 0));
    if (in[0]->rank < 3)
        return oct_err(OCT_E_SHAPE, "%s '%s': input must have rank >= 3 (N, C, spatial...), got rank %d",
                       n->op_type, n->name, in[0]->rank);
    int64_t dims[OCT_MAX_RANK];
    for (int i = 0; i < in[0]->rank; i++) dims[i] = i < 2 ? in[0]->dims[i] : 1;
    return oct_out_shape(out[0], in[0]->dtype, in[0]->rank, dims);
}
