/* FP16 weights in the kernels and ops, against "widen the weights to fp32,
 * then run the fp32 path" (bit for bit: the same kernels on the same values):
 *  - sgemm with fp16 packed A, packed B or both, odd sizes (M, N, K in
 *    1..67) plus K / M / N cache-block boundaries, trans flags, bias,
 *    activation, with and without the pool, on every CPU level the machine has;
 *  - Conv (every algorithm: direct flat, transposed (NT), flat, runs, 1x1 direct, groups,
 *    depthwise, 1-D, 3-D, unknown input shape), Gemm (transB, bias) and MatMul
 *    (packed, narrow N, batched B) as one-node models converted by
 *    oct_quant_to_fp16 and loaded (the load pass wires the fp16 constant into
 *    the op) on every level;
 *  - the converter: keep_fp32, a weight shared with a kept node, weights beyond
 *    fp16's range (error naming the node, graph untouched), a Cast of an fp16
 *    constant feeding another op (folded, not rewired). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/sgemm.h"
#include "core/cpu.h"
#include "core/dtype.h"
#include "core/pool.h"
#include "graph/passes.h"
#include "quant/fp16.h"
#include "runtime/session.h"
#include "test_util.h"

static uint32_t rng = 777u;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}
static float frand(void) { return (float)((int)(rnd() % 40001) - 20000) / 9000.f; }

static int level_max;

/* ---- sgemm ------------------------------------------------------------------ */

typedef struct gcase { int64_t M, N, K; int ta, tb; } gcase;

static int sgemm_case(const gcase *c, oct_pool *pool)
{
    const int64_t M = c->M, N = c->N, K = c->K;
    const int64_t lda = (c->ta ? M : K) + 1, ldb = (c->tb ? K : N) + 3;
    const int64_t na = (c->ta ? K : M) * lda, nb = (c->tb ? N : K) * ldb;
    uint16_t *ah = malloc((size_t)na * 2), *bh = malloc((size_t)nb * 2);
    float *af = malloc((size_t)na * 4), *bf = malloc((size_t)nb * 4), *bias = malloc((size_t)(M + N) * 4);
    float *c0 = malloc((size_t)(M * N) * 4), *c1 = malloc((size_t)(M * N) * 4);
    for (int64_t i = 0; i < na; i++) af[i] = oct_f16_to_f32(ah[i] = oct_f32_to_f16(frand()));
    for (int64_t i = 0; i < nb; i++) bf[i] = oct_f16_to_f32(bh[i] = oct_f32_to_f16(frand()));
    for (int64_t i = 0; i < M + N; i++) bias[i] = frand();
    int bad = 0;
    for (int which = 1; which <= 3; which++) { /* 1: A fp16, 2: B fp16, 3: both */
        oct_sgemm_packed *pa32 = NULL, *pa16 = NULL, *pb32 = NULL, *pb16 = NULL;
        if (which & 1) {
            pa32 = oct_sgemm_pack_a(c->ta, M, K, af, lda);
            pa16 = oct_sgemm_pack_a_f16(c->ta, M, K, ah, lda);
            CHECK(pa16 && oct_sgemm_packed_is_f16(pa16) && !oct_sgemm_packed_is_f16(pa32));
            CHECK(oct_sgemm_packed_bytes(pa16) <= oct_sgemm_packed_bytes(pa32) / 2 + 64);
        }
        if (which & 2) {
            pb32 = oct_sgemm_pack_b(c->tb, K, N, bf, ldb);
            pb16 = oct_sgemm_pack_b_f16(c->tb, K, N, bh, ldb);
            CHECK(pb16 && oct_sgemm_packed_is_f16(pb16));
            CHECK(oct_sgemm_packed_bytes(pb16) <= oct_sgemm_packed_bytes(pb32) / 2 + 64);
        }
        for (int v = 0; v < 2; v++) {
            oct_sgemm_args a;
            oct_sgemm_args_init(&a);
            a.M = M, a.N = N, a.K = K;
            a.A = af, a.lda = lda, a.transA = c->ta;
            a.B = bf, a.ldb = ldb, a.transB = c->tb;
            a.pa = v ? pa16 : pa32;
            a.pb = v ? pb16 : pb32;
            a.C = v ? c1 : c0;
            a.ldc = N;
            a.bias = bias;
            a.bias_kind = which == 2 ? OCT_SGEMM_BIAS_COL : OCT_SGEMM_BIAS_ROW;
            a.act.kind = which == 3 ? OCT_ACT_RELU : OCT_ACT_NONE;
            oct_status s = oct_sgemm_run(&a, pool);
            CHECK_MSG(s == OCT_OK, "%s", oct_errmsg());
        }
        if (memcmp(c0, c1, (size_t)(M * N) * 4)) {
            bad++;
            fprintf(stderr, "sgemm fp16 %s differs: M=%lld N=%lld K=%lld ta=%d tb=%d level %s\n",
                    which == 1 ? "A" : which == 2 ? "B" : "A+B", (long long)M, (long long)N, (long long)K, c->ta,
                    c->tb, oct_cpu_level_name(oct_cpu_level_get()));
        }
        oct_sgemm_packed_free(pa32);
        oct_sgemm_packed_free(pa16);
        oct_sgemm_packed_free(pb32);
        oct_sgemm_packed_free(pb16);
    }
    free(ah), free(bh), free(af), free(bf), free(bias), free(c0), free(c1);
    return bad;
}

