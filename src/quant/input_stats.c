/* Per-position statistics of layer inputs over a data set (quant/equalize.h):
 * the float graph is run over the data (oct_quant_observe_rows) and, for every
 * wanted value, the sum and the largest magnitude at each position of a sample
 * are accumulated. Bias correction uses the means, data-aware equalization the ranges. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/equalize.h"
#include "quant/quantize.h"

typedef struct stats_acc {
    const oct_graph *base;
    oct_input_stats *st;
} stats_acc;

static int is_layer(const oct_node *n)
{
    if (n->domain && n->domain[0]) return 0;
    return !strcmp(n->op_type, "Conv") || !strcmp(n->op_type, "Gemm") || !strcmp(n->op_type, "MatMul");
}

static oct_status observe(void *ctx, int v, const oct_tensor *t)
{
    stats_acc *m = ctx;
    oct_input_stats *st = m->st;
    if (v < 0 || v >= st->n_val || !st->mean[v] || !t->data || t->rank < 1 || t->dims[0] < 1) return OCT_OK;
    if (t->dtype != OCT_DT_F32) return OCT_OK;
    int64_t per = oct_tensor_numel(t) / t->dims[0];
    if (per != st->numel[v])
        return oct_err(OCT_E_SHAPE, "'%s' has %lld values per sample, expected %lld", m->base->val[v].name,
                       (long long)per, (long long)st->numel[v]);
    const float *p = t->data;
    double *sum = st->mean[v], *amax = st->amax[v];
    for (int64_t r = 0; r < t->dims[0]; r++)
        for (int64_t i = 0; i < per; i++) {
            double x = p[r * per + i];
            sum[i] += x;
            if (fabs(x) > amax[i]) amax[i] = fabs(x);
        }
    return OCT_OK;
}

void oct_input_stats_free(oct_input_stats *m)
{
    for (int v = 0; v < m->n_val; v++) {
        if (m->mean) free(m->mean[v]);
        if (m->amax) free(m->amax[v]);
    }
    free(m->mean);
    free(m->amax);
    free(m->numel);
    memset(m, 0, sizeof *m);
}

oct_status oct_input_stats_run(const oct_graph *g, const unsigned char *which, const oct_tensor *x, int64_t batch,
                               oct_input_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!x || x->rank < 1 || x->dims[0] < 1) return oct_err(OCT_E_INVALID, "layer input statistics: no data");
    out->n_val = g->n_val;
    out->mean = calloc((size_t)g->n_val + 1, sizeof *out->mean);
    out->amax = calloc((size_t)g->n_val + 1, sizeof *out->amax);
    out->numel = calloc((size_t)g->n_val + 1, sizeof *out->numel);
    oct_status st = out->mean && out->amax && out->numel ? OCT_OK : oct_err(OCT_E_NOMEM, "out of memory");
    int any = 0;
    for (int i = 0; i < g->n_node && st == OCT_OK; i++) {
        const oct_node *n = &g->node[i];
        if ((which && !which[i]) || n->dead || !is_layer(n) || n->n_in < 1 || n->in[0] < 0) continue;
        int v = n->in[0];
        const oct_value *xv = &g->val[v];
        if (xv->constant || out->mean[v] || xv->rank < 2) continue;
        int64_t per = 1;
        for (int d = 1; d < xv->rank; d++) per *= xv->dims[d] > 0 ? xv->dims[d] : 0;
        if (per < 1) continue; /* a dynamic dimension: not measurable per position */
        out->numel[v] = per;
        out->mean[v] = calloc((size_t)per, sizeof(double));
        out->amax[v] = calloc((size_t)per, sizeof(double));
        if (!out->mean[v] || !out->amax[v]) st = oct_err(OCT_E_NOMEM, "out of memory");
        any = 1;
    }
    stats_acc m = {g, out};
    oct_quant_walk w = {observe, NULL, &m, NULL};
    if (st == OCT_OK && any) st = oct_quant_observe_rows(g, x, batch, 1, &w, NULL);
    out->rows = x->dims[0];
    for (int v = 0; st == OCT_OK && v < g->n_val; v++)
        for (int64_t k = 0; out->mean[v] && k < out->numel[v]; k++) out->mean[v][k] /= (double)out->rows;
    if (st != OCT_OK) {
        oct_input_stats_free(out);
        return oct_err_ctx(st, "layer input statistics: ");
    }
    return OCT_OK;
}
