#include "core/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define OCT_ERRMSG_MAX 1024
static _Thread_local char oct_errbuf[OCT_ERRMSG_MAX];

const char *oct_status_name(oct_status s)
{
    switch (s) {
    case OCT_OK: return "ok";
    case OCT_E_INVALID: return "invalid argument";
    case OCT_E_PARSE: return "parse error";
    case OCT_E_IO: return "i/o error";
    case OCT_E_UNSUPPORTED: return "unsupported";
    case OCT_E_SHAPE: return "shape error";
    case OCT_E_DTYPE: return "dtype error";
    case OCT_E_NOMEM: return "out of memory";
    case OCT_E_NOT_FOUND: return "not found";
    case OCT_E_BUSY: return "busy";
    case OCT_E_TIMEOUT: return "timeout";
    case OCT_E_DEVICE: return "device error";
    case OCT_E_INTERNAL: return "internal error";
    }
    return "unknown status";
}

oct_status oct_err(oct_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(oct_errbuf, sizeof oct_errbuf, fmt, ap);
    va_end(ap);
    return s;
}

oct_status oct_err_ctx(oct_status s, const char *fmt, ...)
{
    char prefix[OCT_ERRMSG_MAX], old[OCT_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, oct_errbuf, sizeof old);
    const char *rest = old[0] ? old : oct_status_name(s);
    size_t np = strlen(prefix), nr = strlen(rest);
    if (np > OCT_ERRMSG_MAX - 1) np = OCT_ERRMSG_MAX - 1;
    if (nr > OCT_ERRMSG_MAX - 1 - np) nr = OCT_ERRMSG_MAX - 1 - np;
    memcpy(oct_errbuf, prefix, np);
    memcpy(oct_errbuf + np, rest, nr);
    oct_errbuf[np + nr] = '\0';
    return s;
}

const char *oct_errmsg(void) { return oct_errbuf; }

void oct_err_clear(void) { oct_errbuf[0] = '\0'; }
