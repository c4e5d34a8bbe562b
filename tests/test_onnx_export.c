/* ONNX export (src/onnx/export_*.c):
 *  - every bundled model: load -> session (passes fuse activations, BN, residual
 *    sums) -> export its optimised graph -> import that into a new session: both
 *    run the first 64 Fashion-MNIST test images with bit-identical outputs, the
 *    exported file holds only standard ONNX (fused state written as explicit
 *    nodes), and the new session fuses back to the same optimised graph;
 *  - a hand-built graph holding every attribute type and every dtype octet's
 *    tensors can hold survives a round trip field by field, with fused Clip /
 *    LeakyRelu / Relu activations and a fused residual sum written as nodes
 *    (Clip bounds as initializers from opset 11, as attributes before);
 *  - errors name the file: unwritable path, a dtype ONNX cannot hold, subgraph
 *    attributes. */
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/npy.h"
#include "onnx/onnx.h"
#include "onnx/onnx.pb-c.h"
#include "ops/op.h"
#include "runtime/session.h"
#include "test_onnx_util.h"
#include "test_util.h"

#define SRC OCTET_SOURCE_DIR

static const char *models[] = {
    SRC "/models/fmnist_mlp/model.onnx",
    SRC "/models/fmnist_cnn/model.onnx",
    SRC "/models/fmnist_resnet/model.onnx",
    SRC "/tests/models/fmnist_transformer/model.onnx",
};

static int count_op(const oct_graph *g, const char *op)
{
    int c = 0;
    for (int i = 0; i < g->n_node; i++) c += !g->node[i].dead && !strcmp(g->node[i].op_type, op);
    return c;
}

static const oct_node *find_node(const oct_graph *g, const char *name)
{
    for (int i = 0; i < g->n_node; i++)
        if (!strcmp(g->node[i].name, name)) return &g->node[i];
    return NULL;
}

/* The only live node reading value v, or NULL. */
static const oct_node *consumer(const oct_graph *g, int v)
{
    const oct_node *c = NULL;
    for (int i = 0; i < g->n_node; i++)
        for (int j = 0; j < g->node[i].n_in; j++)
            if (g->node[i].in[j] == v) {
                if (c && c != &g->node[i]) return NULL;
                c = &g->node[i];
            }
    return c;
}

static const char *vname(const oct_graph *g, int v) { return v >= 0 ? g->val[v].name : "(none)"; }

/* ---- bundled models ---------------------------------------------------- */

static int total_act, total_sum; /* fused activations / sums met in the bundled models */

