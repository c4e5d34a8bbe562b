/* octet — OpenCL device choice and capabilities (see cl_device.h). */
#include "backend/cl/cl_device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PLATFORMS 16
#define MAX_DEVICES 32

oct_status oct_device_parse(const char *s, oct_device_spec *out)
{
    out->kind = OCT_DEVICE_AUTO;
    out->platform = out->device = -1;
    if (!s || !*s || !strcmp(s, "auto")) return OCT_OK;
    if (!strcmp(s, "cpu")) {
        out->kind = OCT_DEVICE_CPU;
        return OCT_OK;
    }
    if (!strncmp(s, "opencl", 6) && (s[6] == '\0' || s[6] == ':')) {
        out->kind = OCT_DEVICE_OPENCL;
        if (!s[6]) return OCT_OK;
        char *end;
        long p = strtol(s + 7, &end, 10);
        if (end == s + 7 || *end != ':' || p < 0 || p >= MAX_PLATFORMS) goto bad;
        const char *d0 = end + 1;
        long d = strtol(d0, &end, 10);
        if (end == d0 || *end || d < 0 || d >= MAX_DEVICES) goto bad;
        out->platform = (int)p;
        out->device = (int)d;
        return OCT_OK;
    }
bad:
    return oct_err(OCT_E_INVALID, "device '%.100s': expected auto, cpu, opencl or opencl:PLATFORM:DEVICE", s);
}

static void info_str(cl_device_id d, cl_device_info what, char *buf, size_t n)
{
    buf[0] = '\0';
    if (clGetDeviceInfo(d, what, n, buf, NULL) != CL_SUCCESS) buf[0] = '\0';
    buf[n - 1] = '\0';
}

/* Whether the device's extension string or OpenCL C feature list holds `name`. */
static int has_word(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return 1;
    return 0;
}

/* OpenCL 3.0: the OpenCL C features as name/version pairs. */
static int has_feature(cl_device_id d, const char *name)
{
    size_t sz = 0;
    if (clGetDeviceInfo(d, CL_DEVICE_OPENCL_C_FEATURES, 0, NULL, &sz) != CL_SUCCESS || sz == 0) return 0;
    size_t n = sz / sizeof(cl_name_version);
    cl_name_version *f = malloc(sz);
    int found = 0;
    if (f && clGetDeviceInfo(d, CL_DEVICE_OPENCL_C_FEATURES, sz, f, NULL) == CL_SUCCESS)
        for (size_t i = 0; i < n && !found; i++) found = !strncmp(f[i].name, name, sizeof f[i].name);
    free(f);
    return found;
}

oct_status oct_cl_caps_query(cl_platform_id platform, cl_device_id d, oct_cl_caps *c)
{
    memset(c, 0, sizeof *c);
    c->platform_index = c->device_index = -1;
    if (clGetPlatformInfo(platform, CL_PLATFORM_NAME, sizeof c->platform, c->platform, NULL) != CL_SUCCESS)
        c->platform[0] = '\0';
    c->platform[sizeof c->platform - 1] = '\0';
    info_str(d, CL_DEVICE_NAME, c->name, sizeof c->name);
    info_str(d, CL_DEVICE_VENDOR, c->vendor, sizeof c->vendor);
    info_str(d, CL_DEVICE_VERSION, c->version, sizeof c->version);
    info_str(d, CL_DRIVER_VERSION, c->driver, sizeof c->driver);
    info_str(d, CL_DEVICE_OPENCL_C_VERSION, c->c_version, sizeof c->c_version);
    cl_device_type type = 0;
    cl_ulong lm = 0, gm = 0, ma = 0;
    size_t wg = 0;
    cl_uint cu = 0;
    cl_int e = clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    if (e == CL_SUCCESS) e = clGetDeviceInfo(d, CL_DEVICE_LOCAL_MEM_SIZE, sizeof lm, &lm, NULL);
    if (e == CL_SUCCESS) e = clGetDeviceInfo(d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof gm, &gm, NULL);
    if (e == CL_SUCCESS) e = clGetDeviceInfo(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof ma, &ma, NULL);
    if (e == CL_SUCCESS) e = clGetDeviceInfo(d, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof wg, &wg, NULL);
    if (e == CL_SUCCESS) e = clGetDeviceInfo(d, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cu, &cu, NULL);
    if (e != CL_SUCCESS) return oct_cl_fail(e, "querying the device");
    c->is_gpu = (type & (CL_DEVICE_TYPE_GPU | CL_DEVICE_TYPE_ACCELERATOR)) != 0;
    c->local_mem = lm;
    c->global_mem = gm;
    c->max_alloc = ma;
    c->max_wg = wg;
    c->compute_units = cu;
    size_t sz = 0;
    char *ext = NULL;
    if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, 0, NULL, &sz) == CL_SUCCESS && (ext = malloc(sz + 1)) != NULL &&
        clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, sz, ext, NULL) == CL_SUCCESS) {
        ext[sz] = '\0';
        c->fp16 = has_word(ext, "cl_khr_fp16");
        int ext_dot = has_word(ext, "cl_khr_integer_dot_product");
        c->dot4 = ext_dot;
        c->dot4_packed = ext_dot;
    }
    free(ext);
    c->c30 = strncmp(c->c_version, "OpenCL C 3.", 11) == 0;
    if (has_feature(d, "__opencl_c_integer_dot_product_input_4x8bit")) c->dot4 = 1;
    if (has_feature(d, "__opencl_c_integer_dot_product_input_4x8bit_packed")) c->dot4_packed = 1;
    if (has_feature(d, "__opencl_c_fp16")) c->fp16 = 1;
    return OCT_OK;
}

