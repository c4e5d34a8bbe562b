#include "runtime/plan.h"

#include <stdlib.h>
#include <string.h>

#define MAX_IO 64

oct_status oct_plan_check_input(const oct_graph *g, int i, const oct_tensor *t)
{
    const oct_value *v = &g->val[g->in[i]];
    char a[160], b[160];
    if (!t) return oct_err(OCT_E_INVALID, "input '%s' is missing", v->name);
    if (v->dtype != OCT_DT_UNDEFINED && t->dtype != v->dtype)
        return oct_err(OCT_E_DTYPE, "input '%s': expected dtype %s, got %s", v->name,
                       oct_dtype_name(v->dtype), oct_dtype_name(t->dtype));
    if (v->rank >= 0) {
        int bad = t->rank != v->rank;
        for (int d = 0; !bad && d < v->rank; d++)
            if (v->dims[d] >= 0 && v->dims[d] != t->dims[d]) bad = 1;
        if (bad)
            return oct_err(OCT_E_SHAPE, "input '%s': expected shape %s, got %s", v->name,
                           oct_shape_str(v->rank, v->dims, a, sizeof a),
                           oct_shape_str(t->rank, t->dims, b, sizeof b));
    }
    for (int d = 0; d < t->rank; d++)
        if (t->dims[d] < 0)
            return oct_err(OCT_E_SHAPE, "input '%s': negative dimension", v->name);
    return OCT_OK;
}

void oct_plan_free(oct_plan *p)
{
    if (!p) return;
    if (p->vals)
        for (int i = 0; i < p->n_val; i++)
            if (p->kind[i] == OCT_V_PLANDATA && p->vals[i].owns_data) oct_aligned_free(p->vals[i].data);
    for (int i = 0; i < 16; i++) oct_tensor_free(p->key_data[i]);
    free(p->vals);
    free(p->kind);
    free(p->offset);
    free(p->view_of);
    free(p->run);
    free(p->key_dims);
    free(p);
}

int oct_plan_matches(const oct_plan *p, const oct_tensor *const *inputs)
{
    for (int i = 0; i < p->n_inputs; i++) {
        if (inputs[i]->rank != p->key_rank[i]) return 0;
        for (int d = 0; d < inputs[i]->rank; d++)
            if (inputs[i]->dims[d] != p->key_dims[i * OCT_MAX_RANK + d]) return 0;
        if (p->key_data[i] && (inputs[i]->dtype != p->key_data[i]->dtype || !inputs[i]->data ||
                               memcmp(inputs[i]->data, p->key_data[i]->data, oct_tensor_nbytes(inputs[i]))))
            return 0;
    }
    return 1;
}

unsigned oct_plan_keyed_inputs(const oct_graph *g)
{
    unsigned char *mark = calloc((size_t)g->n_val + 1, 1);
    if (!mark) return 0;
    for (int k = 0; k < g->n_node; k++) {
        const oct_node *n = &g->node[k];
        if (n->dead || !n->def) continue;
        for (int j = 0; j < n->n_in && j < 32; j++)
            if ((n->def->shape_inputs & (1u << j)) && n->in[j] >= 0) mark[n->in[j]] = 1;
    }
    /* backward over the topological order: a marked value marks its producer's inputs */
    for (int k = g->n_node - 1; k >= 0; k--) {
        const oct_node *n = &g->node[k];
        if (n->dead || !strcmp(n->op_type, "Shape") || !strcmp(n->op_type, "Size")) continue;
        int any = 0;
        for (int j = 0; j < n->n_out; j++) any |= n->out[j] >= 0 && mark[n->out[j]];
        if (!any) continue;
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j] >= 0) mark[n->in[j]] = 1;
    }
    unsigned keyed = 0;
    for (int i = 0; i < g->n_in && i < 16; i++)
        if (mark[g->in[i]]) keyed |= 1u << i;
    free(mark);
    return keyed;
}

static int known(const oct_plan *p, int v)
{
    return v < 0 || p->kind[v] == OCT_V_CONST || p->kind[v] == OCT_V_PLANDATA;
}

/* Shape-only ops: their compute reads dims, never data. */
static int shape_only(const oct_node *n)
{
    return !strcmp(n->op_type, "Shape") || !strcmp(n->op_type, "Size");
}

static size_t align_up(size_t x) { return (x + OCT_ALIGN - 1) / OCT_ALIGN * OCT_ALIGN; }

typedef struct { int v; size_t size; int start, end; } live_t;

static int by_size_desc(const void *a, const void *b)
{
    const live_t *x = a, *y = b;
    if (x->size != y->size) return x->size < y->size ? 1 : -1;
    return x->start - y->start;
}

/* Greedy best-fit: place the biggest buffers first at the lowest offset that
 * does not collide with an already placed buffer whose lifetime overlaps. */