static void test_sgemm(oct_pool *pool)
{
    for (int lvl = 0; lvl <= level_max; lvl++) {
        oct_cpu_level_set((oct_cpu_level)lvl);
        int cases = 0, bad = 0;
        for (int i = 0; i < 150; i++) {
            gcase c = {1 + rnd() % 67, 1 + rnd() % 67, 1 + rnd() % 67, (int)(rnd() & 1), (int)(rnd() & 1)};
            if (i < 8) c.M = c.N = c.K = i & 1 ? 67 : 1; /* the ends of the range */
            bad += sgemm_case(&c, i % 3 ? NULL : pool);
            cases++;
        }
        /* K blocks (KC 256 / 512), M blocks (MC 504), N blocks (NC up to 2048), threads */
        static const gcase big[] = {{7, 33, 1100, 0, 1}, {530, 19, 45, 1, 0}, {9, 2100, 37, 0, 0},
                                    {300, 300, 600, 0, 1}};
        for (size_t i = 0; i < sizeof big / sizeof big[0]; i++, cases++) bad += sgemm_case(&big[i], pool);
        CHECK_MSG(bad == 0, "%d of %d sgemm cases differ at level %s", bad, cases, oct_cpu_level_name((oct_cpu_level)lvl));
        printf("sgemm fp16 operands bit-exact at level %s: %d cases x 3 operand kinds\n",
               oct_cpu_level_name((oct_cpu_level)lvl), cases);
    }
    oct_cpu_level_set((oct_cpu_level)level_max);
}

/* ---- one-node models ---------------------------------------------------------- */

static oct_graph *graph_new(void)
{
    oct_graph *g = oct_graph_new();
    g->name = strdup("fp16");
    g->ir_version = 8;
    g->opsets = calloc(1, sizeof *g->opsets);
    g->opsets[0].domain = strdup("");
    g->opsets[0].version = 17;
    g->n_opsets = 1;
    g->in = malloc(4 * sizeof *g->in);
    g->out = malloc(4 * sizeof *g->out);
    return g;
}

static int add_input(oct_graph *g, const char *name, int rank, const int64_t *dims)
{
    int v = oct_graph_add_value(g, name);
    g->val[v].dtype = OCT_DT_F32;
    g->val[v].rank = rank;
    for (int i = 0; i < rank; i++) g->val[v].dims[i] = dims[i];
    g->in[g->n_in++] = v;
    return v;
}

