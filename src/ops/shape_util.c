/* octet — helpers for shape / data-movement / reduction ops (see shape_util.h). */
#include "ops/shape_util.h"

#include <string.h>

#define VR OCT_OPS_VIEW_RANK
#define TILE 32

typedef struct {
    char *dst;
    const char *src;
    size_t es;
    int rank;
    int64_t d[VR], s[VR]; /* coalesced dims and source strides (elements) */
    int64_t ds[VR];       /* destination strides (elements) */
    int p;                /* blocked mode: dim with source stride 1 */
    int64_t nblk;         /* blocked mode: number of TILE blocks along p */
} sc_ctx;

/* Copy n elements from src with element stride st to contiguous dst. */
static void copy_run(char *dst, const char *src, size_t es, int64_t n, int64_t st)
{
    if (st == 1) { memcpy(dst, src, (size_t)n * es); return; }
    switch (es) {
    case 1: { uint8_t *o = (uint8_t *)dst; const uint8_t *i = (const uint8_t *)src;
              for (int64_t j = 0; j < n; j++) o[j] = i[j * st]; } break;
    case 2: { uint16_t *o = (uint16_t *)dst; const uint16_t *i = (const uint16_t *)src;
              for (int64_t j = 0; j < n; j++) o[j] = i[j * st]; } break;
    case 4: { uint32_t *o = (uint32_t *)dst; const uint32_t *i = (const uint32_t *)src;
              for (int64_t j = 0; j < n; j++) o[j] = i[j * st]; } break;
    case 8: { uint64_t *o = (uint64_t *)dst; const uint64_t *i = (const uint64_t *)src;
              for (int64_t j = 0; j < n; j++) o[j] = i[j * st]; } break;
    default:
        for (int64_t j = 0; j < n; j++) memcpy(dst + (size_t)j * es, src + j * st * (int64_t)es, es);
    }
}

/* Rows: every index over dims [0, rank-1) copies one run of d[rank-1]. */
static void rows_range(void *vctx, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const sc_ctx *c = vctx;
    int outer = c->rank - 1;
    int64_t len = c->d[outer], st = c->s[outer];
    int64_t idx[VR];
    int64_t rem = b, soff = 0;
    for (int k = outer - 1; k >= 0; k--) {
        idx[k] = rem % c->d[k];
        rem /= c->d[k];
        soff += idx[k] * c->s[k];
    }
    for (int64_t r = b; r < e; r++) {
        copy_run(c->dst + (size_t)(r * len) * c->es, c->src + soff * (int64_t)c->es, c->es, len, st);
        for (int k = outer - 1; k >= 0; k--) {
            soff += c->s[k];
            if (++idx[k] < c->d[k]) break;
            soff -= idx[k] * c->s[k];
            idx[k] = 0;
        }
    }
}

#define TILE_LOOP(T)                                                                  \
    do {                                                                              \
        T *o = (T *)dst;                                                              \
        const T *i = (const T *)src;                                                  \
        for (int64_t a = a0; a < a1; a++)                                             \
            for (int64_t j = j0; j < j1; j++) o[a * dstp + j] = i[a + j * sst];       \
    } while (0)

/* Blocked: item = (outer index, block along p); the inner pair (p, last) is
 * copied in TILE x TILE tiles (writes contiguous, reads reuse cached lines). */
static void blocked_range(void *vctx, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const sc_ctx *c = vctx;
    int last = c->rank - 1, p = c->p;
    int64_t np = c->d[p], nl = c->d[last];
    int64_t sst = c->s[last], dstp = c->ds[p];
    for (int64_t it = b; it < e; it++) {
        int64_t blk = it % c->nblk, rem = it / c->nblk;
        int64_t soff = 0, doff = 0;
        for (int k = last - 1; k >= 0; k--) {
            if (k == p) continue;
            int64_t ix = rem % c->d[k];
            rem /= c->d[k];
            soff += ix * c->s[k];
            doff += ix * c->ds[k];
        }
        int64_t a0 = blk * TILE, a1 = a0 + TILE < np ? a0 + TILE : np;
        char *dst = c->dst + (size_t)doff * c->es;
        const char *src = c->src + soff * (int64_t)c->es;
        for (int64_t j0 = 0; j0 < nl; j0 += TILE) {
            int64_t j1 = j0 + TILE < nl ? j0 + TILE : nl;
            switch (c->es) {
            case 1: TILE_LOOP(uint8_t); break;
            case 2: TILE_LOOP(uint16_t); break;
            case 4: TILE_LOOP(uint32_t); break;
            case 8: TILE_LOOP(uint64_t); break;
            default: break; /* only 1, 2, 4 and 8 byte elements take this path */
            }
        }
    }
}

