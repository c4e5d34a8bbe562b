/* octet — parsing and checking the "quantization" object of a model's
 * config.json (the fields are listed in docs/QUANTIZATION.md). */
#include "quant/qconfig.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const precision_names[] = {"fp32", "fp16", "int8", NULL};
static const char *const method_names[] = {"minmax", "percentile", "entropy", "mse", NULL};
static const char *const granularity_names[] = {"per_tensor", "per_channel", NULL};
static const char *const mode_names[] = {"static", "dynamic", NULL};
static const char *const act_dtype_names[] = {"uint8", "int8", NULL};
static const char *const override_precisions[] = {"fp32", "fp16", NULL};
static const char *const bias_correction_names[] = {"off", "empirical", NULL};

typedef struct qctx {
    const char *path; /* the config file, for messages */
    const char *dir;  /* resolves relative data paths */
} qctx;

static void join_names(const char *const *names, char *buf, size_t n)
{
    buf[0] = '\0';
    for (const char *const *p = names; *p; p++) {
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "%s%s", p == names ? "" : ", ", *p);
    }
}

static int name_index(const char *const *names, const char *s)
{
    for (int i = 0; names[i]; i++)
        if (!strcmp(names[i], s)) return i;
    return -1;
}

static oct_status check_keys(const qctx *c, const char *where, json_t *obj, const char *const *allowed)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        if (name_index(allowed, k) >= 0) continue;
        char list[256];
        join_names(allowed, list, sizeof list);
        return oct_err(OCT_E_INVALID, "%s: unknown key '%s' in %s (allowed: %s)", c->path, k, where, list);
    }
    return OCT_OK;
}

static oct_status want_object(const qctx *c, const char *where, json_t *v)
{
    if (!json_is_object(v)) return oct_err(OCT_E_INVALID, "%s: %s must be an object", c->path, where);
    return OCT_OK;
}

/* A string that must be one of names; *out = its index. */
static oct_status get_enum(const qctx *c, const char *where, json_t *v, const char *const *names, int *out)
{
    char list[256];
    join_names(names, list, sizeof list);
    if (!json_is_string(v))
        return oct_err(OCT_E_INVALID, "%s: %s must be a string, one of %s", c->path, where, list);
    int i = name_index(names, json_string_value(v));
    if (i < 0)
        return oct_err(OCT_E_INVALID, "%s: %s: '%s' is not one of %s", c->path, where, json_string_value(v), list);
    *out = i;
    return OCT_OK;
}

static oct_status get_int(const qctx *c, const char *where, json_t *v, int64_t min, int64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < min)
        return oct_err(OCT_E_INVALID, "%s: %s must be an integer >= %lld", c->path, where, (long long)min);
    *out = (int64_t)json_integer_value(v);
    return OCT_OK;
}

static oct_status get_num(const qctx *c, const char *where, json_t *v, double *out)
{
    if (!json_is_number(v) || !isfinite(json_number_value(v)))
        return oct_err(OCT_E_INVALID, "%s: %s must be a number", c->path, where);
    *out = json_number_value(v);
    return OCT_OK;
}

/* A number, or an array holding exactly one number (as in "preprocess"). */
static oct_status get_num1(const qctx *c, const char *where, json_t *v, double *out)
{
    if (json_is_array(v)) {
        if (json_array_size(v) != 1)
            return oct_err(OCT_E_INVALID, "%s: %s must be a number or an array of one number (IDX images have one channel)",
                           c->path, where);
        v = json_array_get(v, 0);
    }
    return get_num(c, where, v, out);
}

static oct_status get_path(const qctx *c, const char *where, json_t *v, char *dst)
{
    if (!json_is_string(v) || !json_string_value(v)[0])
        return oct_err(OCT_E_INVALID, "%s: %s must be a non-empty string (a file path)", c->path, where);
    const char *s = json_string_value(v);
    int n;
    if (s[0] == '/' || !c->dir || !c->dir[0])
        n = snprintf(dst, OCT_PATH_MAX, "%s", s);
    else
        n = snprintf(dst, OCT_PATH_MAX, "%s/%s", c->dir, s);
    if (n < 0 || n >= OCT_PATH_MAX) return oct_err(OCT_E_INVALID, "%s: %s: path too long", c->path, where);
    return OCT_OK;
}

