/* Einsum (opsets 12..22; newest schema 12): explicit ("ij,jk->ik") and
 * implicit ("ij,jk") forms, ellipsis broadcasting, repeated labels within a
 * term (diagonals), any number of operands (up to 8).
 *
 * Two-operand f32 contractions without diagonals or single-operand sums run
 * as a batched GEMM (operands permuted to [batch, M, K] / [batch, K, N] when
 * their layout is not already usable); everything else runs a generic loop
 * over output elements x contracted labels (threaded over outputs).
 * dtypes: f32, f64, f16, i32, i64. */
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/sgemm.h"
#include "ops/op.h"

#define ES_MAXIN 8
#define ES_NLAB (52 + OCT_MAX_RANK) /* a-z, A-Z, then ellipsis dims */

typedef struct {
    int n_in;
    int rank[ES_MAXIN];
    int lab[ES_MAXIN][OCT_MAX_RANK];
    int out_rank;
    int out_lab[OCT_MAX_RANK];
    int64_t size[ES_NLAB];
    int count[ES_NLAB]; /* occurrences over all input terms */
} es_plan;

static int letter(char c) { return c >= 'a' && c <= 'z' ? c - 'a' : c >= 'A' && c <= 'Z' ? 26 + c - 'A' : -1; }

/* Parse one term into labels; ellipsis dims are numbered from the right
 * (ES: 52 + E - ell + j). Returns the number of labels or -1. */
static int parse_term(const oct_node *n, const char *s, size_t len, int rank, int E, int *lab, int *ell_rank,
                      oct_status *st)
{
    int L = 0, has_ell = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') {
            if (has_ell || i + 2 >= len || s[i + 1] != '.' || s[i + 2] != '.') goto bad;
            has_ell = 1;
            i += 2;
        } else if (letter(s[i]) >= 0) {
            L++;
        } else {
            goto bad;
        }
    }
    int e = has_ell ? rank - L : 0;
    if (rank >= 0 && (e < 0 || (!has_ell && L != rank))) {
        *st = oct_err(OCT_E_SHAPE, "Einsum '%s': term '%.*s' does not match an input of rank %d", n->name, (int)len,
                      s, rank);
        return -1;
    }
    if (rank < 0) e = E; /* output term */
    if (e > E) e = E;
    if (L + (has_ell ? e : 0) > OCT_MAX_RANK) {
        *st = oct_err(OCT_E_UNSUPPORTED, "Einsum '%s': term '%.*s' has more than %d dims", n->name, (int)len, s,
                      OCT_MAX_RANK);
        return -1;
    }
    int k = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') {
            for (int j = 0; j < e; j++) lab[k++] = 52 + E - e + j;
            i += 2;
        } else {
            lab[k++] = letter(s[i]);
        }
    }
    if (ell_rank) *ell_rank = e;
    return k;
bad:
    *st = oct_err(OCT_E_INVALID, "Einsum '%s': bad term '%.*s' in equation", n->name, (int)len, s);
    return -1;
}

