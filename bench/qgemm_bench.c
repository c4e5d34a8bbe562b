/* octet — INT8 GEMM micro-benchmark.
 *
 *   qgemm_bench [--quick] [--sizes 256,512,1024] [--threads 2] [--paths a,b] [--out u8|s32|f32]
 *               [--pack-per-call] [--block BYTES] [--cpu-time]
 *
 * For M = N = K in {256, 512, 1024}, 1 and 2 threads and every kernel path
 * the CPU has (scalar with --paths scalar): GOP/s (2 ops per multiply-add) of oct_qgemm_run with B packed
 * once (weights) and the u8 requantizing epilogue (per-channel multipliers),
 * and the fraction of the VNNI peak
 *   peak = threads x 64 int8 MACs per vpdpbusd zmm x 2 per cycle x 2 ops x clock.
 * The clock is measured (a chain of dependent imul, 3 cycles each) and
 * /proc/cpuinfo's "cpu MHz" printed next to it. Throughput loops measure what
 * vpdpbusd (zmm, ymm) and vpmaddwd (ymm) achieve on 1 and 2 threads.
 * Every figure is the best (minimum-time) of many runs, with the median.
 * The machine is shared: --cpu-time times single-thread runs by the thread's
 * CPU time (immune to preemption, not to a busy sibling hyperthread).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <immintrin.h>

#include "bench_util.h"
#include "backend/cpu/qgemm.h"
#include "core/pool.h"

static int use_cputime; /* --cpu-time: single-thread GEMM runs timed by the thread's CPU time */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now_gemm(int threads)
{
    struct timespec ts;
    clock_gettime(use_cputime && threads == 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}


/* ---- instruction throughput: 24 independent accumulator chains ------------- */

#define X24(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) \
    X(12) X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23)
#define LOOP_ITERS 4000000

/* each returns int8 MACs per second of one thread (inline asm: the compiler
 * cannot drop or reorder the chains) */
#define DPZ(i) "vpdpbusd %%zmm25, %%zmm24, %%zmm" #i "\n\t"
__attribute__((target("avx512f"))) static double loop_dp_zmm(void)
{
    int64_t n = LOOP_ITERS;
    double t0 = now();
    __asm__ volatile("vpxord %%zmm24, %%zmm24, %%zmm24\n\tvpxord %%zmm25, %%zmm25, %%zmm25\n\t"
                     "1:\n\t" X24(DPZ) "dec %0\n\tjnz 1b\n\t"
                     : "+r"(n)
                     :
                     : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
                       "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19",
                       "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25");
    return (double)LOOP_ITERS * 24 * 64 / (now() - t0);
}

#define X12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define DPY(i) "%{vex%} vpdpbusd %%ymm13, %%ymm12, %%ymm" #i "\n\t"
__attribute__((target("avx2"))) static double loop_dp_ymm(void)
{
    int64_t n = LOOP_ITERS;
    double t0 = now();
    __asm__ volatile("vpxor %%ymm12, %%ymm12, %%ymm12\n\tvpxor %%ymm13, %%ymm13, %%ymm13\n\t"
                     "1:\n\t" X12(DPY) X12(DPY) "dec %0\n\tjnz 1b\n\tvzeroupper\n\t"
                     : "+r"(n)
                     :
                     : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
                       "xmm10", "xmm11", "xmm12", "xmm13");
    return (double)LOOP_ITERS * 24 * 32 / (now() - t0);
}

/* vpmaddwd into 6 temporaries, vpaddd into 6 chains */
#define MW(i) "vpmaddwd %%ymm13, %%ymm12, %%ymm" #i "\n\t"
#define AD(i, j) "vpaddd %%ymm" #i ", %%ymm" #j ", %%ymm" #j "\n\t"
#define MADD6 MW(0) MW(1) MW(2) MW(3) MW(4) MW(5) AD(0, 6) AD(1, 7) AD(2, 8) AD(3, 9) AD(4, 10) AD(5, 11)
__attribute__((target("avx2"))) static double loop_madd_ymm(void)
{
    int64_t n = LOOP_ITERS;
    double t0 = now();
    __asm__ volatile("vpxor %%ymm12, %%ymm12, %%ymm12\n\tvpxor %%ymm13, %%ymm13, %%ymm13\n\t"
                     "1:\n\t" MADD6 MADD6 MADD6 MADD6 "dec %0\n\tjnz 1b\n\tvzeroupper\n\t"
                     : "+r"(n)
                     :
                     : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
                       "xmm10", "xmm11", "xmm12", "xmm13");
    return (double)LOOP_ITERS * 24 * 16 / (now() - t0);
}

typedef struct loop_job { double (*fn)(void); } loop_job;
static void *loop_thread(void *p)
{
    ((loop_job *)p)->fn();
    return NULL;
}

/* best of 5: MAC/s of 1 thread, and of 2 concurrent threads (total work over
 * the wall time until both are done) */
