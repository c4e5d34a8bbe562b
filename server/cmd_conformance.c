/* `octet conformance DIR... [--json] [--threads N] [--no-optimize] [--verbose]` */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "conformance.h"

typedef struct {
    char *name;
    oct_case_result r;
    char *msg;
} case_row;

static int has_model(const char *dir)
{
    char p[4096];
    struct stat st;
    if (snprintf(p, sizeof p, "%s/model.onnx", dir) >= (int)sizeof p) return 0;
    return stat(p, &st) == 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Append every case directory under `dir` (itself, or its immediate children). */
static int collect(const char *dir, char ***list, int *n, int *cap)
{
    if (has_model(dir)) {
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 256;
            *list = realloc(*list, (size_t)*cap * sizeof **list);
        }
        (*list)[(*n)++] = strdup(dir);
        return 1;
    }
    DIR *d = opendir(dir);
    if (!d) return 0;
    char **kids = NULL;
    int nk = 0, ck = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[4096];
        if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p || !has_model(p)) continue;
        if (nk == ck) {
            ck = ck ? ck * 2 : 256;
            kids = realloc(kids, (size_t)ck * sizeof *kids);
        }
        kids[nk++] = strdup(p);
    }
    closedir(d);
    if (nk) qsort(kids, (size_t)nk, sizeof *kids, cmp_str);
    for (int i = 0; i < nk; i++) {
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 256;
            *list = realloc(*list, (size_t)*cap * sizeof **list);
        }
        (*list)[(*n)++] = kids[i];
    }
    free(kids);
    return 1;
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20) fprintf(f, "\\u%04x", *s);
        else fputc(*s, f);
    }
    fputc('"', f);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: octet conformance DIR... [options]\n"
            "Runs every ONNX test case (<case>/model.onnx + test_data_set_*/input_N.pb, output_N.pb)\n"
            "found in DIR or its subdirectories and compares outputs (rtol 1e-3, atol 1e-7).\n"
            "Prints one line per failure and per skip, then 'N passed, M failed, K skipped'.\n"
            "Exit status 1 if any case failed.\n\n"
            "  --json          print a JSON report on stdout instead of text lines\n"
            "  --threads N     threads per session (default 1)\n"
            "  --no-optimize   run the graphs without graph passes\n"
            "  --verbose       also list passing cases\n"
            "  --device D      auto|cpu|opencl[:P:D] (default cpu); nodes the device does not implement\n"
            "                  run on the CPU; a device failure (fallback) fails the case\n");
}

int oct_cmd_conformance(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, 0, 'j'},     {"threads", required_argument, 0, 't'},
                                         {"no-optimize", no_argument, 0, 'O'}, {"verbose", no_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},     {"device", required_argument, 0, 'd'},
                                         {0, 0, 0, 0}};
    int json = 0, verbose = 0, c, used_device = 0, any_device = 0;
    oct_case_opts o = {1, 1, 1e-3, 1e-7, NULL, &used_device};
    optind = 1;
    while ((c = getopt_long(argc, argv, "jt:Ovhd:", opts, NULL)) != -1) {
        switch (c) {
        case 'd': o.device = optarg; break;
        case 'j': json = 1; break;
        case 't': if ((o.n_threads = oct_cli_int("--threads", optarg, 1, 256)) < 0) return 2; break;
        case 'O': o.optimize = 0; break;
        case 'v': verbose = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    char **dirs = NULL;
    int n = 0, cap = 0;
    for (int i = optind; i < argc; i++)
        if (!collect(argv[i], &dirs, &n, &cap)) {
            fprintf(stderr, "octet conformance: cannot read directory '%s'\n", argv[i]);
            return 2;
        }
    case_row *rows = calloc((size_t)(n > 0 ? n : 1), sizeof *rows);
    int pass = 0, fail = 0, skip = 0;
    double t0 = oct_cli_now();
    for (int i = 0; i < n; i++) {
        char msg[1024];
        const char *base = strrchr(dirs[i], '/');
        base = base ? base + 1 : dirs[i];
        used_device = 0;
        oct_case_result r = oct_conformance_case(dirs[i], &o, msg, sizeof msg);
        any_device += used_device && r == OCT_CASE_PASS;
        rows[i].name = strdup(base);
        rows[i].r = r;
        rows[i].msg = strdup(msg);
        pass += r == OCT_CASE_PASS;
        fail += r == OCT_CASE_FAIL;
        skip += r == OCT_CASE_SKIP;
        if (!json) {
            if (r == OCT_CASE_FAIL) printf("FAIL %s: %s\n", base, msg);
            else if (r == OCT_CASE_SKIP) printf("SKIP %s: %s\n", base, msg);
            else if (verbose) printf("PASS %s\n", base);
            fflush(stdout);
        }
        oct_cli_progress("conformance", i + 1, n);
    }
    double dt = oct_cli_now() - t0;
    if (json) {
        printf("{\"passed\": %d, \"failed\": %d, \"skipped\": %d, \"seconds\": %.2f, \"cases\": [", pass, fail, skip, dt);
        for (int i = 0; i < n; i++) {
            printf("%s\n  {\"name\": ", i ? "," : "");
            json_str(stdout, rows[i].name);
            printf(", \"result\": \"%s\", \"message\": ",
                   rows[i].r == OCT_CASE_PASS ? "pass" : rows[i].r == OCT_CASE_FAIL ? "fail" : "skip");
            json_str(stdout, rows[i].msg);
            printf("}");
        }
        printf("\n]}\n");
    }
    fprintf(json ? stderr : stdout, "%d passed, %d failed, %d skipped\n", pass, fail, skip);
    if (o.device && strcmp(o.device, "cpu"))
        fprintf(json ? stderr : stdout, "%d of the passed cases ran nodes on the device (%s)\n", any_device, o.device);
    for (int i = 0; i < n; i++) {
        free(rows[i].name);
        free(rows[i].msg);
        free(dirs[i]);
    }
    free(rows);
    free(dirs);
    return fail ? 1 : 0;
}
