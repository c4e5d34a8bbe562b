/* octet serve — turning results into answers: the HTTP status of an engine
 * status, JSON answers and {"error": ...} answers (no libmicrohttpd here: the
 * fuzz targets link this file). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

unsigned oct_http_code(oct_status st)
{
    switch (st) {
    case OCT_OK: return 200;
    case OCT_E_INVALID: case OCT_E_PARSE: case OCT_E_SHAPE: case OCT_E_DTYPE: case OCT_E_UNSUPPORTED: return 400;
    case OCT_E_NOT_FOUND: return 404;
    case OCT_E_BUSY: return 503;
    case OCT_E_TIMEOUT: return 504;
    default: return 500;
    }
}

void oct_req_json(oct_req *r, unsigned code, json_t *j)
{
    free(r->resp);
    r->resp = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(9)) : NULL;
    json_decref(j);
    if (!r->resp) { /* out of memory: a fixed answer */
        code = 500;
        r->resp = strdup("{\"error\":\"out of memory building the answer\"}");
    }
    r->resp_len = r->resp ? strlen(r->resp) : 0;
    r->code = code;
    r->ctype = "application/json";
    r->header_len = 0;
    r->has_resp = 1;
}

void oct_req_error(oct_req *r, unsigned code, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (code == 503) r->retry_after = 1;
    json_t *j = json_pack("{ss}", "error", msg);
    if (!j) { /* not UTF-8 (a path from a file, say): keep ASCII */
        for (char *c = msg; *c; c++)
            if ((unsigned char)*c >= 0x80) *c = '?';
        j = json_pack("{ss}", "error", msg);
    }
    oct_req_json(r, code, j);
}