void oct_ops_strided_copy(void *dst, const void *src, size_t es, int rank, const int64_t *dims,
                          const int64_t *sstride, oct_pool *pool)
{
    sc_ctx c;
    c.dst = dst;
    c.src = src;
    c.es = es;
    int r = 0;
    for (int i = 0; i < rank; i++) {
        if (dims[i] == 0) return;
        if (dims[i] == 1) continue;
        if (r > 0 && c.s[r - 1] == sstride[i] * dims[i]) {
            c.d[r - 1] *= dims[i];
            c.s[r - 1] = sstride[i];
        } else {
            c.d[r] = dims[i];
            c.s[r] = sstride[i];
            r++;
        }
    }
    if (r == 0) { memcpy(dst, src, es); return; }
    c.rank = r;
    int64_t total = 1;
    for (int k = r - 1; k >= 0; k--) {
        c.ds[k] = total;
        total *= c.d[k];
    }
    int64_t bytes = total * (int64_t)es;
    int64_t grain_bytes = 1 << 16;
    int last = r - 1;
    c.p = -1;
    if (c.s[last] != 1 && c.d[last] >= 8 && (es == 1 || es == 2 || es == 4 || es == 8))
        for (int k = 0; k < last; k++)
            if (c.s[k] == 1 && c.d[k] >= 8) c.p = k;
    if (c.p >= 0) {
        c.nblk = (c.d[c.p] + TILE - 1) / TILE;
        int64_t items = total / c.d[c.p] / c.d[last] * c.nblk;
        int64_t per = (int64_t)TILE * c.d[last] * (int64_t)es;
        int64_t grain = grain_bytes / (per > 0 ? per : 1);
        if (pool && bytes >= 2 * grain_bytes) oct_pool_for(pool, items, grain > 0 ? grain : 1, blocked_range, &c);
        else blocked_range(&c, 0, items, 0);
        return;
    }
    int64_t rows = total / c.d[last];
    int64_t rowb = c.d[last] * (int64_t)es;
    int64_t grain = grain_bytes / rowb;
    if (pool && bytes >= 2 * grain_bytes) oct_pool_for(pool, rows, grain > 0 ? grain : 1, rows_range, &c);
    else rows_range(&c, 0, rows, 0);
}

void oct_ops_permute(void *dst, const void *src, size_t es, int rank, const int64_t *src_dims,
                     const int *perm, oct_pool *pool)
{
    int64_t st[VR], d[VR], s[VR];
    oct_shape_strides(rank, src_dims, st);
    for (int i = 0; i < rank; i++) {
        d[i] = src_dims[perm[i]];
        s[i] = st[perm[i]];
    }
    oct_ops_strided_copy(dst, src, es, rank, d, s, pool);
}

void oct_ops_copy_data(oct_tensor *out, const oct_tensor *t)
{
    size_t nb = oct_tensor_nbytes(t);
    if (nb && out->data != t->data) memmove(out->data, t->data, nb);
}

oct_status oct_ops_norm_axes(const oct_node *n, const int64_t *axes, int count, int rank, int *out,
                             uint32_t *mask)
{
    uint32_t m = 0;
    for (int i = 0; i < count; i++) {
        int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
        if (a < 0 || a >= rank)
            return oct_err(OCT_E_INVALID, "%s: axis %lld is out of range for rank %d", n->op_type,
                           (long long)axes[i], rank);
        if (m & (1u << a))
            return oct_err(OCT_E_INVALID, "%s: axis %lld is repeated", n->op_type, (long long)axes[i]);
        m |= 1u << a;
        if (out) out[i] = (int)a;
    }
    if (mask) *mask = m;
    return OCT_OK;
}