static int add_const(oct_graph *g, const char *name, oct_tensor *t)
{
    int v = oct_graph_add_value(g, name);
    g->val[v].constant = t;
    g->val[v].dtype = t->dtype;
    g->val[v].rank = t->rank;
    memcpy(g->val[v].dims, t->dims, sizeof t->dims);
    return v;
}

/* random f32 values that fp16 holds exactly (so both models see the same weights) */
static oct_tensor *rand_tensor(int rank, const int64_t *dims, int f16_exact)
{
    oct_tensor *t = oct_tensor_new(OCT_DT_F32, rank, dims);
    float *p = t->data;
    for (int64_t i = 0; i < oct_tensor_numel(t); i++) {
        p[i] = frand();
        if (f16_exact) p[i] = oct_f16_to_f32(oct_f32_to_f16(p[i]));
    }
    return t;
}

typedef struct op_spec {
    const char *what, *op;
    int xr; int64_t xd[5];
    int wr; int64_t wd[5];
    int bias;           /* Conv: [M] bias; Gemm: C [N] */
    int64_t group, stride, pad, transB;
    int unknown;        /* declared input shape unknown: prepare cannot pick the algorithm */
} op_spec;

static oct_graph *one_node(const op_spec *sp, uint32_t seed)
{
    rng = seed;
    oct_graph *g = graph_new();
    int64_t xd[5];
    for (int i = 0; i < sp->xr; i++) xd[i] = sp->unknown && i >= 2 ? -1 : sp->xd[i];
    int in[3];
    in[0] = add_input(g, "x", sp->xr, xd);
    in[1] = add_const(g, "W", rand_tensor(sp->wr, sp->wd, 1));
    int nin = 2;
    if (sp->bias) {
        int64_t bn = !strcmp(sp->op, "Conv") ? sp->wd[0] : sp->transB ? sp->wd[0] : sp->wd[1];
        in[nin++] = add_const(g, "bias", rand_tensor(1, &bn, 0));
    }
    int y = oct_graph_add_value(g, "y");
    g->out[g->n_out++] = y;
    int k = oct_graph_add_node(g, sp->op, "", "node", nin, in, 1, &y);
    oct_node *n = &g->node[k];
    if (!strcmp(sp->op, "Conv")) {
        int nsp = sp->wr - 2;
        int64_t s[3] = {sp->stride, sp->stride, sp->stride}, p[6];
        for (int i = 0; i < 6; i++) p[i] = sp->pad;
        oct_node_set_ints(n, "strides", s, nsp);
        oct_node_set_ints(n, "pads", p, 2 * nsp);
        oct_node_set_int(n, "group", sp->group);
    } else if (!strcmp(sp->op, "Gemm")) {
        oct_node_set_int(n, "transB", sp->transB);
    }
    return g;
}

static oct_tensor *run1(oct_session *s, const oct_tensor *x)
{
    oct_tensor *out[1] = {NULL};
    oct_status st = oct_session_run(s, &x, out);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    return out[0];
}

/* The live node of type op in s, with its weight dtype (0 if not a constant). */
static oct_dtype weight_dtype(const oct_session *s, const char *op, int *casts)
{
    const oct_graph *g = oct_session_graph(s);
    oct_dtype dt = OCT_DT_UNDEFINED;
    *casts = 0;
    for (int k = 0; k < g->n_node; k++) {
        const oct_node *n = &g->node[k];
        if (n->dead) continue;
        *casts += !strcmp(n->op_type, "Cast");
        if (!strcmp(n->op_type, op) && n->in[1] >= 0 && g->val[n->in[1]].constant)
            dt = g->val[n->in[1]].constant->dtype;
    }
    return dt;
}