static oct_status parse_data(const qctx *c, const char *where, json_t *obj, oct_data_spec *d)
{
    static const char *const keys[] = {"npy", "labels_npy", "idx_images", "idx_labels", "scale", "mean", "std", "offset", NULL};
    char w[160];
    OCT_TRY(want_object(c, where, obj));
    OCT_TRY(check_keys(c, where, obj, keys));
    memset(d, 0, sizeof *d);
    json_t *npy = json_object_get(obj, "npy"), *lnpy = json_object_get(obj, "labels_npy");
    json_t *img = json_object_get(obj, "idx_images"), *lidx = json_object_get(obj, "idx_labels");
    if (!npy == !img)
        return oct_err(OCT_E_INVALID, "%s: %s needs exactly one of 'npy' or 'idx_images'", c->path, where);
    if (npy && lidx)
        return oct_err(OCT_E_INVALID, "%s: %s.idx_labels goes with 'idx_images'; use 'labels_npy' with 'npy'", c->path, where);
    if (img && lnpy)
        return oct_err(OCT_E_INVALID, "%s: %s.labels_npy goes with 'npy'; use 'idx_labels' with 'idx_images'", c->path, where);
    struct { const char *key; json_t *v; char *dst; } paths[] = {
        {"npy", npy, d->npy}, {"labels_npy", lnpy, d->labels_npy},
        {"idx_images", img, d->idx_images}, {"idx_labels", lidx, d->idx_labels}};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        if (!paths[i].v) continue;
        snprintf(w, sizeof w, "%s.%s", where, paths[i].key);
        OCT_TRY(get_path(c, w, paths[i].v, paths[i].dst));
    }
    json_t *sc = json_object_get(obj, "scale"), *mn = json_object_get(obj, "mean"), *sd = json_object_get(obj, "std");
    if (sc || mn || sd) {
        if (npy)
            return oct_err(OCT_E_INVALID, "%s: %s: 'scale'/'mean'/'std' apply to 'idx_images' only (.npy inputs are used as they are)",
                           c->path, where);
        if (!sc || !mn || !sd)
            return oct_err(OCT_E_INVALID, "%s: %s: 'scale', 'mean' and 'std' go together (missing '%s')", c->path, where,
                           !sc ? "scale" : !mn ? "mean" : "std");
        double v;
        snprintf(w, sizeof w, "%s.scale", where);
        OCT_TRY(get_num(c, w, sc, &v));
        if (!(v > 0)) return oct_err(OCT_E_INVALID, "%s: %s must be > 0", c->path, w);
        d->scale = (float)v;
        snprintf(w, sizeof w, "%s.mean", where);
        OCT_TRY(get_num1(c, w, mn, &v));
        d->mean = (float)v;
        snprintf(w, sizeof w, "%s.std", where);
        OCT_TRY(get_num1(c, w, sd, &v));
        if (!(v > 0)) return oct_err(OCT_E_INVALID, "%s: %s must be > 0", c->path, w);
        d->std = (float)v;
        d->has_norm = 1;
    }
    json_t *off = json_object_get(obj, "offset");
    if (off) {
        snprintf(w, sizeof w, "%s.offset", where);
        OCT_TRY(get_int(c, w, off, 0, &d->offset));
    }
    return OCT_OK;
}

static oct_status parse_weights(const qctx *c, json_t *v, oct_qconfig *q)
{
    static const char *const keys[] = {"granularity", NULL};
    int g;
    if (json_is_string(v)) { /* shorthand: "weights": "per_tensor" */
        OCT_TRY(get_enum(c, "quantization.weights", v, granularity_names, &g));
    } else {
        OCT_TRY(want_object(c, "quantization.weights", v));
        OCT_TRY(check_keys(c, "quantization.weights", v, keys));
        json_t *gv = json_object_get(v, "granularity");
        if (!gv) return OCT_OK;
        OCT_TRY(get_enum(c, "quantization.weights.granularity", gv, granularity_names, &g));
    }
    q->per_channel = g == 1;
    return OCT_OK;
}

