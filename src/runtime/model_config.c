#include "runtime/model_config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *v2; oct_dtype dt; } v2_types[] = {
    {"FP32", OCT_DT_F32}, {"FP16", OCT_DT_F16}, {"FP64", OCT_DT_F64}, {"INT8", OCT_DT_I8},
    {"UINT8", OCT_DT_U8}, {"INT16", OCT_DT_I16}, {"UINT16", OCT_DT_U16}, {"INT32", OCT_DT_I32},
    {"UINT32", OCT_DT_U32}, {"INT64", OCT_DT_I64}, {"UINT64", OCT_DT_U64}, {"BOOL", OCT_DT_BOOL},
};

oct_dtype oct_dtype_from_v2(const char *s)
{
    for (size_t i = 0; i < sizeof v2_types / sizeof v2_types[0]; i++)
        if (!strcmp(s, v2_types[i].v2)) return v2_types[i].dt;
    return OCT_DT_UNDEFINED;
}

const char *oct_dtype_to_v2(oct_dtype t)
{
    for (size_t i = 0; i < sizeof v2_types / sizeof v2_types[0]; i++)
        if (v2_types[i].dt == t) return v2_types[i].v2;
    return "UNKNOWN";
}

static oct_status copy_str(const char *path, const char *key, json_t *v, char *dst, size_t n)
{
    if (!json_is_string(v)) return oct_err(OCT_E_INVALID, "%s: '%s' must be a string", path, key);
    if (strlen(json_string_value(v)) >= n) return oct_err(OCT_E_INVALID, "%s: '%s' is too long", path, key);
    strcpy(dst, json_string_value(v));
    return OCT_OK;
}

static oct_status check_keys(const char *path, const char *where, json_t *obj, const char *const *allowed)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++) ok = !strcmp(*a, k);
        if (!ok) return oct_err(OCT_E_INVALID, "%s: unknown key '%s'%s%s", path, k, where ? " in " : "", where ? where : "");
    }
    return OCT_OK;
}

static oct_status parse_io(const char *path, const char *key, json_t *arr, oct_io_spec *out, int *count)
{
    static const char *const keys[] = {"name", "datatype", "shape", NULL};
    if (!json_is_array(arr)) return oct_err(OCT_E_INVALID, "%s: '%s' must be an array", path, key);
    if (json_array_size(arr) > OCT_CFG_MAX_IO)
        return oct_err(OCT_E_INVALID, "%s: '%s' has more than %d entries", path, key, OCT_CFG_MAX_IO);
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        char where[64];
        snprintf(where, sizeof where, "%s[%zu]", key, i);
        if (!json_is_object(e)) return oct_err(OCT_E_INVALID, "%s: %s must be an object", path, where);
        OCT_TRY(check_keys(path, where, e, keys));
        oct_io_spec *s = &out[i];
        memset(s, 0, sizeof *s);
        json_t *nm = json_object_get(e, "name"), *dt = json_object_get(e, "datatype"), *sh = json_object_get(e, "shape");
        if (!nm || !dt || !sh) return oct_err(OCT_E_INVALID, "%s: %s needs 'name', 'datatype' and 'shape'", path, where);
        OCT_TRY(copy_str(path, "name", nm, s->name, sizeof s->name));
        if (!json_is_string(dt) || (s->dtype = oct_dtype_from_v2(json_string_value(dt))) == OCT_DT_UNDEFINED)
            return oct_err(OCT_E_INVALID, "%s: %s.datatype must be one of FP32, FP16, INT8, UINT8, INT32, INT64, ...", path, where);
        if (!json_is_array(sh) || json_array_size(sh) > OCT_MAX_RANK)
            return oct_err(OCT_E_INVALID, "%s: %s.shape must be an array of at most %d integers", path, where, OCT_MAX_RANK);
        size_t d;
        json_t *dv;
        s->rank = (int)json_array_size(sh);
        json_array_foreach(sh, d, dv) {
            if (!json_is_integer(dv) || json_integer_value(dv) < -1)
                return oct_err(OCT_E_INVALID, "%s: %s.shape[%zu] must be an integer >= -1", path, where, d);
            s->dims[d] = json_integer_value(dv);
        }
    }
    *count = (int)json_array_size(arr);
    return OCT_OK;
}