static oct_status es_parse(const oct_node *n, const oct_tensor *const *in, es_plan *p)
{
    const char *eq0 = oct_attr_str(n, "equation", NULL);
    if (!eq0) return oct_err(OCT_E_INVALID, "Einsum '%s': attribute equation is required", n->name);
    char eq[256];
    size_t m = 0;
    for (const char *c = eq0; *c; c++)
        if (*c != ' ') {
            if (m + 1 >= sizeof eq) return oct_err(OCT_E_UNSUPPORTED, "Einsum '%s': equation too long", n->name);
            eq[m++] = *c;
        }
    eq[m] = 0;
    memset(p, 0, sizeof *p);
    for (int l = 0; l < ES_NLAB; l++) p->size[l] = -1;
    p->n_in = n->n_in;
    if (n->n_in < 1 || n->n_in > ES_MAXIN)
        return oct_err(OCT_E_UNSUPPORTED, "Einsum '%s': %d operands (1..%d supported)", n->name, n->n_in, ES_MAXIN);
    char *arrow = strstr(eq, "->");
    size_t lhs_len = arrow ? (size_t)(arrow - eq) : m;
    /* first pass: letters per term -> max ellipsis rank E */
    const char *t = eq;
    int E = 0;
    oct_status st = OCT_OK;
    for (int i = 0; i < n->n_in; i++) {
        const char *end = memchr(t, ',', (size_t)(eq + lhs_len - t));
        if (!end) end = eq + lhs_len;
        if (i < n->n_in - 1 && end == eq + lhs_len)
            return oct_err(OCT_E_INVALID, "Einsum '%s': equation has fewer terms than the %d inputs", n->name,
                           n->n_in);
        if (!in[i]) return oct_err(OCT_E_INVALID, "Einsum '%s': input %d is required", n->name, i);
        int lab[OCT_MAX_RANK], e;
        if (parse_term(n, t, (size_t)(end - t), in[i]->rank, OCT_MAX_RANK, lab, &e, &st) < 0) return st;
        if (e > E) E = e;
        t = end + 1;
    }
    if (t - 1 != eq + lhs_len)
        return oct_err(OCT_E_INVALID, "Einsum '%s': equation has more terms than the %d inputs", n->name, n->n_in);
    t = eq;
    for (int i = 0; i < n->n_in; i++) {
        const char *end = memchr(t, ',', (size_t)(eq + lhs_len - t));
        if (!end) end = eq + lhs_len;
        p->rank[i] = parse_term(n, t, (size_t)(end - t), in[i]->rank, E, p->lab[i], NULL, &st);
        if (p->rank[i] < 0) return st;
        for (int d = 0; d < p->rank[i]; d++) {
            int l = p->lab[i][d];
            int64_t sz = in[i]->dims[d];
            p->count[l]++;
            if (p->size[l] < 0 || p->size[l] == 1) p->size[l] = sz;
            else if (sz != p->size[l] && sz != 1)
                return oct_err(OCT_E_SHAPE, "Einsum '%s': label '%c' has sizes %lld and %lld", n->name,
                               l < 26 ? 'a' + l : l < 52 ? 'A' + l - 26 : '.', (long long)p->size[l],
                               (long long)sz);
        }
        t = end + 1;
    }
    if (arrow) {
        const char *r = arrow + 2;
        if (strstr(r, "->")) return oct_err(OCT_E_INVALID, "Einsum '%s': more than one '->'", n->name);
        p->out_rank = parse_term(n, r, strlen(r), -1, E, p->out_lab, NULL, &st);
        if (p->out_rank < 0) return st;
        int seen[ES_NLAB] = {0};
        for (int d = 0; d < p->out_rank; d++) {
            int l = p->out_lab[d];
            if (seen[l]++ || p->size[l] < 0)
                return oct_err(OCT_E_INVALID, "Einsum '%s': output label '%c' is repeated or not in an input",
                               n->name, l < 26 ? 'a' + l : l < 52 ? 'A' + l - 26 : '.');
        }
    } else {
        for (int j = 0; j < E; j++) p->out_lab[p->out_rank++] = 52 + j;
        for (int l = 26; l < 52; l++) /* ASCII order: upper case first */
            if (p->count[l] == 1) p->out_lab[p->out_rank++] = l;
        for (int l = 0; l < 26; l++)
            if (p->count[l] == 1) {
                if (p->out_rank >= OCT_MAX_RANK)
                    return oct_err(OCT_E_UNSUPPORTED, "Einsum '%s': output rank exceeds %d", n->name, OCT_MAX_RANK);
                p->out_lab[p->out_rank++] = l;
            }
    }
    return OCT_OK;
}

static oct_status es_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, ES_MAXIN, n->n_in));
    oct_dtype dt = in[0]->dtype;
    switch (dt) {
    case OCT_DT_F32: case OCT_DT_F64: case OCT_DT_F16: case OCT_DT_I32: case OCT_DT_I64: break;
    default: return oct_op_bad_dtype(n, dt);
    }
    for (int i = 1; i < n->n_in; i++)
        if (in[i]->dtype != dt)
            return oct_err(OCT_E_DTYPE, "Einsum '%s': input %d is %s, input 0 is %s", n->name, i,
                           oct_dtype_name(in[i]->dtype), oct_dtype_name(dt));
    es_plan p;
    OCT_TRY(es_parse(n, in, &p));
    int64_t dims[OCT_MAX_RANK];
    for (int d = 0; d < p.out_rank; d++) dims[d] = p.size[p.out_lab[d]];
    return oct_out_shape(out[0], dt, p.out_rank, dims);
}

/* ---- generic loop ---- */

typedef struct {
    const es_plan *p;
    const oct_tensor *const *in;
    oct_tensor *y;
    int nc;                          /* contracted labels */
    int64_t csize[ES_NLAB];          /* their sizes */
    int64_t ost[ES_MAXIN][OCT_MAX_RANK];  /* per input: stride of each output dim */
    int64_t cst[ES_MAXIN][ES_NLAB];       /* per input: stride of each contracted label */
} es_gen;

