/* The quantization pipeline from a config (quant/quantize.h). */
#include <stdlib.h>
#include <string.h>

#include "onnx/onnx.h"
#include "ops/op.h"
#include "quant/equalize.h"
#include "quant/fp16.h"
#include "quant/quantize.h"
#include "runtime/session.h"

oct_status oct_quant_base_graph(const char *onnx_path, oct_graph **out)
{
    *out = NULL;
    oct_session_opts so;
    oct_session_opts_default(&so);
    so.keep_adds = 1;
    so.n_threads = 1;
    oct_session *s = NULL;
    OCT_TRY(oct_session_load(onnx_path, &so, &s));
    /* the session's graph: passes run, static shapes inferred */
    *out = oct_graph_clone(oct_session_graph(s));
    oct_session_free(s);
    return *out ? OCT_OK : OCT_E_NOMEM;
}

oct_status oct_quant_bias_correct(const oct_graph *base, oct_graph *g, const oct_qdq_plan *p, const oct_qconfig *q,
                                  const oct_tensor *calib, int *count)
{
    int n = 0;
    unsigned char *which = calloc((size_t)base->n_node + 1, 1);
    if (!which) return oct_err(OCT_E_NOMEM, "out of memory");
    for (int i = 0; i < base->n_node; i++) which[i] = p->kind[i] == OCT_QN_COMPUTE;
    oct_input_stats m;
    oct_status s = oct_input_stats_run(base, which, calib, 64, &m);
    if (s == OCT_OK) s = oct_bias_apply(g, which, q->per_channel, &m, &n);
    oct_input_stats_free(&m);
    free(which);
    if (count) *count = n;
    return s;
}

oct_tensor *oct_quant_calib_rows(const oct_tensor *calib, const oct_qconfig *q)
{
    int64_t dims[OCT_MAX_RANK];
    memcpy(dims, calib->dims, sizeof dims);
    if (q->samples > 0 && q->samples < dims[0]) dims[0] = q->samples;
    return oct_tensor_wrap(calib->dtype, calib->rank, dims, calib->data);
}

oct_status oct_quant_equalize(oct_graph *base, const oct_qconfig *q, const oct_tensor *calib, oct_cle_result *r)
{
    if (!q->per_channel || q->act_dynamic || !calib || calib->rank < 1 || calib->dims[0] < 1)
        return oct_cle_run(base, NULL, r);
    oct_input_stats act;
    OCT_TRY(oct_input_stats_run(base, NULL, calib, 64, &act));
    oct_status s = oct_cle_run(base, &act, r);
    oct_input_stats_free(&act);
    return s;
}

static oct_status quantize_static(oct_graph *base, const oct_qconfig *q, const oct_tensor *calib,
                                  const oct_progress *prog, oct_graph **out)
{
    oct_qdq_plan p;
    oct_calib_stats st;
    memset(&st, 0, sizeof st);
    OCT_TRY(oct_qdq_plan_make(base, q, NULL, &p));
    unsigned char *want = calloc((size_t)base->n_val + 1, 1);
    oct_status s = want ? OCT_OK : oct_err(OCT_E_NOMEM, "out of memory");
    for (int v = 0; v < base->n_val && want; v++) want[v] = p.quant[v] && p.share[v] == v;
    oct_tensor *x = NULL;
    if (s == OCT_OK && !(x = oct_quant_calib_rows(calib, q))) s = oct_err(OCT_E_NOMEM, "out of memory");
    if (s == OCT_OK) s = oct_calibrate(base, want, x, 64, q->method != OCT_CALIB_MINMAX, prog, &st);
    if (s == OCT_OK) s = oct_qdq_plan_ranges(&p, &st, q);
    oct_graph *g = NULL;
    if (s == OCT_OK && !(g = oct_graph_clone(base))) s = OCT_E_NOMEM;
    if (s == OCT_OK && q->bias_correct) s = oct_quant_bias_correct(base, g, &p, q, x, NULL);
    if (s == OCT_OK) s = oct_qdq_insert(g, &p, q);
    if (s != OCT_OK) {
        oct_graph_free(g);
        g = NULL;
    }
    oct_tensor_free(x);
    free(want);
    oct_calib_stats_free(&st);
    oct_qdq_plan_free(&p);
    *out = g;
    return s;
}

/* fp16 mode: every node without an fp32 override gets fp16 weights. */
static int keep_fp32(void *ctx, const oct_node *n)
{
    return oct_qconfig_override(ctx, n->name, n->op_type) == OCT_PREC_FP32;
}

/* int8 modes: only nodes overridden to fp16 get fp16 weights. */
static int keep_unless_fp16(void *ctx, const oct_node *n)
{
    return oct_qconfig_override(ctx, n->name, n->op_type) != OCT_PREC_FP16;
}

static int has_fp16_override(const oct_qconfig *q)
{
    for (int i = 0; i < q->n_overrides; i++)
        if (q->overrides[i].precision == OCT_PREC_FP16) return 1;
    return 0;
}

oct_status oct_quantize_model(const char *onnx_path, const oct_qconfig *q, const oct_tensor *calib,
                              const oct_progress *prog, oct_graph **out)
{
    *out = NULL;
    oct_graph *base = NULL;
    OCT_TRY(oct_quant_base_graph(onnx_path, &base));
    oct_status s = OCT_OK;
    int has_calib = calib && calib->rank >= 1 && calib->dims[0] >= 1;
    if (q->precision == OCT_PREC_INT8 && q->equalize) {
        oct_tensor *x = has_calib ? oct_quant_calib_rows(calib, q) : NULL;
        if (has_calib && !x) s = oct_err(OCT_E_NOMEM, "out of memory");
        if (s == OCT_OK) s = oct_quant_equalize(base, q, x, NULL);
        oct_tensor_free(x);
    }
    if (s != OCT_OK) {
    } else if (q->precision == OCT_PREC_INT8 && q->act_dynamic) {
        int count = 0;
        s = oct_quant_dynamic(base, q, NULL, &count);
    } else if (q->precision == OCT_PREC_INT8) {
        if (!has_calib) {
            s = oct_err(OCT_E_INVALID, "static int8 quantization needs calibration data");
        } else {
            oct_graph *g = NULL;
            s = quantize_static(base, q, calib, prog, &g);
            oct_graph_free(base);
            base = g;
        }
    } else if (q->precision == OCT_PREC_FP16) {
        int64_t before = 0, after = 0;
        s = oct_quant_to_fp16(base, keep_fp32, (void *)q, &before, &after);
    }
    if (s == OCT_OK && q->precision == OCT_PREC_INT8 && has_fp16_override(q)) {
        int64_t before = 0, after = 0;
        s = oct_quant_to_fp16(base, keep_unless_fp16, (void *)q, &before, &after);
    }
    if (s != OCT_OK) {
        oct_graph_free(base);
        return oct_err_ctx(s, "%s: ", onnx_path);
    }
    *out = base;
    return OCT_OK;
}