static void check_model(const char *path, const oct_tensor *x)
{
    oct_session_opts o;
    oct_session_opts_default(&o);
    o.n_threads = 2;
    oct_session *s1 = NULL, *s2 = NULL;
    oct_status st = oct_session_load(path, &o, &s1);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    if (st != OCT_OK) return;
    const oct_graph *g1 = oct_session_graph(s1);
    int fused_act = 0, fused_sum = 0, clips = 0, leaky = 0, relus = 0, lns = 0, gelus = 0;
    for (int i = 0; i < g1->n_node; i++) {
        const oct_node *n = &g1->node[i];
        int internal = n->domain && !strcmp(n->domain, "com.octet");
        lns += internal && !strcmp(n->op_type, "LayerNormalization");
        gelus += internal && !strcmp(n->op_type, "Gelu");
        fused_act += n->act.kind != OCT_ACT_NONE;
        clips += n->act.kind == OCT_ACT_CLIP;
        leaky += n->act.kind == OCT_ACT_LEAKYRELU;
        relus += n->act.kind == OCT_ACT_RELU;
        fused_sum += n->def && n->def->impl->fusable_sum > 0 && n->n_in > n->def->impl->fusable_sum &&
                     n->in[n->def->impl->fusable_sum] >= 0;
    }
    total_act += fused_act;
    total_sum += fused_sum;

    void *buf = NULL;
    size_t len = 0;
    st = oct_onnx_save_buffer(g1, &buf, &len);
    CHECK_MSG(st == OCT_OK, "%s: %s", path, oct_errmsg());
    if (st != OCT_OK) {
        oct_session_free(s1);
        return;
    }
    /* the file as written: standard nodes only, every live value typed */
    oct_graph *raw = NULL;
    st = oct_onnx_load_buffer(buf, len, "exported", &raw);
    CHECK_MSG(st == OCT_OK, "%s: re-import: %s", path, oct_errmsg());
    if (raw) {
        check_invariants(raw);
        CHECK(!strcmp(raw->producer, "octet"));
        CHECK(raw->ir_version == g1->ir_version);
        /* com.octet is internal: its fused LayerNorm / GELU are written as their primitive
         * subgraphs (9 / 5 nodes; these models' opsets predate LayerNormalization and Gelu) */
        CHECK(raw->n_opsets == g1->n_opsets - (oct_graph_opset(g1, "com.octet") > 0) &&
              oct_graph_opset(raw, "") == oct_graph_opset(g1, "") && oct_graph_opset(raw, "com.octet") == 0);
        CHECK(oct_graph_opset(g1, "") < 17 || lns + gelus == 0);
        CHECK(count_op(raw, "Erf") == count_op(g1, "Erf") + gelus);
        CHECK(count_op(raw, "ReduceMean") == count_op(g1, "ReduceMean") + 2 * lns);
        int expand = 8 * lns + 4 * gelus;
        CHECK_MSG(raw->n_node == g1->n_node + fused_act + fused_sum + expand,
                  "%s: %d nodes written for %d (+%d act +%d sum +%d expanded)", path, raw->n_node, g1->n_node,
                  fused_act, fused_sum, expand);
        CHECK(count_op(raw, "Relu") == count_op(g1, "Relu") + relus);
        CHECK(count_op(raw, "Clip") == count_op(g1, "Clip") + clips);
        CHECK(count_op(raw, "LeakyRelu") == count_op(g1, "LeakyRelu") + leaky);
        CHECK(count_op(raw, "Add") == count_op(g1, "Add") + fused_sum + 2 * lns + gelus);
        int untyped = 0, consts = 0, consts1 = 0;
        for (int i = 0; i < raw->n_node; i++) {
            CHECK(raw->node[i].act.kind == OCT_ACT_NONE);
            for (int j = 0; j < raw->node[i].n_out; j++)
                untyped += raw->node[i].out[j] >= 0 && raw->val[raw->node[i].out[j]].dtype == OCT_DT_UNDEFINED;
        }
        for (int v = 0; v < raw->n_val; v++) consts += raw->val[v].constant != NULL;
        for (int v = 0; v < g1->n_val; v++) consts1 += g1->val[v].constant != NULL;
        CHECK_MSG(untyped == 0, "%s: %d node outputs without value_info", path, untyped);
        CHECK_MSG(consts == consts1 + 2 * clips + 2 * lns + 3 * gelus, "%s: %d initializers written for %d constants",
                  path, consts, consts1);
        for (int i = 0; i < g1->n_in; i++) {
            const oct_value *a = &g1->val[g1->in[i]];
            int v = oct_graph_find_value(raw, a->name);
            CHECK(v >= 0 && raw->n_in == g1->n_in && raw->in[i] == v);
            if (v < 0) continue;
            const oct_value *b = &raw->val[v];
            CHECK(b->dtype == a->dtype && b->rank == a->rank);
            for (int d = 0; d < a->rank && d < b->rank; d++) {
                CHECK(b->dims[d] == a->dims[d]);
                CHECK((!a->dim_param[d] && !b->dim_param[d]) ||
                      (a->dim_param[d] && b->dim_param[d] && !strcmp(a->dim_param[d], b->dim_param[d])));
            }
        }
        oct_graph_free(raw);
    }

    oct_graph *g2 = NULL;
    st = oct_onnx_load_buffer(buf, len, "exported", &g2);
    if (st == OCT_OK) st = oct_session_from_graph(g2, &o, &s2);
    CHECK_MSG(st == OCT_OK, "%s: exported model: %s", path, oct_errmsg());
    free(buf);
    if (st != OCT_OK) {
        oct_session_free(s1);
        return;
    }
    /* the passes fuse the explicit nodes back into the same optimised graph */
    const oct_graph *h = oct_session_graph(s2);
    CHECK_MSG(h->n_node == g1->n_node, "%s: %d nodes after re-import, %d before", path, h->n_node, g1->n_node);
    for (int i = 0; i < h->n_node && i < g1->n_node; i++) {
        const oct_node *a = &g1->node[i], *b = &h->node[i];
        CHECK_MSG(!strcmp(a->op_type, b->op_type) && a->act.kind == b->act.kind && a->act.alpha == b->act.alpha &&
                      a->act.beta == b->act.beta && a->n_in == b->n_in,
                  "%s: node %d: %s act %d n_in %d became %s act %d n_in %d", path, i, a->op_type, (int)a->act.kind,
                  a->n_in, b->op_type, (int)b->act.kind, b->n_in);
    }

    int64_t d[4] = {64, x->dims[1], x->dims[2], x->dims[3]};
    oct_tensor *xb = oct_tensor_wrap(OCT_DT_F32, 4, d, x->data);
    oct_tensor *o1[4] = {0}, *o2[4] = {0};
    st = oct_session_run(s1, (const oct_tensor *const *)&xb, o1);
    CHECK_MSG(st == OCT_OK, "%s: %s", path, oct_errmsg());
    oct_status st2 = oct_session_run(s2, (const oct_tensor *const *)&xb, o2);
    CHECK_MSG(st2 == OCT_OK, "%s: exported: %s", path, oct_errmsg());
    CHECK(oct_session_n_outputs(s1) == oct_session_n_outputs(s2));
    for (int i = 0; st == OCT_OK && st2 == OCT_OK && i < oct_session_n_outputs(s1) && i < 4; i++) {
        CHECK(o1[i]->dtype == o2[i]->dtype && oct_shape_equal(o1[i]->rank, o1[i]->dims, o2[i]->rank, o2[i]->dims));
        size_t nb = oct_tensor_nbytes(o1[i]);
        int same = nb == oct_tensor_nbytes(o2[i]) && memcmp(o1[i]->data, o2[i]->data, nb) == 0;
        CHECK_MSG(same, "%s: output %d differs after export", path, i);
        printf("%-48s %3d nodes (%d fused act, %d fused sum) -> %d written; outputs %s\n",
               strstr(path, "/models/") ? strstr(path, "/models/") + 1 : path, g1->n_node, fused_act, fused_sum,
               g1->n_node + fused_act + fused_sum, same ? "bit-identical" : "DIFFER");
    }
    for (int i = 0; i < 4; i++) {
        oct_tensor_free(o1[i]);
        oct_tensor_free(o2[i]);
    }
    oct_tensor_free(xb);
    oct_session_free(s1);
    oct_session_free(s2);
}

