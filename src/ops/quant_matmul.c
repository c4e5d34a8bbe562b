/* octet — the integer MatMul engine of MatMulInteger and QLinearMatMul
 * (numpy.matmul broadcasting, u8 / i8 operands with zero points).
 *
 *   acc[m][n] = sum_k (A[m][k] - za) * (B[k][n] - zb[n])      (int32, wraps)
 *
 * GEMM path (A's zero point per tensor): the integer GEMM computes acc with
 * B' = B - zb as int8 (B itself for symmetric int8 weights); when B - zb
 * does not fit int8 (u8 weights, asymmetric zero points) B' holds two int8
 * halves stacked along K and each row of A is read twice (a GEMM over 2K,
 * exactly the same sums; oct_quant_weights_s8). A constant B is converted
 * and packed once at prepare. Generic path: int32 loops in C (per-row za,
 * OCTET_QUANT=generic). Both give the same acc; the output is acc (int32)
 * or the requantized value of quant_util.h. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ops/quant_util.h"

#define QMM_MAX_K ((int64_t)1 << 24) /* the integer GEMM's limit */

oct_status oct_qmm_param_count(const oct_node *n, const char *what, const oct_tensor *t, const oct_tensor *x,
                               int is_b, const oct_mm_geom *g, int64_t *count)
{
    int64_t cnt = oct_tensor_numel(t), len = is_b ? g->N : g->M;
    *count = 1;
    if (cnt == 1) return OCT_OK;
    if (x->rank >= 2) {
        if (t->rank == 1 && t->dims[0] == len) {
            *count = len;
            return OCT_OK;
        }
        if (t->rank == x->rank && t->rank >= 2) {
            int r = t->rank;
            int64_t last = is_b ? t->dims[r - 1] : t->dims[r - 2], one = is_b ? t->dims[r - 2] : t->dims[r - 1];
            if (last == len && one == 1) {
                int lead = 1, batch_ok = 1;
                for (int i = 0; i < r - 2; i++) {
                    if (t->dims[i] != 1) lead = 0;
                    if (t->dims[i] != x->dims[i]) batch_ok = 0;
                }
                if (lead) {
                    *count = len;
                    return OCT_OK;
                }
                if (batch_ok)
                    return oct_err(OCT_E_UNSUPPORTED, "%s: per-batch %s is not supported", n->op_type, what);
            }
        }
    }
    char buf[96];
    return oct_err(OCT_E_SHAPE, "%s: %s has shape %s; expected a scalar or per-%s values (%lld)", n->op_type, what,
                   oct_shape_str(t->rank, t->dims, buf, sizeof buf), is_b ? "column" : "row", (long long)len);
}

/* ---- prepare ----------------------------------------------------------------------- */

void oct_qmm_prep_free(oct_qmm_prep *p)
{
    if (!p) return;
    oct_qgemm_packed_free(p->pb);
    free(p);
}