static oct_status assign_offsets(oct_plan *p, live_t *lv, int n)
{
    qsort(lv, (size_t)n, sizeof *lv, by_size_desc);
    size_t *off = malloc((size_t)(n > 0 ? n : 1) * sizeof *off);
    int *idx = malloc((size_t)(n > 0 ? n : 1) * sizeof *idx);
    if (!off || !idx) { free(off); free(idx); return oct_err(OCT_E_NOMEM, "out of memory"); }
    size_t peak = 0;
    for (int i = 0; i < n; i++) {
        /* collect placed buffers overlapping in time, sorted by offset */
        int m = 0;
        for (int j = 0; j < i; j++)
            if (!(lv[j].end < lv[i].start || lv[i].end < lv[j].start)) idx[m++] = j;
        for (int a = 1; a < m; a++) { /* insertion sort by offset */
            int t = idx[a], b = a - 1;
            while (b >= 0 && off[idx[b]] > off[t]) { idx[b + 1] = idx[b]; b--; }
            idx[b + 1] = t;
        }
        size_t best = (size_t)-1, best_gap = (size_t)-1, cur = 0;
        for (int a = 0; a < m; a++) {
            size_t o = off[idx[a]];
            if (o >= cur && o - cur >= lv[i].size && o - cur < best_gap) { best = cur; best_gap = o - cur; }
            size_t e = o + lv[idx[a]].size;
            if (e > cur) cur = e;
        }
        if (best == (size_t)-1) best = cur;
        off[i] = best;
        p->offset[lv[i].v] = best;
        if (best + lv[i].size > peak) peak = best + lv[i].size;
    }
    p->arena_bytes = peak;
    free(off);
    free(idx);
    return OCT_OK;
}

/* The value whose buffer v's bytes are in (v itself unless v is a view). */
static int buffer_of(const oct_plan *p, int v)
{
    return p->kind[v] == OCT_V_VIEW ? p->view_of[v] : v;
}

/* Node n (run at run time) can be a view: a view op whose input 0 is an
 * activation or graph input with exactly the bytes of its single output. */
static int as_view(const oct_plan *p, const oct_node *n)
{
    if (!n->def->impl || !n->def->impl->view || n->n_out != 1 || n->out[0] < 0 || n->n_in < 1 || n->in[0] < 0)
        return 0;
    int u = buffer_of(p, n->in[0]);
    if (p->kind[u] != OCT_V_ARENA && p->kind[u] != OCT_V_INPUT) return 0;
    const oct_tensor *x = &p->vals[n->in[0]], *y = &p->vals[n->out[0]];
    return x->dtype == y->dtype && oct_tensor_nbytes(x) == oct_tensor_nbytes(y);
}

static oct_status eval_now(oct_plan *p, const oct_node *n, const oct_tensor *const *in, const oct_exec *ex)
{
    oct_tensor *outs[MAX_IO];
    for (int j = 0; j < n->n_out; j++) {
        int v = n->out[j];
        outs[j] = v >= 0 ? &p->vals[v] : NULL;
        if (v < 0) continue;
        OCT_TRY(oct_tensor_alloc(&p->vals[v]));
        p->kind[v] = OCT_V_PLANDATA;
    }
    return n->def->compute(n, in, outs, ex);
}