/* ---- hand-built graph -------------------------------------------------- */

static int add_input(oct_graph *g, const char *name, oct_dtype dt, int rank, const int64_t *dims, const char *param0)
{
    int v = oct_graph_add_value(g, name);
    g->val[v].dtype = dt;
    g->val[v].rank = rank;
    for (int i = 0; i < rank; i++) g->val[v].dims[i] = dims[i];
    if (param0) g->val[v].dim_param[0] = strdup(param0);
    g->in[g->n_in++] = v;
    return v;
}

/* A constant of dtype dt, shape [2,3], elements i * 37 - 50 (wrapping per type). */
static int add_const(oct_graph *g, const char *name, oct_dtype dt)
{
    int64_t dims[2] = {2, 3};
    oct_tensor *t = oct_tensor_new(dt, 2, dims);
    for (size_t i = 0; i < 6; i++) {
        double v = (double)i * 37.0 - 50.0;
        if (dt == OCT_DT_BOOL) v = i % 2;
        if (dt == OCT_DT_U8 || dt == OCT_DT_U16 || dt == OCT_DT_U32 || dt == OCT_DT_U64) v = (double)i * 37.0 + 3;
        if (dt == OCT_DT_F16 || dt == OCT_DT_BF16 || dt == OCT_DT_F32 || dt == OCT_DT_F64) v = v / 8.0 + 0.125;
        oct_dtype_set(dt, t->data, i, v);
    }
    int v = oct_graph_add_value(g, name);
    g->val[v].constant = t;
    g->val[v].dtype = dt;
    g->val[v].rank = 2;
    g->val[v].dims[0] = 2;
    g->val[v].dims[1] = 3;
    return v;
}

static oct_attr *new_attr(oct_node *n, const char *name, oct_attr_type t)
{
    n->attr = realloc(n->attr, (size_t)(n->n_attr + 1) * sizeof *n->attr);
    oct_attr *a = &n->attr[n->n_attr++];
    memset(a, 0, sizeof *a);
    a->name = strdup(name);
    a->type = t;
    return a;
}

static const oct_dtype all_dtypes[] = {OCT_DT_F32, OCT_DT_U8,  OCT_DT_I8,  OCT_DT_U16, OCT_DT_I16,
                                       OCT_DT_I32, OCT_DT_I64, OCT_DT_BOOL, OCT_DT_F16, OCT_DT_F64,
                                       OCT_DT_U32, OCT_DT_U64, OCT_DT_BF16};
#define N_DT ((int)(sizeof all_dtypes / sizeof all_dtypes[0]))

