/* QGemm (com.microsoft, opset 1): Y = alpha * A' x B' + C on quantized A, B
 * (A' = transA ? A^T : A, M x K; B' = transB ? B^T : B, K x N):
 *   acc[m][n] = C[m][n] + sum_k (A'[m][k] - a_zp) * (B'[k][n] - b_zp[n])   (int32, wraps)
 *   s[n]      = alpha * a_scale * b_scale[n]   (then / y_scale when quantized; float32, in this order)
 *   Y         = (float)acc * s[n]                                            (no y_scale: float32 output)
 *             = saturate(round_half_to_even((float)acc * s[n]) + y_zp)      (y_scale and y_zero_point)
 * as onnxruntime computes it. A, B uint8 / int8 (zero points of their dtype,
 * scalars, b's may be per column N and omitted), C optional int32
 * broadcastable to (M, N) ((), (N), (1, N), (M, 1), (M, N)), y_scale and
 * y_zero_point both given (Y of y_zero_point's dtype) or both omitted.
 * A fused ReLU / Clip (node->act) clamps a quantized Y in the quantized
 * domain (quant_util.h) or a float Y in float.
 *
 * The integer MatMul engine (quant_matmul.c) computes the sums; a constant B
 * is converted and packed once at load (transB: from a K x N copy of B made
 * there too), a transposed A or non-constant B is transposed per run. */
#include <stdlib.h>
#include <string.h>

#include "ops/quant_util.h"

typedef struct qgemm_state {
    int64_t K, N;
    uint8_t *bt;        /* transB: the constant B as K x N, else NULL */
    oct_qmm_prep *prep; /* constant B packed, or NULL */
} qgemm_state;

typedef struct qgemm_geo {
    int64_t M, N, K;
    int64_t nb;            /* b_scale / b_zero_point values: 1 or N */
    int64_t c_sm, c_sn;    /* C's strides along M and N (0: broadcast) */
    oct_dtype ydt;         /* F32, U8 or I8 */
} qgemm_geo;

static int is_q8(oct_dtype t) { return t == OCT_DT_U8 || t == OCT_DT_I8; }

static oct_status qg_param(const oct_node *n, const char *what, const oct_tensor *t, int is_zp, oct_dtype want,
                           int64_t len, int64_t *count)
{
    *count = 1;
    if (!t) return OCT_OK;
    if (is_zp && t->dtype != want)
        return oct_err(OCT_E_DTYPE, "%s '%s': %s has dtype %s, expected %s", n->op_type, n->name, what,
                       oct_dtype_name(t->dtype), oct_dtype_name(want));
    if (!is_zp && t->dtype != OCT_DT_F32)
        return oct_err(OCT_E_UNSUPPORTED, "%s '%s': %s of dtype %s is not supported (float32)", n->op_type, n->name,
                       what, oct_dtype_name(t->dtype));
    return oct_quant_param_count(n, what, t, len, count);
}

