/* octet devices — the OpenCL devices octet sees, their capabilities, which
 * one --device auto picks, and (with --build) the cold and warm start-up
 * time of octet's kernel program on each: cold = compiled from source into
 * an empty cache directory, warm = loaded from that cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/cl/cl_runtime.h"
#include "cli.h"

#define MAX_LISTED 32

static int build_times(const oct_cl_caps *c)
{
    char dir[] = "/tmp/octet-clcache-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("octet devices: mkdtemp");
        return 1;
    }
    const char *old = getenv("OCTET_CL_CACHE");
    char *saved = old ? strdup(old) : NULL;
    setenv("OCTET_CL_CACHE", dir, 1);
    oct_device_spec spec = {OCT_DEVICE_OPENCL, c->platform_index, c->device_index};
    double ms[2] = {0, 0};
    int from_cache[2] = {0, 0}, rc = 0;
    char path[512] = "";
    for (int i = 0; i < 2 && rc == 0; i++) {
        oct_cl *cl = NULL;
        if (oct_cl_open(&spec, &cl) != OCT_OK) {
            fprintf(stderr, "octet devices: %s\n", oct_errmsg());
            rc = 1;
            break;
        }
        ms[i] = cl->build_ms;
        from_cache[i] = cl->from_cache;
        snprintf(path, sizeof path, "%s", cl->cache_path);
        oct_cl_close(cl);
    }
    if (rc == 0)
        printf("    program: cold %.0f ms (built from source%s), warm %.0f ms (%s)\n", ms[0],
               from_cache[0] ? "?" : "", ms[1], from_cache[1] ? "loaded from the binary cache" : "rebuilt: not cached");
    if (path[0]) remove(path);
    rmdir(dir);
    if (saved) setenv("OCTET_CL_CACHE", saved, 1);
    else unsetenv("OCTET_CL_CACHE");
    free(saved);
    return rc;
}

int oct_cmd_devices(int argc, char **argv)
{
    int build = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--build")) build = 1;
        else {
            fprintf(!strcmp(argv[i], "--help") ? stdout : stderr,
                    "usage: octet devices [--build]\n"
                    "Lists the OpenCL devices (use one with --device opencl:P:D) and which one --device auto\n"
                    "picks; --build also times octet's kernel program on each, cold and from the cache.\n");
            return strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    oct_cl_caps caps[MAX_LISTED];
    int n = oct_cl_devices(caps, MAX_LISTED);
    oct_device_spec autospec = {OCT_DEVICE_AUTO, -1, -1};
    cl_platform_id p;
    cl_device_id d;
    oct_cl_caps pick;
    int have_gpu = oct_cl_find(&autospec, &p, &d, &pick) == OCT_OK;
    printf("native CPU path: always available\n");
    if (n == 0) printf("no OpenCL device (install an ICD: pocl-opencl-icd, or the GPU vendor's)\n");
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char line[1024];
        oct_cl_caps_describe(&caps[i], line, sizeof line);
        printf("%s\n", line);
        if (build && build_times(&caps[i]) != 0) rc = 1;
    }
    if (have_gpu) printf("--device auto: opencl:%d:%d (%s)\n", pick.platform_index, pick.device_index, pick.name);
    else printf("--device auto: the native CPU path (no OpenCL GPU; CPU OpenCL devices only when asked for)\n");
    return rc;
}
