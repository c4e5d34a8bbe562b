/* octet — SGEMM and Conv benchmark.
 *
 *   gemm_bench [--quick] [--sizes 256,512,1024] [--threads 2] [--mc N] [--kc N] [--nc N] [--conv | --conv-only] [--cpu-time]
 *
 * Reports GFLOP/s of oct_sgemm for M=N=K in {256, 512, 1024} with 1 and 2
 * threads and the fraction of the AVX-512 FP32 peak:
 *   peak = cores x 2 FMA units x 16 lanes x 2 flops x clock
 * The clock is measured (a chain of dependent integer adds, 1 cycle each) and
 * /proc/cpuinfo's "cpu MHz" is printed next to it. An FMA-throughput loop
 * gives the achievable peak (it includes any AVX-512 frequency drop).
 * --conv times the Conv operator on Fashion-MNIST-like layers (batch 64).
 */
#include <stdint.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <immintrin.h>

#include "bench_util.h"
#include "backend/cpu/sgemm.h"
#include "backend/cpu/sgemm_kernels.h"
#include "core/cpu.h"
#include "core/pool.h"
#include "graph/ir.h"
#include "ops/op.h"



/* Wall-clock time; the machine is shared, so every figure is the best
 * (minimum-time) of many repetitions, with the median next to it.
 * --cpu-time: single-thread runs use the thread's CPU time instead (immune
 * to being descheduled by other processes on a busy machine). */
static int use_cputime, cpu_time_1t;

static double now(void)
{
    struct timespec ts;
    clock_gettime(use_cputime ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* 24 independent zmm FMA chains: the achievable single-core FP32 throughput. */
#define FMA24(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) \
    X(12) X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23)
#define FMA_DECL(i) __m512 acc##i = _mm512_set1_ps((float)i);
#define FMA_STEP(i) acc##i = _mm512_fmadd_ps(acc##i, m, a);
#define FMA_SUM(i) sink += _mm512_reduce_add_ps(acc##i);
__attribute__((target("avx512f,fma"))) static double measure_fma_peak(void)
{
    double best = 0;
    for (int rep = 0; rep < 5; rep++) {
        FMA24(FMA_DECL)
        __m512 m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-7f);
        int64_t n = 4000000;
        double t0 = now();
        for (int64_t i = 0; i < n; i++) { FMA24(FMA_STEP) }
        double t = now() - t0;
        float sink = 0;
        FMA24(FMA_SUM)
        if (sink == 12345.f) printf(" ");
        double gf = (double)n * 24 * 16 * 2 / t * 1e-9;
        if (gf > best) best = gf;
    }
    return best;
}

/* The peer in the same run: OpenBLAS's cblas_sgemm, loaded at run time (Debian's
 * libopenblas0-pthread) so the build does not depend on it. Its core type is set
 * to SkylakeX (it mis-detects this CPU) unless OCTET_BENCH_OPENBLAS_CORETYPE says. */
typedef void (*cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                               float, float *, int);
static cblas_sgemm_fn peer_sgemm;
static void (*peer_set_threads)(int);

static int load_openblas(void)
{
    const char *ct = getenv("OCTET_BENCH_OPENBLAS_CORETYPE");
    setenv("OPENBLAS_CORETYPE", ct ? ct : "SkylakeX", 1);
    void *h = dlopen("libopenblas.so.0", RTLD_NOW);
    if (!h) return 0;
    peer_sgemm = (cblas_sgemm_fn)dlsym(h, "cblas_sgemm");
    peer_set_threads = (void (*)(int))dlsym(h, "openblas_set_num_threads");
    return peer_sgemm && peer_set_threads;
}

static void run_gemm(int peer, int64_t n, const float *A, const float *B, float *C, oct_pool *pool)
{
    if (peer) /* CblasRowMajor = 101, CblasNoTrans = 111 */
        peer_sgemm(101, 111, 111, (int)n, (int)n, (int)n, 1.f, A, (int)n, B, (int)n, 0.f, C, (int)n);
    else
        oct_sgemm(0, 0, n, n, n, 1.f, A, n, B, n, 0.f, C, n, pool);
}

static double bench_gemm(int64_t n, oct_pool *pool, int peer, double min_time, double *median)
{
    float *A = aligned_alloc(64, (size_t)(n * n) * 4), *B = aligned_alloc(64, (size_t)(n * n) * 4);
    float *C = aligned_alloc(64, (size_t)(n * n) * 4);
    for (int64_t i = 0; i < n * n; i++) {
        A[i] = (float)(i % 7) * 0.25f - 0.5f;
        B[i] = (float)(i % 5) * 0.5f - 1.f;
        C[i] = 0;
    }
    run_gemm(peer, n, A, B, C, pool); /* warm up */
    double times[200];
    int reps = 0;
    double total = 0;
    while ((total < min_time || reps < 3) && reps < 200) {
        double t0 = now();
        run_gemm(peer, n, A, B, C, pool);
        double t = now() - t0;
        times[reps++] = t;
        total += t;
    }
    /* sort */
    for (int i = 1; i < reps; i++)
        for (int j = i; j > 0 && times[j] < times[j - 1]; j--) {
            double x = times[j];
            times[j] = times[j - 1];
            times[j - 1] = x;
        }
    double flops = 2.0 * (double)n * (double)n * (double)n;
    *median = flops / times[reps / 2] * 1e-9;
    free(A);
    free(B);
    free(C);
    return flops / times[0] * 1e-9;
}


