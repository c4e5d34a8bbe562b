/* octet serve — access control: the optional API key (`Authorization: Bearer
 * KEY`, compared in constant time; health routes stay open) and the TLS
 * certificate and key read for libmicrohttpd's GnuTLS. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "auth.h"

static oct_status read_file(const char *path, const char *what, size_t max, char **out)
{
    FILE *f = fopen(path, "rb");
    if (!f) return oct_err(OCT_E_IO, "cannot read the %s %s: %s", what, path, strerror(errno));
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!buf) return oct_err(OCT_E_NOMEM, "out of memory");
    if (bad || n > max) {
        free(buf);
        return oct_err(OCT_E_INVALID, "the %s %s is unreadable or larger than %zu bytes", what, path, max);
    }
    buf[n] = 0;
    *out = buf;
    return OCT_OK;
}

oct_status oct_auth_setup(oct_srv *srv)
{
    oct_srv_settings *s = &srv->set;
    if (s->api_key_file[0]) {
        if (s->api_key[0]) return oct_err(OCT_E_INVALID, "give the API key or an API key file, not both");
        char *k;
        OCT_TRY(read_file(s->api_key_file, "API key file", sizeof s->api_key - 1, &k));
        k[strcspn(k, "\r\n")] = 0; /* the first line */
        snprintf(s->api_key, sizeof s->api_key, "%s", k);
        free(k);
        if (!s->api_key[0]) return oct_err(OCT_E_INVALID, "the API key file %s is empty", s->api_key_file);
    }
    for (const char *c = s->api_key; *c; c++)
        if (*c <= ' ' || *c == 0x7f)
            return oct_err(OCT_E_INVALID, "the API key has spaces or control characters");
    if (!s->tls_cert[0] != !s->tls_key[0]) return oct_err(OCT_E_INVALID, "TLS needs both --tls-cert and --tls-key");
    if (s->tls_cert[0]) {
        OCT_TRY(read_file(s->tls_cert, "TLS certificate", 1 << 20, &srv->tls_cert_pem));
        OCT_TRY(read_file(s->tls_key, "TLS key", 1 << 20, &srv->tls_key_pem));
    }
    return OCT_OK;
}

void oct_auth_free(oct_srv *srv)
{
    free(srv->tls_cert_pem);
    if (srv->tls_key_pem) { /* the private key: do not leave it in freed memory */
        volatile char *p = srv->tls_key_pem;
        for (size_t i = 0; p[i]; i++) p[i] = 0;
    }
    free(srv->tls_key_pem);
    srv->tls_cert_pem = srv->tls_key_pem = NULL;
}

/* Equal strings, in time that depends on the expected key's length only. */
static int same_key(const char *want, const char *got)
{
    size_t wn = strlen(want), gn = strlen(got);
    unsigned diff = (unsigned)(wn ^ gn);
    for (size_t i = 0; i < wn; i++) diff |= (unsigned char)want[i] ^ (unsigned char)(i < gn ? got[i] : 0);
    return diff == 0;
}

int oct_auth_check(oct_req *r, const char *url)
{
    const char *key = r->srv->set.api_key;
    if (!key[0] || !strcmp(url, "/v2/health/live") || !strcmp(url, "/v2/health/ready")) return 1;
    const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h && !strncmp(h, "Bearer ", 7) && same_key(key, h + 7)) return 1;
    r->auth_failed = 1;
    oct_req_error(r, 401, h ? "the API key is not valid" : "an API key is needed: Authorization: Bearer <key>");
    return 0;
}