/* x[batch,4] f32, img[1,2,4,4], res[1,2,4,4], flags[3] bool
 *   Custom(com.example): x, flags, "", <one constant per dtype> -> mid, "", z   (every attribute type)
 *   Relu(mid) -> y
 *   Conv(img, w1x1, sum=res) act Clip(0,6) -> c
 *   MatMul(mid, wm) act LeakyRelu(0.2) -> m
 *   Gemm(mid, wm) act Relu -> q
 *   a dead node that must not be written */
static oct_graph *build_graph(int64_t opset)
{
    oct_graph *g = oct_graph_new();
    g->name = strdup("handmade");
    g->producer = strdup("test");
    g->ir_version = 9;
    g->opsets = calloc(1, sizeof *g->opsets);
    g->opsets[0].domain = strdup("");
    g->opsets[0].version = opset;
    g->n_opsets = 1;
    g->in = malloc(8 * sizeof *g->in);
    g->out = malloc(8 * sizeof *g->out);
    int64_t xd[2] = {-1, 4}, id[4] = {1, 2, 4, 4}, fd[1] = {3};
    int x = add_input(g, "x", OCT_DT_F32, 2, xd, "batch");
    int flags = add_input(g, "flags", OCT_DT_BOOL, 1, fd, NULL);
    int img = add_input(g, "img", OCT_DT_F32, 4, id, NULL);
    int res = add_input(g, "res", OCT_DT_F32, 4, id, NULL);

    int cin[3 + N_DT];
    cin[0] = x;
    cin[1] = flags;
    cin[2] = -1; /* an omitted optional input in the middle */
    for (int i = 0; i < N_DT; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "c_%s", oct_dtype_name(all_dtypes[i]));
        cin[3 + i] = add_const(g, nm, all_dtypes[i]);
    }
    int mid = oct_graph_add_value(g, "mid"), z = oct_graph_add_value(g, "z");
    g->val[mid].dtype = OCT_DT_F32;
    g->val[mid].rank = 2;
    g->val[mid].dims[0] = -1;
    g->val[mid].dims[1] = 4;
    g->val[mid].dim_param[0] = strdup("batch");
    int cout[3] = {mid, -1, z};
    int k = oct_graph_add_node(g, "Custom", "com.example", "custom", 3 + N_DT, cin, 3, cout);
    oct_node *n = &g->node[k];
    n->opset = 2;
    new_attr(n, "f", OCT_ATTR_FLOAT)->f = -1.5f;
    new_attr(n, "i", OCT_ATTR_INT)->i = -7000000000LL;
    new_attr(n, "s", OCT_ATTR_STRING)->s = strdup("hello");
    int64_t td[2] = {2, 2};
    oct_tensor *t = oct_tensor_new(OCT_DT_I64, 2, td);
    for (int i = 0; i < 4; i++) ((int64_t *)t->data)[i] = (int64_t)i * -1000000007LL;
    new_attr(n, "t", OCT_ATTR_TENSOR)->t = t;
    oct_attr *a = new_attr(n, "fs", OCT_ATTR_FLOATS);
    a->n = 3;
    a->floats = malloc(3 * sizeof *a->floats);
    a->floats[0] = 0.5f, a->floats[1] = -2.f, a->floats[2] = FLT_MIN;
    a = new_attr(n, "is", OCT_ATTR_INTS);
    a->n = 2;
    a->ints = malloc(2 * sizeof *a->ints);
    a->ints[0] = INT64_MIN, a->ints[1] = 42;
    a = new_attr(n, "no_ints", OCT_ATTR_INTS);
    a->ints = malloc(sizeof *a->ints);
    a = new_attr(n, "ss", OCT_ATTR_STRINGS);
    a->n = 3;
    a->strings = malloc(3 * sizeof *a->strings);
    a->strings[0] = strdup("a"), a->strings[1] = strdup(""), a->strings[2] = strdup("b c");
    new_attr(n, "u", OCT_ATTR_UNDEFINED);

    int y = oct_graph_add_value(g, "y");
    k = oct_graph_add_node(g, "Relu", "", "relu", 1, &mid, 1, &y);

    int64_t wd[4] = {2, 2, 1, 1};
    oct_tensor *w = oct_tensor_new(OCT_DT_F32, 4, wd);
    for (int i = 0; i < 4; i++) ((float *)w->data)[i] = (float)i - 1.5f;
    int wv = oct_graph_add_value(g, "w1x1");
    g->val[wv].constant = w;
    g->val[wv].dtype = OCT_DT_F32;
    g->val[wv].rank = 4;
    memcpy(g->val[wv].dims, wd, sizeof wd);
    const oct_op_def *conv = oct_op_find("Conv", "", (int)opset, NULL);
    int slot = conv ? conv->impl->fusable_sum : 3;
    int vin[8] = {img, wv, -1, -1, -1, -1, -1, -1};
    vin[slot] = res;
    int c = oct_graph_add_value(g, "c");
    g->val[c].dtype = OCT_DT_F32;
    g->val[c].rank = 4;
    memcpy(g->val[c].dims, id, sizeof id);
    k = oct_graph_add_node(g, "Conv", "", "conv", slot + 1, vin, 1, &c);
    g->node[k].def = conv;
    g->node[k].act = (oct_act){OCT_ACT_CLIP, 0.f, 6.f};
    oct_node_set_ints(&g->node[k], "kernel_shape", (const int64_t[]){1, 1}, 2);

    int64_t md[2] = {4, 4};
    oct_tensor *wm = oct_tensor_new(OCT_DT_F32, 2, md);
    int wmv = oct_graph_add_value(g, "wm");
    g->val[wmv].constant = wm;
    g->val[wmv].dtype = OCT_DT_F32;
    g->val[wmv].rank = 2;
    memcpy(g->val[wmv].dims, md, sizeof md);
    int m = oct_graph_add_value(g, "m"), q = oct_graph_add_value(g, "q");
    int mm_in[2] = {mid, wmv};
    k = oct_graph_add_node(g, "MatMul", "", "matmul", 2, mm_in, 1, &m);
    g->node[k].act = (oct_act){OCT_ACT_LEAKYRELU, 0.2f, 0.f};
    k = oct_graph_add_node(g, "Gemm", "", "gemm", 2, mm_in, 1, &q);
    g->node[k].act = (oct_act){OCT_ACT_RELU, 0.f, 0.f};
    oct_node_set_int(&g->node[k], "transB", 1);

    int unused = oct_graph_add_value(g, "unused"), dead_const = add_const(g, "dead_const", OCT_DT_F32);
    k = oct_graph_add_node(g, "Neg", "", "dead", 1, &dead_const, 1, &unused);
    g->node[k].dead = 1;

    int outs[6] = {y, z, c, m, q, mid};
    for (int i = 0; i < 6; i++) g->out[g->n_out++] = outs[i];
    oct_graph_link(g);
    return g;
}

