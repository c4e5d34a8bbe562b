/* octet serve — the route table: /infer, /metrics and KServe v2 (as Triton
 * serves it, with the optional /versions/{v} segment; octet has version 1). */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "serve.h"

static int method_is(oct_req *r, const char *method, const char *allowed)
{
    size_t n = strlen(method);
    for (const char *p = allowed; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, method, n)) return 1;
        if (!e) break;
        for (p = e + 1; *p == ' '; p++) {}
    }
    r->allow = allowed;
    oct_req_error(r, 405, "method %s is not allowed here (allowed: %s)", method, allowed);
    return 0;
}

/* /v2/models/{m}[/versions/{v}][/tail] */
static void model_route(oct_req *r, const char *path, const char *method)
{
    char name[128], ver[32];
    const char *slash = strchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : strlen(path);
    if (!n || n >= sizeof name) {
        oct_req_error(r, 404, "no model named in the path");
        return;
    }
    memcpy(name, path, n);
    name[n] = 0;
    const char *tail = slash ? slash : "";
    if (!strncmp(tail, "/versions/", 10)) {
        const char *v = tail + 10, *e = strchr(v, '/');
        size_t vn = e ? (size_t)(e - v) : strlen(v);
        snprintf(ver, sizeof ver, "%.*s", (int)(vn < sizeof ver ? vn : sizeof ver - 1), v);
        tail = e ? e : "";
        if (strcmp(ver, "1")) {
            oct_req_error(r, 404, "model '%s' has no version '%s' (octet serves version 1)", name, ver);
            return;
        }
    }
    oct_model *m = oct_repo_find(r->srv->repo, name);
    if (!m) {
        oct_req_error(r, 404, "unknown model '%s'", name);
        return;
    }
    r->model = m;
    if (!*tail) {
        if (method_is(r, method, "GET")) oct_h_model_meta(r, m);
    } else if (!strcmp(tail, "/ready")) {
        if (method_is(r, method, "GET")) oct_h_model_ready(r, m);
    } else if (!strcmp(tail, "/config")) {
        if (method_is(r, method, "GET")) oct_h_model_config(r, m);
    } else if (!strcmp(tail, "/infer")) {
        r->endpoint = OCT_EP_V2_INFER;
        r->infer_header_len =
            MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Inference-Header-Content-Length");
        if (method_is(r, method, "POST")) oct_h_infer_v2(r, m);
    } else {
        oct_req_error(r, 404, "no route %s for model '%s'", tail, name);
    }
}

void oct_route(oct_req *r, const char *url, const char *method)
{
    if (!oct_auth_check(r, url)) return;
    if (!strcmp(url, "/infer")) {
        r->endpoint = OCT_EP_INFER;
        if (method_is(r, method, "POST")) oct_h_infer_simple(r);
    } else if (!strcmp(url, "/metrics")) {
        if (method_is(r, method, "GET")) oct_h_metrics(r);
    } else if (!strcmp(url, "/v2") || !strcmp(url, "/v2/")) {
        if (method_is(r, method, "GET")) oct_h_server_meta(r);
    } else if (!strcmp(url, "/v2/health/live")) {
        if (method_is(r, method, "GET")) oct_h_live(r);
    } else if (!strcmp(url, "/v2/health/ready")) {
        if (method_is(r, method, "GET")) oct_h_ready(r);
    } else if (!strcmp(url, "/v2/models") || !strcmp(url, "/v2/models/")) {
        if (method_is(r, method, "GET")) oct_h_models(r, 0);
    } else if (!strcmp(url, "/v2/repository/index")) {
        if (method_is(r, method, "GET, POST")) oct_h_models(r, 1);
    } else if (!strncmp(url, "/v2/models/", 11)) {
        model_route(r, url + 11, method);
    } else {
        oct_req_error(r, 404, "no route %s %s", method, url);
    }
}
