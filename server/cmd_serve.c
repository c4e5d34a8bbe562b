/* octet serve — the HTTP inference server. Start-up: settings, model
 * repository scan, HTTP listening (live at once, ready once models load),
 * models loaded in the background. SIGTERM / SIGINT: new requests get 503
 * (not ready, shutting down), the queued work runs and every suspended
 * connection gets its answer, open connections get up to drain_seconds to
 * finish, then the listening socket closes and the process exits 0. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "auth.h"
#include "http.h"
#include "metrics.h"
#include "serve_config.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: octet serve [--model-repository DIR] [--host 127.0.0.1] [--port 8000] [--device D]\n"
               "                   [--threads N] [--config server.json] [other settings]\n\n"
               "Serves every model in the repository (DIR/<name>/config.json + model file) over HTTP:\n"
               "POST /infer, KServe v2 (/v2/...), GET /metrics. Settings, lowest precedence first:\n"
               "defaults, --config file (keys as below, '_' for '-'), environment, flags.\n\n"
               "  setting              environment              value\n");
    oct_srv_settings_help(f);
    fprintf(f, "\n  --device: auto|cpu|opencl[:P:D]; --threads: compute threads per model instance (0: all\n"
               "  cores); --strict-readiness: /v2/health/ready waits for every model (default: one).\n");
}

static void on_batch(void *ctx, int model, int rows, int jobs, int64_t ns, oct_status st)
{
    (void)jobs, (void)ns, (void)st;
    oct_srv *srv = ctx;
    if (srv->metrics) oct_metrics_batch(srv->metrics, model, rows);
}

static void *loader(void *arg)
{
    oct_repo_load_all(arg);
    return NULL;
}

static int parse_args(int argc, char **argv, oct_srv_settings *s)
{
    const char *cfg = NULL;
    for (int i = 1; i < argc; i++) /* the file first: flags override it */
        if (!strcmp(argv[i], "--config") && i + 1 < argc) cfg = argv[++i];
        else if (!strncmp(argv[i], "--config=", 9)) cfg = argv[i] + 9;
    if (cfg && oct_srv_settings_file(s, cfg) != OCT_OK) goto bad;
    if (oct_srv_settings_env(s) != OCT_OK) goto bad;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 1;
        }
        if (strncmp(argv[i], "--", 2)) {
            fprintf(stderr, "octet serve: unexpected argument '%s'\n", argv[i]);
            return -1;
        }
        char flag[64];
        const char *val, *eq = strchr(argv[i], '=');
        if (eq) {
            snprintf(flag, sizeof flag, "%.*s", (int)(eq - argv[i] - 2), argv[i] + 2);
            val = eq + 1;
        } else {
            snprintf(flag, sizeof flag, "%s", argv[i] + 2);
            if (i + 1 >= argc) {
                fprintf(stderr, "octet serve: --%s needs a value\n", flag);
                return -1;
            }
            val = argv[++i];
        }
        if (!strcmp(flag, "config")) continue;
        int known = 0;
        if (oct_srv_settings_flag(s, flag, val, &known) != OCT_OK) goto bad;
        if (!known) {
            fprintf(stderr, "octet serve: unknown option --%s (see --help)\n", flag);
            return -1;
        }
    }
    return 0;
bad:
    fprintf(stderr, "octet serve: %s\n", oct_errmsg());
    return -1;
}

/* After MHD_quiesce_daemon: connections the kernel completed but MHD never
 * accepted would be reset when the listening socket closes. Accept each,
 * read what it sent and answer 503 (shutting down) before closing. */
static void refuse_backlog(MHD_socket fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    static const char msg[] = "{\"error\":\"the server is shutting down\"}";
    char ans[256], sink[16384];
    int n = snprintf(ans, sizeof ans,
                     "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
                     "Connection: close\r\nContent-Length: %zu\r\n\r\n%s", sizeof msg - 1, msg);
    /* bounded: clients that keep reconnecting must not hold the shutdown open */
    for (int c, i = 0; i < 256 && (c = accept(fd, NULL, NULL)) >= 0; i++) {
        struct timeval tv = {0, 200 * 1000};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ssize_t got = recv(c, sink, sizeof sink, 0); /* the request head (unread bytes would turn close into a reset) */
        (void)got;
        if (write(c, ans, (size_t)n) < 0) { /* gone already */ }
        shutdown(c, SHUT_WR);
        while (recv(c, sink, sizeof sink, 0) > 0) {}
        close(c);
    }
    close(fd);
}

