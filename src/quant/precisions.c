/* The precision table of the report (quant/analysis.h): top-1, weight bytes
 * and batch-64 throughput of fp32, fp16 (when oct_quantize_model has it),
 * the chosen int8 mix and, when AMP kept layers float, int8 everywhere. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "quant/analysis.h"

static oct_qprec *row(oct_qanalysis *a, oct_precision p, const char *label)
{
    oct_qprec *r = &a->prec[a->n_prec++];
    memset(r, 0, sizeof *r);
    r->precision = p;
    snprintf(r->label, sizeof r->label, "%s", label);
    r->acc = r->images_per_s = NAN;
    r->weight_bytes = -1;
    return r;
}

/* Evaluate g (taken) into r. */
static oct_status measure(oct_qanalysis *a, oct_graph *g, oct_qprec *r)
{
    r->weight_bytes = oct_qanalysis_weight_bytes(g);
    OCT_TRY(oct_qanalysis_eval(a, g, &r->acc, NULL, &r->images_per_s));
    r->available = 1;
    return OCT_OK;
}

oct_status oct_qanalysis_precisions(oct_qanalysis *a)
{
    a->n_prec = 0;
    oct_qprec *r = row(a, OCT_PREC_FP32, "fp32");
    r->available = 1;
    r->acc = a->fp32_acc;
    r->images_per_s = a->fp32_ips;
    r->weight_bytes = oct_qanalysis_weight_bytes(a->base);

    r = row(a, OCT_PREC_FP16, "fp16");
    oct_qconfig q16 = *a->q; /* shallow: nothing of it is freed here */
    q16.precision = OCT_PREC_FP16;
    oct_graph *g = NULL;
    oct_status st = oct_quantize_model(a->model, &q16, NULL, NULL, &g);
    if (st == OCT_E_NOMEM) return st;
    if (st != OCT_OK) snprintf(r->note, sizeof r->note, "%s", oct_errmsg());
    else OCT_TRY(measure(a, g, r));

    int n_float = 0;
    for (int l = 0; l < a->n_layer; l++) n_float += a->layer[l].kept_float;
    char label[32];
    if (n_float) snprintf(label, sizeof label, "int8 (AMP, %d float)", n_float);
    else snprintf(label, sizeof label, "int8");
    r = row(a, OCT_PREC_INT8, label);
    OCT_TRY(oct_qanalysis_build(a, a->keep_float, &g));
    OCT_TRY(measure(a, g, r));
    if (n_float) {
        r = row(a, OCT_PREC_INT8, "int8 (all layers)");
        OCT_TRY(oct_qanalysis_build(a, NULL, &g));
        OCT_TRY(measure(a, g, r));
    }
    return OCT_OK;
}
