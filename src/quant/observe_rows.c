/* Run the float model over a data set and show every value to a callback
 * (quant/quantize.h): calibration and the layer input statistics share it. */
#include <stdlib.h>
#include <string.h>

#include "quant/quantize.h"
#include "runtime/session.h"

typedef struct walk {
    const oct_graph *base, *sg;
    oct_quant_value_fn fn;
    void *ctx;
} walk;

static oct_status observer(void *ctx, const oct_node *n, const oct_tensor *const *out)
{
    walk *w = ctx;
    for (int j = 0; j < n->n_out; j++) {
        if (n->out[j] < 0 || !out[j]) continue;
        int v = oct_graph_find_value(w->base, w->sg->val[n->out[j]].name);
        if (v >= 0) OCT_TRY(w->fn(w->ctx, v, out[j]));
    }
    return OCT_OK;
}

oct_status oct_quant_observe_rows(const oct_graph *base, const oct_tensor *x, int64_t batch, int passes,
                                  const oct_quant_walk *cb, const oct_progress *prog)
{
    if (!x || x->rank < 1 || x->dims[0] < 1) return oct_err(OCT_E_INVALID, "the data set is empty");
    if (batch < 1) batch = 64;
    oct_graph *g = oct_graph_clone(base);
    if (!g) return oct_err(OCT_E_NOMEM, "out of memory");
    oct_session_opts so;
    oct_session_opts_default(&so);
    so.keep_adds = 1;
    so.device = "cpu"; /* the observer sees every node on the host */
    oct_session *s = NULL;
    OCT_TRY(oct_session_from_graph(g, &so, &s));
    oct_status st = OCT_OK;
    if (oct_session_n_inputs(s) != 1)
        st = oct_err(OCT_E_UNSUPPORTED, "the model must have one input (it has %d)", oct_session_n_inputs(s));
    walk w = {base, oct_session_graph(s), cb->value, cb->ctx};
    int in_v = oct_graph_find_value(base, oct_session_input(s, 0)->name);
    int64_t n = x->dims[0], steps = (n + batch - 1) / batch;
    size_t row = oct_tensor_nbytes(x) / (size_t)n;
    if (st == OCT_OK) oct_session_set_observer(s, observer, &w);
    for (int pass = 1; pass <= passes && st == OCT_OK; pass++) {
        if (cb->begin_pass) st = cb->begin_pass(cb->ctx, pass);
        for (int64_t b = 0; b < n && st == OCT_OK; b += batch) {
            int64_t m = n - b < batch ? n - b : batch, dims[OCT_MAX_RANK];
            memcpy(dims, x->dims, sizeof dims);
            dims[0] = m;
            oct_tensor *xb = oct_tensor_wrap(x->dtype, x->rank, dims, (char *)x->data + (size_t)b * row);
            oct_tensor *res[64] = {0};
            if (!xb) st = oct_err(OCT_E_NOMEM, "out of memory");
            if (st == OCT_OK && in_v >= 0) st = cb->value(cb->ctx, in_v, xb);
            if (st == OCT_OK) st = oct_session_run(s, (const oct_tensor *const *)&xb, res);
            for (int i = 0; i < oct_session_n_outputs(s) && i < 64; i++) oct_tensor_free(res[i]);
            oct_tensor_free(xb);
            if (prog && prog->fn && cb->phase) prog->fn(prog->ctx, cb->phase[pass - 1], b / batch + 1, steps);
        }
    }
    oct_session_free(s);
    return st;
}
