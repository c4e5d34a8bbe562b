/* The quantization report as one self-contained HTML file (quant/analysis.h):
 * inline SVG bar charts, no script, no external resources. Charts: weight
 * SQNR per layer, activation SQNR per quantized tensor, the sensitivity
 * ranking and (after AMP) top-1 at each step; tables: precisions, layers,
 * AMP steps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/analysis.h"

#define CHART_W 860
#define LABEL_W 360
#define BAR_W 380
#define ROW_H 18
#define LABEL_CHARS 50

typedef struct bar {
    const char *label;
    double value;  /* NAN: no bar; +inf: full bar */
    int accent;    /* drawn in the accent colour (a layer kept float) */
} bar;

static void esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* The label as drawn: its last LABEL_CHARS characters (names share long prefixes). */
static void esc_short(FILE *f, const char *s)
{
    size_t n = strlen(s);
    if (n > LABEL_CHARS) {
        fputs("&#8230;", f);
        s += n - (LABEL_CHARS - 1);
    }
    esc(f, s);
}

static void fmt_val(char *buf, size_t n, double v, const char *unit)
{
    if (isnan(v)) snprintf(buf, n, "n/a");
    else if (isinf(v)) snprintf(buf, n, v > 0 ? "exact" : "-inf");
    else snprintf(buf, n, "%.2f%s", v, unit);
}

/* Horizontal bars over [lo, hi] (lo = hi: from the data, starting at 0).
 * ref (not NAN): a dashed vertical line at that value, named ref_label. */
static void svg_bars(FILE *f, const char *title, const char *unit, const bar *b, int n, double lo, double hi, double ref,
                     const char *ref_label)
{
    if (lo == hi) {
        lo = 0, hi = 0;
        for (int i = 0; i < n; i++)
            if (isfinite(b[i].value)) {
                if (b[i].value > hi) hi = b[i].value;
                if (b[i].value < lo) lo = b[i].value;
            }
        if (hi <= lo) hi = lo + 1;
        hi += (hi - lo) * 0.05;
    }
    int h = 28 + n * ROW_H + 20;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n",
            CHART_W, h, CHART_W, h);
    fputs("<title>", f);
    esc(f, title);
    fputs("</title>\n", f);
    fprintf(f, "<text x=\"0\" y=\"16\" class=\"ct\">");
    esc(f, title);
    fputs("</text>\n", f);
    double span = hi - lo;
    int x0 = LABEL_W + (int)(BAR_W * (0 - lo) / span + 0.5);
    if (lo > 0) x0 = LABEL_W;
    for (int i = 0; i < n; i++) {
        int y = 28 + i * ROW_H;
        double v = b[i].value;
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"lb\" text-anchor=\"end\"><title>", LABEL_W - 6, y + 13);
        esc(f, b[i].label);
        fputs("</title>", f);
        esc_short(f, b[i].label);
        fputs("</text>\n", f);
        char vb[64];
        fmt_val(vb, sizeof vb, v, unit);
        int xe = x0;
        if (!isnan(v)) {
            double c = isinf(v) ? (v > 0 ? hi : lo) : v < lo ? lo : v > hi ? hi : v;
            xe = LABEL_W + (int)(BAR_W * (c - lo) / span + 0.5);
            int xa = xe < x0 ? xe : x0, w = xe < x0 ? x0 - xe : xe - x0;
            fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"%s\"/>\n", xa, y + 2, w > 0 ? w : 1,
                    ROW_H - 4, b[i].accent ? "ba" : "bb");
        }
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"vl\">%s</text>\n", (xe > x0 ? xe : x0) + 4, y + 13, vb);
    }
    int yb = 28 + n * ROW_H;
    fprintf(f, "<line x1=\"%d\" y1=\"24\" x2=\"%d\" y2=\"%d\" class=\"ax\"/>\n", x0, x0, yb);
    char lb[64], hb[64];
    fmt_val(lb, sizeof lb, lo, unit);
    fmt_val(hb, sizeof hb, hi, unit);
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"tk\">%s</text><text x=\"%d\" y=\"%d\" class=\"tk\" "
               "text-anchor=\"end\">%s</text>\n",
            LABEL_W, yb + 14, lb, LABEL_W + BAR_W, yb + 14, hb);
    if (!isnan(ref) && ref >= lo && ref <= hi) {
        int xr = LABEL_W + (int)(BAR_W * (ref - lo) / span + 0.5);
        fprintf(f, "<line x1=\"%d\" y1=\"24\" x2=\"%d\" y2=\"%d\" class=\"rf\"/>\n", xr, xr, yb);
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"tk\" text-anchor=\"middle\">", xr, yb + 14);
        esc(f, ref_label);
        fputs("</text>\n", f);
    }
    fputs("</svg>\n", f);
}