static oct_status parse_floats(const char *path, const char *key, json_t *arr, float *out, int *count)
{
    if (json_is_number(arr)) {
        out[0] = (float)json_number_value(arr);
        *count = 1;
        return OCT_OK;
    }
    if (!json_is_array(arr) || json_array_size(arr) < 1 || json_array_size(arr) > OCT_CFG_MAX_CH)
        return oct_err(OCT_E_INVALID, "%s: 'preprocess.%s' must be a number or an array of 1..%d numbers", path, key, OCT_CFG_MAX_CH);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        if (!json_is_number(v)) return oct_err(OCT_E_INVALID, "%s: 'preprocess.%s[%zu]' must be a number", path, key, i);
        out[i] = (float)json_number_value(v);
    }
    *count = (int)json_array_size(arr);
    return OCT_OK;
}

static oct_status parse_preprocess(const char *path, json_t *pp, oct_model_config *c)
{
    static const char *const keys[] = {"scale", "mean", "std", NULL};
    if (!json_is_object(pp)) return oct_err(OCT_E_INVALID, "%s: 'preprocess' must be an object", path);
    OCT_TRY(check_keys(path, "preprocess", pp, keys));
    c->has_preprocess = 1;
    c->scale = 1.f;
    c->n_mean = 1;
    c->mean[0] = 0.f;
    c->std[0] = 1.f;
    json_t *v = json_object_get(pp, "scale");
    if (v) {
        if (!json_is_number(v)) return oct_err(OCT_E_INVALID, "%s: 'preprocess.scale' must be a number", path);
        c->scale = (float)json_number_value(v);
    }
    int nm = 1, ns = 1;
    if ((v = json_object_get(pp, "mean"))) OCT_TRY(parse_floats(path, "mean", v, c->mean, &nm));
    if ((v = json_object_get(pp, "std"))) OCT_TRY(parse_floats(path, "std", v, c->std, &ns));
    if ((v = json_object_get(pp, "mean")) && json_object_get(pp, "std") && nm != ns)
        return oct_err(OCT_E_INVALID, "%s: 'preprocess.mean' and 'preprocess.std' differ in length", path);
    c->n_mean = nm > ns ? nm : ns;
    for (int i = 0; i < c->n_mean; i++) {
        if (nm == 1) c->mean[i] = c->mean[0];
        if (ns == 1) c->std[i] = c->std[0];
        if (!(c->std[i] > 0.f)) return oct_err(OCT_E_INVALID, "%s: 'preprocess.std' values must be > 0", path);
    }
    return OCT_OK;
}

/* IDX images without their own scale/mean/std are normalised with the model's
 * single-channel "preprocess" (the spec keeps has_norm = 0; the loader gets
 * oct_model_config_norm as its default). */
static oct_status check_idx_norm(const char *path, const char *where, int used, const oct_data_spec *d,
                                 const oct_model_config *c)
{
    if (!used || !d->idx_images[0] || d->has_norm) return OCT_OK;
    if (!c->has_preprocess)
        return oct_err(OCT_E_INVALID, "%s: %s: IDX images need 'scale', 'mean' and 'std' (or a 'preprocess' section)", path,
                       where);
    for (int i = 1; i < c->n_mean; i++)
        if (c->mean[i] != c->mean[0] || c->std[i] != c->std[0])
            return oct_err(OCT_E_INVALID,
                           "%s: %s: IDX images have one channel but 'preprocess' has %d different ones; give 'scale', "
                           "'mean' and 'std' in the data object",
                           path, where, c->n_mean);
    return OCT_OK;
}

const float *oct_model_config_norm(const oct_model_config *c, float norm[3])
{
    if (!c->has_preprocess) return NULL;
    norm[0] = c->scale;
    norm[1] = c->mean[0];
    norm[2] = c->std[0];
    return norm;
}

static oct_status get_int(const char *path, const char *key, json_t *v, int64_t lo, int64_t hi, int64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return oct_err(OCT_E_INVALID, "%s: '%s' must be an integer in [%lld, %lld]", path, key, (long long)lo,
                       (long long)hi);
    *out = json_integer_value(v);
    return OCT_OK;
}