oct_status oct_qmm_prepare(oct_node *n, const oct_graph *g, int b_in, int bzp_in, oct_qmm_prep **out)
{
    *out = NULL;
    if (n->n_in <= b_in || n->in[b_in] < 0) return OCT_OK;
    const oct_tensor *B = g->val[n->in[b_in]].constant, *Z = NULL;
    if (!B || !B->data || B->rank < 2 || (B->dtype != OCT_DT_U8 && B->dtype != OCT_DT_I8)) return OCT_OK;
    for (int i = 0; i < B->rank - 2; i++)
        if (B->dims[i] != 1) return OCT_OK;
    int64_t K = B->dims[B->rank - 2], N = B->dims[B->rank - 1], nz = 1;
    if (K == 0 || N == 0 || K > QMM_MAX_K) return OCT_OK;
    if (bzp_in < n->n_in && n->in[bzp_in] >= 0) {
        Z = g->val[n->in[bzp_in]].constant;
        if (!Z || !Z->data || Z->dtype != B->dtype) return OCT_OK; /* run time decides */
        nz = oct_tensor_numel(Z);
        if (nz != 1 && (nz != N || Z->dims[Z->rank - 1] != N)) return OCT_OK; /* infer reports it */
    }
    int32_t *zb = NULL;
    if (Z) {
        zb = malloc((size_t)nz * sizeof *zb);
        if (!zb) return oct_err(OCT_E_NOMEM, "%s: out of memory", n->op_type);
        oct_quant_read_zp(Z, nz, zb);
    }
    int nomem = 0, split = 1;
    int8_t *b8 = oct_quant_weights_s8(B->data, B->dtype, 1, K, N, zb, nz, 0, 0, &split, &nomem);
    free(zb);
    if (!b8) return nomem ? OCT_E_NOMEM : OCT_OK;
    if (split * K > QMM_MAX_K) {
        free(b8);
        return OCT_OK;
    }
    oct_qmm_prep *p = calloc(1, sizeof *p);
    if (p) p->pb = oct_qgemm_pack_b(OCT_QGEMM_AUTO, 0, split * K, N, b8, N);
    free(b8);
    if (!p || !p->pb) {
        oct_qmm_prep_free(p);
        return oct_err(OCT_E_NOMEM, "%s: cannot pack the weights", n->op_type);
    }
    p->K = K;
    p->N = N;
    p->split = split;
    *out = p;
    return OCT_OK;
}

/* ---- run ------------------------------------------------------------------------------ */

/* Output row from the int32 accumulators. */
static void finish_row(const oct_qmm_job *j, const uint32_t *acc, int64_t row)
{
    int64_t N = j->g->N;
    if (j->ydt == OCT_DT_I32) {
        memcpy((int32_t *)j->Y + row * N, acc, (size_t)N * sizeof(int32_t));
        return;
    }
    float lo, hi;
    oct_quant_out_range(j->ydt, j->clamp, j->zo, &lo, &hi);
    for (int64_t c = 0; c < N; c++) {
        float v = (float)(int32_t)acc[c] * j->mult[j->nmult == 1 ? 0 : c];
        int32_t q = oct_quant_rne(v, lo, hi) + j->zo;
        if (j->ydt == OCT_DT_I8) ((int8_t *)j->Y)[row * N + c] = (int8_t)q;
        else ((uint8_t *)j->Y)[row * N + c] = (uint8_t)q;
    }
}

typedef struct generic_ctx {
    const oct_qmm_job *j;
    atomic_int fail;
} generic_ctx;

/* Rows [r0, r1) of the batch-flattened output. */
static void generic_rows(void *ctx_, int64_t r0, int64_t r1, int tid)
{
    (void)tid;
    generic_ctx *ctx = ctx_;
    const oct_qmm_job *j = ctx->j;
    const oct_mm_geom *g = j->g;
    int64_t M = g->M, N = g->N, K = g->K;
    uint32_t *acc = malloc((size_t)(N ? N : 1) * sizeof *acc);
    int32_t *bz = malloc((size_t)(N ? N : 1) * sizeof *bz);
    if (!acc || !bz) {
        free(acc);
        free(bz);
        atomic_store(&ctx->fail, 1);
        return;
    }
    for (int64_t c = 0; c < N; c++) bz[c] = j->zb[j->nzb == 1 ? 0 : c];
    for (int64_t row = r0; row < r1; row++) {
        int64_t idx = row / M, m = row % M, oa, ob;
        oct_mm_batch_offsets(g, idx, &oa, &ob);
        int32_t za = j->za[j->nza == 1 ? 0 : m];
        memset(acc, 0, (size_t)N * sizeof *acc);
        for (int64_t k = 0; k < K; k++) {
            int32_t av = oct_quant_at(j->A, j->adt, oa + m * K + k) - za;
            if (av == 0) continue;
            int64_t b0 = ob + k * N;
            if (j->bdt == OCT_DT_I8) {
                const int8_t *b = (const int8_t *)j->B + b0;
                for (int64_t c = 0; c < N; c++) acc[c] += (uint32_t)(av * (b[c] - bz[c]));
            } else {
                const uint8_t *b = (const uint8_t *)j->B + b0;
                for (int64_t c = 0; c < N; c++) acc[c] += (uint32_t)(av * (b[c] - bz[c]));
            }
        }
        finish_row(j, acc, row);
    }
    free(acc);
    free(bz);
}