static void loop_rate(double (*fn)(void), double macs_per_call, double *r1, double *r2)
{
    *r1 = *r2 = 0;
    for (int rep = 0; rep < 5; rep++) {
        double r = fn();
        if (r > *r1) *r1 = r;
        loop_job j = {fn};
        pthread_t th;
        double t0 = now();
        if (pthread_create(&th, NULL, loop_thread, &j) != 0) continue;
        fn();
        pthread_join(th, NULL);
        r = 2 * macs_per_call / (now() - t0);
        if (r > *r2) *r2 = r;
    }
}

/* ---- GEMM ------------------------------------------------------------------------- */

static oct_qgemm_out out_kind = OCT_QGEMM_OUT_U8;
static int pack_per_call;

static double bench_qgemm(oct_qgemm_path path, int64_t n, oct_pool *pool, double min_time, double *median)
{
    uint8_t *A = aligned_alloc(64, (size_t)(n * n));
    int8_t *B = aligned_alloc(64, (size_t)(n * n));
    void *C = aligned_alloc(64, (size_t)(n * n) * 4);
    int32_t *bias = malloc(sizeof(int32_t) * (size_t)n), *m0 = malloc(sizeof(int32_t) * (size_t)n);
    int32_t *shift = malloc(sizeof(int32_t) * (size_t)n);
    float *wsc = malloc(sizeof(float) * (size_t)n);
    for (int64_t i = 0; i < n * n; i++) {
        A[i] = (uint8_t)(i * 7 + (i >> 10));
        B[i] = (int8_t)(i * 13 + (i >> 9));
    }
    for (int64_t j = 0; j < n; j++) {
        bias[j] = (int32_t)(j * 31) - 1000;
        int sh;
        oct_quant_multiplier(1.0 / (double)(n * 100 + j), &m0[j], &sh);
        shift[j] = sh;
        wsc[j] = 0.001f * (float)(j % 10 + 1);
    }
    oct_qgemm_args a;
    oct_qgemm_args_init(&a, out_kind);
    a.M = a.N = a.K = n;
    a.path = path;
    a.A = A;
    a.lda = n;
    a.za = 128;
    a.B = B;
    a.ldb = n;
    a.C = C;
    a.ldc = n;
    a.bias = bias;
    a.per_channel = 1;
    a.a_scale = 0.02f;
    a.w_scale = wsc;
    a.m0 = m0;
    a.shift = shift;
    a.zo = 3;
    oct_qgemm_packed *pb = pack_per_call ? NULL : oct_qgemm_pack_b(path, 0, n, n, B, n);
    a.pb = pb;
    if (oct_qgemm_run(&a, pool) != OCT_OK) { /* warm up */
        fprintf(stderr, "qgemm: %s\n", oct_errmsg());
        exit(1);
    }
    double times[400];
    int reps = 0;
    double total = 0;
    while ((total < min_time || reps < 3) && reps < 400) {
        double t0 = now_gemm(oct_pool_size(pool));
        oct_qgemm_run(&a, pool);
        double t = now_gemm(oct_pool_size(pool)) - t0;
        times[reps++] = t;
        total += t;
    }
    for (int i = 1; i < reps; i++)
        for (int j = i; j > 0 && times[j] < times[j - 1]; j--) {
            double x = times[j];
            times[j] = times[j - 1];
            times[j - 1] = x;
        }
    double ops = 2.0 * (double)n * (double)n * (double)n;
    *median = ops / times[reps / 2] * 1e-9;
    oct_qgemm_packed_free(pb);
    free(A);
    free(B);
    free(C);
    free(bias);
    free(m0);
    free(shift);
    free(wsc);
    return ops / times[0] * 1e-9;
}

#ifdef OCT_BENCH_AMX
double bench_amx_tdpbusd_seconds(long iters); /* amx_loop.c */
#endif

