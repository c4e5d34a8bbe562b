/* octet — ONNX ModelProto -> graph IR, and the public model loaders.
 * Order: opsets (nodes read them when added), initializers, inputs, nodes,
 * outputs, value_info, then a topological sort. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx/import_internal.h"
#include "onnx/onnx.h"

static oct_status nomem(void) { return oct_err(OCT_E_NOMEM, "out of memory"); }

static int is_default_domain(const char *d) { return !d || !d[0] || !strcmp(d, "ai.onnx"); }

static oct_status import_opsets(const Onnx__ModelProto *m, oct_graph *g)
{
    size_t n = m->opset_import ? m->n_opset_import : 0;
    if (n > INT_MAX) return oct_err(OCT_E_PARSE, "too many opset imports");
    g->opsets = calloc(n ? n : 1, sizeof *g->opsets);
    if (!g->opsets) return nomem();
    int have_default = 0;
    for (size_t i = 0; i < n; i++) {
        const Onnx__OperatorSetIdProto *op = m->opset_import[i];
        if (!op) continue;
        const char *dom = is_default_domain(op->domain) ? "" : op->domain;
        int64_t ver = op->has_version ? op->version : 0;
        if (ver < 1 || ver > INT_MAX)
            return oct_err(OCT_E_PARSE, "opset import for domain '%.200s': invalid version %lld",
                           dom[0] ? dom : "ai.onnx", (long long)ver);
        char *d = oct_onnx_strdup(dom);
        if (!d) return nomem();
        g->opsets[g->n_opsets].domain = d;
        g->opsets[g->n_opsets].version = ver;
        g->n_opsets++;
        have_default |= !dom[0];
    }
    const char **doms = malloc((size_t)(g->n_opsets ? g->n_opsets : 1) * sizeof *doms);
    if (!doms) return nomem();
    for (int j = 0; j < g->n_opsets; j++) doms[j] = g->opsets[j].domain;
    oct_status st;
    const char *dup = oct_onnx_find_dup(doms, (size_t)g->n_opsets, &st);
    if (dup) st = oct_err(OCT_E_PARSE, "domain '%.200s' is imported twice", dup[0] ? dup : "ai.onnx");
    free(doms);
    if (st != OCT_OK) return st;
    if (g->n_opsets == 0) /* required since IR version 3: a cut-off file looks like this */
        return oct_err(OCT_E_PARSE, "the model has no opset imports (truncated or corrupt file?)");
    if (!have_default)
        return oct_err(OCT_E_UNSUPPORTED, "no opset import for the default ONNX domain (%d other domain%s imported)",
                       g->n_opsets, g->n_opsets == 1 ? "" : "s");
    return OCT_OK;
}

static oct_status import_initializers(const Onnx__GraphProto *gp, oct_graph *g)
{
    size_t n = gp->initializer ? gp->n_initializer : 0;
    for (size_t i = 0; i < n; i++) {
        const Onnx__TensorProto *tp = gp->initializer[i];
        if (!tp || !tp->name || !tp->name[0]) return oct_err(OCT_E_PARSE, "initializer %zu has no name", i);
        char desc[300];
        snprintf(desc, sizeof desc, "initializer '%.200s'", tp->name);
        oct_tensor *t;
        OCT_TRY(oct_onnx_tensor_convert(tp, desc, &t));
        int v = oct_graph_add_value(g, tp->name);
        if (v < 0) {
            oct_tensor_free(t);
            return oct_graph_find_value(g, tp->name) >= 0 ? OCT_E_PARSE : OCT_E_NOMEM;
        }
        oct_value *val = &g->val[v];
        val->constant = t;
        val->dtype = t->dtype;
        val->rank = t->rank;
        memcpy(val->dims, t->dims, sizeof val->dims);
    }
    if (gp->sparse_initializer && gp->n_sparse_initializer > 0) {
        const Onnx__SparseTensorProto *sp = gp->sparse_initializer[0];
        const char *nm = sp && sp->values ? oct_onnx_str(sp->values->name) : "";
        return oct_err(OCT_E_UNSUPPORTED, "sparse initializer '%.200s' is not supported", nm);
    }
    return OCT_OK;
}

