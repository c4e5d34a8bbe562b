/* octet — graph IR -> ONNX ModelProto, and the public model writers.
 * Order: opset imports (they decide how fused Clips are written), initializers
 * (constants a live node or a graph output uses), graph inputs (the values in
 * g->in; initializers too for IR versions before 4, which require it), nodes
 * with their fused state unfused, graph outputs, value_info. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx/export_internal.h"
#include "onnx/onnx.h"

static int is_default_domain(const char *d) { return !d || !d[0] || !strcmp(d, "ai.onnx"); }

/* The domain key used in the written model: "" for ai.onnx. */
static const char *dom_key(const char *d) { return is_default_domain(d) ? "" : d; }

static oct_status check_graph(const oct_graph *g)
{
    for (int i = 0; i < g->n_in; i++)
        if (g->in[i] < 0 || g->in[i] >= g->n_val) return oct_err(OCT_E_INVALID, "graph input %d: bad value index", i);
    for (int i = 0; i < g->n_out; i++)
        if (g->out[i] < 0 || g->out[i] >= g->n_val)
            return oct_err(OCT_E_INVALID, "graph output %d: bad value index", i);
    for (int k = 0; k < g->n_node; k++) {
        const oct_node *n = &g->node[k];
        if (n->dead) continue;
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j] < -1 || n->in[j] >= g->n_val)
                return oct_err(OCT_E_INVALID, "node '%.200s': input %d has a bad value index", n->name, j);
        for (int j = 0; j < n->n_out; j++)
            if (n->out[j] < -1 || n->out[j] >= g->n_val)
                return oct_err(OCT_E_INVALID, "node '%.200s': output %d has a bad value index", n->name, j);
    }
    for (int v = 0; v < g->n_val; v++)
        if (!g->val[v].name || !g->val[v].name[0]) return oct_err(OCT_E_INVALID, "value %d has no name", v);
    return OCT_OK;
}

static oct_status push_opset(oct_onnx_writer *w, oct_onnx_list *l, const char *domain, int64_t version)
{
    Onnx__OperatorSetIdProto *op = oct_onnx_arena_alloc(&w->ar, sizeof *op);
    if (!op) return OCT_E_NOMEM;
    onnx__operator_set_id_proto__init(op);
    op->domain = (char *)domain;
    op->has_version = 1;
    op->version = version;
    return oct_onnx_list_push(&w->ar, l, op);
}

/* Index of the import of `domain` in l, or -1. */
static int find_opset(const oct_onnx_list *l, const char *domain)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(((Onnx__OperatorSetIdProto *)l->items[i])->domain, domain)) return (int)i;
    return -1;
}

/* The graph's imports, then every domain a live node uses that is missing (at
 * the highest opset its nodes record), and the default domain, always. */
static oct_status export_opsets(oct_onnx_writer *w, Onnx__ModelProto *m)
{
    const oct_graph *g = w->g;
    oct_onnx_list l = {0};
    for (int i = 0; i < g->n_opsets; i++) {
        const char *d = dom_key(g->opsets[i].domain);
        if (!strcmp(d, "com.octet")) continue; /* internal ops are written as standard ones or refused */
        if (g->opsets[i].version < 1)
            return oct_err(OCT_E_INVALID, "opset import for domain '%.200s': invalid version %lld",
                           d[0] ? d : "ai.onnx", (long long)g->opsets[i].version);
        if (find_opset(&l, d) >= 0)
            return oct_err(OCT_E_INVALID, "domain '%.200s' is imported twice", d[0] ? d : "ai.onnx");
        OCT_TRY(push_opset(w, &l, d, g->opsets[i].version));
    }
    int n_imported = (int)l.n;
    for (int k = 0; k < g->n_node; k++) {
        const oct_node *n = &g->node[k];
        if (n->dead) continue;
        const char *d = dom_key(n->domain);
        if (!strcmp(d, "com.octet")) continue;
        int i = find_opset(&l, d);
        if (i < 0) {
            OCT_TRY(push_opset(w, &l, d, 0));
            i = (int)l.n - 1;
        }
        Onnx__OperatorSetIdProto *op = l.items[i];
        if (i >= n_imported && n->opset > op->version) op->version = n->opset; /* imported ones are kept */
    }
    if (find_opset(&l, "") < 0) OCT_TRY(push_opset(w, &l, "", 0));
    for (size_t i = (size_t)n_imported; i < l.n; i++) {
        Onnx__OperatorSetIdProto *op = l.items[i];
        if (op->version < 1) op->version = op->domain[0] ? 1 : OCT_ONNX_EXPORT_OPSET;
    }
    w->opset = ((Onnx__OperatorSetIdProto *)l.items[find_opset(&l, "")])->version;
    m->n_opset_import = l.n;
    m->opset_import = (Onnx__OperatorSetIdProto **)l.items;
    return OCT_OK;
}

