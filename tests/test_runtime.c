/* runtime + passes: graphs built in code run the same with and without the passes;
 * BN folding, activation fusion, identity removal and constant folding happen;
 * the memory plan reuses buffers; shape subgraphs are evaluated at plan time;
 * bad inputs get clear errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph/passes.h"
#include "ops/op.h"
#include "runtime/session.h"
#include "test_util.h"

static unsigned rng = 12345;
static float frand(void)
{
    rng = rng * 1103515245u + 12345u;
    return (float)((rng >> 8) & 0xffff) / 65536.f - 0.5f;
}

static int constant(oct_graph *g, const char *name, oct_dtype dt, int rank, const int64_t *dims, int random)
{
    int v = oct_graph_add_value(g, name);
    oct_tensor *t = oct_tensor_new(dt, rank, dims);
    if (random && dt == OCT_DT_F32)
        for (int64_t i = 0; i < oct_tensor_numel(t); i++) ((float *)t->data)[i] = frand();
    g->val[v].constant = t;
    g->val[v].dtype = dt;
    g->val[v].rank = rank;
    memcpy(g->val[v].dims, dims, (size_t)rank * sizeof *dims);
    return v;
}

static void set_input(oct_graph *g, int v, int rank, const int64_t *dims)
{
    g->in = realloc(g->in, (size_t)(g->n_in + 1) * sizeof *g->in);
    g->in[g->n_in++] = v;
    g->val[v].dtype = OCT_DT_F32;
    g->val[v].rank = rank;
    memcpy(g->val[v].dims, dims, (size_t)rank * sizeof *dims);
}

static void set_output(oct_graph *g, int v)
{
    g->out = realloc(g->out, (size_t)(g->n_out + 1) * sizeof *g->out);
    g->out[g->n_out++] = v;
}

/* x[N,3,8,8] -> Conv(4,3,3,3,pad 1) -> BN -> Relu -> Identity -> Reshape(Shape-derived) -> y */
static oct_graph *build_cnn(void)
{
    rng = 12345; /* same weights every time */
    oct_graph *g = oct_graph_new();
    g->opsets = calloc(1, sizeof *g->opsets);
    g->opsets[0].domain = strdup("");
    g->opsets[0].version = 13;
    g->n_opsets = 1;
    int64_t xd[] = {-1, 3, 8, 8}, wd[] = {4, 3, 3, 3}, cd[] = {4};
    int x = oct_graph_add_value(g, "x");
    set_input(g, x, 4, xd);
    int w = constant(g, "w", OCT_DT_F32, 4, wd, 1);
    int b = constant(g, "b", OCT_DT_F32, 1, cd, 1);
    int sc = constant(g, "scale", OCT_DT_F32, 1, cd, 1), bi = constant(g, "bias", OCT_DT_F32, 1, cd, 1);
    int mu = constant(g, "mean", OCT_DT_F32, 1, cd, 1), var = constant(g, "var", OCT_DT_F32, 1, cd, 1);
    for (int i = 0; i < 4; i++) ((float *)g->val[var].constant->data)[i] += 1.f; /* positive */
    int c1 = oct_graph_add_value(g, "c1"), c2 = oct_graph_add_value(g, "c2"), c3 = oct_graph_add_value(g, "c3");
    int c4 = oct_graph_add_value(g, "c4"), shp = oct_graph_add_value(g, "shp"), y = oct_graph_add_value(g, "y");
    int ins[5] = {x, w, b};
    int k = oct_graph_add_node(g, "Conv", "", "conv", 3, ins, 1, &c1);
    int64_t pads[] = {1, 1, 1, 1};
    oct_node_set_ints(&g->node[k], "pads", pads, 4);
    int bn_in[5] = {c1, sc, bi, mu, var};
    oct_graph_add_node(g, "BatchNormalization", "", "bn", 5, bn_in, 1, &c2);
    oct_graph_add_node(g, "Relu", "", "relu", 1, &c2, 1, &c3);
    oct_graph_add_node(g, "Identity", "", "id", 1, &c3, 1, &c4);
    /* flatten via Shape -> Slice(first dim) -> Concat(-1) -> Reshape, the way exporters write it */
    oct_graph_add_node(g, "Shape", "", "shape", 1, &c4, 1, &shp);
    int64_t one[] = {1};
    int st = constant(g, "st", OCT_DT_I64, 1, one, 0), en = constant(g, "en", OCT_DT_I64, 1, one, 0);
    ((int64_t *)g->val[en].constant->data)[0] = 1;
    int minus1 = constant(g, "minus1", OCT_DT_I64, 1, one, 0);
    ((int64_t *)g->val[minus1].constant->data)[0] = -1;
    int bdim = oct_graph_add_value(g, "bdim"), newshape = oct_graph_add_value(g, "newshape");
    int sl_in[3] = {shp, st, en};
    oct_graph_add_node(g, "Slice", "", "slice", 3, sl_in, 1, &bdim);
    int cc_in[2] = {bdim, minus1};
    k = oct_graph_add_node(g, "Concat", "", "concat", 2, cc_in, 1, &newshape);
    oct_node_set_int(&g->node[k], "axis", 0);
    int rs_in[2] = {c4, newshape};
    oct_graph_add_node(g, "Reshape", "", "reshape", 2, rs_in, 1, &y);
    set_output(g, y);
    return g;
}

