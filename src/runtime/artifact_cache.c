/* octet — the quantized-model cache (see artifact_cache.h). */
#include "runtime/artifact_cache.h"

#include "core/hash.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* bumped whenever the quantizer makes a different model from the same inputs (2: equalization and
 * bias correction on by default; 3: per-channel static int8 equalized on calibration data) */
#define ARTIFACT_FORMAT "octet-qdq-3"


static oct_status hash_file(uint64_t *h, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return oct_err(OCT_E_IO, "cannot read %s: %s", path, strerror(errno));
    unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) *h = oct_fnv1a(*h, buf, n);
    int bad = ferror(f);
    fclose(f);
    return bad ? oct_err(OCT_E_IO, "error reading %s", path) : OCT_OK;
}

oct_status oct_artifact_key(const oct_model_config *cfg, const char *cfg_path, uint64_t *key)
{
    uint64_t h = OCT_FNV1A_INIT;
    h = oct_fnv1a(h, ARTIFACT_FORMAT, sizeof ARTIFACT_FORMAT);
    OCT_TRY(hash_file(&h, cfg->model_path));
    json_error_t err;
    json_t *root = json_load_file(cfg_path, JSON_REJECT_DUPLICATES, &err);
    if (!root) return oct_err(OCT_E_PARSE, "%s: %s", cfg_path, err.text);
    char *q = json_dumps(json_object_get(root, "quantization"), JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(root);
    if (q) h = oct_fnv1a(h, q, strlen(q));
    free(q);
    const oct_data_spec *d = &cfg->quant.calib, *b = &cfg->quant.budget_data;
    const char *files[] = {d->npy, d->idx_images, b->npy, b->labels_npy, b->idx_images, b->idx_labels};
    for (int i = 0; i < 6; i++) /* the calibration data, and the budget's evaluation data (AMP) */
        if ((i < 2 ? cfg->quant.has_calib_data : cfg->quant.has_budget) && files[i][0])
            OCT_TRY(hash_file(&h, files[i]));
    *key = h;
    return OCT_OK;
}

oct_status oct_artifact_path(const char *dir, const char *name, uint64_t key, char *buf, size_t n)
{
    if (snprintf(buf, n, "%s/%s-%016llx.int8.onnx", dir, name, (unsigned long long)key) >= (int)n)
        return oct_err(OCT_E_INVALID, "cache path too long");
    return OCT_OK;
}

static oct_status mkdirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        int r = mkdir(path, 0755);
        *p = '/';
        if (r != 0 && errno != EEXIST) return oct_err(OCT_E_IO, "cannot create %s: %s", path, strerror(errno));
    }
    if (mkdir(path, 0755) != 0 && errno != EEXIST) return oct_err(OCT_E_IO, "cannot create %s: %s", path, strerror(errno));
    return OCT_OK;
}

oct_status oct_artifact_dir(const char *dir, char *buf, size_t n)
{
    const char *e = getenv("OCTET_CACHE_DIR"), *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int w;
    if (dir && *dir) w = snprintf(buf, n, "%s", dir);
    else if (e && *e) w = snprintf(buf, n, "%s", e);
    else if (x && *x) w = snprintf(buf, n, "%s/octet/models", x);
    else w = snprintf(buf, n, "%s/.cache/octet/models", home && *home ? home : "/tmp");
    if (w >= (int)n) return oct_err(OCT_E_INVALID, "cache directory path too long");
    return mkdirs(buf);
}