static void test_ops(void)
{
    static const op_spec specs[] = {
        {"conv 3x3 pad 1", "Conv", 4, {2, 16, 13, 13}, 4, {24, 16, 3, 3}, 1, 1, 1, 1, 0, 0},
        {"conv 3x3 stride 2", "Conv", 4, {2, 8, 15, 15}, 4, {40, 8, 3, 3}, 1, 1, 2, 1, 0, 0},
        {"conv 1x1", "Conv", 4, {3, 32, 7, 7}, 4, {20, 32, 1, 1}, 0, 1, 1, 0, 0, 0},
        {"conv 1x1 wide", "Conv", 4, {1, 24, 30, 30}, 4, {7, 24, 1, 1}, 1, 1, 1, 0, 0, 0},
        {"conv many channels, 4x4", "Conv", 4, {2, 64, 4, 4}, 4, {96, 64, 3, 3}, 1, 1, 1, 1, 0, 0},
        {"conv 5x5 one channel", "Conv", 4, {2, 1, 28, 28}, 4, {6, 1, 5, 5}, 1, 1, 1, 0, 0, 0},
        {"conv groups 2", "Conv", 4, {2, 8, 9, 9}, 4, {12, 4, 3, 3}, 1, 2, 1, 1, 0, 0},
        {"conv depthwise", "Conv", 4, {2, 6, 10, 10}, 4, {6, 1, 3, 3}, 1, 6, 1, 1, 0, 0},
        {"conv 1-D", "Conv", 3, {2, 5, 20}, 3, {7, 5, 3}, 1, 1, 1, 1, 0, 0},
        {"conv 3-D", "Conv", 5, {1, 3, 5, 6, 7}, 5, {4, 3, 3, 3, 3}, 1, 1, 1, 1, 0, 0},
        {"conv 3-D, many channels", "Conv", 5, {2, 8, 2, 2, 2}, 5, {64, 8, 3, 3, 3}, 1, 1, 1, 1, 0, 0},
        {"conv unknown shape", "Conv", 4, {2, 16, 12, 12}, 4, {24, 16, 3, 3}, 1, 1, 1, 1, 0, 1},
        {"gemm", "Gemm", 2, {37, 70}, 2, {70, 45}, 1, 0, 0, 0, 0, 0},
        {"gemm transB", "Gemm", 2, {64, 100}, 2, {130, 100}, 1, 0, 0, 0, 1, 0},
        {"matmul", "MatMul", 3, {3, 17, 40}, 2, {40, 50}, 0, 0, 0, 0, 0, 0},
        {"matmul narrow N", "MatMul", 2, {9, 33}, 2, {33, 5}, 0, 0, 0, 0, 0, 0},
        {"matmul batched B", "MatMul", 3, {4, 6, 21}, 3, {4, 21, 19}, 0, 0, 0, 0, 0, 0},
    };
    oct_session_opts o;
    oct_session_opts_default(&o);
    o.n_threads = 2;
    for (int lvl = 0; lvl <= level_max; lvl++) {
        oct_cpu_level_set((oct_cpu_level)lvl);
        for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
            const op_spec *sp = &specs[i];
            oct_graph *g32 = one_node(sp, 1000u + (uint32_t)i), *g16 = one_node(sp, 1000u + (uint32_t)i);
            int64_t before = 0, after = 0;
            oct_status st = oct_quant_to_fp16(g16, NULL, NULL, &before, &after);
            CHECK_MSG(st == OCT_OK, "%s: %s", sp->what, oct_errmsg());
            CHECK(after < before);
            oct_session *s32 = NULL, *s16 = NULL;
            CHECK_MSG(oct_session_from_graph(g32, &o, &s32) == OCT_OK, "%s: %s", sp->what, oct_errmsg());
            CHECK_MSG(oct_session_from_graph(g16, &o, &s16) == OCT_OK, "%s: %s", sp->what, oct_errmsg());
            if (!s32 || !s16) {
                oct_session_free(s32);
                oct_session_free(s16);
                continue;
            }
            int casts = 0;
            oct_dtype wdt = weight_dtype(s16, sp->op, &casts);
            CHECK_MSG(wdt == OCT_DT_F16 && casts == 0, "%s: weight %s, %d Casts left", sp->what, oct_dtype_name(wdt),
                      casts);
            CHECK_MSG(oct_session_weight_bytes(s16) < oct_session_weight_bytes(s32), "%s: %zu vs %zu bytes", sp->what,
                      oct_session_weight_bytes(s16), oct_session_weight_bytes(s32));
            rng = 99u + (uint32_t)i;
            oct_tensor *x = rand_tensor(sp->xr, sp->xd, 0);
            oct_tensor *y32 = run1(s32, x), *y16 = run1(s16, x);
            CHECK_MSG(y32 && y16 && oct_tensor_nbytes(y32) == oct_tensor_nbytes(y16) &&
                          !memcmp(y32->data, y16->data, oct_tensor_nbytes(y32)),
                      "%s: fp16 weights differ from the widened fp32 weights at level %s", sp->what,
                      oct_cpu_level_name((oct_cpu_level)lvl));
            oct_tensor_free(x);
            oct_tensor_free(y32);
            oct_tensor_free(y16);
            oct_session_free(s32);
            oct_session_free(s16);
        }
        printf("ops with fp16 weights bit-exact at level %s: %zu models\n", oct_cpu_level_name((oct_cpu_level)lvl),
               sizeof specs / sizeof specs[0]);
    }
    oct_cpu_level_set((oct_cpu_level)level_max);
}

