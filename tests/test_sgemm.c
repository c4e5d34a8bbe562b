/* SGEMM: every CPU level against a naive double-precision reference, over odd
 * sizes (tails), trans flags, alpha/beta, bias, fused activations, packed
 * operands, the B-panel callback, K/N cache-block boundaries and threading. */
#include <stdint.h>
#include <string.h>

#include "backend/cpu/sgemm.h"
#include "core/cpu.h"
#include "core/pool.h"
#include "test_util.h"

static uint32_t rng = 12345u;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}
static float frand(void) { return (float)((int)(rnd() % 2001) - 1000) / 500.f; }

typedef struct cfg {
    int64_t M, N, K;
    int ta, tb;
    float alpha, beta;
    int bias_kind;
    oct_act act;
    int pack; /* 0 none, 1 pack A, 2 pack B, 3 both, 4 B by callback */
} cfg;

static double act_ref(double x, const oct_act *a)
{
    switch (a->kind) {
    case OCT_ACT_RELU: return x > 0 ? x : 0;
    case OCT_ACT_CLIP: return x < a->alpha ? a->alpha : x > a->beta ? a->beta : x;
    case OCT_ACT_LEAKYRELU: return x < 0 ? a->alpha * x : x;
    default: return x;
    }
}

typedef struct bp_ctx { const float *B; int64_t ldb; int tb; } bp_ctx;

static void bpanel(void *ctx, int64_t k0, int64_t kc, int64_t j0, int nrv, int nr, float *dst)
{
    bp_ctx *c = ctx;
    for (int64_t kk = 0; kk < kc; kk++)
        for (int j = 0; j < nr; j++) {
            float v = 0.f;
            if (j < nrv) v = c->tb ? c->B[(j0 + j) * c->ldb + k0 + kk] : c->B[(k0 + kk) * c->ldb + j0 + j];
            dst[kk * nr + j] = v;
        }
}