oct_status oct_plan_build(const oct_graph *g, const oct_tensor *const *inputs, unsigned keyed,
                          const oct_exec *ex, oct_plan **out)
{
    *out = NULL;
    if (g->n_in > 16) return oct_err(OCT_E_UNSUPPORTED, "models with more than 16 inputs are not supported");
    for (int i = 0; i < g->n_in; i++) OCT_TRY(oct_plan_check_input(g, i, inputs[i]));
    oct_plan *p = calloc(1, sizeof *p);
    if (!p) return oct_err(OCT_E_NOMEM, "out of memory");
    p->n_val = g->n_val;
    p->n_inputs = g->n_in;
    p->vals = calloc((size_t)g->n_val + 1, sizeof *p->vals);
    p->kind = calloc((size_t)g->n_val + 1, 1);
    p->offset = calloc((size_t)g->n_val + 1, sizeof *p->offset);
    p->view_of = calloc((size_t)g->n_val + 1, sizeof *p->view_of);
    p->run = calloc((size_t)g->n_node + 1, 1);
    p->key_dims = calloc((size_t)g->n_in * OCT_MAX_RANK + 1, sizeof *p->key_dims);
    int *first = malloc(((size_t)g->n_val + 1) * sizeof(int));
    int *last = malloc(((size_t)g->n_val + 1) * sizeof(int));
    live_t *lv = malloc(((size_t)g->n_val + 1) * sizeof *lv);
    oct_status s = OCT_OK;
    if (!p->vals || !p->kind || !p->offset || !p->view_of || !p->run || !p->key_dims || !first || !last || !lv) {
        s = oct_err(OCT_E_NOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < g->n_in; i++) {
        p->key_rank[i] = inputs[i]->rank;
        for (int d = 0; d < inputs[i]->rank; d++) p->key_dims[i * OCT_MAX_RANK + d] = inputs[i]->dims[d];
    }
    for (int v = 0; v < g->n_val; v++) {
        first[v] = last[v] = -1;
        if (g->val[v].constant) {
            p->vals[v] = *g->val[v].constant;
            p->vals[v].owns_data = 0;
            p->kind[v] = OCT_V_CONST;
        }
    }
    for (int i = 0; i < g->n_in; i++) {
        int v = g->in[i];
        oct_tensor_set_shape(&p->vals[v], inputs[i]->dtype, inputs[i]->rank, inputs[i]->dims);
        p->kind[v] = OCT_V_INPUT;
        if (!(keyed & (1u << i))) continue;
        if (!inputs[i]->data) {
            s = oct_err(OCT_E_INVALID, "input '%s' decides output shapes: its values are needed", g->val[v].name);
            goto done;
        }
        p->key_data[i] = oct_tensor_clone(inputs[i]);
        if (!p->key_data[i]) {
            s = oct_err(OCT_E_NOMEM, "out of memory");
            goto done;
        }
        p->vals[v].data = p->key_data[i]->data;
        p->kind[v] = OCT_V_PLANDATA;
        p->keyed |= 1u << i;
    }
    for (int k = 0; k < g->n_node; k++) {
        const oct_node *n = &g->node[k];
        if (n->dead) continue;
        if (n->n_in > MAX_IO || n->n_out > MAX_IO) {
            s = oct_err(OCT_E_UNSUPPORTED, "node '%s': more than %d inputs or outputs", n->name, MAX_IO);
            goto done;
        }
        const oct_tensor *in[MAX_IO];
        oct_tensor *outs[MAX_IO];
        int all_known = 1;
        for (int j = 0; j < n->n_in; j++) {
            int v = n->in[j];
            in[j] = v >= 0 ? &p->vals[v] : NULL;
            if (v >= 0 && p->kind[v] == OCT_V_UNUSED) {
                s = oct_err(OCT_E_INTERNAL, "node '%s': input '%s' has no value", n->name, g->val[v].name);
                goto done;
            }
            if (!known(p, v)) {
                all_known = 0;
                if (n->def->shape_inputs & (1u << j)) {
                    s = oct_err(OCT_E_UNSUPPORTED,
                                "node '%s' (%s): input '%s' decides the output shape but is only known at run time",
                                n->name, n->op_type, g->val[v].name);
                    goto done;
                }
            }
        }
        for (int j = 0; j < n->n_out; j++) {
            int v = n->out[j];
            outs[j] = v >= 0 ? &p->vals[v] : NULL;
            if (v >= 0) memset(&p->vals[v], 0, sizeof p->vals[v]);
        }
        s = n->def->infer(n, in, outs);
        if (s != OCT_OK) {
            oct_err_ctx(s, "node '%s' (%s): ", n->name, n->op_type);
            goto done;
        }
        if (all_known || shape_only(n)) {
            s = eval_now(p, n, in, ex);
            if (s != OCT_OK) {
                oct_err_ctx(s, "node '%s' (%s): ", n->name, n->op_type);
                goto done;
            }
            continue;
        }
        p->run[k] = 1;
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j] >= 0) last[buffer_of(p, n->in[j])] = k; /* a view keeps its buffer alive */
        if (as_view(p, n)) {
            int v = n->out[0], u = buffer_of(p, n->in[0]);
            p->kind[v] = OCT_V_VIEW;
            p->view_of[v] = u;
            p->run[k] = 2;
            continue;
        }
        for (int j = 0; j < n->n_out; j++) {
            int v = n->out[j];
            if (v < 0) continue;
            size_t nb;
            s = oct_shape_bytes(p->vals[v].dtype, p->vals[v].rank, p->vals[v].dims, &nb);
            if (s != OCT_OK) {
                oct_err_ctx(s, "node '%s' (%s): output '%s': ", n->name, n->op_type, g->val[v].name);
                goto done;
            }
            p->kind[v] = OCT_V_ARENA;
            first[v] = k;
            if (last[v] < k) last[v] = k;
        }
    }
    for (int i = 0; i < g->n_out; i++) {
        int v = g->out[i];
        if (p->kind[v] == OCT_V_UNUSED) {
            s = oct_err(OCT_E_PARSE, "graph output '%s' is never produced", g->val[v].name);
            goto done;
        }
        last[buffer_of(p, v)] = g->n_node; /* outputs live to the end */
    }
    int nl = 0;
    size_t naive = 0;
    for (int v = 0; v < g->n_val; v++) {
        if (p->kind[v] != OCT_V_ARENA) continue;
        size_t nb = align_up(oct_tensor_nbytes(&p->vals[v]));
        lv[nl].v = v;
        lv[nl].size = nb;
        lv[nl].start = first[v];
        lv[nl].end = last[v];
        naive += nb;
        nl++;
    }
    p->naive_bytes = naive;
    s = assign_offsets(p, lv, nl);
done:
    free(first);
    free(last);
    free(lv);
    if (s != OCT_OK) {
        oct_plan_free(p);
        return s;
    }
    *out = p;
    return OCT_OK;
}
