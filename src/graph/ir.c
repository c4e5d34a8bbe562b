#include "graph/ir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/op.h"

static char *dupstr(const char *s)
{
    if (!s) s = "";
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

oct_graph *oct_graph_new(void)
{
    oct_graph *g = calloc(1, sizeof *g);
    if (!g) oct_err(OCT_E_NOMEM, "out of memory");
    return g;
}

void oct_attr_clear(oct_attr *a)
{
    free(a->name);
    free(a->s);
    oct_tensor_free(a->t);
    free(a->floats);
    free(a->ints);
    if (a->strings)
        for (int i = 0; i < a->n; i++) free(a->strings[i]);
    free(a->strings);
    memset(a, 0, sizeof *a);
}

void oct_node_clear(oct_node *n)
{
    if (n->def && n->def->release && n->state) n->def->release(n);
    free(n->name);
    free(n->op_type);
    free(n->domain);
    free(n->in);
    free(n->out);
    for (int i = 0; i < n->n_attr; i++) oct_attr_clear(&n->attr[i]);
    free(n->attr);
    memset(n, 0, sizeof *n);
}

void oct_graph_free(oct_graph *g)
{
    if (!g) return;
    for (int i = 0; i < g->n_node; i++) oct_node_clear(&g->node[i]);
    free(g->node);
    for (int i = 0; i < g->n_val; i++) {
        free(g->val[i].name);
        for (int d = 0; d < OCT_MAX_RANK; d++) free(g->val[i].dim_param[d]);
        oct_tensor_free(g->val[i].constant);
    }
    free(g->val);
    free(g->in);
    free(g->out);
    for (int i = 0; i < g->n_opsets; i++) free(g->opsets[i].domain);
    free(g->opsets);
    free(g->name);
    free(g->producer);
    free(g->name_hash);
    free(g);
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int hash_insert(oct_graph *g, int idx)
{
    if (g->n_val * 2 >= g->hash_cap) {
        int cap = g->hash_cap ? g->hash_cap * 2 : 256;
        while (cap < g->n_val * 4) cap *= 2;
        int *h = malloc((size_t)cap * sizeof *h);
        if (!h) return -1;
        for (int i = 0; i < cap; i++) h[i] = -1;
        free(g->name_hash);
        g->name_hash = h;
        g->hash_cap = cap;
        for (int i = 0; i < g->n_val; i++) {
            if (i == idx) continue;
            size_t k = hash_str(g->val[i].name) & (size_t)(cap - 1);
            while (h[k] >= 0) k = (k + 1) & (size_t)(cap - 1);
            h[k] = i;
        }
    }
    size_t k = hash_str(g->val[idx].name) & (size_t)(g->hash_cap - 1);
    while (g->name_hash[k] >= 0) k = (k + 1) & (size_t)(g->hash_cap - 1);
    g->name_hash[k] = idx;
    return 0;
}

int oct_graph_find_value(const oct_graph *g, const char *name)
{
    if (!g->hash_cap || !name) return -1;
    size_t k = hash_str(name) & (size_t)(g->hash_cap - 1);
    while (g->name_hash[k] >= 0) {
        if (!strcmp(g->val[g->name_hash[k]].name, name)) return g->name_hash[k];
        k = (k + 1) & (size_t)(g->hash_cap - 1);
    }
    return -1;
}

int oct_graph_add_value(oct_graph *g, const char *name)
{
    if (oct_graph_find_value(g, name) >= 0) {
        oct_err(OCT_E_PARSE, "duplicate value name '%s'", name);
        return -1;
    }
    if (g->n_val == g->cap_val) {
        int cap = g->cap_val ? g->cap_val * 2 : 64;
        oct_value *v = realloc(g->val, (size_t)cap * sizeof *v);
        if (!v) { oct_err(OCT_E_NOMEM, "out of memory"); return -1; }
        g->val = v;
        g->cap_val = cap;
    }
    oct_value *v = &g->val[g->n_val];
    memset(v, 0, sizeof *v);
    v->name = dupstr(name);
    v->rank = -1;
    v->producer = -1;
    if (!v->name) { oct_err(OCT_E_NOMEM, "out of memory"); return -1; }
    int idx = g->n_val++;
    if (hash_insert(g, idx) != 0) {
        free(v->name);
        g->n_val--;
        oct_err(OCT_E_NOMEM, "out of memory");
        return -1;
    }
    return idx;
}

oct_status oct_graph_rename_value(oct_graph *g, int v, const char *name)
{
    if (oct_graph_find_value(g, name) >= 0) return oct_err(OCT_E_INVALID, "duplicate value name '%s'", name);
    char *d = dupstr(name);
    if (!d) return oct_err(OCT_E_NOMEM, "out of memory");
    free(g->val[v].name);
    g->val[v].name = d;
    for (int k = 0; k < g->hash_cap; k++) g->name_hash[k] = -1;
    for (int i = 0; i < g->n_val; i++) {
        size_t k = hash_str(g->val[i].name) & (size_t)(g->hash_cap - 1);
        while (g->name_hash[k] >= 0) k = (k + 1) & (size_t)(g->hash_cap - 1);
        g->name_hash[k] = i;
    }
    return OCT_OK;
}

int oct_graph_value(oct_graph *g, const char *name)
{
    int i = oct_graph_find_value(g, name);
    return i >= 0 ? i : oct_graph_add_value(g, name);
}

int oct_graph_new_value(oct_graph *g, const char *prefix)
{
    char buf[256];
    for (int k = g->n_val;; k++) {
        snprintf(buf, sizeof buf, "%s__%d", prefix, k);
        if (oct_graph_find_value(g, buf) < 0) return oct_graph_add_value(g, buf);
    }
}

int oct_graph_add_node(oct_graph *g, const char *op_type, const char *domain, const char *name,
                       int n_in, const int *in, int n_out, const int *out)
{
    if (g->n_node == g->cap_node) {
        int cap = g->cap_node ? g->cap_node * 2 : 32;
        oct_node *nn = realloc(g->node, (size_t)cap * sizeof *nn);
        if (!nn) { oct_err(OCT_E_NOMEM, "out of memory"); return -1; }
        g->node = nn;
        g->cap_node = cap;
    }
    oct_node *n = &g->node[g->n_node];
    memset(n, 0, sizeof *n);
    n->op_type = dupstr(op_type);
    n->domain = dupstr(domain);
    n->name = dupstr(name);
    n->in = malloc((size_t)(n_in > 0 ? n_in : 1) * sizeof(int));
    n->out = malloc((size_t)(n_out > 0 ? n_out : 1) * sizeof(int));
    if (!n->op_type || !n->domain || !n->name || !n->in || !n->out) {
        oct_node_clear(n);
        oct_err(OCT_E_NOMEM, "out of memory");
        return -1;
    }
    n->n_in = n_in;
    n->n_out = n_out;
    if (n_in) memcpy(n->in, in, (size_t)n_in * sizeof(int));
    if (n_out) memcpy(n->out, out, (size_t)n_out * sizeof(int));
    n->opset = (int)oct_graph_opset(g, n->domain);
    return g->n_node++;
}

static oct_attr *attr_add(oct_node *n, const char *name, oct_attr_type t)
{
    for (int i = 0; i < n->n_attr; i++)
        if (!strcmp(n->attr[i].name, name)) {
            oct_attr_clear(&n->attr[i]);
            n->attr[i].name = dupstr(name);
            n->attr[i].type = t;
            return n->attr[i].name ? &n->attr[i] : NULL;
        }
    oct_attr *a = realloc(n->attr, (size_t)(n->n_attr + 1) * sizeof *a);
    if (!a) return NULL;
    n->attr = a;
    a = &n->attr[n->n_attr];
    memset(a, 0, sizeof *a);
    a->name = dupstr(name);
    a->type = t;
    if (!a->name) return NULL;
    n->n_attr++;
    return a;
}

oct_status oct_node_set_int(oct_node *n, const char *name, int64_t v)
{
    oct_attr *a = attr_add(n, name, OCT_ATTR_INT);
    if (!a) return oct_err(OCT_E_NOMEM, "out of memory");
    a->i = v;
    return OCT_OK;
}

oct_status oct_node_set_float(oct_node *n, const char *name, float v)
{
    oct_attr *a = attr_add(n, name, OCT_ATTR_FLOAT);
    if (!a) return oct_err(OCT_E_NOMEM, "out of memory");
    a->f = v;
    return OCT_OK;
}

oct_status oct_node_set_ints(oct_node *n, const char *name, const int64_t *v, int count)
{
    oct_attr *a = attr_add(n, name, OCT_ATTR_INTS);
    if (!a) return oct_err(OCT_E_NOMEM, "out of memory");
    a->ints = malloc((size_t)(count > 0 ? count : 1) * sizeof *v);
    if (!a->ints) return oct_err(OCT_E_NOMEM, "out of memory");
    if (count) memcpy(a->ints, v, (size_t)count * sizeof *v);
    a->n = count;
    return OCT_OK;
}

int64_t oct_graph_opset(const oct_graph *g, const char *domain)
{
    if (!domain) domain = "";
    for (int i = 0; i < g->n_opsets; i++) {
        const char *d = g->opsets[i].domain ? g->opsets[i].domain : "";
        if (!strcmp(d, domain) || (!*domain && !strcmp(d, "ai.onnx")) ||
            (!strcmp(domain, "ai.onnx") && !*d))
            return g->opsets[i].version;
    }
    return 0;
}

const oct_attr *oct_node_attr(const oct_node *n, const char *name)
{
    for (int i = 0; i < n->n_attr; i++)
        if (!strcmp(n->attr[i].name, name)) return &n->attr[i];
    return NULL;
}

int64_t oct_attr_int(const oct_node *n, const char *name, int64_t def)
{
    const oct_attr *a = oct_node_attr(n, name);
    if (!a) return def;
    if (a->type == OCT_ATTR_INT) return a->i;
    if (a->type == OCT_ATTR_FLOAT) return (int64_t)a->f;
    return def;
}

float oct_attr_float(const oct_node *n, const char *name, float def)
{
    const oct_attr *a = oct_node_attr(n, name);
    if (!a) return def;
    if (a->type == OCT_ATTR_FLOAT) return a->f;
    if (a->type == OCT_ATTR_INT) return (float)a->i;
    return def;
}

const char *oct_attr_str(const oct_node *n, const char *name, const char *def)
{
    const oct_attr *a = oct_node_attr(n, name);
    return a && a->type == OCT_ATTR_STRING && a->s ? a->s : def;
}

int oct_attr_ints(const oct_node *n, const char *name, const int64_t **v)
{
    const oct_attr *a = oct_node_attr(n, name);
    if (!a || a->type != OCT_ATTR_INTS) return -1;
    *v = a->ints;
    return a->n;
}

int oct_attr_floats(const oct_node *n, const char *name, const float **v)
{
    const oct_attr *a = oct_node_attr(n, name);
    if (!a || a->type != OCT_ATTR_FLOATS) return -1;
    *v = a->floats;
    return a->n;
}

int oct_graph_consumers(const oct_graph *g, int v, int *nodes, int max_nodes)
{
    int c = 0;
    for (int i = 0; i < g->n_node; i++) {
        const oct_node *n = &g->node[i];
        if (n->dead) continue;
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j] == v) {
                if (nodes && c < max_nodes) nodes[c] = i;
                c++;
                break;
            }
    }
    return c;
}