static int same_value_type(const oct_value *a, const oct_value *b)
{
    if (a->dtype != b->dtype || a->rank != b->rank) return 0;
    for (int d = 0; d < a->rank; d++) {
        if (a->dims[d] != b->dims[d]) return 0;
        if (!a->dim_param[d] != !b->dim_param[d]) return 0;
        if (a->dim_param[d] && strcmp(a->dim_param[d], b->dim_param[d])) return 0;
    }
    return 1;
}

static int same_tensor(const oct_tensor *a, const oct_tensor *b)
{
    return a && b && a->dtype == b->dtype && oct_shape_equal(a->rank, a->dims, b->rank, b->dims) &&
           !memcmp(a->data, b->data, oct_tensor_nbytes(a));
}

static int same_attr(const oct_attr *a, const oct_attr *b)
{
    if (strcmp(a->name, b->name) || a->type != b->type) return 0;
    switch (a->type) {
    case OCT_ATTR_FLOAT: return !memcmp(&a->f, &b->f, sizeof a->f);
    case OCT_ATTR_INT: return a->i == b->i;
    case OCT_ATTR_STRING: return !strcmp(a->s, b->s);
    case OCT_ATTR_TENSOR: return same_tensor(a->t, b->t);
    case OCT_ATTR_FLOATS: return a->n == b->n && !memcmp(a->floats, b->floats, (size_t)a->n * sizeof *a->floats);
    case OCT_ATTR_INTS: return a->n == b->n && !memcmp(a->ints, b->ints, (size_t)a->n * sizeof *a->ints);
    case OCT_ATTR_STRINGS:
        if (a->n != b->n) return 0;
        for (int i = 0; i < a->n; i++)
            if (strcmp(a->strings[i], b->strings[i])) return 0;
        return 1;
    default: return 1;
    }
}