/* Marks values a live node reads or the graph returns. */
static oct_status mark_used(const oct_graph *g, unsigned char **out)
{
    unsigned char *used = calloc((size_t)g->n_val + 1, 1);
    if (!used) return oct_err(OCT_E_NOMEM, "out of memory");
    for (int k = 0; k < g->n_node; k++) {
        const oct_node *n = &g->node[k];
        if (n->dead) continue;
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j] >= 0) used[n->in[j]] = 1;
    }
    for (int i = 0; i < g->n_out; i++) used[g->out[i]] = 1;
    *out = used;
    return OCT_OK;
}

static oct_status export_initializers(oct_onnx_writer *w, const unsigned char *used)
{
    const oct_graph *g = w->g;
    for (int v = 0; v < g->n_val; v++) {
        const oct_value *val = &g->val[v];
        if (!val->constant || !used[v]) continue;
        char *desc = oct_onnx_arena_printf(&w->ar, "initializer '%.200s'", val->name);
        if (!desc) return OCT_E_NOMEM;
        Onnx__TensorProto *tp;
        OCT_TRY(oct_onnx_export_tensor(w, val->name, val->constant, desc, &tp));
        OCT_TRY(oct_onnx_list_push(&w->ar, &w->inits, tp));
    }
    return OCT_OK;
}

static oct_status export_io(oct_onnx_writer *w, Onnx__GraphProto *gp, int64_t ir_version, const unsigned char *used)
{
    const oct_graph *g = w->g;
    oct_onnx_list in = {0}, out = {0};
    Onnx__ValueInfoProto *vi;
    for (int i = 0; i < g->n_in; i++) {
        OCT_TRY(oct_onnx_export_value_info(w, g->val[g->in[i]].name, &g->val[g->in[i]], &vi));
        OCT_TRY(oct_onnx_list_push(&w->ar, &in, vi));
    }
    if (ir_version < 4) /* before IR 4 every initializer had to be a graph input as well */
        for (int v = 0; v < g->n_val; v++) {
            const oct_tensor *t = g->val[v].constant;
            if (!t || !used[v]) continue;
            oct_value tv;
            memset(&tv, 0, sizeof tv);
            tv.name = g->val[v].name;
            tv.dtype = t->dtype;
            tv.rank = t->rank;
            memcpy(tv.dims, t->dims, sizeof tv.dims);
            OCT_TRY(oct_onnx_export_value_info(w, tv.name, &tv, &vi));
            OCT_TRY(oct_onnx_list_push(&w->ar, &in, vi));
        }
    for (int i = 0; i < g->n_out; i++) {
        OCT_TRY(oct_onnx_export_value_info(w, g->val[g->out[i]].name, &g->val[g->out[i]], &vi));
        OCT_TRY(oct_onnx_list_push(&w->ar, &out, vi));
    }
    gp->n_input = in.n;
    gp->input = (Onnx__ValueInfoProto **)in.items;
    gp->n_output = out.n;
    gp->output = (Onnx__ValueInfoProto **)out.items;
    return OCT_OK;
}

/* value_info for node outputs that are not graph outputs and whose dtype is known. */
static oct_status export_value_info(oct_onnx_writer *w)
{
    const oct_graph *g = w->g;
    for (int k = 0; k < g->n_node; k++) {
        const oct_node *n = &g->node[k];
        if (n->dead) continue;
        for (int j = 0; j < n->n_out; j++) {
            int v = n->out[j];
            if (v < 0 || oct_graph_is_output(g, v) || !oct_onnx_value_known(&g->val[v])) continue;
            Onnx__ValueInfoProto *vi;
            OCT_TRY(oct_onnx_export_value_info(w, g->val[v].name, &g->val[v], &vi));
            OCT_TRY(oct_onnx_list_push(&w->ar, &w->vinfo, vi));
        }
    }
    return OCT_OK;
}