static int64_t label_stride(const es_plan *p, const oct_tensor *t, int i, int l)
{
    int64_t s = 0, acc = 1;
    for (int d = p->rank[i] - 1; d >= 0; d--) {
        if (p->lab[i][d] == l && t->dims[d] != 1) s += acc;
        acc *= t->dims[d];
    }
    return s;
}

static void es_gen_range(void *ctx, int64_t b, int64_t e, int tid)
{
    (void)tid;
    es_gen *g = ctx;
    const es_plan *p = g->p;
    const int nin = p->n_in, nc = g->nc;
    const oct_dtype dt = g->y->dtype;
    const int isint = dt == OCT_DT_I32 || dt == OCT_DT_I64;
    for (int64_t o = b; o < e; o++) {
        int64_t base[ES_MAXIN] = {0}, rem = o;
        for (int d = p->out_rank - 1; d >= 0; d--) {
            int64_t sz = p->size[p->out_lab[d]], ix = rem % sz;
            rem /= sz;
            for (int i = 0; i < nin; i++) base[i] += ix * g->ost[i][d];
        }
        double acc = 0;
        int64_t iacc = 0;
        int64_t cidx[ES_NLAB] = {0}, off[ES_MAXIN];
        for (;;) {
            for (int i = 0; i < nin; i++) off[i] = base[i];
            for (int c = 0; c < nc; c++)
                for (int i = 0; i < nin; i++) off[i] += cidx[c] * g->cst[i][c];
            if (dt == OCT_DT_F32) {
                double v = 1;
                for (int i = 0; i < nin; i++) v *= ((const float *)g->in[i]->data)[off[i]];
                acc += v;
            } else if (isint) {
                int64_t v = 1;
                for (int i = 0; i < nin; i++)
                    v *= dt == OCT_DT_I64 ? ((const int64_t *)g->in[i]->data)[off[i]]
                                          : ((const int32_t *)g->in[i]->data)[off[i]];
                iacc += v;
            } else {
                double v = 1;
                for (int i = 0; i < nin; i++) v *= oct_dtype_get(dt, g->in[i]->data, (size_t)off[i]);
                acc += v;
            }
            int c = nc - 1;
            for (; c >= 0; c--) {
                if (++cidx[c] < g->csize[c]) break;
                cidx[c] = 0;
            }
            if (c < 0) break;
        }
        if (dt == OCT_DT_F32) ((float *)g->y->data)[o] = (float)acc;
        else if (dt == OCT_DT_I64) ((int64_t *)g->y->data)[o] = iacc;
        else if (dt == OCT_DT_I32) ((int32_t *)g->y->data)[o] = (int32_t)iacc;
        else oct_dtype_set(dt, g->y->data, (size_t)o, acc);
    }
}

static oct_status es_generic(const es_plan *p, const oct_tensor *const *in, oct_tensor *y, oct_pool *pool)
{
    es_gen *g = calloc(1, sizeof *g);
    if (!g) return oct_err(OCT_E_NOMEM, "Einsum: out of memory");
    g->p = p;
    g->in = in;
    g->y = y;
    int in_out[ES_NLAB] = {0};
    for (int d = 0; d < p->out_rank; d++) in_out[p->out_lab[d]] = 1;
    int64_t work = 1;
    for (int l = 0; l < ES_NLAB; l++)
        if (p->count[l] && !in_out[l]) {
            g->csize[g->nc] = p->size[l];
            for (int i = 0; i < p->n_in; i++) g->cst[i][g->nc] = label_stride(p, in[i], i, l);
            work *= p->size[l];
            g->nc++;
        }
    for (int d = 0; d < p->out_rank; d++)
        for (int i = 0; i < p->n_in; i++) g->ost[i][d] = label_stride(p, in[i], i, p->out_lab[d]);
    int64_t total = oct_tensor_numel(y);
    int empty = 0;
    for (int c = 0; c < g->nc; c++) empty |= g->csize[c] == 0;
    if (empty) {
        memset(y->data, 0, oct_tensor_nbytes(y));
    } else if (total > 0) {
        int64_t grain = (1 << 14) / (work > 0 ? work : 1);
        oct_pool_for(pool, total, grain < 1 ? 1 : grain, es_gen_range, g);
    }
    free(g);
    return OCT_OK;
}

/* ---- batched GEMM path for two f32 operands ---- */

/* Copy t into dst with its dims reordered to follow labels lab[0..n) (each
 * label exactly one dim of t). Returns 1 when t is already in that order
 * (nothing copied). */