static oct_status parse_batching(const char *path, json_t *db, oct_model_config *c)
{
    static const char *const keys[] = {"max_queue_delay_us", "preferred_batch_sizes", NULL};
    if (!json_is_object(db)) return oct_err(OCT_E_INVALID, "%s: 'dynamic_batching' must be an object", path);
    OCT_TRY(check_keys(path, "dynamic_batching", db, keys));
    oct_serving_config *sv = &c->serving;
    sv->dynamic_batching = 1;
    json_t *v = json_object_get(db, "max_queue_delay_us");
    if (v) OCT_TRY(get_int(path, "dynamic_batching.max_queue_delay_us", v, 0, 10000000, &sv->max_queue_delay_us));
    if ((v = json_object_get(db, "preferred_batch_sizes"))) {
        if (!json_is_array(v) || json_array_size(v) > OCT_CFG_MAX_PREF)
            return oct_err(OCT_E_INVALID, "%s: 'dynamic_batching.preferred_batch_sizes' must be an array of at most %d "
                           "sizes", path, OCT_CFG_MAX_PREF);
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            int64_t b;
            OCT_TRY(get_int(path, "dynamic_batching.preferred_batch_sizes[]", e, 1, 65536, &b));
            if (i && b <= sv->preferred[i - 1])
                return oct_err(OCT_E_INVALID, "%s: 'dynamic_batching.preferred_batch_sizes' must ascend", path);
            sv->preferred[sv->n_preferred++] = (int)b;
        }
    }
    return OCT_OK;
}

static oct_status parse_serving(const char *path, json_t *root, oct_model_config *c)
{
    oct_serving_config *sv = &c->serving;
    sv->max_queue_delay_us = 500;
    sv->max_queue_size = 1024;
    sv->instance_count = 1;
    int64_t x;
    json_t *v;
    if ((v = json_object_get(root, "dynamic_batching"))) OCT_TRY(parse_batching(path, v, c));
    if ((v = json_object_get(root, "max_queue_size"))) {
        OCT_TRY(get_int(path, "max_queue_size", v, 1, 1 << 20, &x));
        sv->max_queue_size = (int)x;
    }
    if ((v = json_object_get(root, "default_timeout_us")))
        OCT_TRY(get_int(path, "default_timeout_us", v, 0, (int64_t)3600 * 1000000, &sv->default_timeout_us));
    if ((v = json_object_get(root, "instance_count"))) {
        OCT_TRY(get_int(path, "instance_count", v, 1, 64, &x));
        sv->instance_count = (int)x;
    }
    for (int i = 0; i < sv->n_preferred; i++)
        if (c->max_batch_size > 0 && sv->preferred[i] > c->max_batch_size)
            return oct_err(OCT_E_INVALID, "%s: preferred batch size %d is above max_batch_size %d", path,
                           sv->preferred[i], c->max_batch_size);
    return OCT_OK;
}