static oct_status parse_activations(const qctx *c, json_t *v, oct_qconfig *q)
{
    static const char *const keys[] = {"mode", "dtype", NULL};
    int m, t;
    if (json_is_string(v)) { /* shorthand: "activations": "dynamic" */
        OCT_TRY(get_enum(c, "quantization.activations", v, mode_names, &m));
        q->act_dynamic = m == 1;
        return OCT_OK;
    }
    OCT_TRY(want_object(c, "quantization.activations", v));
    OCT_TRY(check_keys(c, "quantization.activations", v, keys));
    json_t *e;
    if ((e = json_object_get(v, "mode"))) {
        OCT_TRY(get_enum(c, "quantization.activations.mode", e, mode_names, &m));
        q->act_dynamic = m == 1;
    }
    if ((e = json_object_get(v, "dtype"))) {
        OCT_TRY(get_enum(c, "quantization.activations.dtype", e, act_dtype_names, &t));
        q->act_dtype = t == 1 ? OCT_DT_I8 : OCT_DT_U8; /* int8 is symmetric (zero point 0) */
    }
    return OCT_OK;
}

static oct_status parse_calibration(const qctx *c, json_t *v, oct_qconfig *q)
{
    static const char *const keys[] = {"method", "percentile", "samples", "data", NULL};
    OCT_TRY(want_object(c, "quantization.calibration", v));
    OCT_TRY(check_keys(c, "quantization.calibration", v, keys));
    json_t *e;
    int m;
    if ((e = json_object_get(v, "method"))) {
        OCT_TRY(get_enum(c, "quantization.calibration.method", e, method_names, &m));
        q->method = (oct_calib_method)m;
    }
    if ((e = json_object_get(v, "percentile"))) {
        if (q->method != OCT_CALIB_PERCENTILE)
            return oct_err(OCT_E_INVALID, "%s: quantization.calibration.percentile is only used with method 'percentile' (method is '%s')",
                           c->path, oct_calib_method_name(q->method));
        OCT_TRY(get_num(c, "quantization.calibration.percentile", e, &q->percentile));
        if (!(q->percentile > 0 && q->percentile <= 100))
            return oct_err(OCT_E_INVALID, "%s: quantization.calibration.percentile must be in (0, 100], got %g", c->path,
                           q->percentile);
    }
    if ((e = json_object_get(v, "samples"))) OCT_TRY(get_int(c, "quantization.calibration.samples", e, 1, &q->samples));
    if ((e = json_object_get(v, "data"))) {
        OCT_TRY(parse_data(c, "quantization.calibration.data", e, &q->calib));
        q->has_calib_data = 1;
    }
    return OCT_OK;
}