static int es_permute(const es_plan *p, int i, const oct_tensor *t, const int *lab, int n, float *dst)
{
    int perm[OCT_MAX_RANK], ident = 1;
    for (int k = 0; k < n; k++)
        for (int d = 0; d < p->rank[i]; d++)
            if (p->lab[i][d] == lab[k]) perm[k] = d;
    for (int k = 0; k < n; k++) ident &= perm[k] == k;
    if (ident || !dst) return ident;
    int64_t st[OCT_MAX_RANK], sst[OCT_MAX_RANK], dims[OCT_MAX_RANK], idx[OCT_MAX_RANK] = {0};
    oct_shape_strides(t->rank, t->dims, st);
    for (int k = 0; k < n; k++) {
        dims[k] = t->dims[perm[k]];
        sst[k] = st[perm[k]];
    }
    int64_t total = oct_tensor_numel(t), inner = n ? dims[n - 1] : 1, is = n ? sst[n - 1] : 0;
    const float *src = t->data;
    for (int64_t o = 0; o < total; o += inner) {
        int64_t off = 0;
        for (int k = 0; k < n - 1; k++) off += idx[k] * sst[k];
        for (int64_t j = 0; j < inner; j++) dst[o + j] = src[off + j * is];
        for (int k = n - 2; k >= 0; k--) {
            if (++idx[k] < dims[k]) break;
            idx[k] = 0;
        }
    }
    return 0;
}

typedef struct {
    const float *A, *B;
    float *C;
    int64_t M, N, K;
    int ta, tb;
} es_bmm;

static void es_bmm_range(void *ctx, int64_t b, int64_t e, int tid)
{
    (void)tid;
    es_bmm *g = ctx;
    for (int64_t i = b; i < e; i++)
        oct_sgemm(g->ta, g->tb, g->M, g->N, g->K, 1.f, g->A + i * g->M * g->K, g->ta ? g->M : g->K,
                  g->B + i * g->K * g->N, g->tb ? g->K : g->N, 0.f, g->C + i * g->M * g->N, g->N, NULL);
}

