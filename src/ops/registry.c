#include <stdio.h>
#include <string.h>

#include "ops/op.h"

#define OCT_OP(cname, type, dom, lo, hi) extern const oct_op_impl oct_op_##cname;
#include "ops/ops.def"
#undef OCT_OP

#define OCT_OP(cname, type, dom, lo, hi) \
    {type, dom, lo, hi, &oct_op_##cname, 0, NULL, NULL, NULL, NULL},
static oct_op_def registry[] = {
#include "ops/ops.def"
    {NULL, NULL, 0, 0, NULL, 0, NULL, NULL, NULL, NULL}};
#undef OCT_OP

static int registry_ready;

static void registry_init(void)
{
    if (registry_ready) return;
    for (oct_op_def *d = registry; d->op_type; d++) {
        d->shape_inputs = d->impl->shape_inputs;
        d->infer = d->impl->infer;
        d->compute = d->impl->compute;
        d->prepare = d->impl->prepare;
        d->release = d->impl->release;
    }
    registry_ready = 1;
}

int oct_op_count(void) { return (int)(sizeof registry / sizeof registry[0]) - 1; }

const oct_op_def *oct_op_at(int i)
{
    registry_init();
    return i >= 0 && i < oct_op_count() ? &registry[i] : NULL;
}

static int same_domain(const char *a, const char *b)
{
    if (!a) a = "";
    if (!b) b = "";
    if (!strcmp(a, "ai.onnx")) a = "";
    if (!strcmp(b, "ai.onnx")) b = "";
    return !strcmp(a, b);
}

const oct_op_def *oct_op_find(const char *op_type, const char *domain, int opset, const char **reason)
{
    static _Thread_local char why[160];
    registry_init();
    int seen = 0;
    for (oct_op_def *d = registry; d->op_type; d++) {
        if (strcmp(d->op_type, op_type) || !same_domain(d->domain, domain)) continue;
        seen = 1;
        if (opset >= d->min_opset && opset <= d->max_opset) return d;
    }
    if (reason) {
        if (seen) snprintf(why, sizeof why, "op '%s' is supported, but not at opset %d", op_type, opset);
        else snprintf(why, sizeof why, "op '%s'%s%s is not supported", op_type,
                      domain && *domain ? " in domain " : "", domain ? domain : "");
        *reason = why;
    }
    return NULL;
}

oct_status oct_graph_resolve_ops(oct_graph *g)
{
    for (int i = 0; i < g->n_node; i++) {
        oct_node *n = &g->node[i];
        if (n->dead) continue;
        const char *why = NULL;
        n->def = oct_op_find(n->op_type, n->domain, n->opset, &why);
        if (!n->def) return oct_err(OCT_E_UNSUPPORTED, "node '%s': %s", n->name, why);
    }
    return OCT_OK;
}

void oct_act_apply(const oct_act *a, float *x, int64_t n)
{
    switch (a->kind) {
    case OCT_ACT_NONE: break;
    case OCT_ACT_RELU:
        for (int64_t i = 0; i < n; i++) x[i] = x[i] > 0.f ? x[i] : 0.f;
        break;
    case OCT_ACT_CLIP:
        for (int64_t i = 0; i < n; i++) {
            float v = x[i] < a->alpha ? a->alpha : x[i];
            x[i] = v > a->beta ? a->beta : v;
        }
        break;
    case OCT_ACT_LEAKYRELU:
        for (int64_t i = 0; i < n; i++) x[i] = x[i] < 0.f ? a->alpha * x[i] : x[i];
        break;
    }
}

oct_status oct_op_bad_dtype(const oct_node *n, oct_dtype dt)
{
    return oct_err(OCT_E_UNSUPPORTED, "%s: dtype %s is not supported", n->op_type, oct_dtype_name(dt));
}

oct_status oct_op_check_arity(const oct_node *n, const oct_tensor *const *in, int lo, int hi, int required)
{
    if (n->n_in < lo || (hi >= 0 && n->n_in > hi))
        return oct_err(OCT_E_INVALID, "%s: expects %d..%d inputs, got %d", n->op_type, lo, hi, n->n_in);
    for (int i = 0; i < required && i < n->n_in; i++)
        if (!in[i]) return oct_err(OCT_E_INVALID, "%s: input %d is required", n->op_type, i);
    return OCT_OK;
}

oct_status oct_tensor_read_ints(const oct_tensor *t, int64_t *out, int max, int *count)
{
    if (!t || !t->data) return oct_err(OCT_E_INVALID, "integer tensor has no data");
    int64_t n = oct_tensor_numel(t);
    if (n > max) return oct_err(OCT_E_INVALID, "integer tensor has %lld elements, at most %d allowed", (long long)n, max);
    if (t->dtype == OCT_DT_I64) for (int64_t i = 0; i < n; i++) out[i] = ((const int64_t *)t->data)[i];
    else if (t->dtype == OCT_DT_I32) for (int64_t i = 0; i < n; i++) out[i] = ((const int32_t *)t->data)[i];
    else return oct_err(OCT_E_DTYPE, "expected an int32/int64 tensor, got %s", oct_dtype_name(t->dtype));
    *count = (int)n;
    return OCT_OK;
}

oct_status oct_out_shape(oct_tensor *out, oct_dtype dt, int rank, const int64_t *dims)
{
    return oct_tensor_set_shape(out, dt, rank, dims);
}
