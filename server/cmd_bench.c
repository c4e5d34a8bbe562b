/* `octet bench --model M [--precision P] [--batch 1,8,64] [--threads T]`
 * Latency percentiles and throughput per batch size, on fixed-seed random
 * inputs of the model's input shape (symbolic dims = the batch). Warm-up
 * runs are excluded; each batch size runs for --seconds (default 2) or at
 * least --min-iters runs. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: octet bench --model M.onnx [options]\n"
            "  --batch B[,B...]                     batch sizes (default 1,8,64)\n"
            "  --threads T                          threads (default: all cores)\n"
            "  --seconds S                          timed seconds per batch size (default 2)\n"
            "  --min-iters N                        at least N timed runs (default 10)\n"
            "  --warmup N                           untimed runs first (default 3)\n"
            "  --config C                           model config.json (default: beside the model)\n"
            "  --json                               one JSON object per batch size\n" OCT_CLI_QOPTS_HELP);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *v, int n, double p)
{
    double r = p / 100.0 * (n - 1);
    int i = (int)r;
    return i + 1 < n ? v[i] + (r - i) * (v[i + 1] - v[i]) : v[n - 1];
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static float frand(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (float)((rng >> 40) & 0xffffff) / 16777216.f * 2.f - 1.f;
}

static int bench_batch(oct_session *s, int64_t batch, double seconds, int min_iters, int warmup, int json,
                       const char *model, oct_precision prec, int threads)
{
    int nin = oct_session_n_inputs(s);
    oct_tensor *in[16] = {0};
    if (nin > 16) {
        fprintf(stderr, "octet bench: too many inputs\n");
        return -1;
    }
    for (int i = 0; i < nin; i++) {
        const oct_value *v = oct_session_input(s, i);
        int64_t d[OCT_MAX_RANK];
        if (v->rank < 0) {
            fprintf(stderr, "octet bench: input '%s' has an unknown rank\n", v->name);
            return -1;
        }
        for (int k = 0; k < v->rank; k++) d[k] = v->dims[k] < 0 ? batch : v->dims[k];
        in[i] = oct_tensor_new(v->dtype, v->rank, d);
        if (!in[i]) return -1;
        for (int64_t e = 0; e < oct_tensor_numel(in[i]); e++)
            oct_dtype_set(v->dtype, in[i]->data, (size_t)e, v->dtype == OCT_DT_F32 ? frand() : 0);
    }
    int cap = 1 << 16, n = 0, rc = 0;
    double *lat = malloc((size_t)cap * sizeof *lat);
    oct_tensor *out[64] = {0};
    int nout = oct_session_n_outputs(s) < 64 ? oct_session_n_outputs(s) : 64;
    double t_start = 0;
    for (int it = 0; lat; it++) {
        double t0 = oct_cli_now();
        if (oct_session_run(s, (const oct_tensor *const *)in, out) != OCT_OK) {
            fprintf(stderr, "octet bench: %s\n", oct_errmsg());
            rc = -1;
            break;
        }
        double t1 = oct_cli_now();
        for (int o = 0; o < nout; o++) oct_tensor_free(out[o]), out[o] = NULL;
        if (it < warmup) continue;
        if (it == warmup) t_start = t0;
        lat[n++] = t1 - t0;
        if (n >= cap || (n >= min_iters && t1 - t_start >= seconds)) break;
    }
    if (rc == 0 && lat && n > 0) {
        double total = 0;
        for (int i = 0; i < n; i++) total += lat[i];
        qsort(lat, (size_t)n, sizeof *lat, cmp_d);
        double thr = (double)batch * n / total;
        if (json)
            printf("{\"model\": \"%s\", \"precision\": \"%s\", \"threads\": %d, \"batch\": %lld, \"runs\": %d, "
                   "\"latency_ms\": {\"mean\": %.4f, \"p50\": %.4f, \"p90\": %.4f, \"p99\": %.4f, \"min\": %.4f}, "
                   "\"samples_per_second\": %.1f}\n",
                   model, oct_precision_name(prec), threads, (long long)batch, n, 1e3 * total / n,
                   1e3 * pct(lat, n, 50), 1e3 * pct(lat, n, 90), 1e3 * pct(lat, n, 99), 1e3 * lat[0], thr);
        else
            printf("batch %4lld: %6d runs  latency ms mean %8.3f  p50 %8.3f  p90 %8.3f  p99 %8.3f  | %10.1f samples/s\n",
                   (long long)batch, n, 1e3 * total / n, 1e3 * pct(lat, n, 50), 1e3 * pct(lat, n, 90),
                   1e3 * pct(lat, n, 99), thr);
    }
    free(lat);
    for (int i = 0; i < nin; i++) oct_tensor_free(in[i]);
    return rc;
}

int oct_cmd_bench(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'},   {"batch", required_argument, 0, 'b'},
        {"threads", required_argument, 0, 't'}, {"seconds", required_argument, 0, 's'},
        {"min-iters", required_argument, 0, 'i'}, {"warmup", required_argument, 0, 'w'},
        {"config", required_argument, 0, 'c'},  {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},          OCT_CLI_QOPTS_LONG,
        {0, 0, 0, 0}};
    const char *model = NULL, *cfg = NULL, *batches = "1,8,64";
    int threads = 0, min_iters = 10, warmup = 3, json = 0, c, li = 0;
    double seconds = 2.0;
    oct_cli_qopts qo;
    oct_cli_qopts_init(&qo);
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:b:t:s:i:w:c:jh", opts, &li)) != -1) {
        switch (c) {
        case 0: if (oct_cli_qopts_set(&qo, opts[li].name, optarg) != 0) return 2; break;
        case 'm': model = optarg; break;
        case 'b': batches = optarg; break;
        case 't': if ((threads = oct_cli_int("--threads", optarg, 1, 256)) < 0) return 2; break;
        case 's':
            seconds = strtod(optarg, NULL);
            if (!(seconds > 0 && seconds < 3600)) {
                fprintf(stderr, "octet bench: --seconds must be in (0, 3600)\n");
                return 2;
            }
            break;
        case 'i': if ((min_iters = oct_cli_int("--min-iters", optarg, 1, 1 << 20)) < 0) return 2; break;
        case 'w': if ((warmup = oct_cli_int("--warmup", optarg, 0, 1 << 20)) < 0) return 2; break;
        case 'c': cfg = optarg; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!model || optind != argc) {
        usage(stderr);
        return 2;
    }
    int64_t bl[32];
    int nb = 0;
    for (const char *p = batches; *p && nb < 32;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 65536 || (*end && *end != ',')) {
            fprintf(stderr, "octet bench: --batch must be a list of sizes in 1..65536 like 1,8,64\n");
            return 2;
        }
        bl[nb++] = v;
        p = *end ? end + 1 : end;
    }
    oct_session *s = NULL;
    oct_precision prec;
    if (oct_cli_open_model("bench", model, cfg, &qo, threads, &s, NULL, &prec) != 0) return 1;
    if (!json) printf("model %s, precision %s, threads %d\n", model, oct_precision_name(prec), threads);
    int rc = 0;
    for (int i = 0; i < nb && rc == 0; i++)
        rc = bench_batch(s, bl[i], seconds, min_iters, warmup, json, model, prec, threads);
    oct_session_free(s);
    return rc ? 1 : 0;
}