/* ---- the converter ----------------------------------------------------------- */

static int node_index(const oct_graph *g, const char *name)
{
    for (int k = 0; k < g->n_node; k++)
        if (!g->node[k].dead && !strcmp(g->node[k].name, name)) return k;
    return -1;
}

static int keep_by_name(void *ctx, const oct_node *n) { return !strcmp(n->name, (const char *)ctx); }

/* x -> Gemm gemm1 (W1) -> h; MatMul m1 (h, W2) + MatMul m2 (h, W2) -> y */
static oct_graph *shared_graph(float w1_extra)
{
    rng = 4242u;
    oct_graph *g = graph_new();
    int64_t xd[2] = {4, 20}, w1d[2] = {20, 30}, w2d[2] = {30, 12};
    int x = add_input(g, "x", 2, xd);
    oct_tensor *w1 = rand_tensor(2, w1d, 0);
    ((float *)w1->data)[7] = w1_extra;
    int W1 = add_const(g, "W1", w1), W2 = add_const(g, "W2", rand_tensor(2, w2d, 0));
    int h = oct_graph_add_value(g, "h"), a = oct_graph_add_value(g, "a"), b = oct_graph_add_value(g, "b");
    int y = oct_graph_add_value(g, "y");
    g->out[g->n_out++] = y;
    int i1[2] = {x, W1}, i2[2] = {h, W2}, i3[2] = {a, b};
    oct_graph_add_node(g, "Gemm", "", "gemm1", 2, i1, 1, &h);
    oct_graph_add_node(g, "MatMul", "", "m1", 2, i2, 1, &a);
    oct_graph_add_node(g, "MatMul", "", "m2", 2, i2, 1, &b);
    oct_graph_add_node(g, "Add", "", "add", 2, i3, 1, &y);
    return g;
}

/* The value feeding slot 1 of node `name`, and (through its Cast) the fp16 constant. */
static void weight_source(const oct_graph *g, const char *name, const oct_value **w, const oct_value **w16)
{
    *w = *w16 = NULL;
    int k = node_index(g, name);
    if (k < 0) return;
    *w = &g->val[g->node[k].in[1]];
    int p = (*w)->producer;
    if (p >= 0 && !strcmp(g->node[p].op_type, "Cast") && oct_attr_int(&g->node[p], "to", 0) == OCT_DT_F32)
        *w16 = &g->val[g->node[p].in[0]];
}

