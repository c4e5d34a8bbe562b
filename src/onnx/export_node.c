/* octet — one IR node -> ONNX NodeProto(s). Fused state is written as standard
 * ONNX: a fused residual sum (extra input at def->impl->fusable_sum) becomes an
 * explicit Add after the op, a fused activation (node->act) an explicit Relu /
 * Clip / LeakyRelu after that: y = act(op(x) + sum). */
#include <string.h>

#include "onnx/export_internal.h"
#include "ops/op.h"

static const char *val_name(const oct_graph *g, int v) { return v >= 0 && v < g->n_val ? g->val[v].name : ""; }

static Onnx__NodeProto *new_node(oct_onnx_writer *w, const char *op_type, const char *domain, const char *name,
                                 size_t n_in, size_t n_out)
{
    Onnx__NodeProto *np = oct_onnx_arena_alloc(&w->ar, sizeof *np);
    char **in = oct_onnx_arena_array(&w->ar, n_in, sizeof *in);
    char **out = oct_onnx_arena_array(&w->ar, n_out, sizeof *out);
    if (!np || !in || !out) return NULL;
    onnx__node_proto__init(np);
    np->op_type = (char *)op_type;
    np->domain = domain && domain[0] && strcmp(domain, "ai.onnx") ? (char *)domain : NULL; /* "" = ai.onnx */
    np->name = (char *)name;
    np->n_input = n_in;
    np->input = in;
    np->n_output = n_out;
    np->output = out;
    return np;
}

/* value_info for a value the writer made up, typed like the value `like`. */
static oct_status fresh_info(oct_onnx_writer *w, const char *name, int like)
{
    if (like < 0 || !oct_onnx_value_known(&w->g->val[like])) return OCT_OK;
    Onnx__ValueInfoProto *vi;
    OCT_TRY(oct_onnx_export_value_info(w, name, &w->g->val[like], &vi));
    return oct_onnx_list_push(&w->ar, &w->vinfo, vi);
}

static oct_status float_attr(oct_onnx_writer *w, Onnx__NodeProto *np, const char *name, float v)
{
    Onnx__AttributeProto *ap = oct_onnx_arena_alloc(&w->ar, sizeof *ap);
    Onnx__AttributeProto **list = oct_onnx_arena_array(&w->ar, np->n_attribute + 1, sizeof *list);
    if (!ap || !list) return OCT_E_NOMEM;
    onnx__attribute_proto__init(ap);
    ap->name = (char *)name;
    ap->has_type = 1;
    ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
    ap->has_f = 1;
    ap->f = v;
    if (np->n_attribute) memcpy(list, np->attribute, np->n_attribute * sizeof *list);
    list[np->n_attribute++] = ap;
    np->attribute = list;
    return OCT_OK;
}

/* A scalar initializer holding v in the dtype of the clipped value. */
static oct_status bound_const(oct_onnx_writer *w, const char *base, oct_dtype dt, float v, char **name)
{
    void *data = oct_onnx_arena_alloc(&w->ar, 8);
    *name = oct_onnx_fresh_name(w, base);
    if (!data || !*name) return OCT_E_NOMEM;
    oct_dtype_set(dt, data, 0, (double)v);
    Onnx__TensorProto *tp;
    OCT_TRY(oct_onnx_export_raw(w, *name, dt, 0, NULL, data, *name, &tp));
    return oct_onnx_list_push(&w->ar, &w->inits, tp);
}

static oct_status act_node(oct_onnx_writer *w, const oct_node *n, const char *desc, char *in, char *out)
{
    const oct_act *a = &n->act;
    const char *op = a->kind == OCT_ACT_RELU ? "Relu" : a->kind == OCT_ACT_CLIP ? "Clip" : "LeakyRelu";
    if (a->kind != OCT_ACT_RELU && a->kind != OCT_ACT_CLIP && a->kind != OCT_ACT_LEAKYRELU)
        return oct_err(OCT_E_INVALID, "%s: unknown fused activation %d", desc, (int)a->kind);
    int clip_inputs = a->kind == OCT_ACT_CLIP && w->opset >= 11; /* min/max became inputs in opset 11 */
    char *name = oct_onnx_arena_printf(&w->ar, "%s__oct_%s", n->name, op);
    Onnx__NodeProto *np = name ? new_node(w, op, "", name, clip_inputs ? 3 : 1, 1) : NULL;
    if (!np) return OCT_E_NOMEM;
    np->input[0] = in;
    np->output[0] = out;
    if (a->kind == OCT_ACT_LEAKYRELU) OCT_TRY(float_attr(w, np, "alpha", a->alpha));
    if (a->kind == OCT_ACT_CLIP && !clip_inputs) {
        OCT_TRY(float_attr(w, np, "min", a->alpha));
        OCT_TRY(float_attr(w, np, "max", a->beta));
    }
    if (clip_inputs) {
        oct_dtype dt = w->g->val[n->out[0]].dtype;
        if (dt != OCT_DT_F16 && dt != OCT_DT_BF16 && dt != OCT_DT_F64) dt = OCT_DT_F32;
        char *lo = oct_onnx_arena_printf(&w->ar, "%s_min", name);
        char *hi = oct_onnx_arena_printf(&w->ar, "%s_max", name);
        if (!lo || !hi) return OCT_E_NOMEM;
        OCT_TRY(bound_const(w, lo, dt, a->alpha, &np->input[1]));
        OCT_TRY(bound_const(w, hi, dt, a->beta, &np->input[2]));
    }
    return oct_onnx_list_push(&w->ar, &w->nodes, np);
}