int oct_graph_is_output(const oct_graph *g, int v)
{
    for (int i = 0; i < g->n_out; i++)
        if (g->out[i] == v) return 1;
    return 0;
}

void oct_graph_link(oct_graph *g)
{
    for (int i = 0; i < g->n_val; i++) g->val[i].producer = -1;
    for (int i = 0; i < g->n_node; i++) {
        if (g->node[i].dead) continue;
        for (int j = 0; j < g->node[i].n_out; j++)
            if (g->node[i].out[j] >= 0) g->val[g->node[i].out[j]].producer = i;
    }
}

/* Min-heap of node indices: Kahn's algorithm that keeps the original order
 * whenever it is already topological. */
static void heap_push(int *h, int *n, int v)
{
    int i = (*n)++;
    while (i > 0 && h[(i - 1) / 2] > v) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = v;
}

static int heap_pop(int *h, int *n)
{
    int top = h[0], v = h[--(*n)], i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && h[c + 1] < h[c]) c++;
        if (h[c] >= v) break;
        h[i] = h[c];
        i = c;
    }
    if (*n) h[i] = v;
    return top;
}

oct_status oct_graph_toposort(oct_graph *g)
{
    int n = g->n_node, nv = g->n_val;
    int *prod = malloc((size_t)(nv > 0 ? nv : 1) * sizeof *prod);
    int *indeg = calloc((size_t)(n > 0 ? n : 1), sizeof *indeg);
    int *first = malloc((size_t)(nv > 0 ? nv : 1) * sizeof *first); /* consumer lists per value */
    int *next = NULL, *who = NULL, *heap = malloc((size_t)(n > 0 ? n : 1) * sizeof *heap);
    int *order = malloc((size_t)(n > 0 ? n : 1) * sizeof *order);
    int n_edges = 0;
    for (int i = 0; i < n; i++)
        if (!g->node[i].dead) n_edges += g->node[i].n_in;
    next = malloc((size_t)(n_edges > 0 ? n_edges : 1) * sizeof *next);
    who = malloc((size_t)(n_edges > 0 ? n_edges : 1) * sizeof *who);
    oct_status st = OCT_OK;
    if (!prod || !indeg || !first || !next || !who || !heap || !order) {
        st = oct_err(OCT_E_NOMEM, "out of memory");
        goto done;
    }
    for (int v = 0; v < nv; v++) prod[v] = -1, first[v] = -1;
    for (int i = 0; i < n; i++) {
        const oct_node *nd = &g->node[i];
        if (nd->dead) continue;
        for (int j = 0; j < nd->n_out; j++)
            if (nd->out[j] >= 0) prod[nd->out[j]] = i;
    }
    int e = 0, live = 0, hn = 0, cnt = 0;
    for (int i = 0; i < n; i++) {
        const oct_node *nd = &g->node[i];
        if (nd->dead) continue;
        live++;
        for (int j = 0; j < nd->n_in; j++) {
            int v = nd->in[j];
            if (v < 0 || prod[v] < 0) continue;
            indeg[i]++;
            who[e] = i;
            next[e] = first[v];
            first[v] = e++;
        }
        if (!indeg[i]) heap_push(heap, &hn, i);
    }
    while (hn) {
        int i = heap_pop(heap, &hn);
        order[cnt++] = i;
        const oct_node *nd = &g->node[i];
        for (int j = 0; j < nd->n_out; j++) {
            int v = nd->out[j];
            if (v < 0 || prod[v] != i) continue;
            for (int k = first[v]; k >= 0; k = next[k])
                if (--indeg[who[k]] == 0) heap_push(heap, &hn, who[k]);
            first[v] = -1; /* a node listing an output twice releases once */
        }
    }
    /* inputs that nothing produces must be graph inputs or constants */
    char *avail = calloc((size_t)(nv > 0 ? nv : 1), 1);
    if (!avail) {
        st = oct_err(OCT_E_NOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < g->n_in; i++) avail[g->in[i]] = 1;
    for (int v = 0; v < nv; v++) avail[v] |= g->val[v].constant != NULL || prod[v] >= 0;
    for (int i = 0; i < n && st == OCT_OK; i++) {
        const oct_node *nd = &g->node[i];
        if (nd->dead) continue;
        for (int j = 0; j < nd->n_in; j++)
            if (nd->in[j] >= 0 && !avail[nd->in[j]]) {
                st = oct_err(OCT_E_PARSE, "node '%s' (%s): input '%s' is never produced", nd->name, nd->op_type,
                             g->val[nd->in[j]].name);
                break;
            }
    }
    free(avail);
    if (st == OCT_OK && cnt < live) {
        for (int i = 0; i < n; i++)
            if (!g->node[i].dead && indeg[i] > 0) {
                st = oct_err(OCT_E_PARSE, "node '%s' (%s) is part of a cycle", g->node[i].name, g->node[i].op_type);
                break;
            }
    }
    if (st != OCT_OK) goto done;
    oct_node *sorted = malloc((size_t)(g->cap_node > 0 ? g->cap_node : 1) * sizeof *sorted);
    if (!sorted) {
        st = oct_err(OCT_E_NOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < cnt; i++) sorted[i] = g->node[order[i]];
    for (int i = 0; i < n; i++)
        if (g->node[i].dead) oct_node_clear(&g->node[i]);
    free(g->node);
    g->node = sorted;
    g->n_node = cnt;
    oct_graph_link(g);
done:
    free(prod);
    free(indeg);
    free(first);
    free(next);
    free(who);
    free(heap);
    free(order);
    return st;
}