/* ---- Conv layers (Fashion-MNIST-like CNN, batch 64) --------------------- */

typedef struct conv_layer {
    const char *name;
    int64_t x[4], w[4], pad;
} conv_layer;

static const conv_layer conv_layers[] = {
    {"conv1 [64,1,28,28] * [32,1,5,5] pad 2", {64, 1, 28, 28}, {32, 1, 5, 5}, 2},
    {"conv2 [64,32,14,14] * [64,32,3,3] pad 1", {64, 32, 14, 14}, {64, 32, 3, 3}, 1},
};
#define N_CONV_LAYERS ((int)(sizeof conv_layers / sizeof conv_layers[0]))

/* One prepared Conv node with its tensors and a pool. Also used from Python
 * (bench/conv_torch.py --octet loads this file built as a shared object)
 * to interleave PyTorch and octet calls under the same machine load. */
typedef struct conv_bench {
    oct_graph *g;
    oct_node *n;
    oct_tensor *x, *y;
    const oct_tensor *in[3];
    oct_pool *pool;
    double flops;
} conv_bench;

void conv_bench_free(conv_bench *b);

conv_bench *conv_bench_new(int layer, int threads)
{
    if (layer < 0 || layer >= N_CONV_LAYERS) return NULL;
    const conv_layer *L = &conv_layers[layer];
    conv_bench *b = calloc(1, sizeof *b);
    b->g = oct_graph_new();
    int in_idx[3] = {oct_graph_add_value(b->g, "x"), oct_graph_add_value(b->g, "w"), oct_graph_add_value(b->g, "b")};
    int out_idx = oct_graph_add_value(b->g, "y");
    int k = oct_graph_add_node(b->g, "Conv", "", "conv", 3, in_idx, 1, &out_idx);
    oct_node *n = &b->g->node[k];
    b->n = n;
    n->opset = 13;
    n->def = oct_op_find("Conv", "", 13, NULL);
    int64_t pads[4] = {L->pad, L->pad, L->pad, L->pad};
    oct_node_set_ints(n, "pads", pads, 4);
    int64_t bd[1] = {L->w[0]};
    oct_tensor *w = oct_tensor_new(OCT_DT_F32, 4, L->w), *bias = oct_tensor_new(OCT_DT_F32, 1, bd);
    b->x = oct_tensor_new(OCT_DT_F32, 4, L->x);
    float *xd = b->x->data, *wd = w->data, *bdd = bias->data;
    for (int64_t i = 0; i < oct_tensor_numel(b->x); i++) xd[i] = (float)(i % 13) * 0.1f - 0.6f;
    for (int64_t i = 0; i < oct_tensor_numel(w); i++) wd[i] = (float)(i % 7) * 0.05f - 0.15f;
    for (int64_t i = 0; i < bd[0]; i++) bdd[i] = 0.01f * (float)i;
    b->g->val[in_idx[0]].rank = 4; /* declared input shape, as a model has */
    for (int i = 0; i < 4; i++) b->g->val[in_idx[0]].dims[i] = L->x[i];
    b->g->val[in_idx[1]].constant = w; /* owned by the graph */
    b->g->val[in_idx[2]].constant = bias;
    b->in[0] = b->x;
    b->in[1] = w;
    b->in[2] = bias;
    b->y = oct_tensor_new(OCT_DT_F32, 0, NULL);
    b->pool = oct_pool_new(threads);
    if (n->def->prepare(n, b->g) != OCT_OK || n->def->infer(n, b->in, &b->y) != OCT_OK ||
        oct_tensor_alloc(b->y) != OCT_OK) {
        fprintf(stderr, "conv bench setup failed: %s\n", oct_errmsg());
        conv_bench_free(b);
        return NULL;
    }
    b->flops = 2.0 * (double)L->x[0] * (double)L->w[0] * (double)(L->w[1] * L->w[2] * L->w[3]) *
               (double)(b->y->dims[2] * b->y->dims[3]);
    return b;
}

/* Run once; returns seconds (CPU time of the calling thread when cputime). */
double conv_bench_run(conv_bench *b, int cputime)
{
    oct_exec ex = {b->pool};
    oct_tensor *outs[1] = {b->y};
    int saved = use_cputime;
    use_cputime = cputime;
    double t0 = now();
    b->n->def->compute(b->n, b->in, outs, &ex);
    double t = now() - t0;
    use_cputime = saved;
    return t;
}

double conv_bench_flops(const conv_bench *b) { return b->flops; }

void conv_bench_free(conv_bench *b)
{
    if (!b) return;
    oct_tensor_free(b->x);
    oct_tensor_free(b->y);
    oct_graph_free(b->g); /* frees w, bias and the packed weights */
    oct_pool_free(b->pool);
    free(b);
}