void oct_cl_caps_describe(const oct_cl_caps *c, char *buf, size_t n)
{
    snprintf(buf, n,
             "OpenCL device %d:%d '%s' (%s; %s, driver %s, %s): integer dot product 4x8bit %s, packed %s; fp16 %s; "
             "local memory %llu KiB; max work-group %zu; %u compute units; global memory %llu MiB",
             c->platform_index, c->device_index, c->name, c->is_gpu ? "GPU" : "CPU", c->version, c->driver,
             c->c_version, c->dot4 ? "yes" : "no", c->dot4_packed ? "yes" : "no", c->fp16 ? "yes" : "no",
             c->local_mem >> 10, c->max_wg, c->compute_units, c->global_mem >> 20);
}

oct_status oct_cl_find(const oct_device_spec *spec, cl_platform_id *platform, cl_device_id *device, oct_cl_caps *caps)
{
    if (spec->kind == OCT_DEVICE_CPU) return oct_err(OCT_E_NOT_FOUND, "the native CPU path was asked for");
    cl_platform_id plats[MAX_PLATFORMS];
    cl_uint np = 0;
    cl_int e = clGetPlatformIDs(MAX_PLATFORMS, plats, &np);
    if (e == CL_PLATFORM_NOT_FOUND_KHR || (e == CL_SUCCESS && np == 0))
        return oct_err(OCT_E_NOT_FOUND, "no OpenCL platform is installed (no ICD under /etc/OpenCL/vendors)");
    if (e != CL_SUCCESS) return oct_cl_fail(e, "listing OpenCL platforms");
    if (np > MAX_PLATFORMS) np = MAX_PLATFORMS;
    int want_gpu = spec->kind == OCT_DEVICE_AUTO;
    char seen[512] = "";
    for (cl_uint p = 0; p < np; p++) {
        if (spec->platform >= 0 && (int)p != spec->platform) continue;
        cl_device_id devs[MAX_DEVICES];
        cl_uint nd = 0;
        if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, MAX_DEVICES, devs, &nd) != CL_SUCCESS) continue;
        if (nd > MAX_DEVICES) nd = MAX_DEVICES;
        for (cl_uint i = 0; i < nd; i++) {
            oct_cl_caps c;
            if (oct_cl_caps_query(plats[p], devs[i], &c) != OCT_OK) continue;
            size_t used = strlen(seen);
            snprintf(seen + used, sizeof seen - used, "%s%u:%u %s (%s)", used ? ", " : "", p, i, c.name,
                     c.is_gpu ? "GPU" : "CPU");
            if (spec->device >= 0 && (int)i != spec->device) continue;
            if (want_gpu && !c.is_gpu) continue;
            c.platform_index = (int)p;
            c.device_index = (int)i;
            *platform = plats[p];
            *device = devs[i];
            if (caps) *caps = c;
            return OCT_OK;
        }
    }
    if (want_gpu) return oct_err(OCT_E_NOT_FOUND, "no OpenCL GPU (devices: %s)", seen[0] ? seen : "none");
    if (spec->platform >= 0 && (cl_uint)spec->platform >= np)
        return oct_err(OCT_E_NOT_FOUND, "no OpenCL platform %d (there %s %u; `octet devices` lists them)",
                       spec->platform, np == 1 ? "is" : "are", np);
    if (spec->platform >= 0)
        return oct_err(OCT_E_NOT_FOUND, "no OpenCL device %d:%d (platform %d has: %s)", spec->platform, spec->device,
                       spec->platform, seen[0] ? seen : "none");
    return oct_err(OCT_E_NOT_FOUND, "no OpenCL device");
}

