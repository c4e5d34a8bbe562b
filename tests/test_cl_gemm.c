/* OpenCL GEMMs (kernels_cl/gemm_f32.cl, gemm_i8.cl) on the OpenCL device
 * (PoCL in CI; OCTET_TEST_DEVICE=opencl:P:D picks another) against the CPU:
 * FP32 within 1e-5 relative of a double reference, with bias and every
 * fused activation; FP16 weights (fp32 arithmetic on devices without
 * cl_khr_fp16, half arithmetic with it) within 1e-2 of the same reference
 * on the fp16-rounded weights; INT8 bit-exact with the CPU's oct_qgemm_run for uint8 /
 * int8 activations, zero points, all four epilogues, per-channel
 * multipliers (left and right shifts), clamps and odd shapes (K not a
 * multiple of 4, N not a multiple of 16, M not a multiple of the tile).
 * With no OpenCL device the test fails (set OCTET_CL_TESTS=skip to skip). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cl/cl_gemm.h"
#include "backend/cl/cl_qgemm.h"
#include "core/dtype.h"
#include "test_util.h"

static uint32_t rng = 88172645u;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static cl_mem upload(oct_cl *cl, const void *p, size_t bytes)
{
    cl_int e;
    cl_mem m = clCreateBuffer(cl->ctx, CL_MEM_READ_WRITE | (p ? CL_MEM_COPY_HOST_PTR : 0), bytes ? bytes : 4,
                              (void *)p, &e);
    CHECK(m && e == CL_SUCCESS);
    return m;
}

static void test_float(oct_cl *cl, cl_kernel k, int f16)
{
    const int shapes[][3] = {{1, 1, 1}, {7, 9, 13}, {64, 100, 33}, {130, 37, 200}, {33, 16, 5}, {25, 48, 64}};
    int cases = 0;
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (int act = 0; act < 4; act++) {
            int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2], lda = K + (act & 1), ldc = N + 2;
            float *a = malloc(sizeof(float) * M * lda), *b = malloc(sizeof(float) * K * N);
            float *bias = malloc(sizeof(float) * N), *c = malloc(sizeof(float) * M * ldc);
            for (int i = 0; i < M * lda; i++) a[i] = (float)((int)(rnd() % 2001) - 1000) / 500.f;
            for (int i = 0; i < K * N; i++) b[i] = (float)((int)(rnd() % 2001) - 1000) / 700.f;
            for (int i = 0; i < N; i++) bias[i] = (float)((int)(rnd() % 201) - 100) / 50.f;
            uint16_t *bh = malloc(sizeof(uint16_t) * K * N);
            for (int i = 0; i < K * N; i++) {
                bh[i] = oct_f32_to_f16(b[i]);
                if (f16) b[i] = oct_f16_to_f32(bh[i]); /* the reference uses what the device holds */
            }
            cl_mem A = upload(cl, a, sizeof(float) * M * lda);
            cl_mem B = f16 ? upload(cl, bh, sizeof(uint16_t) * K * N) : upload(cl, b, sizeof(float) * K * N);
            cl_mem Bi = upload(cl, bias, sizeof(float) * N), C = upload(cl, NULL, sizeof(float) * M * ldc);
            oct_cl_gemm_f32_args ga = {M, N, K, A, B, C, act ? Bi : NULL, lda, N, ldc, act, 0.1f, 1.5f};
            if (act == 2) ga.a0 = -0.5f;
            CHECK_MSG((f16 ? oct_cl_gemm_f16(cl, k, &ga) : oct_cl_gemm_f32(cl, k, &ga)) == OCT_OK, "%s", oct_errmsg());
            CHECK(clEnqueueReadBuffer(cl->queue, C, CL_TRUE, 0, sizeof(float) * M * ldc, c, 0, NULL, NULL) ==
                  CL_SUCCESS);
            int bad = 0;
            for (int i = 0; i < M; i++)
                for (int j = 0; j < N; j++) {
                    double want = act ? bias[j] : 0;
                    for (int q = 0; q < K; q++) want += (double)a[i * lda + q] * b[q * N + j];
                    if (act == 1) want = want > 0 ? want : 0;
                    if (act == 2) want = want < ga.a0 ? ga.a0 : want > ga.a1 ? ga.a1 : want;
                    if (act == 3) want = want < 0 ? want * ga.a0 : want;
                    double got = c[i * ldc + j];
                    double tol = f16 && cl->caps.fp16 ? 1e-2 : 1e-5;
                    bad += fabs(got - want) > tol * (1 + fabs(want)) * sqrt((double)K);
                }
            CHECK_MSG(bad == 0, "%s %dx%dx%d act %d: %d wrong", f16 ? "f16" : "f32", M, N, K, act, bad);
            clReleaseMemObject(A), clReleaseMemObject(B), clReleaseMemObject(Bi), clReleaseMemObject(C);
            free(a), free(b), free(bias), free(c), free(bh);
            cases++;
        }
    printf("%s: %d cases\n", f16 ? "f16 weights" : "f32", cases);
}

