/* octet — OpenCL device, context, queue and the cached kernel program (see cl_runtime.h). */
#include "backend/cl/cl_runtime.h"

#include "core/hash.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern const char oct_cl_embedded_source[]; /* generated: scripts/embed_cl.cmake */

const char *oct_cl_program_source(void) { return oct_cl_embedded_source; }

int oct_cl_fault(const char *what)
{
    const char *e = getenv("OCTET_CL_FAIL");
    return e && what && strstr(e, what) != NULL;
}

void oct_cl_build_options(const oct_cl *cl, char *buf, size_t n)
{
    /* OpenCL C 3.0 compilers define the feature macros themselves; older
     * ones predefine the extension macros (cl_khr_fp16,
     * cl_khr_integer_dot_product) of the extensions they support. */
    snprintf(buf, n, "%s-cl-mad-enable -cl-no-signed-zeros -DOCT_GEMM_TM=%d -DOCT_GEMM_VW=%d", cl->caps.c30 ? "-cl-std=CL3.0 " : "",
             cl->gemm_tm, cl->gemm_vw);
}

/* The FP32 GEMM tile for this device; OCTET_CL_GEMM=TMxVW overrides (tuning). */
static void choose_tiles(oct_cl *cl)
{
    /* measured on PoCL (bench/cl_gemm_bench, OCTET_CL_GEMM=TMxVW): 12x16 best of
     * 8x8 .. 16x16 on AVX-512; GPUs: 8 rows of float8 per work-item */
    cl->gemm_tm = cl->caps.is_gpu ? 8 : 12;
    cl->gemm_vw = cl->caps.is_gpu ? 8 : 16;
    const char *e = getenv("OCTET_CL_GEMM");
    int tm, vw;
    if (e && sscanf(e, "%dx%d", &tm, &vw) == 2 && tm >= 1 && tm <= 16 && (vw == 8 || vw == 16)) {
        cl->gemm_tm = tm;
        cl->gemm_vw = vw;
    }
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    return oct_fnv1a(h, s, strlen(s)) ^ 0xff; /* field separator */
}

/* The cache file for this program, or "" when caching is off / impossible. */
static void cache_file(const oct_cl *cl, char *path, size_t n)
{
    path[0] = '\0';
    const char *dir = getenv("OCTET_CL_CACHE");
    char buf[400];
    if (dir && !strcmp(dir, "off")) return;
    if (!dir || !*dir) {
        const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
        if (x && *x) snprintf(buf, sizeof buf, "%s/octet/cl", x);
        else if (home && *home) snprintf(buf, sizeof buf, "%s/.cache/octet/cl", home);
        else return;
        dir = buf;
    }
    uint64_t h = 0xcbf29ce484222325ull;
    h = fnv1a(h, oct_cl_embedded_source);
    h = fnv1a(h, cl->options);
    h = fnv1a(h, cl->caps.platform);
    h = fnv1a(h, cl->caps.name);
    h = fnv1a(h, cl->caps.version);
    h = fnv1a(h, cl->caps.driver);
    snprintf(path, n, "%s/%016llx.clbin", dir, (unsigned long long)h);
}

static void mkdirs(const char *path)
{
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", path);
    char *slash = strrchr(tmp, '/');
    if (!slash) return;
    *slash = '\0';
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    mkdir(tmp, 0755);
}

static cl_program load_cached(oct_cl *cl)
{
    if (!cl->cache_path[0]) return NULL;
    FILE *f = fopen(cl->cache_path, "rb");
    if (!f) return NULL;
    unsigned char *bin = NULL;
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0) len = ftell(f);
    if (len > 0 && len < (1L << 30) && fseek(f, 0, SEEK_SET) == 0 && (bin = malloc((size_t)len)) != NULL &&
        fread(bin, 1, (size_t)len, f) != (size_t)len) {
        free(bin);
        bin = NULL;
    }
    fclose(f);
    if (!bin) return NULL;
    size_t sz = (size_t)len;
    const unsigned char *bins[1] = {bin};
    cl_int st = CL_SUCCESS, e;
    cl_program p = clCreateProgramWithBinary(cl->ctx, 1, &cl->device, &sz, bins, &st, &e);
    free(bin);
    if (!p || e != CL_SUCCESS || st != CL_SUCCESS) {
        if (p) clReleaseProgram(p);
        return NULL;
    }
    if (clBuildProgram(p, 1, &cl->device, cl->options, NULL, NULL) != CL_SUCCESS) {
        clReleaseProgram(p);
        return NULL;
    }
    return p;
}

