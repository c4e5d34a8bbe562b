/* octet_bare_mhd — the HTTP layer's ceiling for bench/server_bench.sh: a
 * libmicrohttpd server started with the same daemon flags and options as
 * octet serve (server/http.c, oct_http_start: internal thread pool of N threads,
 * suspend/resume allowed, same connection timeout / memory limit) that
 * gathers the POST body into a growing buffer as octet does and answers every
 * request at once with a fixed JSON of about the size of octet's /infer answer
 * for a Fashion-MNIST model (10 logits, precision, device, timings). No JSON
 * parsing, no scheduler, no suspend/resume: whatever octet measures below this
 * is the price of its own work.
 *
 *   octet_bare_mhd [--host 127.0.0.1] [--port 0] [--threads 2] [--max-body BYTES] [--conn-memory BYTES]
 *
 * --conn-memory is MHD_OPTION_CONNECTION_MEMORY_LIMIT (octet's 32 KiB by
 * default), there to measure what that setting costs per request.
 *
 * Prints "listening on http://HOST:PORT" on stdout once it listens (--port 0:
 * the kernel chooses), runs until SIGTERM / SIGINT, prints the request count. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The shape of octet's /infer answer for fmnist_* (about 330 bytes). */
static const char ANSWER[] =
    "{\"model\":\"fmnist_mlp\",\"outputs\":{\"logits\":[[-4.61893082,-7.20134449,-3.00812578,-5.54172325,"
    "-3.86709714,4.20871878,-3.47106147,5.87102365,0.962839186,7.90251541]]},\"precision\":\"int8\","
    "\"device\":\"cpu\",\"batch_size\":1,\"timing_us\":{\"queue\":13,\"compute\":21,\"total\":88}}";

typedef struct req {
    char *body;
    size_t len, cap;
    int too_large;
} req;

static size_t max_body = (size_t)64 << 20;
static unsigned long long n_answered;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)cls, (void)url, (void)method, (void)version;
    req *r = *con_cls;
    if (!r) {
        if (!(r = calloc(1, sizeof *r))) return MHD_NO;
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (r->too_large || r->len + n > max_body) {
            r->too_large = 1;
            return MHD_YES;
        }
        if (r->len + n + 1 > r->cap) {
            size_t cap = r->cap ? r->cap : 4096;
            while (cap < r->len + n + 1) cap *= 2;
            char *b = realloc(r->body, cap);
            if (!b) {
                r->too_large = 1;
                return MHD_YES;
            }
            r->body = b, r->cap = cap;
        }
        memcpy(r->body + r->len, upload, n);
        r->len += n;
        r->body[r->len] = 0;
        return MHD_YES;
    }
    unsigned code = r->too_large ? MHD_HTTP_CONTENT_TOO_LARGE : MHD_HTTP_OK;
    const char *text = r->too_large ? "{\"error\":\"the request body is over the limit\"}" : ANSWER;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, code, resp);
    MHD_destroy_response(resp);
    __atomic_fetch_add(&n_answered, 1, __ATOMIC_RELAXED);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode why)
{
    (void)cls, (void)conn, (void)why;
    req *r = *con_cls;
    if (!r) return;
    free(r->body);
    free(r);
    *con_cls = NULL;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: octet_bare_mhd [--host 127.0.0.1] [--port 0] [--threads 2] [--max-body BYTES]\n"
               "                      [--conn-memory BYTES]\n"
               "A bare libmicrohttpd server (octet serve's daemon flags) answering every request with a\n"
               "fixed JSON of the size of octet's /infer answer: the HTTP layer's ceiling.\n");
}

static int parse_long(const char *flag, const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) {
        fprintf(stderr, "octet_bare_mhd: %s must be an integer in [%ld, %ld], got '%s'\n", flag, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1";
    long port = 0, threads = 2, mb = (long)max_body, conn_mem = 32 * 1024;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "octet_bare_mhd: unknown option or missing value: %s\n", a);
            usage(stderr);
            return 2;
        }
        const char *v = argv[++i];
        int bad = 0;
        if (!strcmp(a, "--host")) host = v;
        else if (!strcmp(a, "--port")) bad = parse_long(a, v, 0, 65535, &port);
        else if (!strcmp(a, "--threads") || !strcmp(a, "--http-threads")) bad = parse_long(a, v, 1, 64, &threads);
        else if (!strcmp(a, "--max-body")) bad = parse_long(a, v, 1024, 1L << 34, &mb);
        else if (!strcmp(a, "--conn-memory")) bad = parse_long(a, v, 4096, 1L << 30, &conn_mem);
        else {
            fprintf(stderr, "octet_bare_mhd: unknown option %s\n", a);
            usage(stderr);
            return 2;
        }
        if (bad) return 2;
    }
    max_body = (size_t)mb;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "octet_bare_mhd: --host '%s' is not an IPv4 address\n", host);
        return 2;
    }
    /* signals go to sigwait below, not to MHD's threads */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* the same flags and options as oct_http_start (server/http.c) */
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    struct MHD_Daemon *d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, NULL,
                                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                                            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
                                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)conn_mem,
                                            MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "octet_bare_mhd: cannot listen on %s:%ld\n", host, port);
        return 1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    if (di && di->port) port = di->port;
    printf("octet_bare_mhd: listening on http://%s:%ld (%ld thread%s)\n", host, port, threads,
           threads == 1 ? "" : "s");
    fflush(stdout);
    int sig = 0;
    sigwait(&sigs, &sig);
    MHD_stop_daemon(d);
    printf("octet_bare_mhd: stopped after %llu answers\n", __atomic_load_n(&n_answered, __ATOMIC_RELAXED));
    return 0;
}