static void test_i8(oct_cl *cl, cl_kernel k)
{
    const int shapes[][3] = {{1, 1, 1}, {5, 3, 7}, {13, 16, 64}, {40, 37, 201}, {64, 33, 9}, {100, 80, 150}};
    int cases = 0, mismatches = 0;
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (int out = 0; out < 4; out++)
            for (int sg = 0; sg < 2; sg++) {
                int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2], lda = K + 3, ldc = N + 1;
                size_t es = out == OCT_QGEMM_OUT_U8 || out == OCT_QGEMM_OUT_S8 ? 1 : 4;
                uint8_t *a = malloc((size_t)M * lda);
                int8_t *b = malloc((size_t)K * N);
                int32_t *bias = malloc(sizeof(int32_t) * N), *m0 = malloc(sizeof(int32_t) * N);
                int32_t *sh = malloc(sizeof(int32_t) * N), *ct = malloc(sizeof(int32_t) * N);
                float *scale = malloc(sizeof(float) * N), *fb = malloc(sizeof(float) * N);
                char *c_cpu = calloc((size_t)M * ldc, es), *c_cl = calloc((size_t)M * ldc, es);
                for (int i = 0; i < M * lda; i++) a[i] = (uint8_t)rnd();
                for (int i = 0; i < K * N; i++) b[i] = (int8_t)(rnd() % 255 - 127);
                for (int i = 0; i < N; i++) {
                    bias[i] = (int32_t)(rnd() % 20001) - 10000;
                    m0[i] = (int32_t)((1u << 30) + rnd() % (1u << 30));
                    sh[i] = (int)(rnd() % 14) - 2; /* some left shifts */
                    scale[i] = 1e-3f * (float)(1 + rnd() % 100);
                    fb[i] = (float)((int)(rnd() % 201) - 100) / 10.f;
                }
                int32_t za = sg ? (int32_t)(rnd() % 256) - 128 : (int32_t)(rnd() % 256);
                oct_qgemm_args q;
                oct_qgemm_args_init(&q, (oct_qgemm_out)out);
                q.M = M, q.N = N, q.K = K, q.A = a, q.lda = lda, q.a_signed = sg, q.za = za;
                q.B = b, q.ldb = N, q.C = c_cpu, q.ldc = ldc, q.bias = bias, q.per_channel = 1;
                q.a_scale = 1.f, q.w_scale = scale, q.f_bias = fb, q.clamp = out == 1, q.f_lo = -2.f, q.f_hi = 3.f;
                q.m0 = m0, q.shift = sh, q.zo = out == 2 ? 7 : -5;
                q.q_lo = out == 2 ? 7 : -100, q.q_hi = out == 2 ? 200 : 120;
                CHECK_MSG(oct_qgemm_run(&q, NULL) == OCT_OK, "%s", oct_errmsg());

                oct_cl_qweights w;
                CHECK_MSG(oct_cl_qweights_upload(cl, b, K, N, 0, N, &w) == OCT_OK, "%s", oct_errmsg());
                oct_cl_qgemm_colterm(&w, bias, sg ? za + 128 : za, ct);
                cl_mem A = upload(cl, a, (size_t)M * lda), CT = upload(cl, ct, sizeof(int32_t) * N);
                cl_mem M0 = upload(cl, m0, sizeof(int32_t) * N), SH = upload(cl, sh, sizeof(int32_t) * N);
                cl_mem SC = upload(cl, scale, sizeof(float) * N), FB = upload(cl, fb, sizeof(float) * N);
                cl_mem C = upload(cl, NULL, (size_t)M * ldc * es);
                oct_cl_qgemm_args ca = {M, A, lda, sg, &w, CT, (oct_qgemm_out)out, C, ldc, M0, SH, q.zo, q.q_lo,
                                        q.q_hi, SC, FB, q.clamp, q.f_lo, q.f_hi, 0};
                CHECK_MSG(oct_cl_qgemm(cl, k, &ca) == OCT_OK, "%s", oct_errmsg());
                CHECK(clEnqueueReadBuffer(cl->queue, C, CL_TRUE, 0, (size_t)M * ldc * es, c_cl, 0, NULL, NULL) ==
                      CL_SUCCESS);
                int bad = 0;
                for (int i = 0; i < M; i++)
                    bad += memcmp(c_cpu + (size_t)i * ldc * es, c_cl + (size_t)i * ldc * es, (size_t)N * es) != 0;
                CHECK_MSG(bad == 0, "i8 %dx%dx%d out %d signed %d: %d rows differ", M, N, K, out, sg, bad);
                mismatches += bad;
                clReleaseMemObject(A), clReleaseMemObject(CT), clReleaseMemObject(M0), clReleaseMemObject(SH);
                clReleaseMemObject(SC), clReleaseMemObject(FB), clReleaseMemObject(C);
                oct_cl_qweights_free(&w);
                free(a), free(b), free(bias), free(m0), free(sh), free(ct), free(scale), free(fb), free(c_cpu);
                free(c_cl);
                cases++;
            }
    printf("i8: %d cases, %d mismatching rows (bit-exact with the CPU's qgemm)\n", cases, mismatches);
}

