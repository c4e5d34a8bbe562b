/* Deep copies of graphs (quantization builds variants of one float graph) and
 * small IR builders used by the quantization passes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/ir.h"
#include "ops/op.h"

static char *dup_or_null(const char *s, int *fail)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *fail = 1;
    return d;
}

static int attr_copy(oct_attr *d, const oct_attr *s)
{
    int fail = 0;
    *d = *s;
    d->name = dup_or_null(s->name, &fail);
    d->s = dup_or_null(s->s, &fail);
    d->t = NULL;
    d->floats = NULL;
    d->ints = NULL;
    d->strings = NULL;
    if (s->t && !(d->t = oct_tensor_clone(s->t))) fail = 1;
    if (s->floats && s->n > 0) {
        d->floats = malloc((size_t)s->n * sizeof *d->floats);
        if (d->floats) memcpy(d->floats, s->floats, (size_t)s->n * sizeof *d->floats);
        else fail = 1;
    }
    if (s->ints && s->n > 0) {
        d->ints = malloc((size_t)s->n * sizeof *d->ints);
        if (d->ints) memcpy(d->ints, s->ints, (size_t)s->n * sizeof *d->ints);
        else fail = 1;
    }
    if (s->strings && s->n > 0) {
        d->strings = calloc((size_t)s->n, sizeof *d->strings);
        if (!d->strings) fail = 1;
        for (int i = 0; d->strings && i < s->n; i++) d->strings[i] = dup_or_null(s->strings[i], &fail);
    }
    return fail ? -1 : 0;
}

oct_graph *oct_graph_clone(const oct_graph *g)
{
    oct_graph *c = oct_graph_new();
    if (!c) return NULL;
    int fail = 0;
    c->name = dup_or_null(g->name, &fail);
    c->producer = dup_or_null(g->producer, &fail);
    c->ir_version = g->ir_version;
    for (int i = 0; i < g->n_opsets && !fail; i++)
        if (oct_graph_set_opset(c, g->opsets[i].domain, g->opsets[i].version) != OCT_OK) fail = 1;
    for (int i = 0; i < g->n_val && !fail; i++) {
        const oct_value *s = &g->val[i];
        int k = oct_graph_add_value(c, s->name);
        if (k != i) { fail = 1; break; }
        oct_value *d = &c->val[k];
        d->dtype = s->dtype;
        d->rank = s->rank;
        memcpy(d->dims, s->dims, sizeof d->dims);
        d->producer = s->producer;
        for (int r = 0; r < OCT_MAX_RANK; r++) d->dim_param[r] = dup_or_null(s->dim_param[r], &fail);
        if (s->constant && !(d->constant = oct_tensor_clone(s->constant))) fail = 1;
    }
    for (int i = 0; i < g->n_node && !fail; i++) {
        const oct_node *s = &g->node[i];
        if (s->dead) continue;
        int k = oct_graph_add_node(c, s->op_type, s->domain, s->name, s->n_in, s->in, s->n_out, s->out);
        if (k < 0) { fail = 1; break; }
        oct_node *d = &c->node[k];
        d->opset = s->opset;
        d->def = s->def;
        d->act = s->act;
        if (s->n_attr) {
            d->attr = calloc((size_t)s->n_attr, sizeof *d->attr);
            if (!d->attr) { fail = 1; break; }
            for (int a = 0; a < s->n_attr; a++) {
                d->n_attr = a + 1;
                if (attr_copy(&d->attr[a], &s->attr[a]) != 0) { fail = 1; break; }
            }
        }
    }
    if (!fail && g->n_in) {
        c->in = malloc((size_t)g->n_in * sizeof *c->in);
        if (c->in) memcpy(c->in, g->in, (size_t)g->n_in * sizeof *c->in), c->n_in = g->n_in;
        else fail = 1;
    }
    if (!fail && g->n_out) {
        c->out = malloc((size_t)g->n_out * sizeof *c->out);
        if (c->out) memcpy(c->out, g->out, (size_t)g->n_out * sizeof *c->out), c->n_out = g->n_out;
        else fail = 1;
    }
    if (fail) {
        oct_graph_free(c);
        oct_err(OCT_E_NOMEM, "out of memory copying the graph");
        return NULL;
    }
    oct_graph_link(c);
    return c;
}

oct_status oct_graph_set_opset(oct_graph *g, const char *domain, int64_t version)
{
    if (!domain) domain = "";
    for (int i = 0; i < g->n_opsets; i++) {
        const char *d = g->opsets[i].domain ? g->opsets[i].domain : "";
        if (!strcmp(d, domain)) {
            if (g->opsets[i].version < version) g->opsets[i].version = version;
            return OCT_OK;
        }
    }
    oct_opset *o = realloc(g->opsets, (size_t)(g->n_opsets + 1) * sizeof *o);
    if (!o) return oct_err(OCT_E_NOMEM, "out of memory");
    g->opsets = o;
    o[g->n_opsets].domain = strdup(domain);
    o[g->n_opsets].version = version;
    if (!o[g->n_opsets].domain) return oct_err(OCT_E_NOMEM, "out of memory");
    g->n_opsets++;
    return OCT_OK;
}

oct_status oct_node_set_floats(oct_node *n, const char *name, const float *v, int count)
{
    const int64_t dummy = 0;
    OCT_TRY(oct_node_set_ints(n, name, &dummy, 0));
    oct_attr *a = (oct_attr *)oct_node_attr(n, name);
    free(a->ints);
    a->ints = NULL;
    a->type = OCT_ATTR_FLOATS;
    a->floats = malloc((size_t)(count > 0 ? count : 1) * sizeof *v);
    if (!a->floats) return oct_err(OCT_E_NOMEM, "out of memory");
    if (count) memcpy(a->floats, v, (size_t)count * sizeof *v);
    a->n = count;
    return OCT_OK;
}

int oct_graph_named_value(oct_graph *g, const char *base, const char *suffix)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s%s", base, suffix);
    return oct_graph_find_value(g, buf) < 0 ? oct_graph_add_value(g, buf) : oct_graph_new_value(g, buf);
}

int oct_graph_named_constant(oct_graph *g, const char *base, const char *suffix, oct_tensor *t)
{
    if (!t) {
        oct_err(OCT_E_NOMEM, "out of memory");
        return -1;
    }
    int v = oct_graph_named_value(g, base, suffix);
    if (v < 0) {
        oct_tensor_free(t);
        return -1;
    }
    g->val[v].constant = t;
    g->val[v].dtype = t->dtype;
    g->val[v].rank = t->rank;
    memcpy(g->val[v].dims, t->dims, sizeof t->dims);
    return v;
}
