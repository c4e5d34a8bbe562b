#include "runtime/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph/passes.h"
#include "onnx/onnx.h"
#include "ops/op.h"
#include "runtime/devexec.h"
#include "runtime/plan.h"

#define PLAN_CACHE 16
#define MAX_IO 64

struct oct_session {
    oct_graph *g;
    oct_pool *pool;
    int own_pool;
    oct_exec ex;
    oct_plan *plans[PLAN_CACHE];
    unsigned long tick;
    void *arena;
    size_t arena_cap;
    unsigned keyed; /* graph inputs whose values decide shapes */
    double *prof;   /* OCTET_PROFILE=1: seconds per node, printed at free */
    oct_devexec *dev; /* NULL: everything on the CPU */
    int fallbacks;    /* device failures that sent the model to the CPU */
    oct_session_observer obs;
    void *obs_ctx;
    long prof_runs;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void profile_print(const oct_session *s)
{
    double total = 0;
    for (int k = 0; k < s->g->n_node; k++) total += s->prof[k];
    if (total <= 0) return;
    fprintf(stderr, "octet profile: %ld runs, %.3f ms per run\n", s->prof_runs, 1e3 * total / (double)s->prof_runs);
    for (int k = 0; k < s->g->n_node; k++) {
        const oct_node *n = &s->g->node[k];
        if (s->prof[k] <= 0) continue;
        fprintf(stderr, "  %5.1f%% %9.3f ms  %-18s %s\n", 100 * s->prof[k] / total,
                1e3 * s->prof[k] / (double)s->prof_runs, n->op_type, n->name);
    }
}

void oct_session_opts_default(oct_session_opts *o)
{
    memset(o, 0, sizeof *o);
    o->n_threads = 0;
    o->optimize = 1;
}

static oct_status prepare_nodes(oct_graph *g)
{
    for (int i = 0; i < g->n_node; i++) {
        oct_node *n = &g->node[i];
        if (n->dead || !n->def->prepare) continue;
        oct_status s = n->def->prepare(n, g);
        if (s != OCT_OK) return oct_err_ctx(s, "node '%s' (%s): ", n->name, n->op_type);
    }
    return OCT_OK;
}

/* Static shape inference: plan the graph with every unknown input dim set to 1
 * and to 2; a dim equal in both is static, one that doubles follows the batch.
 * Fills the graph's value shapes (dim_param "N" or "N*k" for batch-dependent
 * dims). Best effort: a model whose inputs cannot be sized this way keeps the
 * shapes it was imported with. */
static void infer_static_shapes(oct_session *s)
{
    oct_graph *g = s->g;
    if (s->keyed || g->n_in > 16) return;
    oct_tensor hdr[2][16];
    const oct_tensor *ins[2][16];
    for (int b = 0; b < 2; b++)
        for (int i = 0; i < g->n_in; i++) {
            const oct_value *v = &g->val[g->in[i]];
            if (v->rank < 0 || v->dtype == OCT_DT_UNDEFINED) return;
            int64_t d[OCT_MAX_RANK];
            for (int k = 0; k < v->rank; k++) d[k] = v->dims[k] < 0 ? b + 1 : v->dims[k];
            memset(&hdr[b][i], 0, sizeof hdr[b][i]);
            oct_tensor_set_shape(&hdr[b][i], v->dtype, v->rank, d);
            ins[b][i] = &hdr[b][i];
        }
    oct_plan *p1 = NULL, *p2 = NULL;
    if (oct_plan_build(g, ins[0], 0, &s->ex, &p1) != OCT_OK || oct_plan_build(g, ins[1], 0, &s->ex, &p2) != OCT_OK) {
        oct_plan_free(p1);
        oct_err_clear();
        return;
    }
    for (int v = 0; v < g->n_val; v++) {
        oct_value *val = &g->val[v];
        const oct_tensor *a = &p1->vals[v], *b = &p2->vals[v];
        if (p1->kind[v] == OCT_V_UNUSED || val->constant || a->rank != b->rank) continue;
        int is_input = 0;
        for (int i = 0; i < g->n_in; i++) is_input |= g->in[i] == v;
        if (is_input) continue;
        val->dtype = a->dtype;
        val->rank = a->rank;
        for (int k = 0; k < a->rank; k++) {
            free(val->dim_param[k]);
            val->dim_param[k] = NULL;
            if (a->dims[k] == b->dims[k]) {
                val->dims[k] = a->dims[k];
                continue;
            }
            val->dims[k] = -1;
            char sym[32];
            if (b->dims[k] == 2 * a->dims[k]) {
                if (a->dims[k] == 1) snprintf(sym, sizeof sym, "N");
                else snprintf(sym, sizeof sym, "N*%lld", (long long)a->dims[k]);
                val->dim_param[k] = strdup(sym);
            }
        }
    }
    oct_plan_free(p1);
    oct_plan_free(p2);
}

/* The device the options (or $OCTET_DEVICE) name: a malformed name is an
 * error; a device that cannot be used (missing, build failure, out of memory)
 * leaves the model on the CPU, logged and counted. */
static oct_status open_device(oct_session *s, const char *want)
{
    if (!want) want = getenv("OCTET_DEVICE");
    oct_device_spec spec;
    OCT_TRY(oct_device_parse(want, &spec));
    oct_status st = oct_devexec_open(s->g, &spec, &s->dev);
    if (st == OCT_OK && s->dev && !getenv("OCTET_QUIET")) {
        char line[1400];
        oct_devexec_describe(s->dev, line, sizeof line);
        fprintf(stderr, "octet: %s\n", line);
    }
    if (st != OCT_OK) {
        fprintf(stderr, "octet: device '%s' not used, running on the CPU: %s\n", want ? want : "auto", oct_errmsg());
        s->fallbacks++;
        s->dev = NULL;
        oct_err_clear();
    }
    return OCT_OK;
}

const char *oct_session_device(const oct_session *s) { return oct_devexec_name(s->dev); }
int oct_session_node_on_device(const oct_session *s, int node) { return oct_devexec_on_device(s->dev, node); }
int oct_session_device_fallbacks(const oct_session *s) { return s->fallbacks; }
int oct_session_device_hops(const oct_session *s) { return oct_devexec_hops(s->dev); }

oct_status oct_session_from_graph(oct_graph *g, const oct_session_opts *o, oct_session **out)
{
    *out = NULL;
    oct_session_opts def;
    if (!o) {
        oct_session_opts_default(&def);
        o = &def;
    }
    oct_session *s = calloc(1, sizeof *s);
    if (!s) {
        oct_graph_free(g);
        return oct_err(OCT_E_NOMEM, "out of memory");
    }
    s->g = g;
    if (o->pool) {
        s->pool = o->pool;
    } else {
        s->pool = oct_pool_new(o->n_threads);
        s->own_pool = 1;
        if (!s->pool) {
            oct_session_free(s);
            return oct_err(OCT_E_NOMEM, "cannot start the thread pool");
        }
    }
    s->ex.pool = s->pool;
    oct_status st = oct_graph_resolve_ops(g);
    if (st == OCT_OK && o->optimize) st = oct_passes_run(g, &s->ex);
    if (st == OCT_OK) st = prepare_nodes(g);
    if (st == OCT_OK) s->keyed = oct_plan_keyed_inputs(g);
    if (st == OCT_OK) infer_static_shapes(s);
    if (st == OCT_OK && o->optimize && !o->keep_adds && oct_pass_fuse_residual(g) > 0) {
        oct_pass_fuse_activation(g);
        st = oct_graph_toposort(g);
    }
    if (st == OCT_OK) st = open_device(s, o->device);
    if (st == OCT_OK && getenv("OCTET_PROFILE") && *getenv("OCTET_PROFILE") == '1') {
        s->prof = calloc((size_t)g->n_node + 1, sizeof *s->prof);
        if (!s->prof) st = oct_err(OCT_E_NOMEM, "out of memory");
    }
    if (st != OCT_OK) {
        oct_session_free(s);
        return st;
    }
    *out = s;
    return OCT_OK;
}

oct_status oct_session_load(const char *path, const oct_session_opts *o, oct_session **out)
{
    oct_graph *g = NULL;
    *out = NULL;
    OCT_TRY(oct_onnx_load_file(path, &g));
    oct_status s = oct_session_from_graph(g, o, out);
    if (s != OCT_OK) oct_err_ctx(s, "%s: ", path);
    return s;
}

void oct_session_free(oct_session *s)
{
    if (!s) return;
    if (s->prof) profile_print(s);
    free(s->prof);
    oct_devexec_free(s->dev);
    for (int i = 0; i < PLAN_CACHE; i++) oct_plan_free(s->plans[i]);
    oct_graph_free(s->g);
    if (s->own_pool) oct_pool_free(s->pool);
    oct_aligned_free(s->arena);
    free(s);
}

void oct_session_set_observer(oct_session *s, oct_session_observer fn, void *ctx)
{
    s->obs = fn;
    s->obs_ctx = fn ? ctx : NULL;
}

const oct_graph *oct_session_graph(const oct_session *s) { return s->g; }
int oct_session_n_inputs(const oct_session *s) { return s->g->n_in; }
int oct_session_n_outputs(const oct_session *s) { return s->g->n_out; }
const oct_value *oct_session_input(const oct_session *s, int i) { return &s->g->val[s->g->in[i]]; }
const oct_value *oct_session_output(const oct_session *s, int i) { return &s->g->val[s->g->out[i]]; }

int oct_session_input_index(const oct_session *s, const char *name)
{
    for (int i = 0; i < s->g->n_in; i++)
        if (!strcmp(s->g->val[s->g->in[i]].name, name)) return i;
    return -1;
}

int oct_session_output_index(const oct_session *s, const char *name)
{
    for (int i = 0; i < s->g->n_out; i++)
        if (!strcmp(s->g->val[s->g->out[i]].name, name)) return i;
    return -1;
}

/* Find or build the plan for these input shapes (LRU cache). */
static oct_status get_plan(oct_session *s, const oct_tensor *const *inputs, oct_plan **out)
{
    int free_slot = -1, lru = -1;
    for (int i = 0; i < s->g->n_in; i++) OCT_TRY(oct_plan_check_input(s->g, i, inputs[i]));
    for (int i = 0; i < PLAN_CACHE; i++) {
        oct_plan *p = s->plans[i];
        if (!p) {
            if (free_slot < 0) free_slot = i;
            continue;
        }
        if (oct_plan_matches(p, inputs)) {
            p->last_used = ++s->tick;
            *out = p;
            return OCT_OK;
        }
        if (lru < 0 || p->last_used < s->plans[lru]->last_used) lru = i;
    }
    oct_plan *p = NULL;
    OCT_TRY(oct_plan_build(s->g, inputs, s->keyed, &s->ex, &p));
    int slot = free_slot >= 0 ? free_slot : lru;
    oct_plan_free(s->plans[slot]);
    s->plans[slot] = p;
    p->last_used = ++s->tick;
    if (p->arena_bytes > s->arena_cap) {
        void *a = oct_aligned_alloc(p->arena_bytes);
        if (!a) return oct_err(OCT_E_NOMEM, "cannot allocate %zu bytes of activation memory", p->arena_bytes);
        oct_aligned_free(s->arena);
        s->arena = a;
        s->arena_cap = p->arena_bytes;
    }
    *out = p;
    return OCT_OK;
}

size_t oct_session_weight_bytes(const oct_session *s)
{
    const oct_graph *g = s->g;
    size_t total = 0;
    for (int v = 0; v < g->n_val; v++)
        if (g->val[v].constant) total += oct_tensor_nbytes(g->val[v].constant);
    for (int k = 0; k < g->n_node; k++) {
        const oct_node *n = &g->node[k];
        if (!n->dead && n->state && n->def && n->def->impl && n->def->impl->state_bytes)
            total += n->def->impl->state_bytes(n);
    }
    return total;
}

oct_status oct_session_plan_bytes(oct_session *s, const oct_tensor *const *inputs, size_t *peak, size_t *naive)
{
    oct_plan *p;
    OCT_TRY(get_plan(s, inputs, &p));
    if (peak) *peak = p->arena_bytes;
    if (naive) *naive = p->naive_bytes;
    return OCT_OK;
}

static oct_status copy_outputs(oct_session *s, oct_plan *p, oct_tensor **outputs);

oct_status oct_session_run(oct_session *s, const oct_tensor *const *inputs, oct_tensor **outputs)
{
    const oct_graph *g = s->g;
    for (int i = 0; i < g->n_out; i++) outputs[i] = NULL;
    for (int i = 0; i < g->n_in; i++)
        if (!inputs[i] || !inputs[i]->data)
            return oct_err(OCT_E_INVALID, "input '%s' has no data", g->val[g->in[i]].name);
    oct_plan *p;
    OCT_TRY(get_plan(s, inputs, &p));
    /* bind inputs and arena (keyed inputs already hold their plan-time copy) */
    for (int i = 0; i < g->n_in; i++)
        if (!(p->keyed & (1u << i))) p->vals[g->in[i]].data = inputs[i]->data;
    for (int v = 0; v < g->n_val; v++)
        if (p->kind[v] == OCT_V_ARENA) p->vals[v].data = s->arena ? (char *)s->arena + p->offset[v] : NULL;
    for (int v = 0; v < g->n_val; v++)
        if (p->kind[v] == OCT_V_VIEW) p->vals[v].data = p->vals[p->view_of[v]].data;
    if (s->dev && !s->obs) {
        oct_status st = oct_devexec_run(s->dev, g, p, &s->ex, s->prof);
        if (st == OCT_OK) {
            if (s->prof) s->prof_runs++;
            return copy_outputs(s, p, outputs);
        }
        if (st == OCT_E_DEVICE) { /* the device failed: this model stays on the CPU from now on */
            fprintf(stderr, "octet: %s failed, the model falls back to the CPU: %s\n", oct_devexec_name(s->dev),
                    oct_errmsg());
            s->fallbacks++;
            oct_devexec_free(s->dev);
            s->dev = NULL;
        }
        oct_err_clear(); /* any other failure: this run again on the CPU, which reports bad input itself */
    }
    for (int k = 0; k < g->n_node; k++) {
        if (!p->run[k]) continue;
        const oct_node *n = &g->node[k];
        const oct_tensor *in[MAX_IO];
        oct_tensor *out[MAX_IO];
        for (int j = 0; j < n->n_in; j++) in[j] = n->in[j] >= 0 ? &p->vals[n->in[j]] : NULL;
        for (int j = 0; j < n->n_out; j++) out[j] = n->out[j] >= 0 ? &p->vals[n->out[j]] : NULL;
        double t0 = s->prof ? now_s() : 0;
        oct_status st = p->run[k] == 2 ? OCT_OK : n->def->compute(n, in, out, &s->ex);
        if (s->prof) s->prof[k] += now_s() - t0;
        if (st != OCT_OK) return oct_err_ctx(st, "node '%s' (%s): ", n->name, n->op_type);
        if (s->obs && (st = s->obs(s->obs_ctx, n, (const oct_tensor *const *)out)) != OCT_OK) return st;
    }
    if (s->prof) s->prof_runs++;
    return copy_outputs(s, p, outputs);
}

static oct_status copy_outputs(oct_session *s, oct_plan *p, oct_tensor **outputs)
{
    const oct_graph *g = s->g;
    for (int i = 0; i < g->n_out; i++) {
        outputs[i] = oct_tensor_clone(&p->vals[g->out[i]]);
        if (!outputs[i]) {
            for (int j = 0; j < i; j++) {
                oct_tensor_free(outputs[j]);
                outputs[j] = NULL;
            }
            return oct_err(OCT_E_NOMEM, "cannot allocate output '%s'", g->val[g->out[i]].name);
        }
    }
    return OCT_OK;
}
