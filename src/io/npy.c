#include "io/npy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/file.h"

static const struct { const char *descr; oct_dtype dt; } npy_types[] = {
    {"<f4", OCT_DT_F32}, {"<f8", OCT_DT_F64}, {"<f2", OCT_DT_F16}, {"|u1", OCT_DT_U8},
    {"|i1", OCT_DT_I8},  {"<u2", OCT_DT_U16}, {"<i2", OCT_DT_I16}, {"<i4", OCT_DT_I32},
    {"<u4", OCT_DT_U32}, {"<i8", OCT_DT_I64}, {"<u8", OCT_DT_U64}, {"|b1", OCT_DT_BOOL},
    {"<u1", OCT_DT_U8},  {"<i1", OCT_DT_I8},  {"<b1", OCT_DT_BOOL},
};

/* Find `'key':` in the header dict and return a pointer after the colon. */
static const char *dict_value(const char *h, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, "'%s'", key);
    const char *p = strstr(h, pat);
    if (!p) return NULL;
    p = strchr(p + strlen(pat), ':');
    if (!p) return NULL;
    p++;
    while (*p == ' ') p++;
    return p;
}

oct_status oct_npy_parse(const void *buf, size_t len, const char *what, oct_tensor **out)
{
    const unsigned char *b = buf;
    *out = NULL;
    if (len < 10 || memcmp(b, "\x93NUMPY", 6) != 0)
        return oct_err(OCT_E_PARSE, "%s: not a .npy file (bad magic)", what);
    int major = b[6];
    size_t hlen, hoff;
    if (major == 1) {
        hlen = (size_t)b[8] | ((size_t)b[9] << 8);
        hoff = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12) return oct_err(OCT_E_PARSE, "%s: truncated .npy header", what);
        hlen = (size_t)b[8] | ((size_t)b[9] << 8) | ((size_t)b[10] << 16) | ((size_t)b[11] << 24);
        hoff = 12;
    } else {
        return oct_err(OCT_E_PARSE, "%s: unsupported .npy version %d", what, major);
    }
    if (hlen > len - hoff || hlen > 65536) return oct_err(OCT_E_PARSE, "%s: truncated .npy header", what);
    char *h = malloc(hlen + 1);
    if (!h) return oct_err(OCT_E_NOMEM, "out of memory");
    memcpy(h, b + hoff, hlen);
    h[hlen] = '\0';
    oct_status s = OCT_OK;
    oct_dtype dt = OCT_DT_UNDEFINED;
    const char *d = dict_value(h, "descr");
    if (d && *d == '\'') {
        for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++)
            if (!strncmp(d + 1, npy_types[i].descr, 3) && d[4] == '\'') dt = npy_types[i].dt;
    }
    if (dt == OCT_DT_UNDEFINED) {
        s = oct_err(OCT_E_UNSUPPORTED, "%s: unsupported .npy dtype (descr %.16s)", what, d ? d : "missing");
        goto done;
    }
    const char *fo = dict_value(h, "fortran_order");
    if (!fo || strncmp(fo, "False", 5) != 0) {
        s = oct_err(OCT_E_UNSUPPORTED, "%s: only C-order .npy arrays are supported", what);
        goto done;
    }
    const char *sh = dict_value(h, "shape");
    if (!sh || *sh != '(') {
        s = oct_err(OCT_E_PARSE, "%s: .npy header has no shape", what);
        goto done;
    }
    int64_t dims[OCT_MAX_RANK];
    int rank = 0;
    const char *p = sh + 1;
    for (;;) {
        while (*p == ' ' || *p == ',') p++;
        if (*p == ')') break;
        if (*p < '0' || *p > '9') {
            s = oct_err(OCT_E_PARSE, "%s: bad shape in .npy header", what);
            goto done;
        }
        if (rank == OCT_MAX_RANK) {
            s = oct_err(OCT_E_UNSUPPORTED, "%s: rank above %d", what, OCT_MAX_RANK);
            goto done;
        }
        char *end;
        long long v = strtoll(p, &end, 10);
        if (v < 0 || v > ((long long)1 << 40)) {
            s = oct_err(OCT_E_PARSE, "%s: bad dimension in .npy header", what);
            goto done;
        }
        dims[rank++] = v;
        p = end;
    }
    size_t nbytes;
    if ((s = oct_shape_bytes(dt, rank, dims, &nbytes)) != OCT_OK) goto done;
    if (len - hoff - hlen < nbytes) {
        s = oct_err(OCT_E_PARSE, "%s: truncated .npy data (%zu of %zu bytes)", what, len - hoff - hlen, nbytes);
        goto done;
    }
    oct_tensor *t = oct_tensor_new(dt, rank, dims);
    if (!t) {
        s = OCT_E_NOMEM;
        goto done;
    }
    memcpy(t->data, b + hoff + hlen, nbytes);
    *out = t;
done:
    free(h);
    return s;
}

oct_status oct_npy_read(const char *path, oct_tensor **out)
{
    void *buf;
    size_t len;
    OCT_TRY(oct_file_read(path, &buf, &len));
    oct_status s = oct_npy_parse(buf, len, path, out);
    free(buf);
    return s;
}

oct_status oct_npy_write(const char *path, const oct_tensor *t)
{
    const char *descr = NULL;
    for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++)
        if (npy_types[i].dt == t->dtype) {
            descr = npy_types[i].descr;
            break;
        }
    if (!descr) return oct_err(OCT_E_UNSUPPORTED, "cannot write dtype %s to .npy", oct_dtype_name(t->dtype));
    char shape[256] = "(";
    size_t off = 1;
    for (int i = 0; i < t->rank; i++)
        off += (size_t)snprintf(shape + off, sizeof shape - off, "%lld,%s", (long long)t->dims[i],
                                i + 1 < t->rank ? " " : "");
    if (t->rank > 1) shape[--off] = '\0'; /* (2, 3) not (2, 3,) */
    snprintf(shape + off, sizeof shape - off, ")");
    char hdr[512];
    int n = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape);
    int total = 10 + n + 1;
    int pad = (64 - total % 64) % 64;
    FILE *f = fopen(path, "wb");
    if (!f) return oct_err(OCT_E_IO, "%s: cannot open for writing", path);
    unsigned short hl = (unsigned short)(n + pad + 1);
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hl & 0xff), (unsigned char)(hl >> 8)};
    int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(hdr, 1, (size_t)n, f) == (size_t)n;
    for (int i = 0; ok && i < pad; i++) ok = fputc(' ', f) != EOF;
    ok = ok && fputc('\n', f) != EOF;
    size_t nb = oct_tensor_nbytes(t);
    ok = ok && (nb == 0 || fwrite(t->data, 1, nb, f) == nb);
    ok = (fclose(f) == 0) && ok;
    return ok ? OCT_OK : oct_err(OCT_E_IO, "%s: write failed", path);
}
