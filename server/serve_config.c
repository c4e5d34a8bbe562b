/* octet serve — the server's settings: defaults, then a server config file
 * (--config server.json), then the environment (OCTET_*), then flags; every
 * setting can come from each. Unknown keys and bad values are errors. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_config.h"

typedef enum { K_STR, K_INT, K_BOOL } kind;

typedef struct setting {
    const char *key;  /* config file key and --flag (with '-' for '_') */
    const char *env;
    kind k;
    size_t off, size; /* strings: the buffer's size */
    long long lo, hi;
} setting;

#define S(key, env, field) {key, env, K_STR, offsetof(oct_srv_settings, field), sizeof(((oct_srv_settings *)0)->field), 0, 0}
#define I(key, env, field, lo, hi) {key, env, K_INT, offsetof(oct_srv_settings, field), sizeof(((oct_srv_settings *)0)->field), lo, hi}
#define B(key, env, field) {key, env, K_BOOL, offsetof(oct_srv_settings, field), sizeof(int), 0, 1}

static const setting settings[] = {
    S("model_repository", "OCTET_MODEL_REPOSITORY", repo),
    S("host", "OCTET_HOST", host),
    I("port", "OCTET_PORT", port, 0, 65535),
    S("device", "OCTET_DEVICE", device),
    I("threads", "OCTET_THREADS", threads, 0, 256),
    I("http_threads", "OCTET_HTTP_THREADS", http_threads, 1, 64),
    I("max_body_bytes", "OCTET_MAX_BODY_BYTES", max_body, 1024, (long long)1 << 34),
    B("strict_readiness", "OCTET_STRICT_READINESS", strict_ready),
    I("drain_seconds", "OCTET_DRAIN_SECONDS", drain_s, 0, 3600),
    I("idle_timeout_seconds", "OCTET_IDLE_TIMEOUT_SECONDS", idle_timeout_s, 1, 3600),
    S("cache_dir", "OCTET_CACHE_DIR", cache_dir),
    S("api_key", "OCTET_API_KEY", api_key),
    S("api_key_file", "OCTET_API_KEY_FILE", api_key_file),
    S("tls_cert", "OCTET_TLS_CERT", tls_cert),
    S("tls_key", "OCTET_TLS_KEY", tls_key),
};
#define N_SETTINGS (sizeof settings / sizeof *settings)

void oct_srv_settings_default(oct_srv_settings *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->repo, sizeof s->repo, "models");
    snprintf(s->host, sizeof s->host, "127.0.0.1");
    s->port = 8000;
    s->threads = 0;
    s->http_threads = 2;
    s->max_body = (int64_t)64 << 20;
    s->drain_s = 10;
    s->idle_timeout_s = 120;
}

static oct_status set_value(oct_srv_settings *s, const setting *d, const char *from, const char *text, json_t *j)
{
    char *p = (char *)s + d->off;
    if (d->k == K_STR) {
        if (j && !json_is_string(j)) return oct_err(OCT_E_INVALID, "%s: '%s' must be a string", from, d->key);
        const char *v = j ? json_string_value(j) : text;
        if (strlen(v) >= d->size) return oct_err(OCT_E_INVALID, "%s: '%s' is too long", from, d->key);
        memcpy(p, v, strlen(v) + 1);
        return OCT_OK;
    }
    long long v;
    if (j) {
        if (d->k == K_BOOL && json_is_boolean(j)) v = json_is_true(j);
        else if (json_is_integer(j)) v = json_integer_value(j);
        else return oct_err(OCT_E_INVALID, "%s: '%s' must be %s", from, d->key, d->k == K_BOOL ? "true or false" : "an integer");
    } else if (d->k == K_BOOL && (!strcmp(text, "true") || !strcmp(text, "1") || !strcmp(text, "false") ||
                                  !strcmp(text, "0"))) {
        v = !strcmp(text, "true") || !strcmp(text, "1");
    } else {
        char *end;
        v = strtoll(text, &end, 10);
        if (!*text || *end) return oct_err(OCT_E_INVALID, "%s: '%s' must be an integer, got '%s'", from, d->key, text);
    }
    if (v < d->lo || v > d->hi)
        return oct_err(OCT_E_INVALID, "%s: '%s' must be in [%lld, %lld], got %lld", from, d->key, d->lo, d->hi, v);
    if (d->size == sizeof(int64_t)) *(int64_t *)p = v;
    else *(int *)p = (int)v;
    return OCT_OK;
}

oct_status oct_srv_settings_file(oct_srv_settings *s, const char *path)
{
    json_error_t err;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (!root) return oct_err(OCT_E_PARSE, "%s:%d:%d: %s", path, err.line, err.column, err.text);
    oct_status st = json_is_object(root) ? OCT_OK : oct_err(OCT_E_INVALID, "%s: top level must be an object", path);
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v) {
        if (st != OCT_OK) break;
        size_t i = 0;
        while (i < N_SETTINGS && strcmp(settings[i].key, k)) i++;
        if (i == N_SETTINGS) st = oct_err(OCT_E_INVALID, "%s: unknown key '%s'", path, k);
        else st = set_value(s, &settings[i], path, NULL, v);
    }
    json_decref(root);
    return st;
}

oct_status oct_srv_settings_env(oct_srv_settings *s)
{
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const char *v = getenv(settings[i].env);
        if (v && *v) OCT_TRY(set_value(s, &settings[i], settings[i].env, v, NULL));
    }
    return OCT_OK;
}

oct_status oct_srv_settings_flag(oct_srv_settings *s, const char *flag, const char *value, int *known)
{
    char key[64];
    snprintf(key, sizeof key, "%s", flag);
    for (char *c = key; *c; c++)
        if (*c == '-') *c = '_';
    if (!strcmp(key, "model_repository") || !strcmp(key, "models")) snprintf(key, sizeof key, "model_repository");
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (!strcmp(settings[i].key, key)) {
            *known = 1;
            char from[80];
            snprintf(from, sizeof from, "--%s", flag);
            return set_value(s, &settings[i], from, value, NULL);
        }
    *known = 0;
    return OCT_OK;
}

void oct_srv_settings_help(FILE *f)
{
    for (size_t i = 0; i < N_SETTINGS; i++) {
        char flag[64];
        snprintf(flag, sizeof flag, "%s", settings[i].key);
        for (char *c = flag; *c; c++)
            if (*c == '_') *c = '-';
        fprintf(f, "  --%-18s %-24s %s\n", flag, settings[i].env, settings[i].k == K_STR ? "text" : settings[i].k == K_BOOL ? "true|false" : "integer");
    }
}
