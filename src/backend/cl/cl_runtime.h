/* octet — one OpenCL device opened for octet: context, in-order queue and
 * octet's kernel program (the sources in kernels_cl/, embedded at build
 * time), built once per device and cached on disk.
 *
 * Program cache: $OCTET_CL_CACHE (a directory; "off" disables it), else
 * $XDG_CACHE_HOME/octet/cl, else $HOME/.cache/octet/cl. A binary is keyed by
 * a 64-bit FNV-1a hash of the source, the build options, the platform,
 * device, device version and driver version; a stale or foreign file fails
 * to load and is rebuilt from source. */
#ifndef OCT_BACKEND_CL_RUNTIME_H
#define OCT_BACKEND_CL_RUNTIME_H

#include <pthread.h>

#include "backend/cl/cl_device.h"

typedef struct oct_cl {
    cl_platform_id platform;
    cl_device_id device;
    cl_context ctx;
    cl_command_queue queue;
    cl_program prog;
    oct_cl_caps caps;
    char options[256];   /* build options used */
    int gemm_tm, gemm_vw;/* FP32 GEMM register tile: rows x vector width (per device) */
    double build_ms;     /* program load time at open (cache hit or full build) */
    int from_cache;      /* 1: the binary came from the disk cache */
    char cache_path[512];/* "" when not cached */
    pthread_mutex_t lock;/* kernel objects are created under it */
} oct_cl;

/* Open the device the spec names (see oct_cl_find) and build the program.
 * OCT_E_NOT_FOUND: no such device (AUTO: no GPU); OCT_E_DEVICE: an OpenCL
 * failure (the message names it; a build failure includes the build log). */
oct_status oct_cl_open(const oct_device_spec *spec, oct_cl **out);
void oct_cl_close(oct_cl *cl);

/* A new kernel object (the caller releases it). NULL + message on failure. */
cl_kernel oct_cl_kernel(oct_cl *cl, const char *name);

/* The program source (shared header + every kernels_cl .cl file), and the
 * build options chosen for these capabilities (feature macros the compiler
 * does not define itself, -cl-std). */
const char *oct_cl_program_source(void);
void oct_cl_build_options(const oct_cl *cl, char *buf, size_t n);

/* Test hook: OCTET_CL_FAIL=build|enqueue|alloc makes that step fail (fault injection). */
int oct_cl_fault(const char *what);

#endif