/* A node written unchanged: same everything, inputs and outputs by name. */
static void check_same_node(const oct_graph *ga, const oct_graph *gb, const char *name)
{
    const oct_node *a = find_node(ga, name), *b = find_node(gb, name);
    CHECK_MSG(a && b, "node %s missing", name);
    if (!a || !b) return;
    CHECK(!strcmp(a->op_type, b->op_type) && !strcmp(a->domain, b->domain) && a->opset == b->opset);
    CHECK_MSG(a->n_in == b->n_in && a->n_out == b->n_out && a->n_attr == b->n_attr, "node %s: %d/%d/%d vs %d/%d/%d",
              name, a->n_in, a->n_out, a->n_attr, b->n_in, b->n_out, b->n_attr);
    for (int i = 0; i < a->n_in && i < b->n_in; i++)
        CHECK_MSG(!strcmp(vname(ga, a->in[i]), vname(gb, b->in[i])), "node %s input %d: %s vs %s", name, i,
                  vname(ga, a->in[i]), vname(gb, b->in[i]));
    for (int i = 0; i < a->n_out && i < b->n_out; i++) CHECK(!strcmp(vname(ga, a->out[i]), vname(gb, b->out[i])));
    for (int i = 0; i < a->n_attr && i < b->n_attr; i++)
        CHECK_MSG(same_attr(&a->attr[i], &b->attr[i]), "node %s attribute %s", name, a->attr[i].name);
}

/* The node after `n` in the chain written for its fused state: the single
 * consumer of its output 0, which must be a fresh value with g's type of `like`. */
static const oct_node *next_in_chain(const oct_graph *g, const oct_node *n, const oct_value *like)
{
    if (!n || n->n_out < 1 || n->out[0] < 0) return NULL;
    const oct_value *v = &g->val[n->out[0]];
    CHECK_MSG(strstr(v->name, "__oct") != NULL, "fresh value name %s", v->name);
    CHECK_MSG(same_value_type(v, like), "value %s lacks the type of %s", v->name, like->name);
    return consumer(g, n->out[0]);
}

static float scalar_const(const oct_graph *g, int v)
{
    const oct_tensor *t = v >= 0 ? g->val[v].constant : NULL;
    CHECK(t && t->dtype == OCT_DT_F32 && t->rank == 0);
    return t && t->dtype == OCT_DT_F32 ? ((float *)t->data)[0] : NAN;
}