static oct_status import_inputs(const Onnx__GraphProto *gp, oct_graph *g)
{
    size_t n = gp->input ? gp->n_input : 0;
    if (n > INT_MAX) return oct_err(OCT_E_PARSE, "too many graph inputs");
    g->in = malloc((n ? n : 1) * sizeof *g->in);
    if (!g->in) return nomem();
    for (size_t i = 0; i < n; i++) {
        const Onnx__ValueInfoProto *vi = gp->input[i];
        if (!vi || !vi->name || !vi->name[0]) return oct_err(OCT_E_PARSE, "graph input %zu has no name", i);
        int v = oct_graph_find_value(g, vi->name);
        if (v >= 0) {
            if (g->val[v].constant) continue; /* an initializer: a constant, not an input */
            return oct_err(OCT_E_PARSE, "graph input '%.200s' is listed twice", vi->name);
        }
        v = oct_graph_add_value(g, vi->name);
        if (v < 0) return OCT_E_NOMEM;
        OCT_TRY(oct_onnx_value_type(g, v, vi, "graph input", 1));
        g->in[g->n_in++] = v;
    }
    return OCT_OK;
}

/* Map a node's input/output names to value indices. */
static oct_status node_io(oct_graph *g, char **names, size_t n, int *idx, int is_out, int n_pre, int node_no,
                          const char *nd)
{
    for (size_t i = 0; i < n; i++) {
        const char *s = names ? names[i] : NULL;
        if (!s || !s[0]) {
            idx[i] = -1;
            continue;
        }
        int v = oct_graph_value(g, s);
        if (v < 0) return oct_err_ctx(OCT_E_NOMEM, "%s: ", nd);
        idx[i] = v;
        if (!is_out) continue;
        oct_value *val = &g->val[v];
        if (v < n_pre)
            return oct_err(OCT_E_PARSE, "%s: output '%.200s' is also a graph %s", nd, s,
                           val->constant ? "initializer" : "input");
        if (val->producer >= 0)
            return oct_err(OCT_E_PARSE, "%s: output '%.200s' is already produced by node '%.200s'", nd, s,
                           val->producer < g->n_node ? g->node[val->producer].name : nd);
        val->producer = node_no;
    }
    return OCT_OK;
}

static oct_status import_node(const Onnx__GraphProto *gp, oct_graph *g, size_t k, int n_pre)
{
    const Onnx__NodeProto *np = gp->node[k];
    if (!np) return oct_err(OCT_E_PARSE, "node %zu is empty", k);
    if (!np->op_type || !np->op_type[0]) return oct_err(OCT_E_PARSE, "node %zu has no op_type", k);
    char name[256], nd[600];
    if (np->name && np->name[0])
        snprintf(name, sizeof name, "%s", np->name);
    else
        snprintf(name, sizeof name, "%.200s_%zu", np->op_type, k);
    snprintf(nd, sizeof nd, "node '%.250s' (%.200s)", name, np->op_type);
    const char *dom = is_default_domain(np->domain) ? "" : np->domain;
    size_t n_in = np->input ? np->n_input : 0, n_out = np->output ? np->n_output : 0;
    size_t n_attr = np->attribute ? np->n_attribute : 0;
    if (n_in > INT_MAX || n_out > INT_MAX || n_attr > INT_MAX)
        return oct_err(OCT_E_PARSE, "%s: too many inputs, outputs or attributes", nd);
    int *in = malloc((n_in + n_out + 1) * sizeof *in);
    if (!in) return nomem();
    int *out = in + n_in;
    oct_status st = node_io(g, np->input, n_in, in, 0, n_pre, g->n_node, nd);
    if (st == OCT_OK) st = node_io(g, np->output, n_out, out, 1, n_pre, g->n_node, nd);
    int idx = -1;
    if (st == OCT_OK) {
        /* a name longer than the buffer keeps its full text on the node */
        idx = oct_graph_add_node(g, np->op_type, dom, np->name && np->name[0] ? np->name : name, (int)n_in, in,
                                 (int)n_out, out);
        if (idx < 0) st = OCT_E_NOMEM;
    }
    free(in);
    if (st != OCT_OK) return st;
    oct_node *node = &g->node[idx];
    node->attr = calloc(n_attr ? n_attr : 1, sizeof *node->attr);
    if (!node->attr) return nomem();
    for (size_t i = 0; i < n_attr; i++) {
        oct_attr a;
        OCT_TRY(oct_onnx_attr_convert(np->attribute[i], nd, &a));
        node->attr[node->n_attr++] = a;
    }
    if (n_attr < 2) return OCT_OK;
    const char **names = malloc(n_attr * sizeof *names);
    if (!names) return nomem();
    for (size_t i = 0; i < n_attr; i++) names[i] = node->attr[i].name;
    const char *dup = oct_onnx_find_dup(names, n_attr, &st);
    if (dup) st = oct_err(OCT_E_PARSE, "%s: attribute '%.200s' is given twice", nd, dup);
    free(names);
    return st;
}