int oct_cl_devices(oct_cl_caps *out, int max)
{
    cl_platform_id plats[MAX_PLATFORMS];
    cl_uint np = 0;
    if (clGetPlatformIDs(MAX_PLATFORMS, plats, &np) != CL_SUCCESS) return 0;
    if (np > MAX_PLATFORMS) np = MAX_PLATFORMS;
    int n = 0;
    for (cl_uint p = 0; p < np; p++) {
        cl_device_id devs[MAX_DEVICES];
        cl_uint nd = 0;
        if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, MAX_DEVICES, devs, &nd) != CL_SUCCESS) continue;
        if (nd > MAX_DEVICES) nd = MAX_DEVICES;
        for (cl_uint i = 0; i < nd && n < max; i++) {
            if (oct_cl_caps_query(plats[p], devs[i], &out[n]) != OCT_OK) continue;
            out[n].platform_index = (int)p;
            out[n].device_index = (int)i;
            n++;
        }
    }
    return n;
}

const char *oct_cl_errname(cl_int err)
{
    switch (err) {
    case CL_DEVICE_NOT_FOUND: return "CL_DEVICE_NOT_FOUND";
    case CL_DEVICE_NOT_AVAILABLE: return "CL_DEVICE_NOT_AVAILABLE";
    case CL_COMPILER_NOT_AVAILABLE: return "CL_COMPILER_NOT_AVAILABLE";
    case CL_MEM_OBJECT_ALLOCATION_FAILURE: return "CL_MEM_OBJECT_ALLOCATION_FAILURE";
    case CL_OUT_OF_RESOURCES: return "CL_OUT_OF_RESOURCES";
    case CL_OUT_OF_HOST_MEMORY: return "CL_OUT_OF_HOST_MEMORY";
    case CL_BUILD_PROGRAM_FAILURE: return "CL_BUILD_PROGRAM_FAILURE";
    case CL_MAP_FAILURE: return "CL_MAP_FAILURE";
    case CL_INVALID_VALUE: return "CL_INVALID_VALUE";
    case CL_INVALID_DEVICE: return "CL_INVALID_DEVICE";
    case CL_INVALID_CONTEXT: return "CL_INVALID_CONTEXT";
    case CL_INVALID_COMMAND_QUEUE: return "CL_INVALID_COMMAND_QUEUE";
    case CL_INVALID_MEM_OBJECT: return "CL_INVALID_MEM_OBJECT";
    case CL_INVALID_BINARY: return "CL_INVALID_BINARY";
    case CL_INVALID_BUILD_OPTIONS: return "CL_INVALID_BUILD_OPTIONS";
    case CL_INVALID_PROGRAM: return "CL_INVALID_PROGRAM";
    case CL_INVALID_PROGRAM_EXECUTABLE: return "CL_INVALID_PROGRAM_EXECUTABLE";
    case CL_INVALID_KERNEL_NAME: return "CL_INVALID_KERNEL_NAME";
    case CL_INVALID_KERNEL: return "CL_INVALID_KERNEL";
    case CL_INVALID_ARG_INDEX: return "CL_INVALID_ARG_INDEX";
    case CL_INVALID_ARG_VALUE: return "CL_INVALID_ARG_VALUE";
    case CL_INVALID_ARG_SIZE: return "CL_INVALID_ARG_SIZE";
    case CL_INVALID_KERNEL_ARGS: return "CL_INVALID_KERNEL_ARGS";
    case CL_INVALID_WORK_DIMENSION: return "CL_INVALID_WORK_DIMENSION";
    case CL_INVALID_WORK_GROUP_SIZE: return "CL_INVALID_WORK_GROUP_SIZE";
    case CL_INVALID_WORK_ITEM_SIZE: return "CL_INVALID_WORK_ITEM_SIZE";
    case CL_INVALID_GLOBAL_OFFSET: return "CL_INVALID_GLOBAL_OFFSET";
    case CL_INVALID_BUFFER_SIZE: return "CL_INVALID_BUFFER_SIZE";
    case CL_INVALID_GLOBAL_WORK_SIZE: return "CL_INVALID_GLOBAL_WORK_SIZE";
    case CL_PLATFORM_NOT_FOUND_KHR: return "CL_PLATFORM_NOT_FOUND_KHR";
    default: return "OpenCL error";
    }
}

oct_status oct_cl_fail(cl_int err, const char *what)
{
    return oct_err(OCT_E_DEVICE, "OpenCL: %s failed: %s (%d)", what, oct_cl_errname(err), (int)err);
}