static void check_hand_built(int64_t opset)
{
    oct_graph *g = build_graph(opset);
    void *buf = NULL;
    size_t len = 0;
    oct_status st = oct_onnx_save_buffer(g, &buf, &len);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    oct_graph *h = NULL;
    if (st == OCT_OK) st = oct_onnx_load_buffer(buf, len, "hand-built", &h);
    CHECK_MSG(st == OCT_OK, "re-import: %s", oct_errmsg());
    free(buf);
    if (st != OCT_OK) {
        oct_graph_free(g);
        return;
    }
    check_invariants(h);
    CHECK(!strcmp(h->name, "handmade") && !strcmp(h->producer, "octet") && h->ir_version == 9);
    CHECK(h->n_opsets == 2 && oct_graph_opset(h, "") == opset && oct_graph_opset(h, "com.example") == 2);
    CHECK(h->n_in == g->n_in && h->n_out == g->n_out);
    for (int i = 0; i < g->n_in && i < h->n_in; i++) {
        const oct_value *a = &g->val[g->in[i]], *b = &h->val[h->in[i]];
        CHECK_MSG(!strcmp(a->name, b->name) && same_value_type(a, b), "input %d (%s)", i, a->name);
    }
    for (int i = 0; i < g->n_out && i < h->n_out; i++) {
        const oct_value *a = &g->val[g->out[i]], *b = &h->val[h->out[i]];
        CHECK_MSG(!strcmp(a->name, b->name) && same_value_type(a, b), "output %d (%s)", i, a->name);
    }
    /* every used constant, each dtype, bit for bit; the dead node's constant is gone */
    int n_const = 0;
    for (int v = 0; v < g->n_val; v++) {
        if (!g->val[v].constant || !strcmp(g->val[v].name, "dead_const")) continue;
        n_const++;
        int u = oct_graph_find_value(h, g->val[v].name);
        CHECK_MSG(u >= 0 && same_tensor(g->val[v].constant, h->val[u].constant), "constant %s (%s)", g->val[v].name,
                  oct_dtype_name(g->val[v].dtype));
    }
    CHECK(oct_graph_find_value(h, "dead_const") < 0 && !find_node(h, "dead") && oct_graph_find_value(h, "unused") < 0);
    int n_hconst = 0;
    for (int v = 0; v < h->n_val; v++) n_hconst += h->val[v].constant != NULL;
    CHECK_MSG(n_hconst == n_const + (opset >= 11 ? 2 : 0), "%d initializers for %d constants", n_hconst, n_const);
    check_same_node(g, h, "custom");
    check_same_node(g, h, "relu");
    const oct_node *cust = find_node(h, "custom");
    CHECK(cust && cust->n_attr == 9 && cust->attr[8].type == OCT_ATTR_UNDEFINED && cust->attr[6].n == 0);
    CHECK(h->n_node == 5 + 4);

    /* Conv -> Add(conv_out, res) -> Clip -> c */
    const oct_value *c = &g->val[oct_graph_find_value(g, "c")];
    const oct_node *conv = find_node(h, "conv");
    CHECK(conv && conv->n_in == 2 && !strcmp(vname(h, conv->in[0]), "img") && !strcmp(vname(h, conv->in[1]), "w1x1"));
    CHECK(conv && conv->n_attr == 1 && conv->act.kind == OCT_ACT_NONE);
    const oct_node *add = next_in_chain(h, conv, c);
    CHECK(add && !strcmp(add->op_type, "Add") && add->n_in == 2 && !strcmp(vname(h, add->in[1]), "res"));
    const oct_node *clip = next_in_chain(h, add, c);
    CHECK(clip && !strcmp(clip->op_type, "Clip") && clip->n_out == 1 && !strcmp(vname(h, clip->out[0]), "c"));
    if (clip && opset >= 11) {
        CHECK(clip->n_in == 3 && clip->n_attr == 0);
        if (clip->n_in == 3) CHECK(scalar_const(h, clip->in[1]) == 0.f && scalar_const(h, clip->in[2]) == 6.f);
    } else if (clip) {
        CHECK(clip->n_in == 1 && oct_attr_float(clip, "min", -1) == 0.f && oct_attr_float(clip, "max", -1) == 6.f);
    }
    /* MatMul -> LeakyRelu(0.2) -> m, Gemm -> Relu -> q */
    const oct_value *m = &g->val[oct_graph_find_value(g, "m")];
    const oct_node *mm = find_node(h, "matmul"), *lr = next_in_chain(h, mm, m);
    CHECK(lr && !strcmp(lr->op_type, "LeakyRelu") && oct_attr_float(lr, "alpha", 0) == 0.2f &&
          !strcmp(vname(h, lr->out[0]), "m"));
    const oct_value *q = &g->val[oct_graph_find_value(g, "q")];
    const oct_node *gm = find_node(h, "gemm"), *rl = next_in_chain(h, gm, q);
    CHECK(gm && oct_attr_int(gm, "transB", 0) == 1);
    CHECK(rl && !strcmp(rl->op_type, "Relu") && rl->n_attr == 0 && !strcmp(vname(h, rl->out[0]), "q"));
    oct_graph_free(h);
    oct_graph_free(g);
}

/* No opset import at all: the default domain is added. No ir_version: one is
 * written. IR version 3: initializers are listed among the graph inputs too (as
 * that version requires), and still imported as constants. */
static void check_missing_opsets(int64_t ir)
{
    oct_graph *g = oct_graph_new();
    g->ir_version = ir;
    g->in = malloc(sizeof *g->in);
    g->out = malloc(sizeof *g->out);
    int64_t d[1] = {5};
    int x = add_input(g, "x", OCT_DT_F16, 1, d, NULL), y = oct_graph_add_value(g, "y");
    int k = add_const(g, "k", OCT_DT_F16), r = oct_graph_add_value(g, "r");
    oct_graph_add_node(g, "Relu", "ai.onnx", "relu", 1, &x, 1, &y);
    int add_in[2] = {y, k};
    oct_graph_add_node(g, "Add", "", "add", 2, add_in, 1, &r);
    g->out[g->n_out++] = r;
    void *buf = NULL;
    size_t len = 0;
    oct_graph *h = NULL;
    CHECK(oct_onnx_save_buffer(g, &buf, &len) == OCT_OK);
    CHECK_MSG(buf && oct_onnx_load_buffer(buf, len, "no opsets", &h) == OCT_OK, "%s", oct_errmsg());
    if (h) {
        CHECK(h->n_opsets == 1 && oct_graph_opset(h, "") >= 11);
        CHECK(h->ir_version == (ir > 0 ? ir : 8) && h->n_node == 2 && h->n_in == 1);
        CHECK(h->val[h->in[0]].dtype == OCT_DT_F16 && !strcmp(h->node[0].domain, ""));
        CHECK(h->val[h->out[0]].dtype == OCT_DT_UNDEFINED && h->val[h->out[0]].rank == -1);
        int kv = oct_graph_find_value(h, "k");
        CHECK(kv >= 0 && same_tensor(g->val[k].constant, h->val[kv].constant));
    }
    Onnx__ModelProto *mp = buf ? onnx__model_proto__unpack(NULL, len, buf) : NULL;
    CHECK(mp && mp->graph);
    if (mp && mp->graph) {
        CHECK(mp->graph->n_input == (ir == 3 ? 2u : 1u) && mp->graph->n_initializer == 1);
        CHECK(mp->graph->n_node == 2 && !mp->graph->node[0]->domain);
        if (ir == 3 && mp->graph->n_input == 2) CHECK(!strcmp(mp->graph->input[1]->name, "k"));
    }
    if (mp) onnx__model_proto__free_unpacked(mp, NULL);
    free(buf);
    oct_graph_free(h);
    oct_graph_free(g);
}

