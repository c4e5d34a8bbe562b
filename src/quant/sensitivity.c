/* Per-layer sensitivity (quant/analysis.h): each layer alone in int8, every
 * other layer float, on the shared calibration statistics; model output SQNR
 * against fp32 and top-1 on the evaluation data. Rank 0 = the lowest output
 * SQNR (lower top-1, then the graph order, break ties). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/analysis.h"

/* NAN sorts as the least sensitive. */
static double key_sqnr(double v) { return isnan(v) ? INFINITY : v; }

static int more_sensitive(const oct_qlayer *a, const oct_qlayer *b)
{
    double sa = key_sqnr(a->sens_sqnr), sb = key_sqnr(b->sens_sqnr);
    if (sa != sb) return sa < sb;
    double aa = isnan(a->sens_acc) ? INFINITY : a->sens_acc, ab = isnan(b->sens_acc) ? INFINITY : b->sens_acc;
    if (aa != ab) return aa < ab;
    return a->node < b->node;
}

void oct_sensitivity_order(const oct_qanalysis *a, int *order)
{
    for (int l = 0; l < a->n_layer; l++) order[l] = l;
    /* insertion sort: a few dozen layers */
    for (int i = 1; i < a->n_layer; i++) {
        int x = order[i], j = i;
        while (j > 0 && more_sensitive(&a->layer[x], &a->layer[order[j - 1]])) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = x;
    }
}

oct_status oct_sensitivity_run(oct_qanalysis *a, const oct_progress *prog)
{
    int nn = a->base->n_node;
    unsigned char *keep = malloc((size_t)nn + 1);
    int *order = malloc(((size_t)a->n_layer + 1) * sizeof *order);
    if (!keep || !order) {
        free(keep), free(order);
        return oct_err(OCT_E_NOMEM, "out of memory");
    }
    memset(keep, 0, (size_t)nn + 1);
    for (int l = 0; l < a->n_layer; l++) keep[a->layer[l].node] = 1;
    oct_status st = OCT_OK;
    for (int l = 0; l < a->n_layer && st == OCT_OK; l++) {
        oct_qlayer *L = &a->layer[l];
        oct_graph *g = NULL;
        keep[L->node] = 0;
        st = oct_qanalysis_build(a, keep, &g);
        keep[L->node] = 1;
        if (st == OCT_OK) st = oct_qanalysis_eval(a, g, &L->sens_acc, &L->sens_sqnr, NULL);
        if (st != OCT_OK) oct_err_ctx(st, "sensitivity of '%s': ", L->name);
        if (prog && prog->fn) prog->fn(prog->ctx, "sensitivity", l + 1, a->n_layer + 1);
    }
    if (st == OCT_OK && !a->have_int8) {
        oct_graph *g = NULL;
        st = oct_qanalysis_build(a, NULL, &g);
        if (st == OCT_OK) st = oct_qanalysis_eval(a, g, &a->int8_acc, &a->int8_out_sqnr, NULL);
        a->have_int8 = st == OCT_OK;
    }
    if (prog && prog->fn) prog->fn(prog->ctx, "sensitivity", a->n_layer + 1, a->n_layer + 1);
    if (st == OCT_OK) {
        oct_sensitivity_order(a, order);
        for (int r = 0; r < a->n_layer; r++) a->layer[order[r]].sens_rank = r;
    }
    free(keep);
    free(order);
    return st;
}