int main(int argc, char **argv)
{
    int quick = 0, max_threads = 2;
    int64_t sizes[8] = {256, 512, 1024};
    int nsizes = 3;
    int want[OCT_QGEMM_NPATHS] = {0, 0, 1, 1, 1, 1}; /* scalar only on request */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) max_threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--pack-per-call")) pack_per_call = 1;
        else if (!strcmp(argv[i], "--cpu-time")) use_cputime = 1;
        else if (!strcmp(argv[i], "--block") && i + 1 < argc) oct_qgemm_tune(atoll(argv[++i]));
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
            const char *o = argv[++i];
            out_kind = !strcmp(o, "s32") ? OCT_QGEMM_OUT_S32 : !strcmp(o, "f32") ? OCT_QGEMM_OUT_F32 : OCT_QGEMM_OUT_U8;
        } else if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
            nsizes = 0;
            for (char *s = argv[++i]; *s && nsizes < 8;) {
                sizes[nsizes++] = strtoll(s, &s, 10);
                if (*s == ',') s++;
                else break;
            }
        } else if (!strcmp(argv[i], "--paths") && i + 1 < argc) {
            memset(want, 0, sizeof want);
            const char *l = argv[++i];
            for (int p = 1; p < OCT_QGEMM_NPATHS; p++)
                if (strstr(l, oct_qgemm_path_name((oct_qgemm_path)p))) want[p] = 1;
        } else {
            fprintf(stderr, "usage: qgemm_bench [--quick] [--sizes a,b,c] [--threads N] [--paths p,q] "
                            "[--out u8|s32|f32] [--pack-per-call] [--block BYTES] [--cpu-time]\n");
            return 2;
        }
    }
    double ghz = bench_measure_ghz();
    printf("clock: %.3f GHz measured (dependent imul chain), /proc/cpuinfo says %.0f MHz\n", ghz, bench_cpuinfo_mhz());
    double peak1 = 64.0 * 2 * 2 * ghz; /* GOP/s per core */
    printf("VNNI peak at the measured clock: %.1f GOP/s per core (64 MACs x 2 vpdpbusd/cycle x 2 ops)\n", peak1);
    double loop_peak = 0; /* GOP/s of one thread's vpdpbusd zmm loop */
    if (oct_qgemm_path_supported(OCT_QGEMM_AVX512VNNI)) {
        double r1, r2;
        loop_rate(loop_dp_zmm, (double)LOOP_ITERS * 24 * 64, &r1, &r2);
        loop_peak = 2 * r1 * 1e-9;
        printf("vpdpbusd zmm loop: 1 thread %.1f GOP/s (%.2f per cycle), 2 threads %.1f GOP/s (x%.2f)\n", 2 * r1 * 1e-9,
               r1 / 64 / (ghz * 1e9), 2 * r2 * 1e-9, r2 / r1);
    }
    if (oct_qgemm_path_supported(OCT_QGEMM_AVXVNNI)) {
        double r1, r2;
        loop_rate(loop_dp_ymm, (double)LOOP_ITERS * 24 * 32, &r1, &r2);
        printf("vpdpbusd ymm loop: 1 thread %.1f GOP/s (%.2f per cycle), 2 threads %.1f GOP/s (x%.2f)\n", 2 * r1 * 1e-9,
               r1 / 32 / (ghz * 1e9), 2 * r2 * 1e-9, r2 / r1);
    }
    if (oct_qgemm_path_supported(OCT_QGEMM_AVX2)) {
        double r1, r2;
        loop_rate(loop_madd_ymm, (double)LOOP_ITERS * 24 * 16, &r1, &r2);
        printf("vpmaddwd+vpaddd ymm loop: 1 thread %.1f GOP/s (%.2f vpmaddwd per cycle), 2 threads %.1f GOP/s (x%.2f)\n",
               2 * r1 * 1e-9, r1 / 16 / (ghz * 1e9), 2 * r2 * 1e-9, r2 / r1);
    }
    double amx_loop = 0; /* GOP/s of one thread's tdpbusd loop */
#ifdef OCT_BENCH_AMX
    if (oct_qgemm_path_supported(OCT_QGEMM_AMX)) {
        double sec = bench_amx_tdpbusd_seconds(2000000);
        amx_loop = 2.0 * 16 * 16 * 64 / sec * 1e-9;
        printf("tdpbusd loop: 1 thread %.1f GOP/s (%.2f ns per tdpbusd, %.1f cycles)\n", amx_loop, sec * 1e9,
               sec * ghz * 1e9);
    }
#endif
    printf("qgemm: B %s, output %s, per-channel requantization\n", pack_per_call ? "packed per call" : "packed once",
           out_kind == OCT_QGEMM_OUT_U8 ? "u8" : out_kind == OCT_QGEMM_OUT_S32 ? "s32" : "f32");
    double min_time = quick ? 0.1 : 0.5;
    for (int p = 1; p < OCT_QGEMM_NPATHS; p++) {
        if (!want[p] || !oct_qgemm_path_supported((oct_qgemm_path)p)) continue;
        for (int threads = 1; threads <= max_threads; threads++) {
            oct_pool *pool = oct_pool_new(threads);
            for (int s = 0; s < nsizes; s++) {
                double med, best = bench_qgemm((oct_qgemm_path)p, sizes[s], pool, min_time, &med);
                if (p == OCT_QGEMM_AMX) { /* tdpbusd: 16 x 16 x 64 MACs per 16 cycles = 1024 per cycle */
                    printf("%-10s %4lld^3 threads %d: best %7.1f GOP/s (%5.1f%% of %d-core AMX peak, %5.1f%% of the "
                           "tdpbusd loop's, %4.2fx the VNNI peak), median %7.1f\n",
                           oct_qgemm_path_name((oct_qgemm_path)p), (long long)sizes[s], threads, best,
                           100 * best / (2048.0 * ghz * threads), threads,
                           amx_loop > 0 ? 100 * best / (amx_loop * threads) : 0.0, best / (peak1 * threads), med);
                    continue;
                }
                printf("%-10s %4lld^3 threads %d: best %7.1f GOP/s (%5.1f%% of %d-core VNNI peak, %5.1f%% of the "
                       "loop's), median %7.1f\n",
                       oct_qgemm_path_name((oct_qgemm_path)p), (long long)sizes[s], threads, best,
                       100 * best / (peak1 * threads), threads,
                       loop_peak > 0 ? 100 * best / (loop_peak * threads) : 0.0, med);
            }
            oct_pool_free(pool);
        }
    }
    printf("clock at the end: %.3f GHz (a different clock than at the start means the figures are noisy)\n",
           bench_measure_ghz());
    return 0;
}