static oct_status qg_check(const oct_node *n, const oct_tensor *const *in, qgemm_geo *g)
{
    OCT_TRY(oct_op_check_arity(n, in, 6, 9, 2));
    if (!in[3] || !in[4])
        return oct_err(OCT_E_INVALID, "%s '%s': inputs B and b_scale are required", n->op_type, n->name);
    OCT_TRY(oct_quant_act_check(n));
    const oct_tensor *A = in[0], *B = in[3], *C = oct_quant_in(n, in, 6), *ys = oct_quant_in(n, in, 7),
                     *yz = oct_quant_in(n, in, 8);
    if (!is_q8(A->dtype)) return oct_op_bad_dtype(n, A->dtype);
    if (!is_q8(B->dtype)) return oct_op_bad_dtype(n, B->dtype);
    if (A->rank != 2 || B->rank != 2)
        return oct_err(OCT_E_SHAPE, "%s '%s': A and B must be 2-D, got ranks %d and %d", n->op_type, n->name, A->rank,
                       B->rank);
    int ta = oct_attr_int(n, "transA", 0) != 0, tb = oct_attr_int(n, "transB", 0) != 0;
    g->M = A->dims[ta ? 1 : 0];
    g->K = A->dims[ta ? 0 : 1];
    g->N = B->dims[tb ? 0 : 1];
    int64_t kb = B->dims[tb ? 1 : 0];
    if (kb != g->K) {
        char b1[64], b2[64];
        return oct_err(OCT_E_SHAPE, "%s '%s': A %s (transA %d) and B %s (transB %d) do not agree on K", n->op_type,
                       n->name, oct_shape_str(2, A->dims, b1, sizeof b1), ta, oct_shape_str(2, B->dims, b2, sizeof b2),
                       tb);
    }
    int64_t c1, c2;
    OCT_TRY(qg_param(n, "a_scale", in[1], 0, A->dtype, 0, &c1));
    OCT_TRY(qg_param(n, "a_zero_point", in[2], 1, A->dtype, 0, &c1));
    OCT_TRY(qg_param(n, "b_scale", in[4], 0, B->dtype, g->N, &c1));
    OCT_TRY(qg_param(n, "b_zero_point", in[5], 1, B->dtype, g->N, &c2));
    if (c2 != 1 && c2 != c1)
        return oct_err(OCT_E_SHAPE, "%s '%s': b_zero_point has %lld values, b_scale %lld", n->op_type, n->name,
                       (long long)c2, (long long)c1);
    g->nb = c1 > c2 ? c1 : c2;
    if (!ys != !yz)
        return oct_err(OCT_E_INVALID, "%s '%s': y_scale and y_zero_point must both be given (quantized Y) or both "
                       "omitted (float Y)", n->op_type, n->name);
    g->ydt = OCT_DT_F32;
    if (yz) {
        if (!is_q8(yz->dtype))
            return oct_err(OCT_E_UNSUPPORTED, "%s '%s': y_zero_point of dtype %s is not supported (uint8 / int8)",
                           n->op_type, n->name, oct_dtype_name(yz->dtype));
        OCT_TRY(qg_param(n, "y_scale", ys, 0, yz->dtype, 0, &c1));
        OCT_TRY(qg_param(n, "y_zero_point", yz, 1, yz->dtype, 0, &c1));
        g->ydt = yz->dtype;
    }
    g->c_sm = g->c_sn = 0;
    if (C) {
        if (C->dtype != OCT_DT_I32)
            return oct_err(OCT_E_DTYPE, "%s '%s': C must be int32, got %s", n->op_type, n->name,
                           oct_dtype_name(C->dtype));
        int64_t cm = C->rank == 2 ? C->dims[0] : 1, cn = C->rank >= 1 ? C->dims[C->rank - 1] : 1;
        if (C->rank > 2 || (cm != 1 && cm != g->M) || (cn != 1 && cn != g->N)) {
            char b1[96];
            return oct_err(OCT_E_SHAPE, "%s '%s': C has shape %s, not broadcastable to (%lld, %lld)", n->op_type,
                           n->name, oct_shape_str(C->rank, C->dims, b1, sizeof b1), (long long)g->M, (long long)g->N);
        }
        g->c_sn = cn == 1 ? 0 : 1;
        g->c_sm = cm == 1 ? 0 : cn;
    }
    return OCT_OK;
}

static oct_status qg_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    qgemm_geo g;
    OCT_TRY(qg_check(n, in, &g));
    int64_t dims[2] = {g.M, g.N};
    return oct_out_shape(out[0], g.ydt, 2, dims);
}

/* rows x cols bytes -> cols x rows */
static void transpose_u8(const uint8_t *src, int64_t rows, int64_t cols, uint8_t *dst)
{
    const int64_t T = 32;
    for (int64_t r0 = 0; r0 < rows; r0 += T)
        for (int64_t c0 = 0; c0 < cols; c0 += T)
            for (int64_t r = r0; r < r0 + T && r < rows; r++)
                for (int64_t c = c0; c < c0 + T && c < cols; c++) dst[c * rows + r] = src[r * cols + c];
}

