/* Automatic mixed precision (quant/analysis.h): greedy, most sensitive layer
 * first, on the shared calibration statistics (no recalibration). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/analysis.h"

/* Drops are compared with a little slack: accuracies are k / n * 100. */
#define DROP_EPS 1e-9

static oct_status measure(oct_qanalysis *a, int layer)
{
    oct_graph *g = NULL;
    oct_amp_step *s = &a->step[a->n_step];
    OCT_TRY(oct_qanalysis_build(a, a->keep_float, &g));
    OCT_TRY(oct_qanalysis_eval(a, g, &s->acc, &s->out_sqnr, NULL));
    s->layer = layer;
    s->drop = a->fp32_acc - s->acc;
    a->n_step++;
    return OCT_OK;
}

oct_status oct_amp_run(oct_qanalysis *a, double max_drop, const oct_progress *prog, oct_graph **out)
{
    if (out) *out = NULL;
    if (!(max_drop >= 0)) return oct_err(OCT_E_INVALID, "mixed precision: max_drop must be >= 0 (got %g)", max_drop);
    int need_sens = 0;
    for (int l = 0; l < a->n_layer; l++) need_sens |= a->layer[l].sens_rank < 0;
    if (need_sens) OCT_TRY(oct_sensitivity_run(a, prog));
    free(a->step);
    a->n_step = 0;
    a->amp_ran = a->amp_met = 0;
    a->max_drop = max_drop;
    a->step = calloc((size_t)a->n_layer + 1, sizeof *a->step);
    int *order = malloc(((size_t)a->n_layer + 1) * sizeof *order);
    if (!a->step || !order) {
        free(order);
        return oct_err(OCT_E_NOMEM, "out of memory");
    }
    memset(a->keep_float, 0, (size_t)a->base->n_node);
    for (int l = 0; l < a->n_layer; l++) a->layer[l].kept_float = 0;
    oct_sensitivity_order(a, order);
    oct_status st = measure(a, -1);
    if (st == OCT_OK) {
        a->int8_acc = a->step[0].acc;
        a->int8_out_sqnr = a->step[0].out_sqnr;
        a->have_int8 = 1;
    }
    for (int r = 0; st == OCT_OK && r < a->n_layer && a->step[a->n_step - 1].drop > max_drop + DROP_EPS; r++) {
        int l = order[r];
        a->layer[l].kept_float = 1;
        a->keep_float[a->layer[l].node] = 1;
        st = measure(a, l);
        if (prog && prog->fn) prog->fn(prog->ctx, "mixed precision", r + 1, a->n_layer);
    }
    free(order);
    if (a->n_step > 1 && prog && prog->fn) prog->fn(prog->ctx, "mixed precision", a->n_layer, a->n_layer);
    if (st != OCT_OK) return oct_err_ctx(st, "mixed precision: ");
    a->amp_ran = 1;
    a->amp_met = a->step[a->n_step - 1].drop <= max_drop + DROP_EPS;
    if (out) OCT_TRY(oct_qanalysis_build(a, a->keep_float, out));
    return OCT_OK;
}
