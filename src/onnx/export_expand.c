/* octet — standard ONNX for the float ops the load passes fused into
 * com.octet ops (graph/pass_fuse_norm.c): LayerNormalization and Gelu are
 * written as the standard op where the written opset has it (17 / 20) and
 * otherwise as the primitive subgraph they were fused from:
 *   LayerNorm: ReduceMean, Sub, Pow, ReduceMean, Add(eps), Sqrt, Div, Mul, Add
 *   Gelu:      Div(sqrt 2), Erf, Add(1), Mul(x), Mul(0.5)
 * (ReduceMean's axes: an attribute before opset 18, an input from 18.) */
#include <string.h>

#include "onnx/export_internal.h"

typedef struct emitter {
    oct_onnx_writer *w;
    const oct_node *n;
    int k; /* nodes written */
} emitter;

static Onnx__NodeProto *emit(emitter *e, const char *op, int n_in, char *const *in, char *out)
{
    oct_onnx_writer *w = e->w;
    Onnx__NodeProto *np = oct_onnx_arena_alloc(&w->ar, sizeof *np);
    char **ins = oct_onnx_arena_array(&w->ar, (size_t)n_in, sizeof *ins);
    char **outs = oct_onnx_arena_array(&w->ar, 1, sizeof *outs);
    char *name = oct_onnx_arena_printf(&w->ar, "%s__oct_%s_%d", e->n->name, op, e->k++);
    if (!np || !ins || !outs || !name) return NULL;
    onnx__node_proto__init(np);
    np->op_type = (char *)op;
    np->name = name;
    memcpy(ins, in, (size_t)n_in * sizeof *ins);
    np->n_input = (size_t)n_in;
    np->input = ins;
    outs[0] = out;
    np->n_output = 1;
    np->output = outs;
    return oct_onnx_list_push(&w->ar, &w->nodes, np) == OCT_OK ? np : NULL;
}

/* A fresh intermediate value typed like the fused node's output (reduced:
 * with its last dim 1, as a mean over the last axis). */
static char *tmp_shaped(emitter *e, const char *what, int reduced)
{
    oct_onnx_writer *w = e->w;
    char *name = oct_onnx_fresh_name(w, oct_onnx_arena_printf(&w->ar, "%s_%s", w->g->val[e->n->out[0]].name, what));
    if (!name) return NULL;
    oct_value v = w->g->val[e->n->out[0]];
    if (reduced && v.rank >= 1) {
        v.dims[v.rank - 1] = 1;
        v.dim_param[v.rank - 1] = NULL;
    }
    Onnx__ValueInfoProto *vi;
    if (oct_onnx_value_known(&v) && (oct_onnx_export_value_info(w, name, &v, &vi) != OCT_OK ||
                                     oct_onnx_list_push(&w->ar, &w->vinfo, vi) != OCT_OK))
        return NULL;
    return name;
}

static char *tmp(emitter *e, const char *what) { return tmp_shaped(e, what, 0); }

/* An initializer: one float (rank 0) or int64 [-1] (axes). */
static char *constant(emitter *e, const char *what, oct_dtype dt, double v)
{
    oct_onnx_writer *w = e->w;
    void *data = oct_onnx_arena_alloc(&w->ar, 8);
    char *name = oct_onnx_fresh_name(w, oct_onnx_arena_printf(&w->ar, "%s_%s", e->n->name, what));
    if (!data || !name) return NULL;
    oct_dtype_set(dt, data, 0, v);
    int64_t one = 1;
    Onnx__TensorProto *tp;
    if (oct_onnx_export_raw(w, name, dt, dt == OCT_DT_I64 ? 1 : 0, &one, data, name, &tp) != OCT_OK ||
        oct_onnx_list_push(&w->ar, &w->inits, tp) != OCT_OK)
        return NULL;
    return name;
}

static oct_status axes_attr(emitter *e, Onnx__NodeProto *np)
{
    oct_onnx_writer *w = e->w;
    Onnx__AttributeProto *ap = oct_onnx_arena_alloc(&w->ar, sizeof *ap);
    Onnx__AttributeProto **list = oct_onnx_arena_array(&w->ar, 1, sizeof *list);
    int64_t *ax = oct_onnx_arena_alloc(&w->ar, sizeof *ax);
    if (!ap || !list || !ax) return OCT_E_NOMEM;
    onnx__attribute_proto__init(ap);
    ap->name = "axes";
    ap->has_type = 1;
    ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
    *ax = -1;
    ap->n_ints = 1;
    ap->ints = ax;
    list[0] = ap;
    np->n_attribute = 1;
    np->attribute = list;
    return OCT_OK;
}

static oct_status reduce_mean(emitter *e, char *x, char *out)
{
    if (e->w->opset >= 18) {
        char *axes = constant(e, "axes", OCT_DT_I64, -1);
        char *in[2] = {x, axes};
        return axes && emit(e, "ReduceMean", 2, in, out) ? OCT_OK : OCT_E_NOMEM;
    }
    Onnx__NodeProto *np = emit(e, "ReduceMean", 1, &x, out);
    return np ? axes_attr(e, np) : OCT_E_NOMEM;
}

