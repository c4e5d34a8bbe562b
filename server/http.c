/* octet serve — the libmicrohttpd side: one request context per HTTP request,
 * the body gathered under the size cap (413 at once when Content-Length is
 * over it), routing on the final call, the answer queued when a handler or
 * the worker (after resuming the connection) has set it, metrics on the way
 * out, and the context freed when MHD is done with the request. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "metrics.h"

static enum MHD_Result send_answer(oct_req *r)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(r->resp_len, r->resp ? r->resp : (void *)"", r->resp ? MHD_RESPMEM_MUST_FREE
                                                                                            : MHD_RESPMEM_PERSISTENT);
    if (!resp) return MHD_NO;
    r->resp = NULL; /* MHD owns it now */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype ? r->ctype : "application/json");
    if (r->header_len) {
        char n[32];
        snprintf(n, sizeof n, "%zu", r->header_len);
        MHD_add_response_header(resp, "Inference-Header-Content-Length", n);
    }
    if (r->retry_after) MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    if (r->code == 405 && r->allow) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    if (r->code == 401 && r->auth_failed)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"octet\"");
    if (__atomic_load_n(&r->srv->stopping, __ATOMIC_ACQUIRE) || r->too_large)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(r->conn, r->code, resp);
    MHD_destroy_response(resp);
    r->queued = ret == MHD_YES;
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    oct_srv *srv = cls;
    oct_req *r = *con_cls;
    if (!r) {
        if (!(r = calloc(1, sizeof *r))) return MHD_NO;
        r->srv = srv, r->conn = conn, r->t0_ns = oct_sched_now_ns();
        *con_cls = r;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > (unsigned long long)srv->set.max_body) {
            r->too_large = 1;
            oct_req_error(r, 413, "the request body (%s bytes) is over the limit of %lld bytes", cl,
                          (long long)srv->set.max_body);
            return send_answer(r);
        }
        return MHD_YES;
    }
    if (r->has_resp) return send_answer(r); /* resumed: the worker has answered */
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (r->too_large) return MHD_YES;
        if (r->len + n > (size_t)srv->set.max_body) { /* chunked or lying Content-Length */
            r->too_large = 1;
            free(r->body);
            r->body = NULL, r->len = r->cap = 0;
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
    if (r->too_large) {
        oct_req_error(r, 413, "the request body is over the limit of %lld bytes", (long long)srv->set.max_body);
        return send_answer(r);
    }
    oct_route(r, url, method);
    if (!r->suspended && r->has_resp) return send_answer(r);
    return MHD_YES; /* suspended: the worker answers */
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode why)
{
    (void)cls, (void)conn;
    oct_req *r = *con_cls;
    if (!r) return;
    /* every request is counted here, also when the client left before its answer (499) */
    int64_t now = oct_sched_now_ns(), q = -1, c = -1;
    if (r->job.t_start_ns) q = r->job.t_start_ns - r->job.t_submit_ns, c = r->job.t_end_ns - r->job.t_start_ns;
    unsigned code = r->queued ? r->code : 499; /* as nginx: 499 when the client left before the answer went out */
    (void)why;
    oct_metrics_request(r->srv->metrics, r->model ? r->model->index : -1, r->endpoint, code, now - r->t0_ns, q, c);
    for (int i = 0; i < OCT_JOB_MAX_IO; i++) {
        oct_tensor_free(r->job.in[i]);
        oct_tensor_free(r->job.out[i]);
    }
    free(r->body);
    free(r->resp);
    free(r);
    *con_cls = NULL;
}

/* ---- the scheduler's side of a request ---- */

static int job_gone(oct_job *j)
{
    oct_req *r = j->ctx;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci) return 0;
    struct pollfd p = {.fd = ci->connect_fd, .events = POLLRDHUP};
    return poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

static void job_done(oct_job *j)
{
    oct_req *r = j->ctx;
    oct_infer_answer(r);
    __atomic_fetch_sub(&r->srv->suspended, 1, __ATOMIC_ACQ_REL);
    MHD_resume_connection(r->conn);
}

void oct_infer_submit(oct_req *r)
{
    r->job.done = job_done;
    r->job.gone = job_gone;
    r->job.ctx = r;
    if (!r->job.deadline_ns && r->model->have_cfg && r->model->cfg.serving.default_timeout_us)
        r->job.deadline_ns = oct_sched_now_ns() + r->model->cfg.serving.default_timeout_us * 1000;
    /* suspend first: the worker may answer before oct_sched_submit returns */
    MHD_suspend_connection(r->conn);
    r->suspended = 1;
    __atomic_fetch_add(&r->srv->suspended, 1, __ATOMIC_ACQ_REL);
    oct_status st = oct_sched_submit(r->model->sched, &r->job);
    if (st == OCT_OK) return;
    oct_req_error(r, oct_http_code(st), "model '%s': %s", r->model->name, oct_errmsg());
    __atomic_fetch_sub(&r->srv->suspended, 1, __ATOMIC_ACQ_REL);
    MHD_resume_connection(r->conn); /* the answer goes out on the next call */
}

oct_status oct_http_start(oct_srv *srv)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)srv->set.port);
    if (inet_pton(AF_INET, srv->set.host, &addr.sin_addr) != 1)
        return oct_err(OCT_E_INVALID, "--host '%s' is not an IPv4 address", srv->set.host);
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    int tls = srv->tls_cert_pem != NULL;
    if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        return oct_err(OCT_E_UNSUPPORTED, "this libmicrohttpd has no TLS support (GnuTLS)");
    if (tls) flags |= MHD_USE_TLS;
    /* the TLS pair only with TLS (MHD warns about HTTPS options on a plain daemon) */
    struct MHD_OptionItem tls_opts[] = {
        {tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, srv->tls_key_pem},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls_cert_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    srv->daemon = MHD_start_daemon(flags, (uint16_t)srv->set.port, NULL, NULL, on_request, srv,
                                   MHD_OPTION_ARRAY, tls_opts,
                                   MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                                   MHD_OPTION_THREAD_POOL_SIZE, (unsigned)srv->set.http_threads,
                                   MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
                                   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)srv->set.idle_timeout_s,
                                   /* per-connection pool (headers, read buffer; bodies come to us in pieces).
                                    * MHD clears it on every keep-alive request: 256 KiB halved the req/s */
                                   MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32 * 1024,
                                   MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
    if (!srv->daemon)
        return oct_err(OCT_E_IO, "cannot listen on %s:%d (in use, or not permitted%s)", srv->set.host, srv->set.port,
                       tls ? ", or the TLS certificate and key are not a valid PEM pair" : "");
    if (!srv->set.port) { /* --port 0: the kernel chose one */
        const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
        if (di) srv->set.port = di->port;
    }
    return OCT_OK;
}

int oct_http_connections(oct_srv *srv)
{
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return di ? (int)di->num_connections : 0;
}
