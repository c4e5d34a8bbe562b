/* The JSON twin of the quantization report (quant/analysis.h): the same data
 * as the HTML; SQNR / accuracy values that are not finite are null. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "quant/analysis.h"

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static const char *node_name(const oct_qanalysis *a, int i)
{
    const char *s = a->base->node[i].name;
    return s ? s : "";
}

void oct_report_json_path(const char *html_path, char *buf, size_t n)
{
    const char *sl = strrchr(html_path, '/'), *dot = strrchr(html_path, '.');
    if (dot && (!sl || dot > sl + 1)) snprintf(buf, n, "%.*s.json", (int)(dot - html_path), html_path);
    else snprintf(buf, n, "%s.json", html_path);
}

static json_t *layers(const oct_qanalysis *a)
{
    json_t *arr = json_array();
    for (int l = 0; arr && l < a->n_layer; l++) {
        const oct_qlayer *L = &a->layer[l];
        json_t *sens = json_pack("{s:o, s:o, s:o}", "output_sqnr_db", num(L->sens_sqnr), "accuracy", num(L->sens_acc),
                                 "rank", L->sens_rank >= 0 ? json_integer(L->sens_rank + 1) : json_null());
        const char *prec = !L->kept_float ? "int8" : a->q->fallback == OCT_PREC_FP16 ? "fp16" : "fp32";
        json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:s}", "name", L->name, "op_type",
                                             L->op_type, "equalized", L->equalized, "weight_sqnr_db", num(L->weight_sqnr),
                                             "output_sqnr_db", num(L->act_sqnr), "plain_weight_sqnr_db",
                                             num(L->weight_sqnr_pre), "plain_output_sqnr_db", num(L->act_sqnr_pre),
                                             "sensitivity", sens, "precision", prec));
    }
    return arr;
}

static json_t *activations(const oct_qanalysis *a)
{
    json_t *arr = json_array();
    for (int i = 0; arr && i < a->n_act; i++)
        json_array_append_new(arr, json_pack("{s:s, s:o, s:b}", "tensor", a->act[i].name, "sqnr_db", num(a->act[i].sqnr),
                                             "model_output", a->act[i].is_output));
    return arr;
}

static json_t *amp(const oct_qanalysis *a)
{
    if (!a->amp_ran) return json_null();
    json_t *steps = json_array(), *kept = json_array();
    for (int s = 0; s < a->n_step; s++) {
        const oct_amp_step *st = &a->step[s];
        json_array_append_new(steps, json_pack("{s:o, s:o, s:o, s:o}", "moved_to_float",
                                               st->layer >= 0 ? json_string(a->layer[st->layer].name) : json_null(),
                                               "accuracy", num(st->acc), "drop", num(st->drop), "output_sqnr_db",
                                               num(st->out_sqnr)));
        if (st->layer >= 0) json_array_append_new(kept, json_string(a->layer[st->layer].name));
    }
    const oct_amp_step *last = &a->step[a->n_step - 1];
    return json_pack("{s:f, s:b, s:o, s:o, s:o, s:o}", "max_drop", a->max_drop, "met", a->amp_met, "kept_float", kept,
                     "steps", steps, "final_accuracy", num(last->acc), "final_drop", num(last->drop));
}

static json_t *precisions(const oct_qanalysis *a)
{
    json_t *arr = json_array();
    for (int i = 0; arr && i < a->n_prec; i++) {
        const oct_qprec *r = &a->prec[i];
        json_t *o = json_pack("{s:s, s:s, s:b}", "label", r->label, "precision", oct_precision_name(r->precision),
                              "available", r->available);
        if (r->available) {
            json_object_set_new(o, "accuracy", num(r->acc));
            json_object_set_new(o, "weight_bytes", json_integer(r->weight_bytes));
            json_object_set_new(o, "images_per_s", num(r->images_per_s));
        }
        if (*r->note) json_object_set_new(o, "note", json_string(r->note));
        json_array_append_new(arr, o);
    }
    return arr;
}

oct_status oct_report_write_json(const oct_qanalysis *a, const char *path)
{
    const oct_qconfig *q = a->q;
    json_t *cfg = json_pack("{s:s, s:s, s:s, s:s, s:I, s:b, s:s}", "precision", "int8", "weights",
                            q->per_channel ? "per_channel" : "per_tensor", "activations",
                            q->act_dtype == OCT_DT_I8 ? "int8" : "uint8", "calibration", oct_calib_method_name(q->method),
                            "calibration_samples", (json_int_t)a->n_calib, "equalization", q->equalize,
                            "bias_correction", q->bias_correct ? "empirical" : "off");
    json_t *pairs = json_array(), *skips = json_array();
    for (int k = 0; k < a->cle.n_pair; k++)
        json_array_append_new(pairs, json_pack("{s:s, s:s, s:i, s:s, s:o, s:o, s:o}", "from",
                                               node_name(a, a->cle.pair[k].n1), "to", node_name(a, a->cle.pair[k].n2),
                                               "channels", a->cle.pair[k].channels, "balanced_on",
                                               a->cle.pair[k].on_data ? "data" : "weights", "ratio_spread_before", num(a->cle.pair[k].ratio_before),
                                               "scale_min", num(a->cle.pair[k].s_min), "scale_max",
                                               num(a->cle.pair[k].s_max)));
    for (int k = 0; k < a->cle.n_skip; k++)
        json_array_append_new(skips, json_pack("{s:s, s:s}", "after", node_name(a, a->cle.skip[k].n1), "reason",
                                               a->cle.skip[k].reason));
    json_t *eq = json_pack("{s:o, s:o, s:o, s:o}", "pairs", pairs, "skipped", skips, "plain_int8_accuracy",
                           a->have_plain ? num(a->plain_acc) : json_null(), "plain_int8_output_sqnr_db",
                           a->have_plain ? num(a->plain_out_sqnr) : json_null());
    json_t *root = json_pack("{s:s, s:o, s:I, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:o}", "model", a->model, "config", cfg,
                             "eval_samples", (json_int_t)a->n_eval, "fp32_accuracy", num(a->fp32_acc), "int8_accuracy",
                             num(a->int8_acc), "model_output_sqnr_db", num(a->int8_out_sqnr), "activation_samples",
                             (json_int_t)a->act_samples, "layers", layers(a), "activations", activations(a), "amp", amp(a),
                             "precisions", precisions(a));
    if (root) json_object_set_new(root, "equalization", eq);
    else json_decref(eq);
    if (!root) return oct_err(OCT_E_NOMEM, "%s: cannot build the report", path);
    int rc = json_dump_file(root, path, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    json_decref(root);
    return rc == 0 ? OCT_OK : oct_err(OCT_E_IO, "%s: cannot write the report", path);
}
