/* octet — OpenCL devices: the --device / OCTET_DEVICE choice, discovery and
 * capabilities.
 *
 *   auto              an OpenCL GPU (or accelerator) if there is one, else the native CPU path
 *   cpu               the native CPU path
 *   opencl            the first OpenCL device of any type (PoCL counts)
 *   opencl:P:D        device D of platform P (indices as `clinfo -l` lists them)
 */
#ifndef OCT_BACKEND_CL_DEVICE_H
#define OCT_BACKEND_CL_DEVICE_H

#include <stddef.h>

#include "backend/cl/cl_api.h"

typedef enum oct_device_kind { OCT_DEVICE_AUTO = 0, OCT_DEVICE_CPU, OCT_DEVICE_OPENCL } oct_device_kind;

typedef struct oct_device_spec {
    oct_device_kind kind;
    int platform, device; /* -1: any (kind OPENCL) */
} oct_device_spec;

/* Parse "auto" | "cpu" | "opencl" | "opencl:P:D"; NULL or "" = auto. */
oct_status oct_device_parse(const char *s, oct_device_spec *out);

typedef struct oct_cl_caps {
    char name[256], vendor[128], version[128], driver[128], c_version[128], platform[256];
    int platform_index, device_index;
    int is_gpu;
    int dot4, dot4_packed; /* __opencl_c_integer_dot_product_input_4x8bit[_packed] (or the extension) */
    int fp16;              /* cl_khr_fp16 */
    int c30;               /* OpenCL C 3.0 compiler (-cl-std=CL3.0) */
    size_t max_wg;
    unsigned long long local_mem, global_mem, max_alloc;
    unsigned compute_units;
} oct_cl_caps;

/* The OpenCL device the spec names. For AUTO: a GPU or accelerator, or
 * OCT_E_NOT_FOUND (meaning: use the CPU path) — never a CPU OpenCL device.
 * For OPENCL: the named device, or OCT_E_NOT_FOUND / OCT_E_UNSUPPORTED with a
 * message listing what exists. */
oct_status oct_cl_find(const oct_device_spec *spec, cl_platform_id *platform, cl_device_id *device,
                       oct_cl_caps *caps);
oct_status oct_cl_caps_query(cl_platform_id platform, cl_device_id device, oct_cl_caps *caps);
/* Every OpenCL device (up to max), with its platform:device indices; the
 * count, 0 when there is no platform. */
int oct_cl_devices(oct_cl_caps *out, int max);
/* One line for the log: name, driver, dot product, fp16, local memory, work-group size. */
void oct_cl_caps_describe(const oct_cl_caps *c, char *buf, size_t n);

#endif