/* Y from the sums: + C, * s[n], then float or requantized output. */
static void qg_epilogue(const oct_node *n, const qgemm_geo *g, const int32_t *acc, const oct_tensor *C,
                        const float *s, int32_t zo, const int32_t *clamp, void *Y)
{
    const int32_t *c = C ? C->data : NULL;
    float lo = 0.f, hi = 0.f;
    if (g->ydt != OCT_DT_F32) oct_quant_out_range(g->ydt, clamp, zo, &lo, &hi);
    for (int64_t m = 0; m < g->M; m++) {
        const int32_t *ar = acc + m * g->N;
        const int32_t *cr = c ? c + m * g->c_sm : NULL;
        if (g->ydt == OCT_DT_F32) {
            float *y = (float *)Y + m * g->N;
            for (int64_t j = 0; j < g->N; j++) {
                int32_t a = (int32_t)((uint32_t)ar[j] + (cr ? (uint32_t)cr[j * g->c_sn] : 0u));
                y[j] = (float)a * s[g->nb == 1 ? 0 : j];
            }
            oct_act_apply(&n->act, y, g->N);
            continue;
        }
        uint8_t *y = (uint8_t *)Y + m * g->N;
        for (int64_t j = 0; j < g->N; j++) {
            int32_t a = (int32_t)((uint32_t)ar[j] + (cr ? (uint32_t)cr[j * g->c_sn] : 0u));
            y[j] = (uint8_t)(oct_quant_rne((float)a * s[g->nb == 1 ? 0 : j], lo, hi) + zo);
        }
    }
}

static oct_status qg_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex)
{
    qgemm_geo g;
    OCT_TRY(qg_check(n, in, &g));
    if (g.M == 0 || g.N == 0) return OCT_OK;
    const oct_tensor *A = in[0], *B = in[3], *yz = oct_quant_in(n, in, 8);
    int ta = oct_attr_int(n, "transA", 0) != 0, tb = oct_attr_int(n, "transB", 0) != 0;
    const qgemm_state *st = n->state;
    if (st && (st->K != g.K || st->N != g.N)) st = NULL;
    float as, ys = 1.f, alpha = oct_attr_float(n, "alpha", 1.f);
    int32_t za, zo = 0;
    oct_quant_read_scale(in[1], 1, &as);
    oct_quant_read_zp(in[2], 1, &za);
    if (yz) {
        oct_quant_read_scale(in[7], 1, &ys);
        oct_quant_read_zp(yz, 1, &zo);
    }
    size_t mn = (size_t)(g.M * g.N);
    int32_t *acc = malloc(mn * sizeof *acc), *zb = malloc((size_t)g.nb * sizeof *zb);
    float *s = malloc((size_t)g.nb * sizeof *s);
    uint8_t *at = ta && g.K ? malloc((size_t)(g.M * g.K)) : NULL;
    uint8_t *bt = tb && g.K && !(st && st->bt) ? malloc((size_t)(g.K * g.N)) : NULL;
    oct_status res = OCT_OK;
    if (!acc || !zb || !s || (ta && g.K && !at) || (tb && g.K && !(st && st->bt) && !bt)) {
        res = oct_err(OCT_E_NOMEM, "%s '%s': out of memory", n->op_type, n->name);
        goto done;
    }
    oct_quant_read_zp(oct_quant_in(n, in, 5), g.nb, zb);
    oct_quant_read_scale(in[4], g.nb, s);
    for (int64_t j = 0; j < g.nb; j++) {
        s[j] = alpha * as * s[j];
        if (yz) s[j] /= ys;
    }
    if (g.K == 0) {
        memset(acc, 0, mn * sizeof *acc);
    } else {
        const void *a = A->data, *b = B->data;
        if (ta) {
            transpose_u8(A->data, g.K, g.M, at);
            a = at;
        }
        if (tb) {
            if (st && st->bt) {
                b = st->bt;
            } else {
                transpose_u8(B->data, g.N, g.K, bt);
                b = bt;
            }
        }
        oct_mm_geom mg;
        memset(&mg, 0, sizeof mg);
        mg.M = g.M;
        mg.N = g.N;
        mg.K = g.K;
        mg.out_rank = 2;
        mg.out[0] = g.M;
        mg.out[1] = g.N;
        mg.batch = 1;
        mg.b_flat = 1;
        oct_qmm_job j = {
            .g = &mg,
            .A = a,
            .adt = A->dtype,
            .za = &za,
            .nza = 1,
            .B = b,
            .bdt = B->dtype,
            .zb = zb,
            .nzb = g.nb,
            .prep = st ? st->prep : NULL,
            .ydt = OCT_DT_I32,
            .Y = acc,
        };
        res = oct_qmm_run(&j, ex ? ex->pool : NULL);
    }
    if (res == OCT_OK) {
        int32_t clamp[2];
        int has = g.ydt != OCT_DT_F32 && oct_quant_act_clamp(n, ys, zo, g.ydt, clamp);
        qg_epilogue(n, &g, acc, oct_quant_in(n, in, 6), s, zo, has ? clamp : NULL, out[0]->data);
    }
done:
    free(acc);
    free(zb);
    free(s);
    free(at);
    free(bt);
    return res;
}