static oct_status build(oct_onnx_writer *w, Onnx__ModelProto *m)
{
    const oct_graph *g = w->g;
    OCT_TRY(check_graph(g));
    Onnx__GraphProto *gp = oct_onnx_arena_alloc(&w->ar, sizeof *gp);
    if (!gp) return OCT_E_NOMEM;
    onnx__model_proto__init(m);
    onnx__graph_proto__init(gp);
    int64_t ir = g->ir_version > 0 ? g->ir_version : OCT_ONNX_EXPORT_IR_VERSION;
    m->has_ir_version = 1;
    m->ir_version = ir;
    m->producer_name = "octet";
    m->graph = gp;
    gp->name = g->name && g->name[0] ? g->name : "octet";
    OCT_TRY(export_opsets(w, m));
    unsigned char *used = NULL;
    OCT_TRY(mark_used(g, &used));
    oct_status st = export_initializers(w, used);
    if (st == OCT_OK) st = export_io(w, gp, ir, used);
    free(used);
    OCT_TRY(st);
    for (int k = 0; k < g->n_node; k++)
        if (!g->node[k].dead) OCT_TRY(oct_onnx_export_node(w, &g->node[k]));
    OCT_TRY(export_value_info(w));
    gp->n_node = w->nodes.n;
    gp->node = (Onnx__NodeProto **)w->nodes.items;
    gp->n_initializer = w->inits.n;
    gp->initializer = (Onnx__TensorProto **)w->inits.items;
    gp->n_value_info = w->vinfo.n;
    gp->value_info = (Onnx__ValueInfoProto **)w->vinfo.items;
    return OCT_OK;
}

/* Serialize g into a malloc'd buffer; messages are not prefixed here. */
static oct_status save(const oct_graph *g, void **buf, size_t *len)
{
    oct_onnx_writer w;
    memset(&w, 0, sizeof w);
    w.g = g;
    Onnx__ModelProto m;
    oct_status st = build(&w, &m);
    if (st == OCT_OK) {
        size_t n = onnx__model_proto__get_packed_size(&m);
        if (n > (size_t)INT32_MAX) {
            st = oct_err(OCT_E_UNSUPPORTED,
                         "the model needs %zu bytes, over protobuf's 2 GiB limit (external data is not supported)",
                         n);
        } else {
            uint8_t *b = malloc(n ? n : 1);
            if (!b) {
                st = oct_err(OCT_E_NOMEM, "cannot allocate %zu bytes for the model", n);
            } else {
                size_t got = onnx__model_proto__pack(&m, b);
                if (got != n) {
                    free(b);
                    st = oct_err(OCT_E_INTERNAL, "packed %zu bytes, expected %zu", got, n);
                } else {
                    *buf = b;
                    *len = n;
                }
            }
        }
    }
    oct_onnx_arena_free(&w.ar);
    return st;
}

oct_status oct_onnx_save_buffer(const oct_graph *g, void **buf, size_t *len)
{
    if (!buf || !len) return oct_err(OCT_E_INVALID, "ONNX export: no output pointer");
    *buf = NULL;
    *len = 0;
    if (!g) return oct_err(OCT_E_INVALID, "ONNX export: no graph");
    oct_err_clear();
    oct_status st = save(g, buf, len);
    if (st != OCT_OK) return oct_err_ctx(st, "ONNX export of graph '%.200s': ", g->name ? g->name : "");
    return OCT_OK;
}

oct_status oct_onnx_save_file(const oct_graph *g, const char *path)
{
    if (!path || !path[0]) return oct_err(OCT_E_INVALID, "ONNX export: no file name given");
    if (!g) return oct_err(OCT_E_INVALID, "%s: no graph to write", path);
    void *buf = NULL;
    size_t len = 0;
    oct_err_clear();
    oct_status st = save(g, &buf, &len);
    if (st != OCT_OK) return oct_err_ctx(st, "%s: ", path);
    FILE *f = fopen(path, "wb");
    if (!f) {
        int e = errno;
        free(buf);
        return oct_err(OCT_E_IO, "%s: cannot open for writing: %s", path, strerror(e));
    }
    size_t wrote = fwrite(buf, 1, len, f);
    int e = wrote != len ? errno : 0;
    free(buf);
    if (fclose(f) != 0 && !e) e = errno ? errno : EIO;
    if (wrote != len || e) {
        remove(path); /* no truncated model left behind */
        return oct_err(OCT_E_IO, "%s: write failed after %zu of %zu bytes: %s", path, wrote, len,
                       strerror(e ? e : EIO));
    }
    return OCT_OK;
}