static void test_converter(void)
{
    /* keep m2: W2 is converted for m1 only (a new value), W1 in place */
    oct_graph *g = shared_graph(0.5f);
    CHECK_MSG(oct_quant_to_fp16(g, keep_by_name, "m2", NULL, NULL) == OCT_OK, "%s", oct_errmsg());
    oct_graph_link(g);
    const oct_value *w, *w16;
    weight_source(g, "gemm1", &w, &w16);
    CHECK(w && !strcmp(w->name, "W1") && !w->constant && w16 && !strcmp(w16->name, "W1_fp16") && w16->constant &&
          w16->constant->dtype == OCT_DT_F16 && w16->constant->dims[0] == 20 && w16->constant->dims[1] == 30);
    weight_source(g, "m1", &w, &w16);
    CHECK(w && !strncmp(w->name, "W2_f32", 6) && w16 && !strcmp(w16->name, "W2_fp16") && w16->constant &&
          w16->constant->dtype == OCT_DT_F16);
    weight_source(g, "m2", &w, &w16);
    CHECK(w && !strcmp(w->name, "W2") && w->constant && w->constant->dtype == OCT_DT_F32 && !w16);
    /* it runs, close to the fp32 model */
    oct_graph *ref = shared_graph(0.5f);
    oct_session *s16 = NULL, *s32 = NULL;
    CHECK_MSG(oct_session_from_graph(g, NULL, &s16) == OCT_OK, "%s", oct_errmsg());
    CHECK_MSG(oct_session_from_graph(ref, NULL, &s32) == OCT_OK, "%s", oct_errmsg());
    if (s16 && s32) {
        int64_t xd[2] = {4, 20};
        oct_tensor *x = rand_tensor(2, xd, 0);
        oct_tensor *y16 = run1(s16, x), *y32 = run1(s32, x);
        double dmax = 0, ymax = 0;
        for (int64_t i = 0; y16 && y32 && i < 48; i++) {
            double a = ((float *)y32->data)[i], b = ((float *)y16->data)[i];
            dmax = fmax(dmax, fabs(a - b));
            ymax = fmax(ymax, fabs(a));
        }
        CHECK_MSG(y16 && y32 && dmax <= 4e-3 * ymax, "keep_fp32 model: max difference %g (max |y| %g)", dmax, ymax);
        oct_tensor_free(x), oct_tensor_free(y16), oct_tensor_free(y32);
    }
    oct_session_free(s16);
    oct_session_free(s32);

    /* beyond fp16: an error naming the node, nothing converted; keeping the node fp32 is fine */
    g = shared_graph(70000.f);
    int nodes = g->n_node;
    oct_status st = oct_quant_to_fp16(g, NULL, NULL, NULL, NULL);
    CHECK(st == OCT_E_INVALID && strstr(oct_errmsg(), "'gemm1'") && strstr(oct_errmsg(), "W1") &&
          strstr(oct_errmsg(), "65504"));
    CHECK(g->n_node == nodes && g->val[oct_graph_find_value(g, "W1")].constant &&
          g->val[oct_graph_find_value(g, "W2")].constant->dtype == OCT_DT_F32);
    CHECK(oct_quant_to_fp16(g, keep_by_name, "gemm1", NULL, NULL) == OCT_OK);
    CHECK(g->val[oct_graph_find_value(g, "W1")].constant && oct_graph_find_value(g, "W2_fp16") >= 0);
    oct_graph_free(g);
    /* -inf / nan / 65504 are representable: no error */
    g = shared_graph(-65504.f);
    CHECK(oct_quant_to_fp16(g, NULL, NULL, NULL, NULL) == OCT_OK);
    oct_graph_free(g);
}