static oct_status parse_overrides(const qctx *c, json_t *arr, oct_qconfig *q)
{
    static const char *const keys[] = {"node", "op_type", "precision", NULL};
    if (!json_is_array(arr))
        return oct_err(OCT_E_INVALID, "%s: quantization.overrides must be an array of objects", c->path);
    size_t n = json_array_size(arr);
    if (n > 100000) return oct_err(OCT_E_INVALID, "%s: quantization.overrides has too many entries", c->path);
    if (n == 0) return OCT_OK;
    q->overrides = calloc(n, sizeof *q->overrides);
    if (!q->overrides) return oct_err(OCT_E_NOMEM, "out of memory");
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        char where[64], w[96];
        snprintf(where, sizeof where, "quantization.overrides[%zu]", i);
        OCT_TRY(want_object(c, where, e));
        OCT_TRY(check_keys(c, where, e, keys));
        oct_qoverride *o = &q->overrides[i];
        json_t *nd = json_object_get(e, "node"), *ot = json_object_get(e, "op_type"), *pr = json_object_get(e, "precision");
        if (!nd == !ot) return oct_err(OCT_E_INVALID, "%s: %s needs exactly one of 'node' or 'op_type'", c->path, where);
        json_t *name = nd ? nd : ot;
        char *dst = nd ? o->node : o->op_type;
        size_t cap = nd ? sizeof o->node : sizeof o->op_type;
        snprintf(w, sizeof w, "%s.%s", where, nd ? "node" : "op_type");
        if (!json_is_string(name) || !json_string_value(name)[0])
            return oct_err(OCT_E_INVALID, "%s: %s must be a non-empty string", c->path, w);
        if (strlen(json_string_value(name)) >= cap)
            return oct_err(OCT_E_INVALID, "%s: %s is too long (at most %zu characters)", c->path, w, cap - 1);
        strcpy(dst, json_string_value(name));
        if (!pr) return oct_err(OCT_E_INVALID, "%s: %s needs 'precision' (fp32 or fp16)", c->path, where);
        snprintf(w, sizeof w, "%s.precision", where);
        int p;
        OCT_TRY(get_enum(c, w, pr, override_precisions, &p));
        o->precision = p == 0 ? OCT_PREC_FP32 : OCT_PREC_FP16;
        for (size_t j = 0; j < i; j++) {
            const oct_qoverride *b = &q->overrides[j];
            if ((o->node[0] && !strcmp(o->node, b->node)) || (o->op_type[0] && !strcmp(o->op_type, b->op_type)))
                return oct_err(OCT_E_INVALID, "%s: %s: %s '%s' already has an override (quantization.overrides[%zu])",
                               c->path, where, o->node[0] ? "node" : "op_type", o->node[0] ? o->node : o->op_type, j);
        }
        q->n_overrides = (int)i + 1;
    }
    return OCT_OK;
}

static oct_status parse_budget(const qctx *c, json_t *v, oct_qconfig *q)
{
    static const char *const keys[] = {"max_drop", "data", "samples", "fallback", NULL};
    OCT_TRY(want_object(c, "quantization.accuracy_budget", v));
    OCT_TRY(check_keys(c, "quantization.accuracy_budget", v, keys));
    json_t *md = json_object_get(v, "max_drop"), *d = json_object_get(v, "data"), *s = json_object_get(v, "samples");
    if (!md) return oct_err(OCT_E_INVALID, "%s: quantization.accuracy_budget.max_drop is required", c->path);
    OCT_TRY(get_num(c, "quantization.accuracy_budget.max_drop", md, &q->max_drop));
    if (!(q->max_drop >= 0 && q->max_drop <= 100))
        return oct_err(OCT_E_INVALID, "%s: quantization.accuracy_budget.max_drop must be in [0, 100] (top-1 points), got %g",
                       c->path, q->max_drop);
    if (!d) return oct_err(OCT_E_INVALID, "%s: quantization.accuracy_budget.data is required", c->path);
    OCT_TRY(parse_data(c, "quantization.accuracy_budget.data", d, &q->budget_data));
    if (!q->budget_data.labels_npy[0] && !q->budget_data.idx_labels[0])
        return oct_err(OCT_E_INVALID, "%s: quantization.accuracy_budget.data needs labels ('labels_npy' or 'idx_labels')",
                       c->path);
    if (s) OCT_TRY(get_int(c, "quantization.accuracy_budget.samples", s, 1, &q->budget_samples));
    json_t *fb = json_object_get(v, "fallback");
    if (fb) {
        int p;
        OCT_TRY(get_enum(c, "quantization.accuracy_budget.fallback", fb, override_precisions, &p));
        q->fallback = p == 0 ? OCT_PREC_FP32 : OCT_PREC_FP16;
    }
    q->has_budget = 1;
    return OCT_OK;
}