static void wait_drained(oct_srv *srv)
{
    struct timespec ts = {0, 20 * 1000 * 1000};
    for (int i = 0; i < srv->set.drain_s * 50; i++) {
        if (!oct_http_connections(srv)) return;
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "octet serve: %d connection(s) still open after %d s; closing them\n", oct_http_connections(srv),
            srv->set.drain_s);
}

int oct_cmd_serve(int argc, char **argv)
{
    oct_srv srv;
    memset(&srv, 0, sizeof srv);
    oct_srv_settings_default(&srv.set);
    int a = parse_args(argc, argv, &srv.set);
    if (a) return a > 0 ? 0 : 2;
    if (srv.set.device[0]) {
        oct_cli_qopts qo;
        oct_cli_qopts_init(&qo);
        if (oct_cli_qopts_set(&qo, "device", srv.set.device) != 0) return 2;
    }
    /* signals go to sigwait below, not to MHD's or the workers' threads */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    oct_repo_opts ro = {.device = srv.set.device[0] ? srv.set.device : NULL,
                        .n_threads = srv.set.threads,
                        .cache_dir = srv.set.cache_dir[0] ? srv.set.cache_dir : NULL,
                        .on_batch = on_batch,
                        .ctx = &srv};
    if (oct_repo_scan(srv.set.repo, &ro, &srv.repo) != OCT_OK) {
        fprintf(stderr, "octet serve: %s\n", oct_errmsg());
        return 1;
    }
    if (!(srv.metrics = oct_metrics_new(srv.repo->n))) {
        fprintf(stderr, "octet serve: out of memory\n");
        oct_repo_free(srv.repo);
        return 1;
    }
    if (oct_auth_setup(&srv) != OCT_OK) {
        fprintf(stderr, "octet serve: %s\n", oct_errmsg());
        oct_auth_free(&srv);
        return 2;
    }
    if (oct_http_start(&srv) != OCT_OK) {
        fprintf(stderr, "octet serve: %s\n", oct_errmsg());
        oct_auth_free(&srv);
        oct_metrics_free(srv.metrics);
        oct_repo_free(srv.repo);
        return 1;
    }
    fprintf(stderr, "octet serve: listening on %s://%s:%d (%d model%s in %s, loading)\n", srv.tls_cert_pem ? "https" : "http",
            srv.set.host, srv.set.port, srv.repo->n, srv.repo->n == 1 ? "" : "s", srv.set.repo);
    if (srv.set.api_key[0]) fprintf(stderr, "octet serve: an API key is required on every route but the health checks\n");
    pthread_t lt;
    int have_loader = pthread_create(&lt, NULL, loader, srv.repo) == 0;
    if (!have_loader) oct_repo_load_all(srv.repo);

    int sig = 0;
    sigwait(&sigs, &sig);
    fprintf(stderr, "octet serve: %s: stopping (new requests get 503; finishing queued requests)\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT");
    /* 1. no new work: readiness and inference answer 503 (Connection: close) */
    __atomic_store_n(&srv.stopping, 1, __ATOMIC_RELEASE);
    /* 2. queued work runs; every suspended connection is resumed with its answer */
    if (have_loader) pthread_join(lt, NULL); /* a model mid-load finishes loading first */
    oct_repo_stop(srv.repo, 1);
    /* 3. answers go out and clients close (bounded by drain_seconds) */
    wait_drained(&srv);
    /* 4. stop listening: connections the kernel queued but MHD never took get a 503 too */
    MHD_socket lfd = MHD_quiesce_daemon(srv.daemon);
    if (lfd != MHD_INVALID_SOCKET) refuse_backlog(lfd);
    MHD_stop_daemon(srv.daemon);
    oct_repo_free(srv.repo);
    oct_metrics_free(srv.metrics);
    oct_auth_free(&srv);
    fprintf(stderr, "octet serve: stopped\n");
    return 0;
}