/* returns number of mismatches */
static int run_case(const cfg *g, oct_pool *pool)
{
    int64_t M = g->M, N = g->N, K = g->K;
    /* leading dims with padding to catch ld bugs */
    int64_t lda = (g->ta ? M : K) + 3, ldb = (g->tb ? K : N) + 5, ldc = N + 2;
    int64_t arows = g->ta ? K : M, brows = g->tb ? N : K;
    float *A = malloc(sizeof(float) * (size_t)(arows * lda + 1));
    float *B = malloc(sizeof(float) * (size_t)(brows * ldb + 1));
    float *C = malloc(sizeof(float) * (size_t)(M * ldc + 1));
    float *C0 = malloc(sizeof(float) * (size_t)(M * ldc + 1));
    float *bias = malloc(sizeof(float) * (size_t)(M + N + 1));
    for (int64_t i = 0; i < arows * lda; i++) A[i] = frand();
    for (int64_t i = 0; i < brows * ldb; i++) B[i] = frand();
    for (int64_t i = 0; i < M * ldc; i++) C0[i] = C[i] = frand();
    for (int64_t i = 0; i < M + N; i++) bias[i] = frand();

    oct_sgemm_args a;
    oct_sgemm_args_init(&a);
    a.M = M; a.N = N; a.K = K;
    a.alpha = g->alpha; a.beta = g->beta;
    a.A = A; a.lda = lda; a.transA = g->ta;
    a.B = B; a.ldb = ldb; a.transB = g->tb;
    a.C = C; a.ldc = ldc;
    a.bias = bias; a.bias_kind = (oct_sgemm_bias)g->bias_kind;
    a.act = g->act;
    oct_sgemm_packed *pa = NULL, *pb = NULL;
    bp_ctx bc = {B, ldb, g->tb};
    if (g->pack == 1 || g->pack == 3) { pa = oct_sgemm_pack_a(g->ta, M, K, A, lda); a.pa = pa; a.A = NULL; }
    if (g->pack == 2 || g->pack == 3) { pb = oct_sgemm_pack_b(g->tb, K, N, B, ldb); a.pb = pb; a.B = NULL; }
    if (g->pack == 4) { a.bpanel = bpanel; a.bctx = &bc; a.B = NULL; }
    oct_status st = oct_sgemm_run(&a, pool);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());

    int bad = 0;
    for (int64_t i = 0; i < M && !bad; i++) {
        for (int64_t j = 0; j < N; j++) {
            double s = 0, mag = 0;
            for (int64_t k = 0; k < K; k++) {
                double x = g->ta ? A[k * lda + i] : A[i * lda + k];
                double y = g->tb ? B[j * ldb + k] : B[k * ldb + j];
                s += x * y;
                mag += fabs(x * y);
            }
            double r = g->alpha * s;
            if (g->beta != 0.f) r += g->beta * (double)C0[i * ldc + j];
            if (g->bias_kind == OCT_SGEMM_BIAS_ROW) r += bias[i];
            if (g->bias_kind == OCT_SGEMM_BIAS_COL) r += bias[j];
            r = act_ref(r, &g->act);
            double tol = 2e-5 * (fabs(g->alpha) * mag + fabs(g->beta * C0[i * ldc + j]) + 4.0) + 1e-6;
            if (fabs(r - C[i * ldc + j]) > tol) {
                fprintf(stderr, "  level %s M=%lld N=%lld K=%lld ta=%d tb=%d a=%g b=%g bias=%d act=%d pack=%d: "
                        "C[%lld,%lld]=%g want %g\n", oct_cpu_level_name(oct_cpu_level_get()),
                        (long long)M, (long long)N, (long long)K, g->ta, g->tb, g->alpha, g->beta,
                        g->bias_kind, g->act.kind, g->pack, (long long)i, (long long)j, C[i * ldc + j], r);
                bad = 1;
                break;
            }
        }
    }
    /* padding columns of C must be untouched */
    for (int64_t i = 0; i < M && !bad; i++)
        for (int64_t j = N; j < ldc; j++)
            if (C[i * ldc + j] != C0[i * ldc + j]) { fprintf(stderr, "  wrote past N\n"); bad = 1; break; }
    CHECK(!bad);
    oct_sgemm_packed_free(pa);
    oct_sgemm_packed_free(pb);
    free(A); free(B); free(C); free(C0); free(bias);
    return bad;
}

static const int64_t sizes[] = {1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 15, 16, 17, 23, 24, 25,
                                31, 32, 33, 36, 47, 48, 49, 63, 64, 65, 70};
#define NSIZES ((int)(sizeof sizes / sizeof sizes[0]))

static void random_cfg(cfg *g)
{
    static const float alphas[] = {1.f, 0.5f, -1.5f, 2.f};
    static const float betas[] = {0.f, 1.f, 0.25f, -1.f};
    g->M = sizes[rnd() % NSIZES];
    g->N = sizes[rnd() % NSIZES];
    g->K = sizes[rnd() % NSIZES];
    g->ta = (int)(rnd() & 1);
    g->tb = (int)(rnd() & 1);
    g->alpha = alphas[rnd() % 4];
    g->beta = betas[rnd() % 4];
    g->bias_kind = (int)(rnd() % 3);
    g->act.kind = (oct_act_kind)(rnd() % 4);
    g->act.alpha = g->act.kind == OCT_ACT_CLIP ? -0.5f : 0.1f;
    g->act.beta = 0.75f;
    g->pack = (int)(rnd() % 5);
}