static oct_status parse(const qctx *c, json_t *v, oct_qconfig *q)
{
    static const char *const keys[] = {"precision",       "weights",   "activations",     "calibration",
                                       "equalization",    "bias_correction", "overrides", "accuracy_budget", NULL};
    OCT_TRY(want_object(c, "quantization", v));
    OCT_TRY(check_keys(c, "quantization", v, keys));
    json_t *e;
    int p;
    if ((e = json_object_get(v, "precision"))) {
        OCT_TRY(get_enum(c, "quantization.precision", e, precision_names, &p));
        q->precision = (oct_precision)p;
    }
    if ((e = json_object_get(v, "weights"))) OCT_TRY(parse_weights(c, e, q));
    if ((e = json_object_get(v, "activations"))) OCT_TRY(parse_activations(c, e, q));
    if ((e = json_object_get(v, "calibration"))) OCT_TRY(parse_calibration(c, e, q));
    if ((e = json_object_get(v, "equalization"))) {
        if (!json_is_boolean(e))
            return oct_err(OCT_E_INVALID, "%s: quantization.equalization must be true or false", c->path);
        q->equalize = json_is_true(e);
    }
    if ((e = json_object_get(v, "bias_correction"))) {
        OCT_TRY(get_enum(c, "quantization.bias_correction", e, bias_correction_names, &p));
        q->bias_correct = p;
    }
    if ((e = json_object_get(v, "overrides"))) OCT_TRY(parse_overrides(c, e, q));
    if ((e = json_object_get(v, "accuracy_budget"))) OCT_TRY(parse_budget(c, e, q));
    /* Combinations: only static int8 is calibrated, and it needs data. */
    if (q->precision == OCT_PREC_INT8 && !q->act_dynamic && !q->has_calib_data)
        return oct_err(OCT_E_INVALID,
                       "%s: quantization.calibration.data is required for static int8 (or set quantization.activations.mode "
                       "to dynamic)",
                       c->path);
    return OCT_OK;
}

void oct_qconfig_default(oct_qconfig *q)
{
    memset(q, 0, sizeof *q);
    q->precision = OCT_PREC_FP32;
    q->per_channel = 1;
    q->act_dynamic = 0;
    q->act_dtype = OCT_DT_U8;
    q->method = OCT_CALIB_MINMAX;
    q->percentile = 99.99;
    q->samples = 512;
    q->budget_samples = 0;
    q->equalize = 1;
    q->bias_correct = 1;
}

void oct_qconfig_free(oct_qconfig *q)
{
    free(q->overrides);
    q->overrides = NULL;
    q->n_overrides = 0;
}

oct_status oct_qconfig_parse(const char *path, const char *dir, const void *json_obj, oct_qconfig *q)
{
    qctx c = {path ? path : "config", dir};
    oct_qconfig_default(q);
    oct_status s = parse(&c, (json_t *)json_obj, q);
    if (s != OCT_OK) {
        oct_qconfig_free(q);
        oct_qconfig_default(q);
    }
    return s;
}

const char *oct_precision_name(oct_precision p)
{
    return (unsigned)p < 3 ? precision_names[p] : "unknown";
}

int oct_precision_parse(const char *s, oct_precision *p)
{
    int i = s ? name_index(precision_names, s) : -1;
    if (i < 0) return -1;
    *p = (oct_precision)i;
    return 0;
}

const char *oct_calib_method_name(oct_calib_method m)
{
    return (unsigned)m < 4 ? method_names[m] : "unknown";
}

int oct_calib_method_parse(const char *s, oct_calib_method *m)
{
    int i = s ? name_index(method_names, s) : -1;
    if (i < 0) return -1;
    *m = (oct_calib_method)i;
    return 0;
}

int oct_qconfig_override(const oct_qconfig *q, const char *node_name, const char *op_type)
{
    int by_type = -1;
    for (int i = 0; i < q->n_overrides; i++) {
        const oct_qoverride *o = &q->overrides[i];
        if (o->node[0] && node_name && !strcmp(o->node, node_name)) return (int)o->precision;
        if (o->op_type[0] && op_type && !strcmp(o->op_type, op_type) && by_type < 0) by_type = (int)o->precision;
    }
    return by_type;
}