int main(void)
{
    const char *skip = getenv("OCTET_CL_TESTS");
    const char *dev = getenv("OCTET_TEST_DEVICE");
    oct_device_spec spec;
    oct_cl *cl = NULL;
    CHECK(oct_device_parse(dev ? dev : "opencl", &spec) == OCT_OK);
    oct_status st = oct_cl_open(&spec, &cl);
    if (st != OCT_OK && skip && !strcmp(skip, "skip")) {
        printf("skipped: %s\n", oct_errmsg());
        return 0;
    }
    CHECK_MSG(st == OCT_OK, "no OpenCL device (install pocl-opencl-icd, or OCTET_CL_TESTS=skip): %s", oct_errmsg());
    if (!cl) TEST_DONE();
    char desc[1024];
    oct_cl_caps_describe(&cl->caps, desc, sizeof desc);
    printf("%s\n", desc);
    cl_kernel kf = oct_cl_kernel(cl, "oct_gemm_f32"), ki = oct_cl_kernel(cl, "oct_gemm_i8");
    cl_kernel kh = oct_cl_kernel(cl, "oct_gemm_f16");
    CHECK(kf && ki && kh);
    if (kf) test_float(cl, kf, 0);
    if (kh) test_float(cl, kh, 1);
    if (ki) test_i8(cl, ki);
    if (kf) clReleaseKernel(kf);
    if (kh) clReleaseKernel(kh);
    if (ki) clReleaseKernel(ki);
    oct_cl_close(cl);
    TEST_DONE();
}