static oct_status run_generic(const oct_qmm_job *j, oct_pool *pool)
{
    const oct_mm_geom *g = j->g;
    int64_t rows = g->batch * g->M;
    double work = (double)rows * (double)g->N * (double)(g->K ? g->K : 1);
    generic_ctx ctx;
    ctx.j = j;
    atomic_init(&ctx.fail, 0);
    int64_t grain = work < 65536.0 ? rows : 1;
    oct_pool_for(pool, rows, grain > 0 ? grain : 1, generic_rows, &ctx);
    if (atomic_load(&ctx.fail)) return oct_err(OCT_E_NOMEM, "integer matmul: out of memory");
    return OCT_OK;
}

/* One GEMM of `rows` rows over K (= split * g->K): C (int32 output or float
 * scratch) with the epilogue of the output kind. */
static oct_status gemm_block(const oct_qmm_job *j, const uint8_t *A, int64_t lda, int64_t K, const int8_t *B8,
                             const oct_qgemm_packed *pb, int64_t rows, void *C, oct_pool *pool)
{
    const oct_mm_geom *g = j->g;
    oct_qgemm_args a;
    oct_qgemm_args_init(&a, j->ydt == OCT_DT_I32 ? OCT_QGEMM_OUT_S32 : OCT_QGEMM_OUT_F32);
    a.M = rows;
    a.N = g->N;
    a.K = K;
    a.A = A;
    a.lda = lda;
    a.a_signed = j->adt == OCT_DT_I8;
    a.za = j->za[0];
    a.pb = pb;
    a.B = B8;
    a.ldb = g->N;
    a.C = C;
    a.ldc = g->N;
    if (j->ydt != OCT_DT_I32) {
        a.a_scale = 1.f;
        a.w_scale = j->mult;
        a.per_channel = j->nmult > 1;
    }
    return oct_qgemm_run(&a, pool);
}

typedef struct gemm_scratch {
    int split;
    int64_t blk;  /* rows per block */
    float *tmp;   /* requantized output: blk x N floats */
    uint8_t *a2;  /* split: blk x 2K, each row of A twice */
} gemm_scratch;

/* rows of A (row-major, K columns) -> Y. Requantized outputs go through a
 * block of float rows that stays in L2 (~256 KB) and one rounding pass;
 * split weights read each row of A twice (K then K again). */
static oct_status gemm_rows(const oct_qmm_job *j, const gemm_scratch *w, const uint8_t *A, const int8_t *B8,
                            const oct_qgemm_packed *pb, int64_t rows, void *Y, oct_pool *pool)
{
    int64_t N = j->g->N, K = j->g->K;
    size_t ysz = oct_dtype_size(j->ydt);
    if (j->ydt == OCT_DT_I32 && w->split == 1) return gemm_block(j, A, K, K, B8, pb, rows, Y, pool);
    for (int64_t r0 = 0; r0 < rows; r0 += w->blk) {
        int64_t r = rows - r0 < w->blk ? rows - r0 : w->blk;
        const uint8_t *a = A + r0 * K;
        int64_t lda = K;
        if (w->split == 2) {
            for (int64_t i = 0; i < r; i++) {
                memcpy(w->a2 + i * 2 * K, a + i * K, (size_t)K);
                memcpy(w->a2 + i * 2 * K + K, a + i * K, (size_t)K);
            }
            a = w->a2;
            lda = 2 * K;
        }
        char *y = (char *)Y + (size_t)(r0 * N) * ysz;
        OCT_TRY(gemm_block(j, a, lda, w->split * K, B8, pb, r, j->ydt == OCT_DT_I32 ? (void *)y : (void *)w->tmp, pool));
        if (j->ydt != OCT_DT_I32) oct_quant_round_f32_clamp(w->tmp, r * N, j->zo, j->ydt, j->clamp, y);
    }
    return OCT_OK;
}

