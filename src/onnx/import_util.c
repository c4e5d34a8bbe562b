/* octet — ONNX importer helpers: file reading and string copies. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onnx/import_internal.h"

const char *oct_onnx_str(const char *s) { return s ? s : ""; }

char *oct_onnx_strdup(const char *s)
{
    s = oct_onnx_str(s);
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

char *oct_onnx_bytesdup(const ProtobufCBinaryData *b)
{
    size_t n = b && b->data ? b->len : 0;
    if (n > SIZE_MAX - 1) return NULL;
    char *d = malloc(n + 1);
    if (!d) return NULL;
    if (n) memcpy(d, b->data, n);
    d[n] = '\0';
    return d;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char *oct_onnx_find_dup(const char *const *names, size_t n, oct_status *st)
{
    *st = OCT_OK;
    if (n < 2) return NULL;
    const char **s = malloc(n * sizeof *s);
    if (!s) {
        *st = oct_err(OCT_E_NOMEM, "out of memory");
        return NULL;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (names[i]) s[m++] = names[i];
    qsort(s, m, sizeof *s, cmp_str);
    const char *dup = NULL;
    for (size_t i = 1; i < m && !dup; i++)
        if (!strcmp(s[i - 1], s[i])) dup = s[i];
    free(s);
    return dup;
}

oct_status oct_onnx_read_file(const char *path, uint8_t **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    if (!path) return oct_err(OCT_E_INVALID, "no file name given");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return oct_err(OCT_E_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return oct_err(OCT_E_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return oct_err(OCT_E_IO, "%s: not a regular file", path);
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > (uint64_t)SIZE_MAX - 1) {
        close(fd);
        return oct_err(OCT_E_IO, "%s: file too large", path);
    }
    size_t size = (size_t)st.st_size;
    uint8_t *b = malloc(size ? size : 1);
    if (!b) {
        close(fd);
        return oct_err(OCT_E_NOMEM, "%s: cannot allocate %zu bytes", path, size);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, b + got, size - got);
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            free(b);
            close(fd);
            return oct_err(OCT_E_IO, "%s: read failed: %s", path, strerror(e));
        }
        if (r == 0) break; /* file shrank while reading: parse what we have */
        got += (size_t)r;
    }
    close(fd);
    *buf = b;
    *len = got;
    return OCT_OK;
}
