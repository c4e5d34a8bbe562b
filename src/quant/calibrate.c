/* Calibration: run the float model over the calibration set and collect the
 * statistics (quant/calib.h) of the wanted tensors, through the session's
 * observer. Pass 1 gathers ranges; pass 2 (only for the histogram methods)
 * fills 2048-bin histograms over the ranges of pass 1. */
#include <stdlib.h>
#include <string.h>

#include "quant/quantize.h"
#include "runtime/session.h"

typedef struct calib_ctx {
    const oct_graph *base, *sg; /* base graph (indices of the stats), session graph */
    const unsigned char *want;
    oct_calib_stats *st;
    int pass;
} calib_ctx;

static oct_status observe_value(calib_ctx *c, int v, const oct_tensor *t)
{
    if (v < 0 || v >= c->base->n_val || !c->want[v] || !t || !t->data) return OCT_OK;
    if (t->dtype != OCT_DT_F32)
        return oct_err(OCT_E_INVALID, "calibration: tensor '%s' is %s, not float", c->base->val[v].name,
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

static oct_status observer(void *ctx, const oct_node *n, const oct_tensor *const *out)
{
    calib_ctx *c = ctx;
    for (int j = 0; j < n->n_out; j++) {
        if (n->out[j] < 0) continue;
        int v = oct_graph_find_value(c->base, c->sg->val[n->out[j]].name);
        OCT_TRY(observe_value(c, v, out[j]));
    }
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
    oct_graph *g = st == OCT_OK ? oct_graph_clone(base) : NULL;
    oct_session *s = NULL;
    if (st == OCT_OK && !g) st = OCT_E_NOMEM;
    if (st == OCT_OK) {
        oct_session_opts so;
        oct_session_opts_default(&so);
        so.keep_adds = 1;
        so.device = "cpu"; /* calibration observes every node on the host */
        st = oct_session_from_graph(g, &so, &s);
    }
    if (st == OCT_OK && oct_session_n_inputs(s) != 1)
        st = oct_err(OCT_E_UNSUPPORTED, "calibration: the model must have one input (it has %d)",
                     oct_session_n_inputs(s));
    calib_ctx c = {base, s ? oct_session_graph(s) : NULL, want, out, 1};
    int in_v = s ? oct_graph_find_value(base, oct_session_input(s, 0)->name) : -1;
    int64_t n = x->dims[0], steps = (n + batch - 1) / batch;
    size_t row = oct_tensor_nbytes(x) / (size_t)n;
    if (st == OCT_OK) oct_session_set_observer(s, observer, &c);
    for (int pass = 1; pass <= (histograms ? 2 : 1) && st == OCT_OK; pass++) {
        c.pass = pass;
        if (pass == 2)
            for (int v = 0; v < base->n_val; v++)
                if (want[v]) oct_hist_freeze(&out->hist[v]);
        const char *phase = pass == 1 ? "calibration: ranges" : "calibration: histograms";
        for (int64_t b = 0; b < n && st == OCT_OK; b += batch) {
            int64_t m = n - b < batch ? n - b : batch, dims[OCT_MAX_RANK];
            memcpy(dims, x->dims, sizeof dims);
            dims[0] = m;
            oct_tensor *xb = oct_tensor_wrap(x->dtype, x->rank, dims, (char *)x->data + (size_t)b * row);
            oct_tensor *res[64] = {0};
            if (!xb) st = oct_err(OCT_E_NOMEM, "out of memory");
            if (st == OCT_OK) st = observe_value(&c, in_v, xb);
            if (st == OCT_OK) st = oct_session_run(s, (const oct_tensor *const *)&xb, res);
            for (int i = 0; i < oct_session_n_outputs(s) && i < 64; i++) oct_tensor_free(res[i]);
            oct_tensor_free(xb);
            if (prog && prog->fn) prog->fn(prog->ctx, phase, b / batch + 1, steps);
        }
    }
    oct_session_free(s);
    if (st != OCT_OK) {
        oct_calib_stats_free(out);
        return oct_err_ctx(st, "calibration: ");
    }
    return OCT_OK;
}