static void check_errors(void)
{
    oct_graph *g = build_graph(13);
    const char *bad = "/nonexistent-dir-octet/sub/model.onnx";
    oct_status st = oct_onnx_save_file(g, bad);
    CHECK(st == OCT_E_IO);
    CHECK_MSG(strstr(oct_errmsg(), bad) != NULL, "message: %s", oct_errmsg());

    char path[512];
    snprintf(path, sizeof path, "%s/test_onnx_export_%d.onnx", OCTET_BINARY_DIR, (int)getpid());
    CHECK_MSG(oct_onnx_save_file(g, path) == OCT_OK, "%s", oct_errmsg());
    oct_graph *h = NULL;
    CHECK_MSG(oct_onnx_load_file(path, &h) == OCT_OK, "%s", oct_errmsg());
    CHECK(h && h->n_node == 9);
    oct_graph_free(h);
    remove(path);

    /* a subgraph attribute cannot be written: the message names the file and node */
    oct_node *n = (oct_node *)find_node(g, "relu");
    new_attr(n, "body", OCT_ATTR_GRAPH);
    st = oct_onnx_save_file(g, path);
    CHECK(st == OCT_E_UNSUPPORTED);
    CHECK_MSG(strstr(oct_errmsg(), path) && strstr(oct_errmsg(), "relu") && strstr(oct_errmsg(), "body"), "message: %s",
              oct_errmsg());
    CHECK(access(path, F_OK) != 0);
    oct_attr_clear(&n->attr[--n->n_attr]);

    /* a string tensor (no fixed element size) cannot be an initializer here */
    int v = oct_graph_find_value(g, "c_i8");
    oct_tensor *keep = g->val[v].constant;
    static char fake[8];
    oct_tensor *s = calloc(1, sizeof *s);
    s->dtype = OCT_DT_STRING;
    s->rank = 0;
    s->data = fake;
    g->val[v].constant = s;
    st = oct_onnx_save_file(g, path);
    CHECK(st == OCT_E_DTYPE);
    CHECK_MSG(strstr(oct_errmsg(), path) && strstr(oct_errmsg(), "c_i8") && strstr(oct_errmsg(), "string"),
              "message: %s", oct_errmsg());
    CHECK(access(path, F_OK) != 0);
    void *buf = NULL;
    size_t len = 0;
    CHECK(oct_onnx_save_buffer(g, &buf, &len) == OCT_E_DTYPE && !buf && !len);
    g->val[v].constant = keep;
    oct_tensor_free(s);
    oct_graph_free(g);
}

int main(void)
{
    oct_tensor *x = NULL;
    CHECK_MSG(oct_npy_read(SRC "/tests/data/fmnist_test1000_x.npy", &x) == OCT_OK, "%s", oct_errmsg());
    if (x) CHECK(x->rank == 4 && x->dims[0] >= 64);
    if (x && x->rank == 4 && x->dims[0] >= 64)
        for (size_t m = 0; m < sizeof models / sizeof models[0]; m++) check_model(models[m], x);
    oct_tensor_free(x);
    /* the bundled models do exercise unfusing (the CNNs fuse Relus, the ResNet residual sums) */
    CHECK_MSG(total_act > 0 && total_sum > 0, "%d fused activations, %d fused sums", total_act, total_sum);
    check_hand_built(13);
    check_hand_built(10);
    check_missing_opsets(0);
    check_missing_opsets(3);
    check_errors();
    TEST_DONE();
}
