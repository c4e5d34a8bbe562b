#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conformance.h"
#include "onnx/onnx.h"
#include "runtime/plan.h"
#include "runtime/session.h"

#define MAX_T 64

static int is_float(oct_dtype t)
{
    return t == OCT_DT_F32 || t == OCT_DT_F64 || t == OCT_DT_F16 || t == OCT_DT_BF16;
}

int oct_tensor_compare(const oct_tensor *got, const oct_tensor *exp, double rtol, double atol,
                       char *msg, size_t msg_len)
{
    char a[128], b[128];
    if (got->dtype != exp->dtype) {
        snprintf(msg, msg_len, "dtype %s, expected %s", oct_dtype_name(got->dtype), oct_dtype_name(exp->dtype));
        return 0;
    }
    if (!oct_shape_equal(got->rank, got->dims, exp->rank, exp->dims)) {
        snprintf(msg, msg_len, "shape %s, expected %s", oct_shape_str(got->rank, got->dims, a, sizeof a),
                 oct_shape_str(exp->rank, exp->dims, b, sizeof b));
        return 0;
    }
    int64_t n = oct_tensor_numel(exp), bad = 0, worst = -1;
    double maxerr = 0;
    for (int64_t i = 0; i < n; i++) {
        double g = oct_dtype_get(got->dtype, got->data, (size_t)i);
        double e = oct_dtype_get(exp->dtype, exp->data, (size_t)i);
        double err;
        int ok;
        if (is_float(exp->dtype)) {
            if (isnan(e) || isnan(g)) ok = isnan(e) && isnan(g), err = ok ? 0 : INFINITY;
            else if (isinf(e) || isinf(g)) ok = g == e, err = ok ? 0 : INFINITY;
            else err = fabs(g - e), ok = err <= atol + rtol * fabs(e);
        } else {
            err = fabs(g - e);
            ok = g == e;
        }
        if (!ok) {
            bad++;
            if (worst < 0 || err > maxerr) maxerr = err, worst = i;
        }
    }
    if (bad) {
        snprintf(msg, msg_len, "%lld of %lld values differ, max abs error %g at %lld (got %g, expected %g)",
                 (long long)bad, (long long)n, maxerr, (long long)worst,
                 oct_dtype_get(got->dtype, got->data, (size_t)worst),
                 oct_dtype_get(exp->dtype, exp->data, (size_t)worst));
        return 0;
    }
    return 1;
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Load <set>/<prefix>_K.pb for K = 0.. while present. */
static oct_status load_set(const char *set, const char *prefix, oct_tensor **t, char **names, int *count)
{
    *count = 0;
    for (int k = 0; k < MAX_T; k++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%s_%d.pb", set, prefix, k);
        if (!exists(p)) break;
        OCT_TRY(oct_onnx_load_tensor_file(p, &t[k], &names[k]));
        (*count)++;
    }
    return OCT_OK;
}

static void free_set(oct_tensor **t, char **names, int n)
{
    for (int i = 0; i < n; i++) {
        oct_tensor_free(t[i]);
        free(names[i]);
        t[i] = NULL;
        names[i] = NULL;
    }
}

static oct_case_result classify(oct_status s) { return s == OCT_E_UNSUPPORTED ? OCT_CASE_SKIP : OCT_CASE_FAIL; }

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static oct_case_result run_set(oct_session *sess, const char *set, const oct_case_opts *o, char *msg, size_t ml)
{
    oct_tensor *in[MAX_T] = {0}, *exp[MAX_T] = {0}, *got[MAX_T] = {0}, *bound[MAX_T] = {0};
    char *in_names[MAX_T] = {0}, *out_names[MAX_T] = {0};
    int n_in = 0, n_exp = 0, no = 0;
    oct_case_result r = OCT_CASE_FAIL;
    oct_status s = load_set(set, "input", in, in_names, &n_in);
    if (s == OCT_OK) s = load_set(set, "output", exp, out_names, &n_exp);
    if (s != OCT_OK) {
        snprintf(msg, ml, "test data: %s", oct_errmsg());
        r = classify(s);
        goto done;
    }
    int ni = oct_session_n_inputs(sess);
    no = oct_session_n_outputs(sess);
    if (ni > MAX_T || no > MAX_T) {
        snprintf(msg, ml, "too many inputs/outputs");
        goto done;
    }
    /* bind by name when names are given, else by position */
    for (int i = 0; i < n_in; i++) {
        int k = in_names[i] && *in_names[i] ? oct_session_input_index(sess, in_names[i]) : -1;
        if (k < 0) k = i;
        if (k < ni) bound[k] = in[i];
    }
    /* ONNX 1.12's test data stores bfloat16 tensors as uint16 (same bits) */
    for (int k = 0; k < ni; k++)
        if (bound[k] && bound[k]->dtype == OCT_DT_U16 && oct_session_input(sess, k)->dtype == OCT_DT_BF16)
            bound[k]->dtype = OCT_DT_BF16;
    for (int k = 0; k < ni; k++)
        if (!bound[k]) {
            snprintf(msg, ml, "no test data for input '%s'", oct_session_input(sess, k)->name);
            goto done;
        }
    /* a test whose data contradicts the model's own input declaration is not a
     * test of the backend (ONNX 1.12 has a few: castlike_*) */
    for (int k = 0; k < ni; k++)
        if (oct_plan_check_input(oct_session_graph(sess), k, bound[k]) != OCT_OK) {
            snprintf(msg, ml, "test data contradicts the model's declared inputs: %s", oct_errmsg());
            r = OCT_CASE_SKIP;
            goto done;
        }
    s = oct_session_run(sess, (const oct_tensor *const *)bound, got);
    if (s != OCT_OK) {
        snprintf(msg, ml, "run: %s", oct_errmsg());
        r = classify(s);
        goto done;
    }
    for (int i = 0; i < n_exp; i++) {
        int k = out_names[i] && *out_names[i] ? oct_session_output_index(sess, out_names[i]) : -1;
        if (k < 0) k = i;
        if (k >= no) {
            snprintf(msg, ml, "expected output %d is not produced", i);
            goto done;
        }
        char why[400];
        if (exp[i]->dtype == OCT_DT_U16 && got[k]->dtype == OCT_DT_BF16) exp[i]->dtype = OCT_DT_BF16;
        if (!oct_tensor_compare(got[k], exp[i], o->rtol, o->atol, why, sizeof why)) {
            snprintf(msg, ml, "output '%s': %s", oct_session_output(sess, k)->name, why);
            goto done;
        }
    }
    r = OCT_CASE_PASS;
done:
    for (int i = 0; i < no && i < MAX_T; i++) oct_tensor_free(got[i]);
    free_set(in, in_names, n_in);
    free_set(exp, out_names, n_exp);
    return r;
}

oct_case_result oct_conformance_case(const char *dir, const oct_case_opts *o, char *msg, size_t ml)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    msg[0] = '\0';
    oct_graph *g = NULL;
    oct_status s = oct_onnx_load_file(path, &g);
    if (s != OCT_OK) {
        snprintf(msg, ml, "import: %s", oct_errmsg());
        return classify(s);
    }
    oct_session_opts so;
    oct_session_opts_default(&so);
    so.n_threads = o->n_threads;
    so.optimize = o->optimize;
    so.device = o->device ? o->device : "cpu";
    oct_session *sess = NULL;
    s = oct_session_from_graph(g, &so, &sess);
    if (s != OCT_OK) {
        snprintf(msg, ml, "load: %s", oct_errmsg());
        return classify(s);
    }
    DIR *d = opendir(dir);
    char *sets[256];
    int n_sets = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && n_sets < 256)
        if (!strncmp(e->d_name, "test_data_set_", 14)) sets[n_sets++] = strdup(e->d_name);
    if (d) closedir(d);
    qsort(sets, (size_t)n_sets, sizeof sets[0], cmp_str);
    oct_case_result r = n_sets ? OCT_CASE_PASS : OCT_CASE_SKIP;
    if (!n_sets) snprintf(msg, ml, "no test_data_set_* directory");
    for (int i = 0; i < n_sets && r == OCT_CASE_PASS; i++) {
        char set[4096 + 64];
        snprintf(set, sizeof set, "%s/%s", dir, sets[i]);
        r = run_set(sess, set, o, msg, ml);
    }
    for (int i = 0; i < n_sets; i++) free(sets[i]);
    if (r == OCT_CASE_PASS && oct_session_device_fallbacks(sess) > 0) { /* the CPU answered, not the device */
        snprintf(msg, ml, "the device failed and the case ran on the CPU");
        r = OCT_CASE_FAIL;
    }
    if (o->on_device) {
        const oct_graph *sg = oct_session_graph(sess);
        *o->on_device = 0;
        for (int k = 0; k < sg->n_node; k++) *o->on_device |= oct_session_node_on_device(sess, k);
    }
    oct_session_free(sess);
    return r;
}