static oct_session *make(oct_graph *g, int optimize)
{
    oct_session_opts o;
    oct_session_opts_default(&o);
    o.n_threads = 2;
    o.optimize = optimize;
    oct_session *s = NULL;
    oct_status st = oct_session_from_graph(g, &o, &s);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    return s;
}

static int live_nodes(const oct_graph *g, const char *op)
{
    int c = 0;
    for (int i = 0; i < g->n_node; i++) c += !g->node[i].dead && (!op || !strcmp(g->node[i].op_type, op));
    return c;
}

static void test_passes_equivalence(void)
{
    oct_session *plain = make(build_cnn(), 0), *opt = make(build_cnn(), 1);
    if (!plain || !opt) return;
    const oct_graph *og = oct_session_graph(opt);
    CHECK(live_nodes(og, "BatchNormalization") == 0);
    CHECK(live_nodes(og, "Relu") == 0);
    CHECK(live_nodes(og, "Identity") == 0);
    CHECK(live_nodes(og, "Conv") == 1);
    for (int i = 0; i < og->n_node; i++)
        if (!strcmp(og->node[i].op_type, "Conv")) CHECK(og->node[i].act.kind == OCT_ACT_RELU);
    for (int batch = 1; batch <= 5; batch += 2) {
        int64_t xd[] = {batch, 3, 8, 8};
        oct_tensor *x = oct_tensor_new(OCT_DT_F32, 4, xd);
        for (int64_t i = 0; i < oct_tensor_numel(x); i++) ((float *)x->data)[i] = frand() * 4;
        oct_tensor *a[1] = {0}, *b[1] = {0};
        CHECK_MSG(oct_session_run(plain, (const oct_tensor *const *)&x, a) == OCT_OK, "%s", oct_errmsg());
        CHECK_MSG(oct_session_run(opt, (const oct_tensor *const *)&x, b) == OCT_OK, "%s", oct_errmsg());
        if (a[0] && b[0]) {
            CHECK(a[0]->rank == 2 && a[0]->dims[0] == batch && a[0]->dims[1] == 4 * 64);
            CHECK(oct_shape_equal(a[0]->rank, a[0]->dims, b[0]->rank, b[0]->dims));
            double maxd = 0;
            int neg = 0;
            for (int64_t i = 0; i < oct_tensor_numel(a[0]); i++) {
                double d = fabs(((float *)a[0]->data)[i] - ((float *)b[0]->data)[i]);
                if (d > maxd) maxd = d;
                neg += ((float *)b[0]->data)[i] < 0;
            }
            CHECK_MSG(maxd < 1e-4, "optimized differs by %g", maxd);
            CHECK(neg == 0);
        }
        oct_tensor_free(a[0]);
        oct_tensor_free(b[0]);
        oct_tensor_free(x);
    }
    /* wrong inputs: clear errors, session still usable */
    int64_t bad[] = {1, 2, 8, 8};
    oct_tensor *x = oct_tensor_new(OCT_DT_F32, 4, bad);
    oct_tensor *o[1] = {0};
    CHECK(oct_session_run(opt, (const oct_tensor *const *)&x, o) == OCT_E_SHAPE && strstr(oct_errmsg(), "'x'"));
    oct_tensor_free(x);
    int64_t good[] = {1, 3, 8, 8};
    x = oct_tensor_new(OCT_DT_I64, 4, good);
    CHECK(oct_session_run(opt, (const oct_tensor *const *)&x, o) == OCT_E_DTYPE && strstr(oct_errmsg(), "f32"));
    oct_tensor_free(x);
    oct_session_free(plain);
    oct_session_free(opt);
}

/* An empty graph importing the default domain at opset 13. */
static oct_graph *graph_opset13(void)
{
    oct_graph *g = oct_graph_new();
    oct_graph_set_opset(g, "", 13);
    return g;
}