static oct_status import_outputs(const Onnx__GraphProto *gp, oct_graph *g, int n_pre)
{
    size_t n = gp->output ? gp->n_output : 0;
    if (n > INT_MAX) return oct_err(OCT_E_PARSE, "too many graph outputs");
    g->out = malloc((n ? n : 1) * sizeof *g->out);
    if (!g->out) return nomem();
    for (size_t i = 0; i < n; i++) {
        const Onnx__ValueInfoProto *vi = gp->output[i];
        if (!vi || !vi->name || !vi->name[0]) return oct_err(OCT_E_PARSE, "graph output %zu has no name", i);
        int v = oct_graph_find_value(g, vi->name);
        if (v < 0 || (v >= n_pre && g->val[v].producer < 0))
            return oct_err(OCT_E_PARSE, "graph output '%.200s' is never produced", vi->name);
        OCT_TRY(oct_onnx_value_type(g, v, vi, "graph output", 1));
        g->out[g->n_out++] = v;
    }
    const char **names = malloc((n ? n : 1) * sizeof *names);
    if (!names) return nomem();
    for (size_t i = 0; i < n; i++) names[i] = g->val[g->out[i]].name;
    oct_status st;
    const char *dup = oct_onnx_find_dup(names, n, &st);
    if (dup) st = oct_err(OCT_E_PARSE, "graph output '%.200s' is listed twice", dup);
    free(names);
    return st;
}

static oct_status import_value_info(const Onnx__GraphProto *gp, oct_graph *g)
{
    size_t n = gp->value_info ? gp->n_value_info : 0;
    for (size_t i = 0; i < n; i++) {
        const Onnx__ValueInfoProto *vi = gp->value_info[i];
        if (!vi || !vi->name) continue;
        int v = oct_graph_find_value(g, vi->name);
        if (v < 0) continue; /* describes a value nothing uses */
        oct_status st = oct_onnx_value_type(g, v, vi, "value", 0);
        if (st == OCT_E_NOMEM) return st;
    }
    return OCT_OK;
}

static oct_status convert(const Onnx__ModelProto *m, oct_graph *g)
{
    const Onnx__GraphProto *gp = m->graph;
    if (!gp) return oct_err(OCT_E_PARSE, "the model has no graph (truncated or corrupt file?)");
    g->ir_version = m->has_ir_version ? m->ir_version : 0;
    g->name = oct_onnx_strdup(gp->name);
    g->producer = oct_onnx_strdup(m->producer_name);
    if (!g->name || !g->producer) return nomem();
    OCT_TRY(import_opsets(m, g));
    OCT_TRY(import_initializers(gp, g));
    OCT_TRY(import_inputs(gp, g));
    int n_pre = g->n_val; /* initializers and graph inputs */
    size_t nn = gp->node ? gp->n_node : 0;
    if (nn > INT_MAX) return oct_err(OCT_E_PARSE, "too many nodes");
    for (size_t k = 0; k < nn; k++) OCT_TRY(import_node(gp, g, k, n_pre));
    OCT_TRY(import_outputs(gp, g, n_pre));
    OCT_TRY(import_value_info(gp, g));
    return oct_graph_toposort(g);
}

oct_status oct_onnx_model_convert(const Onnx__ModelProto *m, oct_graph **out)
{
    *out = NULL;
    oct_graph *g = oct_graph_new();
    if (!g) return OCT_E_NOMEM;
    oct_status st = convert(m, g);
    if (st != OCT_OK) {
        oct_graph_free(g);
        return st;
    }
    *out = g;
    return OCT_OK;
}

oct_status oct_onnx_load_buffer(const void *buf, size_t len, const char *what, oct_graph **out)
{
    what = what ? what : "model";
    if (!out) return oct_err(OCT_E_INVALID, "%s: no output pointer", what);
    *out = NULL;
    if (!buf && len) return oct_err(OCT_E_INVALID, "%s: NULL buffer", what);
    if (len == 0) return oct_err(OCT_E_PARSE, "%s: empty file (0 bytes): truncated or corrupt model", what);
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, (const uint8_t *)buf);
    if (!m) return oct_err(OCT_E_PARSE, "%s: truncated or corrupt protobuf (%zu bytes)", what, len);
    oct_err_clear();
    oct_status st = oct_onnx_model_convert(m, out);
    onnx__model_proto__free_unpacked(m, NULL);
    if (st != OCT_OK) return oct_err_ctx(st, "%s: ", what);
    return OCT_OK;
}

oct_status oct_onnx_load_file(const char *path, oct_graph **out)
{
    if (out) *out = NULL;
    uint8_t *buf;
    size_t len;
    OCT_TRY(oct_onnx_read_file(path, &buf, &len));
    oct_status st = oct_onnx_load_buffer(buf, len, path, out);
    free(buf);
    return st;
}
