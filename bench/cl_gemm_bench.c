/* OpenCL GEMM benchmark: octet's kernels_cl GEMMs (FP32, FP16 weights, INT8
 * with a requantized uint8 output) against CLBlast's SGEMM on the same
 * device, in the same run, interleaved call by call.
 *   cl_gemm_bench [--device opencl[:P:D]] [--sizes 512,1024] [--reps N]
 * Reports GFLOP/s (2 ops per multiply-add), best and median of --reps timed
 * calls each (clFinish after every call), after checking that octet's result
 * matches CLBlast's. */
#include <clblast_c.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/cl/cl_gemm.h"
#include "backend/cl/cl_qgemm.h"
#include "core/dtype.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    const char *dev = "opencl";
    int sizes[8] = {512, 1024}, nsizes = 2, reps = 10;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--device") && i + 1 < argc) dev = argv[++i];
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
            nsizes = 0;
            for (char *s = argv[++i]; *s && nsizes < 8;) {
                sizes[nsizes++] = (int)strtol(s, &s, 10);
                if (*s == ',') s++;
                else break;
            }
        } else {
            fprintf(stderr, "usage: cl_gemm_bench [--device opencl[:P:D]] [--sizes a,b] [--reps N]\n");
            return 2;
        }
    }
    if (reps < 3) reps = 3;
    oct_device_spec spec;
    oct_cl *cl = NULL;
    if (oct_device_parse(dev, &spec) != OCT_OK || oct_cl_open(&spec, &cl) != OCT_OK) {
        fprintf(stderr, "cl_gemm_bench: %s\n", oct_errmsg());
        return 1;
    }
    char desc[1024];
    oct_cl_caps_describe(&cl->caps, desc, sizeof desc);
    printf("%s\nprogram %s in %.0f ms\n", desc, cl->from_cache ? "loaded from the cache" : "built", cl->build_ms);
    cl_kernel kf = oct_cl_kernel(cl, "oct_gemm_f32"), kh = oct_cl_kernel(cl, "oct_gemm_f16");
    cl_kernel ki = oct_cl_kernel(cl, "oct_gemm_i8");
    if (!kf || !kh || !ki) {
        fprintf(stderr, "cl_gemm_bench: %s\n", oct_errmsg());
        return 1;
    }
    for (int si = 0; si < nsizes; si++) {
        int n = sizes[si];
        size_t bytes = (size_t)n * n * sizeof(float);
        float *a = malloc(bytes), *b = malloc(bytes), *c1 = malloc(bytes), *c2 = malloc(bytes);
        for (size_t i = 0; i < (size_t)n * n; i++) {
            a[i] = (float)((int)(i * 7 % 13) - 6) * 0.1f;
            b[i] = (float)((int)(i * 5 % 11) - 5) * 0.1f;
        }
        cl_int e;
        cl_mem A = clCreateBuffer(cl->ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes, a, &e);
        cl_mem B = clCreateBuffer(cl->ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes, b, &e);
        cl_mem C1 = clCreateBuffer(cl->ctx, CL_MEM_READ_WRITE, bytes, NULL, &e);
        cl_mem C2 = clCreateBuffer(cl->ctx, CL_MEM_READ_WRITE, bytes, NULL, &e);
        oct_cl_gemm_f32_args ga = {n, n, n, A, B, C1, NULL, n, n, n, 0, 0.f, 0.f};
        /* FP16 weights: B as halves */
        uint16_t *bh = malloc((size_t)n * n * sizeof *bh);
        for (size_t i = 0; i < (size_t)n * n; i++) bh[i] = oct_f32_to_f16(b[i]);
        cl_mem BH = clCreateBuffer(cl->ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, (size_t)n * n * 2, bh, &e);
        cl_mem CH = clCreateBuffer(cl->ctx, CL_MEM_READ_WRITE, bytes, NULL, &e);
        oct_cl_gemm_f32_args gh = {n, n, n, A, BH, CH, NULL, n, n, n, 0, 0.f, 0.f};
        /* INT8: u8 activations, s8 weights, per-channel requantization to u8 */
        uint8_t *a8 = malloc((size_t)n * n);
        int8_t *b8 = malloc((size_t)n * n);
        int32_t *ct = malloc(sizeof(int32_t) * n), *m0 = malloc(sizeof(int32_t) * n), *sh = malloc(sizeof(int32_t) * n);
        for (size_t i = 0; i < (size_t)n * n; i++) a8[i] = (uint8_t)(i * 7 % 251), b8[i] = (int8_t)(i * 5 % 255 - 127);
        oct_cl_qweights w;
        if (oct_cl_qweights_upload(cl, b8, n, n, 0, n, &w) != OCT_OK) {
            fprintf(stderr, "cl_gemm_bench: %s\n", oct_errmsg());
            return 1;
        }
        oct_cl_qgemm_colterm(&w, NULL, 3, ct);
        for (int i = 0; i < n; i++) m0[i] = 1 << 30, sh[i] = 12;
        cl_mem A8 = clCreateBuffer(cl->ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, (size_t)n * n, a8, &e);
        cl_mem CT = clCreateBuffer(cl->ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, sizeof(int32_t) * n, ct, &e);
        cl_mem M0 = clCreateBuffer(cl->ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, sizeof(int32_t) * n, m0, &e);
        cl_mem SH = clCreateBuffer(cl->ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, sizeof(int32_t) * n, sh, &e);
        cl_mem C8 = clCreateBuffer(cl->ctx, CL_MEM_READ_WRITE, (size_t)n * n, NULL, &e);
        oct_cl_qgemm_args qa = {n, A8, n, 0, &w, CT, OCT_QGEMM_OUT_U8, C8, n, M0, SH, 0, 0, 255, NULL, NULL, 0, 0.f, 0.f, 0};
        double *t_oct = malloc((size_t)reps * sizeof(double)), *t_blast = malloc((size_t)reps * sizeof(double));
        double *t_h = malloc((size_t)reps * sizeof(double)), *t_i8 = malloc((size_t)reps * sizeof(double));
        int failed = 0;
        for (int r = -1; r < reps && !failed; r++) { /* r = -1: warm-up */
            double t0 = now_s();
            if (oct_cl_gemm_f32(cl, kf, &ga) != OCT_OK || clFinish(cl->queue) != CL_SUCCESS) failed = 1;
            double t1 = now_s();

            CLBlastStatusCode bs = CLBlastSgemm(CLBlastLayoutRowMajor, CLBlastTransposeNo, CLBlastTransposeNo, n, n, n,
                                                1.0f, A, 0, n, B, 0, n, 0.0f, C2, 0, n, &cl->queue, NULL);
            if (bs != CLBlastSuccess || clFinish(cl->queue) != CL_SUCCESS) {
                fprintf(stderr, "CLBlast SGEMM failed: %d\n", (int)bs);
                failed = 1;
            }
            double t2 = now_s();
            if (r >= 0) {
                t_oct[r] = t1 - t0;
                t_blast[r] = t2 - t1;
            }
        }
        /* the other precisions in loops of their own (interleaving kernels over different
         * buffers makes each pay for the other's cache footprint on a CPU device) */
        for (int r = -1; r < reps && !failed; r++) {
            double t0 = now_s();
            if (oct_cl_gemm_f16(cl, kh, &gh) != OCT_OK || clFinish(cl->queue) != CL_SUCCESS) failed = 1;
            if (r >= 0) t_h[r] = now_s() - t0;
        }
        for (int r = -1; r < reps && !failed; r++) {
            double t0 = now_s();
            if (oct_cl_qgemm(cl, ki, &qa) != OCT_OK || clFinish(cl->queue) != CL_SUCCESS) failed = 1;
            if (r >= 0) t_i8[r] = now_s() - t0;
        }
        if (failed) fprintf(stderr, "cl_gemm_bench: %s\n", oct_errmsg());
        if (!failed) {
            clEnqueueReadBuffer(cl->queue, C1, CL_TRUE, 0, bytes, c1, 0, NULL, NULL);
            clEnqueueReadBuffer(cl->queue, C2, CL_TRUE, 0, bytes, c2, 0, NULL, NULL);
            double worst = 0;
            for (size_t i = 0; i < (size_t)n * n; i++) {
                double d = fabs((double)c1[i] - (double)c2[i]) / (1.0 + fabs((double)c2[i]));
                if (d > worst) worst = d;
            }
            qsort(t_oct, (size_t)reps, sizeof(double), cmp_d);
            qsort(t_blast, (size_t)reps, sizeof(double), cmp_d);
            double ops = 2.0 * n * (double)n * n * 1e-9;
            qsort(t_h, (size_t)reps, sizeof(double), cmp_d);
            qsort(t_i8, (size_t)reps, sizeof(double), cmp_d);
            printf("%4d^3 fp32: octet %7.1f GFLOP/s (median %7.1f) | CLBlast %7.1f GFLOP/s (median %7.1f) | octet / "
                   "CLBlast %.2fx | max rel diff %.1e\n",
                   n, ops / t_oct[0], ops / t_oct[reps / 2], ops / t_blast[0], ops / t_blast[reps / 2],
                   t_blast[0] / t_oct[0], worst);
            printf("%4d^3 fp16 weights: octet %7.1f GFLOP/s (median %7.1f) | int8 (u8 out): octet %7.1f GOP/s (median "
                   "%7.1f), %.2fx octet fp32\n",
                   n, ops / t_h[0], ops / t_h[reps / 2], ops / t_i8[0], ops / t_i8[reps / 2], t_oct[0] / t_i8[0]);
        }
        clReleaseMemObject(BH), clReleaseMemObject(CH), clReleaseMemObject(A8), clReleaseMemObject(CT);
        clReleaseMemObject(M0), clReleaseMemObject(SH), clReleaseMemObject(C8);
        oct_cl_qweights_free(&w);
        free(bh), free(a8), free(b8), free(ct), free(m0), free(sh), free(t_h), free(t_i8);
        clReleaseMemObject(A);
        clReleaseMemObject(B);
        clReleaseMemObject(C1);
        clReleaseMemObject(C2);
        free(a), free(b), free(c1), free(c2), free(t_oct), free(t_blast);
    }
    clReleaseKernel(kf);
    clReleaseKernel(kh);
    clReleaseKernel(ki);
    oct_cl_close(cl);
    return 0;
}