/* Index of the fused-sum input of n, or -1. */
static int fused_sum_slot(const oct_node *n)
{
    if (!n->def || !n->def->impl || n->def->impl->fusable_sum <= 0) return -1;
    int slot = n->def->impl->fusable_sum;
    return slot < n->n_in && n->in[slot] >= 0 ? slot : -1;
}

oct_status oct_onnx_export_node(oct_onnx_writer *w, const oct_node *n)
{
    const oct_graph *g = w->g;
    char *desc = oct_onnx_arena_printf(&w->ar, "node '%.200s' (%.100s)", n->name, n->op_type);
    if (!desc) return OCT_E_NOMEM;
    if (!n->op_type || !n->op_type[0]) return oct_err(OCT_E_INVALID, "%s: no op_type", desc);
    /* what load passes made for octet's kernels alone: channels-last / fused integer ops, and
     * clamps fused into integer ops (an explicit Relu after them would act on the integers) */
    int handled = 0;
    OCT_TRY(oct_onnx_export_fused_float(w, n, &handled));
    if (handled) return OCT_OK;
    if (n->domain && !strcmp(n->domain, "com.octet"))
        return oct_err(OCT_E_UNSUPPORTED, "%s: octet-internal op; write the model before it is loaded "
                                          "(octet quantize writes standard QDQ)", desc);
    if (n->act.kind != OCT_ACT_NONE && n->def && !n->def->impl->fusable_act)
        return oct_err(OCT_E_UNSUPPORTED, "%s: an activation fused into an integer op cannot be written", desc);
    int slot = fused_sum_slot(n);
    int n_in = slot >= 0 ? slot : n->n_in;
    if (slot >= 0)
        while (n_in > 0 && n->in[n_in - 1] < 0) n_in--; /* the pass padded omitted optional inputs */
    int out0 = n->n_out > 0 ? n->out[0] : -1;
    int has_act = n->act.kind != OCT_ACT_NONE;
    if ((has_act || slot >= 0) && out0 < 0)
        return oct_err(OCT_E_INVALID, "%s: fused activation or sum on an omitted output", desc);

    Onnx__NodeProto *np = new_node(w, n->op_type, n->domain, n->name, (size_t)n_in, (size_t)n->n_out);
    Onnx__AttributeProto **attrs = oct_onnx_arena_array(&w->ar, (size_t)n->n_attr, sizeof *attrs);
    if (!np || !attrs) return OCT_E_NOMEM;
    for (int i = 0; i < n_in; i++) np->input[i] = (char *)val_name(g, n->in[i]);
    for (int i = 0; i < n->n_out; i++) np->output[i] = (char *)val_name(g, n->out[i]);
    for (int i = 0; i < n->n_attr; i++) OCT_TRY(oct_onnx_export_attr(w, &n->attr[i], desc, &attrs[i]));
    np->n_attribute = (size_t)n->n_attr;
    np->attribute = attrs;
    OCT_TRY(oct_onnx_list_push(&w->ar, &w->nodes, np));
    if (!has_act && slot < 0) return OCT_OK;

    char *final = g->val[out0].name;
    char *cur = oct_onnx_fresh_name(w, final);
    if (!cur) return OCT_E_NOMEM;
    np->output[0] = cur;
    OCT_TRY(fresh_info(w, cur, out0));
    if (slot >= 0) {
        char *next = has_act ? oct_onnx_fresh_name(w, final) : final;
        char *name = oct_onnx_arena_printf(&w->ar, "%s__oct_Add", n->name);
        Onnx__NodeProto *add = next && name ? new_node(w, "Add", "", name, 2, 1) : NULL;
        if (!add) return OCT_E_NOMEM;
        add->input[0] = cur;
        add->input[1] = (char *)val_name(g, n->in[slot]);
        add->output[0] = next;
        OCT_TRY(oct_onnx_list_push(&w->ar, &w->nodes, add));
        if (has_act) OCT_TRY(fresh_info(w, next, out0));
        cur = next;
    }
    if (has_act) OCT_TRY(act_node(w, n, desc, cur, final));
    return OCT_OK;
}
