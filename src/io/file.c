#include "io/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

oct_status oct_file_read(const char *path, void **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return oct_err(OCT_E_IO, "%s: cannot open: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return oct_err(OCT_E_IO, "%s: cannot seek (not a regular file?)", path);
    }
    long n = ftell(f);
    if (n < 0 || (unsigned long)n > (4ul << 30)) {
        fclose(f);
        return oct_err(OCT_E_IO, "%s: bad file size", path);
    }
    rewind(f);
    char *b = malloc((size_t)n + 1);
    if (!b) {
        fclose(f);
        return oct_err(OCT_E_NOMEM, "%s: cannot allocate %ld bytes", path, n);
    }
    size_t got = fread(b, 1, (size_t)n, f);
    fclose(f);
    if (got != (size_t)n) {
        free(b);
        return oct_err(OCT_E_IO, "%s: short read", path);
    }
    b[n] = '\0';
    *buf = b;
    *len = (size_t)n;
    return OCT_OK;
}

oct_status oct_file_read_gz(const char *path, void **buf, size_t *len)
{
    void *raw;
    size_t rlen;
    OCT_TRY(oct_file_read(path, &raw, &rlen));
    const unsigned char *r = raw;
    if (rlen < 2 || r[0] != 0x1f || r[1] != 0x8b) {
        *buf = raw;
        *len = rlen;
        return OCT_OK;
    }
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
        free(raw);
        return oct_err(OCT_E_INTERNAL, "zlib init failed");
    }
    size_t cap = rlen * 4 + 1024, n = 0;
    unsigned char *out = malloc(cap + 1);
    int rc = Z_OK;
    zs.next_in = raw;
    zs.avail_in = (uInt)rlen;
    while (out && rc != Z_STREAM_END) {
        if (n == cap) {
            if (cap > ((size_t)4 << 30)) break;
            unsigned char *o2 = realloc(out, cap * 2 + 1);
            if (!o2) {
                free(out);
                out = NULL;
                break;
            }
            out = o2;
            cap *= 2;
        }
        zs.next_out = out + n;
        zs.avail_out = (uInt)(cap - n);
        rc = inflate(&zs, Z_NO_FLUSH);
        n = cap - zs.avail_out;
        if (rc != Z_OK && rc != Z_STREAM_END) break;
        if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) break; /* truncated */
    }
    inflateEnd(&zs);
    free(raw);
    if (!out) return oct_err(OCT_E_NOMEM, "%s: out of memory while decompressing", path);
    if (rc != Z_STREAM_END) {
        free(out);
        return oct_err(OCT_E_PARSE, "%s: truncated or corrupt gzip data", path);
    }
    out[n] = '\0';
    *buf = out;
    *len = n;
    return OCT_OK;
}