static void bench_conv(int quick)
{
    double min_time = quick ? 0.3 : 1.5;
    printf("\nConv (f32, bias, NCHW; ms per call, best / median):\n");
    for (int l = 0; l < N_CONV_LAYERS; l++) {
        for (int threads = 1; threads <= 2; threads++) {
            conv_bench *b = conv_bench_new(l, threads);
            if (!b) return;
            int cpu = threads == 1 && cpu_time_1t;
            conv_bench_run(b, cpu); /* warm up */
            double times[400], total = 0;
            int reps = 0;
            while ((total < min_time || reps < 5) && reps < 400) {
                double t = conv_bench_run(b, cpu);
                times[reps++] = t;
                total += t;
            }
            for (int i = 1; i < reps; i++)
                for (int j = i; j > 0 && times[j] < times[j - 1]; j--) {
                    double x = times[j];
                    times[j] = times[j - 1];
                    times[j - 1] = x;
                }
            printf("  %-42s threads %d: %7.3f / %7.3f ms  (%.1f GFLOP/s)\n", conv_layers[l].name, threads,
                   times[0] * 1e3, times[reps / 2] * 1e3, b->flops / times[0] * 1e-9);
            conv_bench_free(b);
        }
    }
}

int main(int argc, char **argv)
{
    int quick = 0, conv = 0, max_threads = 2;
    int64_t sizes[8] = {256, 512, 1024};
    int n_sizes = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--conv")) conv = 1;
        else if (!strcmp(argv[i], "--conv-only")) conv = 2;
        else if (!strcmp(argv[i], "--cpu-time")) cpu_time_1t = 1;
        else if (!strcmp(argv[i], "--mc") && i + 1 < argc) oct_sgemm_tune(atoll(argv[++i]), 0, 0);
        else if (!strcmp(argv[i], "--kc") && i + 1 < argc) oct_sgemm_tune(0, atoll(argv[++i]), 0);
        else if (!strcmp(argv[i], "--nc") && i + 1 < argc) oct_sgemm_tune(0, 0, atoll(argv[++i]));
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) max_threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
            n_sizes = 0;
            for (char *s = argv[++i]; *s && n_sizes < 8;) {
                sizes[n_sizes++] = strtoll(s, &s, 10);
                if (*s == ',') s++;
            }
        } else {
            fprintf(stderr, "usage: gemm_bench [--quick] [--sizes a,b,c] [--threads N] [--mc N] [--kc N] [--nc N] [--conv | --conv-only] [--cpu-time]\n");
            return 2;
        }
    }
    oct_cpu_level lvl = oct_cpu_level_get();
    if (conv == 2) {
        printf("cpu level %s\n", oct_cpu_level_name(lvl));
        bench_conv(quick);
        oct_sgemm_scratch_release();
        return 0;
    }

    use_cputime = 1; /* clock and FMA loop: CPU time, immune to preemption */
    double ghz = bench_measure_ghz(), mhz = bench_cpuinfo_mhz();
    int has512 = oct_cpu_detect()->avx512f;
    double fma1 = has512 ? measure_fma_peak() : 0;
    use_cputime = 0;
    double peak1 = 2 * 16 * 2 * ghz;
    printf("cpu level %s; clock measured %.2f GHz (cpuinfo %.0f MHz)\n", oct_cpu_level_name(lvl), ghz, mhz);
    printf("peak per core (2 FMA x 16 lanes x 2 x measured clock) %.1f GFLOP/s; FMA loop achieves %.1f GFLOP/s\n",
           peak1, fma1);
    double min_time = quick ? 0.2 : 1.0;
    int have_peer = load_openblas();
    if (!have_peer) printf("OpenBLAS (libopenblas.so.0) not found: no peer column (apt-get install libopenblas0-pthread)\n");
    else printf("peer: OpenBLAS cblas_sgemm, OPENBLAS_CORETYPE=%s\n", getenv("OPENBLAS_CORETYPE"));
    for (int threads = 1; threads <= max_threads; threads++) {
        oct_pool *pool = oct_pool_new(threads);
        if (have_peer) peer_set_threads(threads);
        for (int s = 0; s < n_sizes; s++) {
            double med, pmed = 0, pbest = 0;
            double best = bench_gemm(sizes[s], pool, 0, min_time, &med);
            if (have_peer) pbest = bench_gemm(sizes[s], NULL, 1, min_time, &pmed);
            printf("sgemm %4lld^3 threads %d: octet best %7.1f GFLOP/s (%.0f%% of peak), median %7.1f",
                   (long long)sizes[s], threads, best, 100 * best / (peak1 * threads), med);
            if (have_peer) printf(" | OpenBLAS best %7.1f, median %7.1f | octet/OpenBLAS %.2fx", pbest, pmed, best / pbest);
            printf("\n");
        }
        oct_pool_free(pool);
        use_cputime = 0;
    }
    if (conv) bench_conv(quick);
    oct_sgemm_scratch_release();
    return 0;
}