/* The load pass: W_fp16 -> Cast -> MatMul is rewired; c_fp16 -> Cast -> Add is folded. */
static oct_graph *cast_graph(void)
{
    rng = 31u;
    oct_graph *g = graph_new();
    int64_t xd[2] = {2, 8}, wd[2] = {8, 16}, cd[1] = {8};
    int x = add_input(g, "x", 2, xd);
    oct_tensor *w = oct_tensor_new(OCT_DT_F16, 2, wd), *c = oct_tensor_new(OCT_DT_F16, 1, cd);
    for (int i = 0; i < 128; i++) ((uint16_t *)w->data)[i] = oct_f32_to_f16(frand());
    for (int i = 0; i < 8; i++) ((uint16_t *)c->data)[i] = oct_f32_to_f16(frand());
    int wh = add_const(g, "W_fp16", w), ch = add_const(g, "c_fp16", c);
    int wf = oct_graph_add_value(g, "W"), cf = oct_graph_add_value(g, "c"), a = oct_graph_add_value(g, "a");
    int y = oct_graph_add_value(g, "y");
    g->out[g->n_out++] = y;
    int k = oct_graph_add_node(g, "Cast", "", "cast_w", 1, &wh, 1, &wf);
    oct_node_set_int(&g->node[k], "to", OCT_DT_F32);
    k = oct_graph_add_node(g, "Cast", "", "cast_c", 1, &ch, 1, &cf);
    oct_node_set_int(&g->node[k], "to", OCT_DT_F32);
    int ia[2] = {x, cf}, im[2] = {a, wf};
    oct_graph_add_node(g, "Add", "", "add", 2, ia, 1, &a);
    oct_graph_add_node(g, "MatMul", "", "mm", 2, im, 1, &y);
    return g;
}

static void test_pass(void)
{
    oct_graph *g = cast_graph();
    oct_pass_stats st;
    CHECK_MSG(oct_graph_resolve_ops(g) == OCT_OK, "%s", oct_errmsg());
    oct_exec ex = {NULL};
    CHECK_MSG(oct_passes_run_stats(g, &ex, &st) == OCT_OK, "%s", oct_errmsg());
    CHECK(st.fp16_weights == 1 && st.folded >= 1);
    int mm = node_index(g, "mm"), add = node_index(g, "add");
    CHECK(mm >= 0 && add >= 0 && node_index(g, "cast_w") < 0 && node_index(g, "cast_c") < 0);
    if (mm >= 0 && add >= 0) {
        const oct_tensor *w = g->val[g->node[mm].in[1]].constant, *c = g->val[g->node[add].in[1]].constant;
        CHECK(w && w->dtype == OCT_DT_F16 && c && c->dtype == OCT_DT_F32);
    }
    oct_graph_free(g);
    /* and the numbers: y = (x + c) W in double */
    g = cast_graph();
    const uint16_t *wh = g->val[oct_graph_find_value(g, "W_fp16")].constant->data;
    const uint16_t *chh = g->val[oct_graph_find_value(g, "c_fp16")].constant->data;
    double ref[32];
    int64_t xd[2] = {2, 8};
    oct_tensor *x = rand_tensor(2, xd, 0);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 16; j++) {
            double s = 0;
            for (int k = 0; k < 8; k++)
                s += ((double)((float *)x->data)[i * 8 + k] + oct_f16_to_f32(chh[k])) * oct_f16_to_f32(wh[k * 16 + j]);
            ref[i * 16 + j] = s;
        }
    oct_session *s = NULL;
    CHECK_MSG(oct_session_from_graph(g, NULL, &s) == OCT_OK, "%s", oct_errmsg());
    oct_tensor *y = s ? run1(s, x) : NULL;
    for (int i = 0; y && i < 32; i++) CHECK_NEAR(((float *)y->data)[i], ref[i], 1e-5 * (1 + fabs(ref[i])));
    oct_tensor_free(y);
    oct_tensor_free(x);
    oct_session_free(s);
}

int main(void)
{
    level_max = (int)oct_cpu_level_get();
    oct_pool *pool = oct_pool_new(2);
    test_sgemm(pool);
    test_ops();
    test_converter();
    test_pass();
    oct_pool_free(pool);
    TEST_DONE();
}
