/* Calibration: run the float model over the calibration set and collect the
 * statistics (quant/calib.h) of the wanted tensors, through the session's
 * observer. Pass 1 gathers ranges; pass 2 (only for the histogram methods)
 * fills 2048-bin histograms over the ranges of pass 1. */
#include <stdlib.h>
#include <string.h>

#include "quant/quantize.h"

typedef struct calib_ctx {
    const oct_graph *base;
    const unsigned char *want;
    oct_calib_stats *st;
    int pass;
} calib_ctx;

static oct_status observe_value(void *ctx, int v, const oct_tensor *t)
{
    calib_ctx *c = ctx;
    if (v < 0 || v >= c->base->n_val || !c->want[v] || !t || !t->data) return OCT_OK;
    if (t->dtype != OCT_DT_F32)
        return oct_err(OCT_E_INVALID, "tensor '%s' is %s, not float", c->base->val[v].name,
                       oct_dtype_name(t->dtype));
    oct_hist *h = &c->st->hist[v];
    if (c->pass == 1) {
        oct_hist_observe_range(h, t->data, oct_tensor_numel(t));
        c->st->seen[v] = 1;
    } else {
        oct_hist_observe(h, t->data, oct_tensor_numel(t));
    }
    return OCT_OK;
}

/* Pass 2 bins over the ranges of pass 1. */
static oct_status begin_pass(void *ctx, int pass)
{
    calib_ctx *c = ctx;
    c->pass = pass;
    if (pass == 2)
        for (int v = 0; v < c->base->n_val; v++)
            if (c->want[v]) oct_hist_freeze(&c->st->hist[v]);
    return OCT_OK;
}

void oct_calib_stats_free(oct_calib_stats *s)
{
    if (s->hist)
        for (int v = 0; v < s->n_val; v++) oct_hist_free(&s->hist[v]);
    free(s->hist);
    free(s->seen);
    memset(s, 0, sizeof *s);
}

oct_status oct_calibrate(const oct_graph *base, const unsigned char *want, const oct_tensor *x, int64_t batch,
                         int histograms, const oct_progress *prog, oct_calib_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!x || x->rank < 1 || x->dims[0] < 1) return oct_err(OCT_E_INVALID, "calibration: the data set is empty");
    if (batch < 1) batch = 64;
    out->n_val = base->n_val;
    out->hist = calloc((size_t)base->n_val + 1, sizeof *out->hist);
    out->seen = calloc((size_t)base->n_val + 1, 1);
    if (!out->hist || !out->seen) {
        oct_calib_stats_free(out);
        return oct_err(OCT_E_NOMEM, "out of memory");
    }
    oct_status st = OCT_OK;
    for (int v = 0; v < base->n_val && st == OCT_OK; v++)
        if (want[v]) st = oct_hist_init(&out->hist[v], OCT_HIST_BINS);
    calib_ctx c = {base, want, out, 1};
    static const char *const phase[2] = {"calibration: ranges", "calibration: histograms"};
    oct_quant_walk w = {observe_value, begin_pass, &c, phase};
    if (st == OCT_OK) st = oct_quant_observe_rows(base, x, batch, histograms ? 2 : 1, &w, prog);
    if (st != OCT_OK) {
        oct_calib_stats_free(out);
        return oct_err_ctx(st, "calibration: ");
    }
    return OCT_OK;
}