/* A chain of 23 Neg and a final Relu keeps at most a few buffers alive: y = max(-x, 0). */
static void test_memory_plan(void)
{
    oct_graph *g = graph_opset13();
    int64_t d[] = {-1, 1000};
    int prev = oct_graph_add_value(g, "x");
    set_input(g, prev, 2, d);
    for (int i = 0; i < 24; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "v%d", i);
        int v = oct_graph_add_value(g, nm);
        oct_graph_add_node(g, i == 23 ? "Relu" : "Neg", "", nm, 1, &prev, 1, &v);
        prev = v;
    }
    set_output(g, prev);
    oct_session *s = make(g, 1);
    if (!s) return;
    int64_t xd[] = {4, 1000};
    oct_tensor *x = oct_tensor_new(OCT_DT_F32, 2, xd);
    for (int i = 0; i < 4000; i++) ((float *)x->data)[i] = (float)(i % 7) - 3.f;
    size_t peak = 0, naive = 0;
    CHECK(oct_session_plan_bytes(s, (const oct_tensor *const *)&x, &peak, &naive) == OCT_OK);
    CHECK_MSG(peak <= 3 * 16000 + 3 * 64 && naive >= 24 * 16000, "peak %zu naive %zu", peak, naive);
    oct_tensor *o[1] = {0};
    CHECK(oct_session_run(s, (const oct_tensor *const *)&x, o) == OCT_OK);
    if (o[0]) {
        int bad = 0;
        for (int i = 0; i < 4000; i++) {
            float in = (float)(i % 7) - 3.f, want = -in > 0 ? -in : 0;
            bad += ((float *)o[0]->data)[i] != want;
        }
        CHECK(bad == 0);
    }
    oct_tensor_free(o[0]);
    oct_tensor_free(x);
    oct_session_free(s);
}

/* Flatten outputs are views of their input's buffer: the input must stay
 * alive (not reused by the arena) while a view is still to be read.
 *   a = Neg(x); r = Flatten(a); b1..b6 = a + 1, b1 + 1, ...; y = Add(r, b6) = 6 - 2x
 * (were a's buffer reused by the chain, r would read some b_i instead)
 *   z = Flatten(x)  (a graph output viewing a graph input) */
static void test_views(void)
{
    oct_graph *g = graph_opset13();
    int64_t d[] = {-1, 1000};
    int x = oct_graph_add_value(g, "x");
    set_input(g, x, 2, d);
    int a = oct_graph_add_value(g, "a"), r = oct_graph_add_value(g, "r"), z = oct_graph_add_value(g, "z");
    oct_graph_add_node(g, "Neg", "", "neg_a", 1, &x, 1, &a);
    oct_graph_add_node(g, "Flatten", "", "flat_a", 1, &a, 1, &r);
    int64_t one_d = 1;
    int one = constant(g, "one", OCT_DT_F32, 1, &one_d, 0);
    ((float *)g->val[one].constant->data)[0] = 1.f;
    int prev = a;
    for (int i = 0; i < 6; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "b%d", i);
        int v = oct_graph_add_value(g, nm), in2[2] = {prev, one};
        oct_graph_add_node(g, "Add", "", nm, 2, in2, 1, &v);
        prev = v;
    }
    int y = oct_graph_add_value(g, "y"), add_in[2] = {r, prev};
    oct_graph_add_node(g, "Add", "", "add", 2, add_in, 1, &y);
    oct_graph_add_node(g, "Flatten", "", "flat_x", 1, &x, 1, &z);
    set_output(g, y);
    set_output(g, z);
    oct_session *s = make(g, 1);
    if (!s) return;
    int64_t xd[] = {3, 1000};
    oct_tensor *xt = oct_tensor_new(OCT_DT_F32, 2, xd);
    for (int i = 0; i < 3000; i++) ((float *)xt->data)[i] = (float)(i % 11) - 5.f;
    oct_tensor *o[2] = {0};
    CHECK(oct_session_run(s, (const oct_tensor *const *)&xt, o) == OCT_OK);
    if (o[0] && o[1]) {
        int bad = 0;
        for (int i = 0; i < 3000; i++) {
            float in = (float)(i % 11) - 5.f;
            bad += ((float *)o[0]->data)[i] != 6.f - 2.f * in || ((float *)o[1]->data)[i] != in;
        }
        CHECK_MSG(bad == 0, "%d wrong values through views", bad);
        CHECK(o[1]->data != xt->data); /* outputs are the caller's copies */
    }
    oct_tensor_free(o[0]);
    oct_tensor_free(o[1]);
    oct_tensor_free(xt);
    oct_session_free(s);
}

int main(void)
{
    test_passes_equivalence();
    test_memory_plan();
    test_views();
    TEST_DONE();
}