static oct_status run_gemm(const oct_qmm_job *j, const int8_t *B8, const oct_qgemm_packed *pb, int split,
                           oct_pool *pool)
{
    const oct_mm_geom *g = j->g;
    size_t ysz = oct_dtype_size(j->ydt);
    int64_t rows = g->b_flat ? g->batch * g->M : g->M;
    gemm_scratch w = {split, 0, NULL, NULL};
    int64_t per_row = (j->ydt != OCT_DT_I32 ? 4 * g->N : 0) + (split == 2 ? 2 * g->K : 0);
    w.blk = per_row ? (256 << 10) / per_row : rows;
    w.blk = w.blk < 14 ? 14 : w.blk / 14 * 14;
    if (w.blk > rows) w.blk = rows;
    if (j->ydt != OCT_DT_I32) w.tmp = malloc((size_t)(w.blk * g->N) * sizeof(float) + 64);
    if (split == 2) w.a2 = malloc((size_t)(w.blk * 2 * g->K) + 64);
    oct_status s = OCT_OK;
    if ((j->ydt != OCT_DT_I32 && !w.tmp) || (split == 2 && !w.a2)) {
        s = oct_err(OCT_E_NOMEM, "integer matmul: out of memory");
    } else if (g->b_flat) {
        s = gemm_rows(j, &w, j->A, B8, pb, rows, j->Y, pool);
    } else {
        for (int64_t idx = 0; idx < g->batch && s == OCT_OK; idx++) {
            int64_t oa, ob;
            oct_mm_batch_offsets(g, idx, &oa, &ob);
            s = gemm_rows(j, &w, (const uint8_t *)j->A + oa, B8 + split * ob, NULL, g->M,
                          (char *)j->Y + (size_t)(idx * g->M * g->N) * ysz, pool);
        }
    }
    free(w.tmp);
    free(w.a2);
    return s;
}

oct_status oct_qmm_run(const oct_qmm_job *j, oct_pool *pool)
{
    const oct_mm_geom *g = j->g;
    if (g->batch == 0 || g->M == 0 || g->N == 0) return OCT_OK;
    oct_quant_algo algo = oct_quant_algo_get();
    if (algo == OCT_QUANT_GENERIC || j->nza != 1 || g->K > QMM_MAX_K) return run_generic(j, pool);
    const oct_qmm_prep *p = j->prep;
    if (p && g->b_flat && p->K == g->K && p->N == g->N) return run_gemm(j, NULL, p->pb, p->split, pool);
    int all_zero = 1;
    for (int64_t c = 0; c < j->nzb; c++) all_zero &= j->zb[c] == 0;
    if (j->bdt == OCT_DT_I8 && all_zero) return run_gemm(j, j->B, NULL, 1, pool);
    /* B - zb as int8 (split in two halves when it does not fit) */
    int64_t nmat = 1;
    for (int i = 0; i < g->nb; i++) nmat *= g->sb[i] ? g->bdims[i] : 1;
    int nomem = 0, split = 1;
    int8_t *b8 = oct_quant_weights_s8(j->B, j->bdt, nmat, g->K, g->N, j->zb, j->nzb, 0, 0, &split, &nomem);
    if (!b8) return nomem ? OCT_E_NOMEM : run_generic(j, pool);
    oct_status s = split * g->K > QMM_MAX_K ? run_generic(j, pool) : run_gemm(j, b8, NULL, split, pool);
    free(b8);
    return s;
}