static oct_status parse(const char *path, json_t *root, oct_model_config *c)
{
    static const char *const keys[] = {"name", "platform", "model_file", "max_batch_size", "inputs", "outputs",
                                       "preprocess", "labels", "quantization", "dynamic_batching",
                                       "max_queue_size", "default_timeout_us", "instance_count", NULL};
    if (!json_is_object(root)) return oct_err(OCT_E_INVALID, "%s: top level must be an object", path);
    OCT_TRY(check_keys(path, NULL, root, keys));
    json_t *v;
    if ((v = json_object_get(root, "name"))) OCT_TRY(copy_str(path, "name", v, c->name, sizeof c->name));
    strcpy(c->platform, "onnx");
    if ((v = json_object_get(root, "platform"))) {
        OCT_TRY(copy_str(path, "platform", v, c->platform, sizeof c->platform));
        if (strcmp(c->platform, "onnx"))
            return oct_err(OCT_E_INVALID, "%s: 'platform' must be \"onnx\", got \"%s\"", path, c->platform);
    }
    strcpy(c->model_file, "model.onnx");
    if ((v = json_object_get(root, "model_file"))) {
        OCT_TRY(copy_str(path, "model_file", v, c->model_file, sizeof c->model_file));
        if (strstr(c->model_file, "..") || c->model_file[0] == '/')
            return oct_err(OCT_E_INVALID, "%s: 'model_file' must be a file inside the model directory", path);
    }
    c->max_batch_size = 0;
    if ((v = json_object_get(root, "max_batch_size"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 65536)
            return oct_err(OCT_E_INVALID, "%s: 'max_batch_size' must be an integer in [0, 65536]", path);
        c->max_batch_size = (int)json_integer_value(v);
    }
    if ((v = json_object_get(root, "inputs"))) OCT_TRY(parse_io(path, "inputs", v, c->inputs, &c->n_inputs));
    if ((v = json_object_get(root, "outputs"))) OCT_TRY(parse_io(path, "outputs", v, c->outputs, &c->n_outputs));
    if ((v = json_object_get(root, "preprocess"))) OCT_TRY(parse_preprocess(path, v, c));
    if ((v = json_object_get(root, "labels"))) {
        if (!json_is_array(v)) return oct_err(OCT_E_INVALID, "%s: 'labels' must be an array of strings", path);
        c->labels = calloc(json_array_size(v) + 1, sizeof *c->labels);
        if (!c->labels) return oct_err(OCT_E_NOMEM, "out of memory");
        size_t i;
        json_t *l;
        json_array_foreach(v, i, l) {
            if (!json_is_string(l)) return oct_err(OCT_E_INVALID, "%s: 'labels[%zu]' must be a string", path, i);
            c->labels[i] = strdup(json_string_value(l));
            c->n_labels++;
        }
    }
    if ((v = json_object_get(root, "quantization"))) {
        char dir[4096];
        const char *slash = strrchr(path, '/');
        if (!slash) snprintf(dir, sizeof dir, ".");
        else if (slash == path) snprintf(dir, sizeof dir, "/");
        else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
        OCT_TRY(oct_qconfig_parse(path, dir, v, &c->quant));
        OCT_TRY(check_idx_norm(path, "quantization.calibration.data", c->quant.has_calib_data, &c->quant.calib, c));
        OCT_TRY(check_idx_norm(path, "quantization.accuracy_budget.data", c->quant.has_budget, &c->quant.budget_data, c));
    }
    return parse_serving(path, root, c);
}

static oct_status finish_load(const char *path, json_t *root, oct_model_config *c)
{
    oct_status s = parse(path, root, c);
    json_decref(root);
    if (s != OCT_OK) {
        oct_model_config_free(c);
        return s;
    }
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path) : 1;
    if (snprintf(c->model_path, sizeof c->model_path, "%.*s/%s", dirlen, slash ? path : ".", c->model_file) >=
        (int)sizeof c->model_path) {
        oct_model_config_free(c);
        return oct_err(OCT_E_INVALID, "%s: model path too long", path);
    }
    return OCT_OK;
}

oct_status oct_model_config_load(const char *path, oct_model_config *c)
{
    memset(c, 0, sizeof *c);
    oct_qconfig_default(&c->quant);
    json_error_t err;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (!root) {
        if (err.line < 0 || strstr(err.text, "unable to open"))
            return oct_err(OCT_E_IO, "%s: %s", path, err.text);
        return oct_err(OCT_E_PARSE, "%s:%d:%d: %s", path, err.line, err.column, err.text);
    }
    return finish_load(path, root, c);
}

oct_status oct_model_config_parse(const char *text, size_t len, const char *path, oct_model_config *c)
{
    memset(c, 0, sizeof *c);
    oct_qconfig_default(&c->quant);
    json_error_t err;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (!root) return oct_err(OCT_E_PARSE, "%s:%d:%d: %s", path, err.line, err.column, err.text);
    return finish_load(path, root, c);
}

void oct_model_config_free(oct_model_config *c)
{
    if (c->labels)
        for (int i = 0; i < c->n_labels; i++) free(c->labels[i]);
    free(c->labels);
    c->labels = NULL;
    c->n_labels = 0;
    oct_qconfig_free(&c->quant);
}