/* ---- prepare: a constant B (and its zero point) converted and packed once ---- */

static void qg_release(oct_node *n)
{
    qgemm_state *st = n->state;
    if (!st) return;
    oct_qmm_prep_free(st->prep);
    free(st->bt);
    free(st);
    n->state = NULL;
}

/* As oct_qmm_prepare, for B given as K x N bytes. NULL without an error when
 * the integer GEMM cannot take it (the run falls back). */
static oct_status qg_pack(const oct_node *n, const void *b, oct_dtype dt, int64_t K, int64_t N, const oct_tensor *Z,
                          oct_qmm_prep **out)
{
    *out = NULL;
    const int64_t max_k = (int64_t)1 << 24;
    if (K == 0 || N == 0 || K > max_k) return OCT_OK;
    int64_t nz = Z ? oct_tensor_numel(Z) : 1;
    int32_t *zb = NULL;
    if (Z) {
        zb = malloc((size_t)nz * sizeof *zb);
        if (!zb) return oct_err(OCT_E_NOMEM, "%s '%s': out of memory", n->op_type, n->name);
        oct_quant_read_zp(Z, nz, zb);
    }
    int nomem = 0, split = 1;
    int8_t *b8 = oct_quant_weights_s8(b, dt, 1, K, N, zb, nz, 0, 0, &split, &nomem);
    free(zb);
    if (!b8) return nomem ? OCT_E_NOMEM : OCT_OK;
    if (split * K > max_k) {
        free(b8);
        return OCT_OK;
    }
    oct_qmm_prep *p = calloc(1, sizeof *p);
    if (p) p->pb = oct_qgemm_pack_b(OCT_QGEMM_AUTO, 0, split * K, N, b8, N);
    free(b8);
    if (!p || !p->pb) {
        oct_qmm_prep_free(p);
        return oct_err(OCT_E_NOMEM, "%s '%s': cannot pack the weights", n->op_type, n->name);
    }
    p->K = K;
    p->N = N;
    p->split = split;
    *out = p;
    return OCT_OK;
}

static oct_status qg_prepare(oct_node *n, const oct_graph *g)
{
    if (n->n_in < 4 || n->in[3] < 0) return OCT_OK;
    const oct_tensor *B = g->val[n->in[3]].constant, *Z = NULL;
    if (!B || !B->data || B->rank != 2 || !is_q8(B->dtype)) return OCT_OK;
    if (n->n_in > 5 && n->in[5] >= 0) {
        Z = g->val[n->in[5]].constant;
        if (!Z || !Z->data || Z->dtype != B->dtype) return OCT_OK; /* run time decides */
    }
    int tb = oct_attr_int(n, "transB", 0) != 0;
    int64_t K = B->dims[tb ? 1 : 0], N = B->dims[tb ? 0 : 1];
    if (Z && oct_tensor_numel(Z) != 1 && (Z->rank != 1 || Z->dims[0] != N)) return OCT_OK; /* infer reports it */
    qgemm_state *st = calloc(1, sizeof *st);
    if (!st) return oct_err(OCT_E_NOMEM, "%s '%s': out of memory", n->op_type, n->name);
    st->K = K;
    st->N = N;
    n->state = st;
    const void *b = B->data;
    if (tb && K && N) {
        st->bt = malloc((size_t)(K * N));
        if (!st->bt) {
            qg_release(n);
            return oct_err(OCT_E_NOMEM, "%s '%s': out of memory", n->op_type, n->name);
        }
        transpose_u8(B->data, N, K, st->bt);
        b = st->bt;
    }
    oct_status s = qg_pack(n, b, B->dtype, K, N, Z, &st->prep);
    if (s != OCT_OK) qg_release(n);
    return s;
}

const oct_op_impl oct_op_QGemm = {
    .infer = qg_infer,
    .compute = qg_compute,
    .prepare = qg_prepare,
    .release = qg_release,
};
