#include "io/idx.h"

#include <stdlib.h>
#include <string.h>

#include "io/file.h"

static uint32_t be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

oct_status oct_idx_read(const char *path, oct_tensor **out)
{
    void *buf;
    size_t len;
    *out = NULL;
    OCT_TRY(oct_file_read_gz(path, &buf, &len));
    const unsigned char *b = buf;
    oct_status s = OCT_OK;
    if (len < 4 || b[0] != 0 || b[1] != 0) {
        s = oct_err(OCT_E_PARSE, "%s: not an IDX file (bad magic)", path);
        goto done;
    }
    oct_dtype dt;
    switch (b[2]) {
    case 0x08: dt = OCT_DT_U8; break;
    case 0x09: dt = OCT_DT_I8; break;
    case 0x0B: dt = OCT_DT_I16; break;
    case 0x0C: dt = OCT_DT_I32; break;
    case 0x0D: dt = OCT_DT_F32; break;
    case 0x0E: dt = OCT_DT_F64; break;
    default: s = oct_err(OCT_E_PARSE, "%s: unknown IDX type 0x%02x", path, b[2]); goto done;
    }
    int rank = b[3];
    if (rank < 1 || rank > OCT_MAX_RANK || len < 4 + 4 * (size_t)rank) {
        s = oct_err(OCT_E_PARSE, "%s: bad IDX header (rank %d)", path, rank);
        goto done;
    }
    int64_t dims[OCT_MAX_RANK];
    for (int i = 0; i < rank; i++) dims[i] = be32(b + 4 + 4 * i);
    size_t nb;
    if ((s = oct_shape_bytes(dt, rank, dims, &nb)) != OCT_OK) goto done;
    size_t off = 4 + 4 * (size_t)rank;
    if (len - off < nb) {
        s = oct_err(OCT_E_PARSE, "%s: truncated IDX data (%zu of %zu bytes)", path, len - off, nb);
        goto done;
    }
    oct_tensor *t = oct_tensor_new(dt, rank, dims);
    if (!t) {
        s = OCT_E_NOMEM;
        goto done;
    }
    size_t es = oct_dtype_size(dt);
    const unsigned char *src = b + off;
    unsigned char *dst = t->data;
    for (size_t i = 0; i < nb; i += es)
        for (size_t k = 0; k < es; k++) dst[i + k] = src[i + es - 1 - k]; /* big-endian -> host */
    *out = t;
done:
    free(buf);
    return s;
}

oct_status oct_idx_images_to_f32(const oct_tensor *img, float scale, float mean, float std, oct_tensor **out)
{
    *out = NULL;
    if (img->dtype != OCT_DT_U8 || img->rank != 3)
        return oct_err(OCT_E_SHAPE, "IDX images must be u8 [N,H,W]");
    if (!(std > 0.f)) return oct_err(OCT_E_INVALID, "normalisation std must be > 0");
    int64_t d[4] = {img->dims[0], 1, img->dims[1], img->dims[2]};
    oct_tensor *t = oct_tensor_new(OCT_DT_F32, 4, d);
    if (!t) return OCT_E_NOMEM;
    const unsigned char *p = img->data;
    float *x = t->data;
    int64_t n = oct_tensor_numel(t);
    for (int64_t i = 0; i < n; i++) x[i] = ((float)p[i] * scale - mean) / std;
    *out = t;
    return OCT_OK;
}