static void save_cached(const oct_cl *cl, cl_program p)
{
    if (!cl->cache_path[0]) return;
    size_t sz = 0;
    if (clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof sz, &sz, NULL) != CL_SUCCESS || sz == 0) return;
    unsigned char *bin = malloc(sz);
    unsigned char *bins[1] = {bin};
    if (!bin || clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof bins, bins, NULL) != CL_SUCCESS) {
        free(bin);
        return;
    }
    mkdirs(cl->cache_path);
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", cl->cache_path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(bin, 1, sz, f) == sz;
    if (f && fclose(f) != 0) ok = 0;
    if (ok) ok = rename(tmp, cl->cache_path) == 0; /* atomic: readers see the old file or the new */
    if (!ok) remove(tmp);
    free(bin);
}

static oct_status build_from_source(oct_cl *cl)
{
    if (oct_cl_fault("build")) return oct_err(OCT_E_DEVICE, "OpenCL: program build failed (injected by OCTET_CL_FAIL)");
    const char *src = oct_cl_embedded_source;
    cl_int e;
    cl->prog = clCreateProgramWithSource(cl->ctx, 1, &src, NULL, &e);
    if (!cl->prog || e != CL_SUCCESS) return oct_cl_fail(e, "creating the program");
    e = clBuildProgram(cl->prog, 1, &cl->device, cl->options, NULL, NULL);
    if (e == CL_SUCCESS) return OCT_OK;
    char log[2048] = "";
    clGetProgramBuildInfo(cl->prog, cl->device, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log, NULL);
    log[sizeof log - 1] = '\0';
    return oct_err(OCT_E_DEVICE, "OpenCL: building octet's kernels for '%s' failed: %s (%d)\n%s", cl->caps.name,
                   oct_cl_errname(e), (int)e, log);
}

oct_status oct_cl_open(const oct_device_spec *spec, oct_cl **out)
{
    *out = NULL;
    oct_cl *cl = calloc(1, sizeof *cl);
    if (!cl) return oct_err(OCT_E_NOMEM, "out of memory");
    pthread_mutex_init(&cl->lock, NULL);
    oct_status s = oct_cl_find(spec, &cl->platform, &cl->device, &cl->caps);
    cl_int e = CL_SUCCESS;
    if (s == OCT_OK) {
        cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)cl->platform, 0};
        cl->ctx = clCreateContext(props, 1, &cl->device, NULL, NULL, &e);
        if (!cl->ctx || e != CL_SUCCESS) s = oct_cl_fail(e, "creating a context");
    }
    if (s == OCT_OK) {
        cl->queue = clCreateCommandQueue(cl->ctx, cl->device, 0, &e);
        if (!cl->queue || e != CL_SUCCESS) s = oct_cl_fail(e, "creating a command queue");
    }
    if (s == OCT_OK) {
        choose_tiles(cl);
        oct_cl_build_options(cl, cl->options, sizeof cl->options);
        cache_file(cl, cl->cache_path, sizeof cl->cache_path);
        double t0 = now_ms();
        cl->prog = oct_cl_fault("build") ? NULL : load_cached(cl);
        cl->from_cache = cl->prog != NULL;
        if (!cl->prog) {
            s = build_from_source(cl);
            if (s == OCT_OK) save_cached(cl, cl->prog);
        }
        cl->build_ms = now_ms() - t0;
    }
    if (s != OCT_OK) {
        oct_cl_close(cl);
        return s;
    }
    *out = cl;
    return OCT_OK;
}

void oct_cl_close(oct_cl *cl)
{
    if (!cl) return;
    if (cl->queue) clFinish(cl->queue);
    if (cl->prog) clReleaseProgram(cl->prog);
    if (cl->queue) clReleaseCommandQueue(cl->queue);
    if (cl->ctx) clReleaseContext(cl->ctx);
    pthread_mutex_destroy(&cl->lock);
    free(cl);
}

cl_kernel oct_cl_kernel(oct_cl *cl, const char *name)
{
    cl_int e;
    pthread_mutex_lock(&cl->lock);
    cl_kernel k = clCreateKernel(cl->prog, name, &e);
    pthread_mutex_unlock(&cl->lock);
    if (!k || e != CL_SUCCESS) {
        oct_cl_fail(e, name);
        return NULL;
    }
    return k;
}