/* Returns OCT_E_UNSUPPORTED (no message) when the case does not fit. */
static oct_status es_gemm(const es_plan *p, const oct_tensor *const *in, oct_tensor *y, oct_pool *pool)
{
    if (p->n_in != 2 || y->dtype != OCT_DT_F32) return OCT_E_UNSUPPORTED;
    int inA[ES_NLAB] = {0}, inB[ES_NLAB] = {0}, inO[ES_NLAB] = {0};
    for (int i = 0; i < 2; i++)
        for (int d = 0; d < p->rank[i]; d++) {
            int *s = i ? inB : inA;
            if (s[p->lab[i][d]]++) return OCT_E_UNSUPPORTED; /* diagonal */
            if (in[i]->dims[d] != p->size[p->lab[i][d]]) return OCT_E_UNSUPPORTED; /* broadcast */
        }
    for (int d = 0; d < p->out_rank; d++) inO[p->out_lab[d]] = 1;
    int bl[OCT_MAX_RANK], ml[OCT_MAX_RANK], nl[OCT_MAX_RANK], kl[OCT_MAX_RANK], nb = 0, nm = 0, nn = 0, nk = 0;
    int64_t Bt = 1, M = 1, N = 1, K = 1;
    /* batch / m / n in output order; k in A's order */
    for (int d = 0; d < p->out_rank; d++) {
        int l = p->out_lab[d];
        if (inA[l] && inB[l]) { bl[nb++] = l; Bt *= p->size[l]; }
        else if (inA[l]) { ml[nm++] = l; M *= p->size[l]; }
        else { nl[nn++] = l; N *= p->size[l]; }
    }
    for (int d = 0; d < p->rank[0]; d++) {
        int l = p->lab[0][d];
        if (inO[l]) continue;
        if (!inB[l]) return OCT_E_UNSUPPORTED; /* summed over A only */
        kl[nk++] = l;
        K *= p->size[l];
    }
    for (int d = 0; d < p->rank[1]; d++)
        if (!inO[p->lab[1][d]] && !inA[p->lab[1][d]]) return OCT_E_UNSUPPORTED;
    if (K == 0) return OCT_E_UNSUPPORTED; /* the generic path writes zeros */
    if (M * N * K < 512 && Bt * M * N * K < 1 << 16) return OCT_E_UNSUPPORTED; /* tiny: generic is fine */
    /* orders: A as [b, m, k] or [b, k, m]; B as [b, k, n] or [b, n, k]; C as [b, m, n] */
    int la[OCT_MAX_RANK], lat[OCT_MAX_RANK], lb[OCT_MAX_RANK], lbt[OCT_MAX_RANK], lc[OCT_MAX_RANK], q = 0;
    for (int j = 0; j < nb; j++) la[q] = lat[q] = lb[q] = lbt[q] = lc[q] = bl[j], q++;
    for (int j = 0; j < nm; j++) la[q + j] = lat[q + nk + j] = lc[q + j] = ml[j];
    for (int j = 0; j < nk; j++) la[q + nm + j] = lat[q + j] = lb[q + j] = lbt[q + nn + j] = kl[j];
    for (int j = 0; j < nn; j++) lb[q + nk + j] = lbt[q + j] = lc[q + nm + j] = nl[j];
    int ta = 0, tb = 0, ca = 0, cb = 0, cc = 0;
    if (es_permute(p, 0, in[0], la, nb + nm + nk, NULL)) ca = 0;
    else if (es_permute(p, 0, in[0], lat, nb + nm + nk, NULL)) ta = 1;
    else ca = 1;
    if (es_permute(p, 1, in[1], lb, nb + nn + nk, NULL)) cb = 0;
    else if (es_permute(p, 1, in[1], lbt, nb + nn + nk, NULL)) tb = 1;
    else cb = 1;
    /* is C's [b, m, n] order the output order? */
    for (int d = 0; d < p->out_rank; d++) cc |= p->out_lab[d] != lc[d];
    float *bufA = ca ? malloc((size_t)(Bt * M * K) * sizeof(float)) : NULL;
    float *bufB = cb ? malloc((size_t)(Bt * K * N) * sizeof(float)) : NULL;
    float *bufC = cc ? malloc((size_t)(Bt * M * N) * sizeof(float)) : NULL;
    if ((ca && !bufA) || (cb && !bufB) || (cc && !bufC)) {
        free(bufA);
        free(bufB);
        free(bufC);
        return oct_err(OCT_E_NOMEM, "Einsum: out of memory");
    }
    if (ca) es_permute(p, 0, in[0], la, nb + nm + nk, bufA);
    if (cb) es_permute(p, 1, in[1], lb, nb + nn + nk, bufB);
    es_bmm g = {ca ? bufA : in[0]->data, cb ? bufB : in[1]->data, cc ? bufC : y->data, M, N, K, ta, tb};
    oct_status st = OCT_OK;
    if (Bt == 1 || M * N * K >= (int64_t)1 << 18) {
        for (int64_t i = 0; i < Bt && st == OCT_OK; i++)
            st = oct_sgemm(ta, tb, M, N, K, 1.f, g.A + i * M * K, ta ? M : K, g.B + i * K * N, tb ? K : N, 0.f,
                           g.C + i * M * N, N, pool);
    } else {
        oct_pool_for(pool, Bt, 1, es_bmm_range, &g);
    }
    if (st == OCT_OK && cc) {
        /* bufC has dims in lc order; scatter into the output order */
        int64_t ost[OCT_MAX_RANK], st2[ES_NLAB], dims[OCT_MAX_RANK], idx[OCT_MAX_RANK] = {0};
        oct_shape_strides(y->rank, y->dims, ost);
        for (int d = 0; d < p->out_rank; d++) st2[p->out_lab[d]] = ost[d];
        int r = p->out_rank;
        for (int d = 0; d < r; d++) dims[d] = p->size[lc[d]];
        int64_t total = Bt * M * N;
        float *dst = y->data;
        for (int64_t o = 0; o < total; o++) {
            int64_t off = 0;
            for (int d = 0; d < r; d++) off += idx[d] * st2[lc[d]];
            dst[off] = bufC[o];
            for (int d = r - 1; d >= 0; d--) {
                if (++idx[d] < dims[d]) break;
                idx[d] = 0;
            }
        }
    }
    free(bufA);
    free(bufB);
    free(bufC);
    return st;
}

static oct_status es_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex)
{
    es_plan p;
    OCT_TRY(es_parse(n, in, &p));
    oct_pool *pool = ex ? ex->pool : NULL;
    if (oct_tensor_numel(out[0]) == 0) return OCT_OK;
    oct_status st = es_gemm(&p, in, out[0], pool);
    if (st != OCT_E_UNSUPPORTED) return st;
    return es_generic(&p, in, out[0], pool);
}

const oct_op_impl oct_op_Einsum = {
    .infer = es_infer,
    .compute = es_compute,
};