oct_status oct_ops_ints_attr_or_input(const oct_node *n, const oct_tensor *const *in, const char *name,
                                      int attr_until, int input, int64_t *v, int max, int *count)
{
    *count = -1;
    if (n->opset < attr_until) {
        const int64_t *a;
        int c = oct_attr_ints(n, name, &a);
        if (c < 0) return OCT_OK;
        if (c > max) return oct_err(OCT_E_INVALID, "%s: attribute '%s' has %d values, at most %d allowed",
                                    n->op_type, name, c, max);
        for (int i = 0; i < c; i++) v[i] = a[i];
        *count = c;
        return OCT_OK;
    }
    const oct_tensor *t = oct_ops_input(n, in, input);
    if (!t) return OCT_OK;
    if (t->rank > 1)
        return oct_err(OCT_E_INVALID, "%s: input '%s' must be 1-D, got rank %d", n->op_type, name, t->rank);
    oct_status s = oct_tensor_read_ints(t, v, max, count);
    if (s) return oct_err_ctx(s, "%s: input '%s': ", n->op_type, name);
    return OCT_OK;
}

int64_t oct_ops_get_i64(oct_dtype t, const void *data, size_t i)
{
    switch (t) {
    case OCT_DT_U8: return ((const uint8_t *)data)[i];
    case OCT_DT_I8: return ((const int8_t *)data)[i];
    case OCT_DT_U16: return ((const uint16_t *)data)[i];
    case OCT_DT_I16: return ((const int16_t *)data)[i];
    case OCT_DT_I32: return ((const int32_t *)data)[i];
    case OCT_DT_U32: return ((const uint32_t *)data)[i];
    case OCT_DT_I64: return ((const int64_t *)data)[i];
    case OCT_DT_U64: return (int64_t)((const uint64_t *)data)[i];
    case OCT_DT_BOOL: return ((const uint8_t *)data)[i] != 0;
    default: return (int64_t)oct_dtype_get(t, data, i);
    }
}

void oct_ops_set_i64(oct_dtype t, void *data, size_t i, int64_t v)
{
    switch (t) {
    case OCT_DT_U8: ((uint8_t *)data)[i] = (uint8_t)v; break;
    case OCT_DT_I8: ((int8_t *)data)[i] = (int8_t)v; break;
    case OCT_DT_U16: ((uint16_t *)data)[i] = (uint16_t)v; break;
    case OCT_DT_I16: ((int16_t *)data)[i] = (int16_t)v; break;
    case OCT_DT_I32: ((int32_t *)data)[i] = (int32_t)v; break;
    case OCT_DT_U32: ((uint32_t *)data)[i] = (uint32_t)v; break;
    case OCT_DT_I64: ((int64_t *)data)[i] = v; break;
    case OCT_DT_U64: ((uint64_t *)data)[i] = (uint64_t)v; break;
    case OCT_DT_BOOL: ((uint8_t *)data)[i] = v != 0; break;
    default: oct_dtype_set(t, data, i, (double)v);
    }
}

int oct_ops_dtype_is_int(oct_dtype t)
{
    switch (t) {
    case OCT_DT_U8: case OCT_DT_I8: case OCT_DT_U16: case OCT_DT_I16: case OCT_DT_I32:
    case OCT_DT_U32: case OCT_DT_I64: case OCT_DT_U64: case OCT_DT_BOOL: return 1;
    default: return 0;
    }
}

int oct_ops_dtype_is_float(oct_dtype t)
{
    return t == OCT_DT_F16 || t == OCT_DT_BF16 || t == OCT_DT_F32 || t == OCT_DT_F64;
}

oct_status oct_ops_check_storable(const oct_node *n, oct_dtype dt)
{
    return oct_dtype_size(dt) ? OCT_OK : oct_op_bad_dtype(n, dt);
}