#define BIN(op, a, b, out)                                                   \
    do {                                                                     \
        char *in_[2] = {(a), (b)};                                           \
        if (!in_[0] || !in_[1] || !(out) || !emit(&e, op, 2, in_, (out)))    \
            return OCT_E_NOMEM;                                              \
    } while (0)

static oct_status layernorm(oct_onnx_writer *w, const oct_node *n)
{
    emitter e = {w, n, 0};
    const oct_graph *g = w->g;
    if (n->n_in < 3 || n->in[1] < 0 || n->in[2] < 0 || oct_attr_int(n, "axis", -1) != -1)
        return oct_err(OCT_E_UNSUPPORTED, "node '%s': fused LayerNormalization not over the last axis", n->name);
    char *x = g->val[n->in[0]].name, *y = g->val[n->out[0]].name;
    char *m = tmp_shaped(&e, "mean", 1), *d = tmp(&e, "centered"), *p = tmp(&e, "sq");
    char *v = tmp_shaped(&e, "var", 1), *ve = tmp_shaped(&e, "var_eps", 1), *s = tmp_shaped(&e, "std", 1);
    char *nm = tmp(&e, "norm"), *a = tmp(&e, "scaled");
    if (!m) return OCT_E_NOMEM;
    OCT_TRY(reduce_mean(&e, x, m));
    BIN("Sub", x, m, d);
    BIN("Pow", d, constant(&e, "two", OCT_DT_F32, 2.0), p);
    if (!v) return OCT_E_NOMEM;
    OCT_TRY(reduce_mean(&e, p, v));
    BIN("Add", v, constant(&e, "eps", OCT_DT_F32, oct_attr_float(n, "epsilon", 1e-5f)), ve);
    if (!s || !emit(&e, "Sqrt", 1, &ve, s)) return OCT_E_NOMEM;
    BIN("Div", d, s, nm);
    BIN("Mul", nm, g->val[n->in[1]].name, a);
    BIN("Add", a, g->val[n->in[2]].name, y);
    return OCT_OK;
}

static oct_status gelu(oct_onnx_writer *w, const oct_node *n)
{
    emitter e = {w, n, 0};
    const oct_graph *g = w->g;
    char *x = g->val[n->in[0]].name, *y = g->val[n->out[0]].name;
    char *h = tmp(&e, "scaled"), *er = tmp(&e, "erf"), *a = tmp(&e, "plus1"), *mx = tmp(&e, "times_x");
    BIN("Div", x, constant(&e, "sqrt2", OCT_DT_F32, 1.4142135623730951), h);
    if (!er || !emit(&e, "Erf", 1, &h, er)) return OCT_E_NOMEM;
    BIN("Add", er, constant(&e, "one", OCT_DT_F32, 1.0), a);
    BIN("Mul", x, a, mx);
    BIN("Mul", mx, constant(&e, "half", OCT_DT_F32, 0.5), y);
    return OCT_OK;
}

oct_status oct_onnx_export_fused_float(oct_onnx_writer *w, const oct_node *n, int *handled)
{
    *handled = 0;
    if (!n->domain || strcmp(n->domain, "com.octet") || n->n_out != 1 || n->out[0] < 0 || n->n_in < 1 ||
        n->in[0] < 0)
        return OCT_OK;
    int ln = !strcmp(n->op_type, "LayerNormalization"), ge = !strcmp(n->op_type, "Gelu");
    if (!ln && !ge) return OCT_OK;
    *handled = 1;
    if ((ln && w->opset >= 17) || (ge && w->opset >= 20)) { /* the standard op itself */
        Onnx__NodeProto *np = oct_onnx_arena_alloc(&w->ar, sizeof *np);
        char **in = oct_onnx_arena_array(&w->ar, (size_t)n->n_in, sizeof *in);
        char **out = oct_onnx_arena_array(&w->ar, 1, sizeof *out);
        Onnx__AttributeProto **attrs = oct_onnx_arena_array(&w->ar, (size_t)n->n_attr, sizeof *attrs);
        if (!np || !in || !out || !attrs) return OCT_E_NOMEM;
        onnx__node_proto__init(np);
        np->op_type = (char *)n->op_type;
        np->name = n->name;
        for (int i = 0; i < n->n_in; i++) in[i] = n->in[i] >= 0 ? w->g->val[n->in[i]].name : "";
        out[0] = w->g->val[n->out[0]].name;
        np->n_input = (size_t)n->n_in;
        np->input = in;
        np->n_output = 1;
        np->output = out;
        for (int i = 0; i < n->n_attr; i++) OCT_TRY(oct_onnx_export_attr(w, &n->attr[i], n->name, &attrs[i]));
        np->n_attribute = (size_t)n->n_attr;
        np->attribute = attrs;
        return oct_onnx_list_push(&w->ar, &w->nodes, np);
    }
    return ln ? layernorm(w, n) : gelu(w, n);
}