int main(void)
{
    oct_pool *pool = oct_pool_new(2);
    const oct_cpu_features *f = oct_cpu_detect();
    int max_level = f->avx512f && f->avx512bw && f->avx512dq && f->avx512vl ? 2 : f->avx2 && f->fma ? 1 : 0;
    for (int lvl = 0; lvl <= max_level; lvl++) {
        oct_cpu_level_set((oct_cpu_level)lvl);
        printf("level %s\n", oct_cpu_level_name(oct_cpu_level_get()));
        int fails = 0;
        /* all size triples of a small set, plain */
        static const int64_t small[] = {1, 2, 5, 12, 13, 17, 33};
        for (int i = 0; i < 7; i++)
            for (int j = 0; j < 7; j++)
                for (int k = 0; k < 7; k++) {
                    cfg g = {small[i], small[j], small[k], 0, 0, 1.f, 0.f, 0, {OCT_ACT_NONE, 0, 0}, 0};
                    fails += run_case(&g, NULL);
                }
        /* random configurations */
        for (int t = 0; t < 600; t++) {
            cfg g;
            random_cfg(&g);
            fails += run_case(&g, (t & 1) ? pool : NULL);
        }
        /* zero sizes and K == 0 (C = act(beta C + bias)) */
        cfg z = {0, 5, 3, 0, 0, 1.f, 0.f, 0, {OCT_ACT_NONE, 0, 0}, 0};
        fails += run_case(&z, NULL);
        z.M = 5; z.N = 0;
        fails += run_case(&z, NULL);
        z.N = 7; z.K = 0; z.beta = 0.5f; z.bias_kind = OCT_SGEMM_BIAS_COL; z.act.kind = OCT_ACT_RELU;
        fails += run_case(&z, NULL);
        /* cross the KC (512) and NC (2048) blocks, threaded and not */
        cfg big[] = {
            {130, 800, 1100, 0, 0, 1.f, 0.f, OCT_SGEMM_BIAS_ROW, {OCT_ACT_RELU, 0, 0}, 0},
            {77, 2601, 390, 1, 1, 0.5f, 1.f, OCT_SGEMM_BIAS_COL, {OCT_ACT_NONE, 0, 0}, 2},
            {300, 70, 800, 0, 1, 1.f, 0.5f, 0, {OCT_ACT_CLIP, -1.f, 1.f}, 1},
            {200, 1, 300, 0, 0, 1.f, 0.f, OCT_SGEMM_BIAS_ROW, {OCT_ACT_NONE, 0, 0}, 0},
            {1, 900, 500, 0, 0, 1.f, 0.f, OCT_SGEMM_BIAS_COL, {OCT_ACT_LEAKYRELU, 0.1f, 0}, 2},
            {64, 784, 288, 0, 0, 1.f, 0.f, OCT_SGEMM_BIAS_ROW, {OCT_ACT_RELU, 0, 0}, 4},
        };
        for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
            fails += run_case(&big[i], NULL);
            fails += run_case(&big[i], pool);
        }
        printf("  %d failing cases\n", fails);
    }
    /* a packed operand keeps its level; mixing levels is rejected */
    if (max_level > 0) {
        float A[4] = {1, 2, 3, 4}, B[4] = {1, 0, 0, 1}, C[4];
        oct_cpu_level_set(OCT_CPU_SCALAR);
        oct_sgemm_packed *pa = oct_sgemm_pack_a(0, 2, 2, A, 2);
        oct_cpu_level_set((oct_cpu_level)max_level);
        oct_sgemm_packed *pb = oct_sgemm_pack_b(0, 2, 2, B, 2);
        oct_sgemm_args a;
        oct_sgemm_args_init(&a);
        a.M = a.N = a.K = 2;
        a.pa = pa;
        a.B = B;
        a.ldb = 2;
        a.C = C;
        a.ldc = 2;
        CHECK(oct_sgemm_run(&a, NULL) == OCT_OK);
        CHECK(C[0] == 1 && C[1] == 2 && C[2] == 3 && C[3] == 4);
        a.pb = pb;
        a.B = NULL;
        CHECK(oct_sgemm_run(&a, NULL) == OCT_E_INVALID);
        oct_sgemm_packed_free(pa);
        oct_sgemm_packed_free(pb);
    }
    oct_pool_free(pool);
    oct_sgemm_scratch_release();
    TEST_DONE();
}