static void td_num(FILE *f, double v, const char *unit)
{
    char b[64];
    fmt_val(b, sizeof b, v, unit);
    fprintf(f, "<td class=\"n\">%s</td>", b);
}

static void td_text(FILE *f, const char *s)
{
    fputs("<td>", f);
    esc(f, s);
    fputs("</td>", f);
}

static void precision_table(FILE *f, const oct_qanalysis *a)
{
    fputs("<h2>Precisions</h2>\n<table><tr><th>precision</th><th>top-1 (%)</th><th>drop (points)</th>"
          "<th>weight bytes</th><th>images/s (batch 64)</th><th>note</th></tr>\n",
          f);
    for (int i = 0; i < a->n_prec; i++) {
        const oct_qprec *r = &a->prec[i];
        fputs("<tr>", f);
        td_text(f, r->label);
        if (r->available) {
            td_num(f, r->acc, "");
            td_num(f, a->fp32_acc - r->acc, "");
            fprintf(f, "<td class=\"n\">%lld</td>", (long long)r->weight_bytes);
            td_num(f, r->images_per_s, "");
        } else {
            fputs("<td class=\"n\">n/a</td><td class=\"n\">n/a</td><td class=\"n\">n/a</td><td class=\"n\">n/a</td>", f);
        }
        td_text(f, r->note);
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* Equalization and bias correction: what was done, and SQNR per layer without / with them. */
static void equalization_section(FILE *f, const oct_qanalysis *a, bar *b, char (*lab)[300])
{
    const oct_qconfig *q = a->q;
    fputs("<h2>Equalization and bias correction</h2>\n", f);
    fprintf(f, "<p>Cross-layer equalization: %s. Bias correction: %s.</p>\n",
            q->equalize ? "on" : "off (quantization.equalization is false)",
            q->bias_correct ? "empirical, from the calibration set" : "off");
    if (q->equalize) {
        fprintf(f, "<p>%d pair(s) equalized in %d sweep(s):</p>\n<ul>\n", a->cle.n_pair, a->cle.sweeps);
        for (int k = 0; k < a->cle.n_pair; k++) {
            const oct_cle_pair *p = &a->cle.pair[k];
            fputs("<li><code>", f);
            esc(f, a->base->node[p->n1].name ? a->base->node[p->n1].name : "");
            fputs("</code> &rarr; <code>", f);
            esc(f, a->base->node[p->n2].name ? a->base->node[p->n2].name : "");
            fprintf(f, "</code>: %d channels, balanced on %s, %s spread %.3g before, scales in [%.3g, %.3g]</li>\n",
                    p->channels, p->on_data ? "data (activation range against the next layer's column)"
                                            : "weights (row range against the next layer's column)",
                    p->on_data ? "a/r2" : "r1/r2", p->ratio_before, p->s_min, p->s_max);
        }
        for (int k = 0; k < a->cle.n_skip; k++) {
            fputs("<li>not after <code>", f);
            esc(f, a->base->node[a->cle.skip[k].n1].name ? a->base->node[a->cle.skip[k].n1].name : "");
            fputs("</code>: ", f);
            esc(f, a->cle.skip[k].reason);
            fputs("</li>\n", f);
        }
        fputs("</ul>\n", f);
    }
    if (!a->have_plain) return;
    fprintf(f, "<p>All layers int8: plain (no equalization, no bias correction) top-1 %.2f%%, model output SQNR "
               "%.2f dB; with them %.2f%%, %.2f dB (fp32 %.2f%%).</p>\n",
            a->plain_acc, a->plain_out_sqnr, a->int8_acc, a->int8_out_sqnr, a->fp32_acc);
    for (int l = 0; l < a->n_layer; l++) {
        snprintf(lab[2 * l], sizeof lab[0], "%s: plain", a->layer[l].name);
        snprintf(lab[2 * l + 1], sizeof lab[0], "%s: equalized%s", a->layer[l].name, q->bias_correct ? " + bias" : "");
        b[2 * l] = (bar){lab[2 * l], a->layer[l].act_sqnr_pre, 1};
        b[2 * l + 1] = (bar){lab[2 * l + 1], a->layer[l].act_sqnr, 0};
    }
    svg_bars(f, "Output SQNR per layer before / after equalization (dB; orange: plain int8)", " dB", b, 2 * a->n_layer,
             0, 0, NAN, NULL);
    for (int l = 0; l < a->n_layer; l++) {
        b[2 * l] = (bar){lab[2 * l], a->layer[l].weight_sqnr_pre, 1};
        b[2 * l + 1] = (bar){lab[2 * l + 1], a->layer[l].weight_sqnr, 0};
    }
    svg_bars(f, "Weight SQNR per layer before / after equalization (dB; orange: plain int8)", " dB", b, 2 * a->n_layer,
             0, 0, NAN, NULL);
}

static void layer_table(FILE *f, const oct_qanalysis *a)
{
    fputs("<h2>Layers</h2>\n<table><tr><th>#</th><th>layer</th><th>op</th><th>equalized</th>"
          "<th>weight SQNR plain (dB)</th><th>weight SQNR (dB)</th>"
          "<th>output SQNR plain (dB)</th><th>output SQNR (dB)</th><th>sensitivity rank</th>"
          "<th>alone in int8: model SQNR (dB)</th><th>alone in int8: top-1 (%)</th><th>decision</th></tr>\n",
          f);
    for (int l = 0; l < a->n_layer; l++) {
        const oct_qlayer *L = &a->layer[l];
        fprintf(f, "<tr><td class=\"n\">%d</td>", l);
        td_text(f, L->name);
        td_text(f, L->op_type);
        td_text(f, L->equalized ? "yes" : "no");
        td_num(f, L->weight_sqnr_pre, "");
        td_num(f, L->weight_sqnr, "");
        td_num(f, L->act_sqnr_pre, "");
        td_num(f, L->act_sqnr, "");
        if (L->sens_rank >= 0) fprintf(f, "<td class=\"n\">%d</td>", L->sens_rank + 1);
        else fputs("<td class=\"n\">n/a</td>", f);
        td_num(f, L->sens_sqnr, "");
        td_num(f, L->sens_acc, "");
        td_text(f, !L->kept_float ? "int8"
                   : a->q->fallback == OCT_PREC_FP16 ? "fp16 weights: kept out of int8 by AMP to meet the accuracy budget"
                                                     : "fp32: kept out of int8 by AMP to meet the accuracy budget");
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void amp_section(FILE *f, const oct_qanalysis *a, bar *b)
{
    fputs("<h2>Automatic mixed precision</h2>\n", f);
    if (!a->amp_ran) {
        fputs("<p>Not run (the configuration has no accuracy budget): every layer is int8.</p>\n", f);
        return;
    }
    int n_float = 0;
    for (int l = 0; l < a->n_layer; l++) n_float += a->layer[l].kept_float;
    fprintf(f, "<p>Budget: at most %.3g top-1 points below fp32 (%.2f%%) on %lld samples. Result: %s, %d of %d "
               "layers kept in float.</p>\n",
            a->max_drop, a->fp32_acc, (long long)a->n_eval, a->amp_met ? "budget met" : "budget NOT met", n_float,
            a->n_layer);
    fputs("<p>Kept in float:</p>\n<ul class=\"kf\">\n", f);
    for (int s = 1; s < a->n_step; s++) {
        fputs("<li>", f);
        esc(f, a->layer[a->step[s].layer].name);
        fputs("</li>\n", f);
    }
    if (n_float == 0) fputs("<li>none</li>\n", f);
    fputs("</ul>\n<table><tr><th>step</th><th>moved to float</th><th>top-1 (%)</th><th>drop (points)</th>"
          "<th>model SQNR (dB)</th></tr>\n",
          f);
    char lab[64][300];
    double lo = a->fp32_acc, hi = a->fp32_acc;
    for (int s = 0; s < a->n_step; s++) {
        const oct_amp_step *st = &a->step[s];
        const char *nm = st->layer < 0 ? "(start: all int8)" : a->layer[st->layer].name;
        fprintf(f, "<tr><td class=\"n\">%d</td>", s);
        td_text(f, nm);
        td_num(f, st->acc, "");
        td_num(f, st->drop, "");
        td_num(f, st->out_sqnr, "");
        fputs("</tr>\n", f);
        if (st->acc < lo) lo = st->acc;
        if (st->acc > hi) hi = st->acc;
        if (s < 64) {
            snprintf(lab[s], sizeof lab[s], "%d: %s", s, nm);
            b[s] = (bar){lab[s], st->acc, st->layer >= 0};
        }
    }
    fputs("</table>\n", f);
    double thr = a->fp32_acc - a->max_drop;
    if (thr < lo) lo = thr;
    lo = floor(lo - 0.5), hi = ceil(hi + 0.25);
    svg_bars(f, "Top-1 (%) after each AMP step (dashed: fp32 minus the budget)", "", b, a->n_step < 64 ? a->n_step : 64,
             lo, hi, thr, "budget");
}

static const char *CSS =
    "body{font-family:sans-serif;margin:24px;color:#222;max-width:1100px}"
    "table{border-collapse:collapse;margin:8px 0 16px}th,td{border:1px solid #ccc;padding:3px 8px;font-size:13px}"
    "th{background:#f0f0f0}td.n{text-align:right;font-family:monospace}"
    "svg{display:block;margin:8px 0 20px}.ct{font-size:14px;font-weight:bold}"
    ".lb,.vl,.tk{font-size:11px;font-family:monospace}.tk{fill:#666}.bb{fill:#4a7ebb}.ba{fill:#d9822b}"
    ".ax{stroke:#444}.rf{stroke:#c00;stroke-dasharray:4 3}";

oct_status oct_report_write_html(const oct_qanalysis *a, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return oct_err(OCT_E_IO, "%s: cannot write the report", path);
    int nb = 2 * a->n_layer > a->n_act ? 2 * a->n_layer : a->n_act;
    if (nb < 64) nb = 64;
    bar *b = calloc((size_t)nb, sizeof *b);
    if (!b) {
        fclose(f);
        return oct_err(OCT_E_NOMEM, "out of memory");
    }
    const oct_qconfig *q = a->q;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>octet quantization report: ", f);
    esc(f, a->model);
    fprintf(f, "</title><style>%s</style></head><body>\n<h1>Quantization report</h1>\n<p>Model <code>", CSS);
    esc(f, a->model);
    fprintf(f, "</code>: int8 static, weights %s (symmetric int8), activations %s; calibration %s on %lld samples; "
               "evaluation on %lld labelled samples (fp32 top-1 %.2f%%, all layers int8 %.2f%%, model output SQNR "
               "%.2f dB).</p>\n",
            q->per_channel ? "per channel" : "per tensor", q->act_dtype == OCT_DT_I8 ? "int8 symmetric" : "uint8 asymmetric",
            oct_calib_method_name(q->method), (long long)a->n_calib, (long long)a->n_eval, a->fp32_acc, a->int8_acc,
            a->int8_out_sqnr);
    precision_table(f, a);

    fputs("<h2>Weight SQNR</h2>\n<p>Float weights against their int8 quantize-dequantize (higher is better).</p>\n", f);
    for (int l = 0; l < a->n_layer; l++) b[l] = (bar){a->layer[l].name, a->layer[l].weight_sqnr, a->layer[l].kept_float};
    svg_bars(f, "Weight SQNR per layer (dB)", " dB", b, a->n_layer, 0, 0, NAN, NULL);

    fprintf(f, "<h2>Activation SQNR</h2>\n<p>Every quantized tensor of the all-int8 model (integer kernels) against "
               "fp32 on %lld samples; the last bar is the model output.</p>\n",
            (long long)a->act_samples);
    for (int i = 0; i < a->n_act; i++) b[i] = (bar){a->act[i].name, a->act[i].sqnr, a->act[i].is_output};
    svg_bars(f, "Activation SQNR per tensor (dB)", " dB", b, a->n_act, 0, 0, NAN, NULL);

    fputs("<h2>Sensitivity</h2>\n<p>Each layer alone in int8 (all others float): model output SQNR against fp32, "
          "most sensitive (lowest) first.</p>\n",
          f);
    int *order = malloc(((size_t)a->n_layer + 1) * sizeof *order);
    char(*lab)[300] = calloc((size_t)a->n_layer + 1, sizeof *lab);
    if (order && lab) {
        oct_sensitivity_order(a, order);
        for (int r = 0; r < a->n_layer; r++) {
            const oct_qlayer *L = &a->layer[order[r]];
            snprintf(lab[r], sizeof lab[r], "%d. %s (top-1 %.2f%%)", r + 1, L->name, L->sens_acc);
            b[r] = (bar){lab[r], L->sens_sqnr, L->kept_float};
        }
        svg_bars(f, "Sensitivity: model output SQNR with only this layer in int8 (dB)", " dB", b, a->n_layer, 0, 0, NAN,
                 NULL);
    }
    int oom = !order || !lab;
    free(order);
    free(lab);
    char(*lab2)[300] = calloc((size_t)2 * a->n_layer + 1, sizeof *lab2);
    if (lab2) equalization_section(f, a, b, lab2);
    oom |= !lab2;
    free(lab2);
    amp_section(f, a, b);
    layer_table(f, a);
    fputs("</body></html>\n", f);
    free(b);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) return oct_err(OCT_E_IO, "%s: write failed", path);
    if (oom) return oct_err(OCT_E_NOMEM, "out of memory");
    return OCT_OK;
}
