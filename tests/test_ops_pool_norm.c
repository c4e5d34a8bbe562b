/* octet — pooling and normalization ops: what the ONNX node tests do not
 * cover. Fast kernels against the reference kernel over many geometries,
 * ceil_mode / count_include_pad / dilations / SAME padding edge cases, int8
 * and f16 paths, threaded runs, BatchNormalization's prepare() path,
 * LayerNormalization with broadcast params, and attribute validation. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool.h"
#include "graph/ir.h"
#include "ops/op.h"
#include "ops/pool_common.h"
#include "test_util.h"

/* ------------------------------------------------------------------ helpers */

static uint32_t rng = 12345;
static float frand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) & 0xffff) / 32768.f - 1.f;
}

typedef struct {
    oct_graph *g;
    int node;
} tnode;

static tnode mk(const char *op, int opset, int n_in, int n_out)
{
    tnode t = {oct_graph_new(), -1};
    int in[8], out[8];
    for (int i = 0; i < n_in; i++) in[i] = oct_graph_new_value(t.g, "in");
    for (int i = 0; i < n_out; i++) out[i] = oct_graph_new_value(t.g, "out");
    t.node = oct_graph_add_node(t.g, op, "", op, n_in, in, n_out, out);
    t.g->node[t.node].opset = opset;
    return t;
}

static oct_node *N(tnode t) { return &t.g->node[t.node]; }

static void set_str(oct_node *n, const char *name, const char *s)
{
    oct_node_set_int(n, name, 0);
    for (int i = 0; i < n->n_attr; i++)
        if (!strcmp(n->attr[i].name, name)) {
            n->attr[i].type = OCT_ATTR_STRING;
            n->attr[i].s = strdup(s);
        }
}

static void set_ints(oct_node *n, const char *name, int cnt, int64_t a, int64_t b, int64_t c, int64_t d)
{
    int64_t v[4] = {a, b, c, d};
    oct_node_set_ints(n, name, v, cnt);
}

/* infer + allocate outputs + compute. */
static oct_status run(tnode t, const oct_tensor **in, oct_tensor **out, oct_pool *pool)
{
    oct_node *n = N(t);
    const oct_op_def *d = oct_op_find(n->op_type, "", n->opset, NULL);
    if (!d) return oct_err(OCT_E_UNSUPPORTED, "no op %s at opset %d", n->op_type, n->opset);
    OCT_TRY(d->infer(n, (const oct_tensor *const *)in, out));
    for (int i = 0; i < n->n_out; i++)
        if (out[i]) OCT_TRY(oct_tensor_alloc(out[i]));
    oct_exec ex = {pool};
    return d->compute(n, (const oct_tensor *const *)in, out, &ex);
}

static oct_tensor *empty(void) { return oct_tensor_new(OCT_DT_F32, 0, NULL); }

static oct_tensor *rand_t(int rank, int64_t a, int64_t b, int64_t c, int64_t d, int64_t e)
{
    int64_t dims[5] = {a, b, c, d, e};
    oct_tensor *t = oct_tensor_new(OCT_DT_F32, rank, dims);
    float *p = t->data;
    for (int64_t i = 0; i < oct_tensor_numel(t); i++) p[i] = frand();
    return t;
}

static float *F(const oct_tensor *t) { return t->data; }

static int same(const oct_tensor *a, const oct_tensor *b, double tol)
{
    if (!oct_shape_equal(a->rank, a->dims, b->rank, b->dims)) return 0;
    for (int64_t i = 0; i < oct_tensor_numel(a); i++) {
        double x = F(a)[i], y = F(b)[i];
        if (!(fabs(x - y) <= tol + tol * fabs(y))) {
            fprintf(stderr, "  mismatch at %lld: %g vs %g\n", (long long)i, x, y);
            return 0;
        }
    }
    return 1;
}

/* ------------------------------------------------------------------ pooling */

/* The separable 1-D/2-D kernel must agree with the reference kernel. */
static void test_pool_fast_vs_ref(void)
{
    int cases = 0;
    for (int kind = 0; kind < 2; kind++)
    for (int H = 1; H <= 9; H += 2)
    for (int W = 1; W <= 12; W += 3)
    for (int k = 1; k <= 4; k++)
    for (int s = 1; s <= 3; s++)
    for (int d = 1; d <= 2; d++)
    for (int p = 0; p <= 2; p++)
    for (int ceil = 0; ceil < 2; ceil++)
    for (int cip = 0; cip < 2; cip++) {
        tnode t = mk(kind ? "AveragePool" : "MaxPool", 19, 1, 1);
        oct_node *n = N(t);
        set_ints(n, "kernel_shape", 2, k, k > 1 ? k - 1 : 1, 0, 0);
        set_ints(n, "strides", 2, s, s, 0, 0);
        set_ints(n, "dilations", 2, d, d, 0, 0);
        set_ints(n, "pads", 4, p, 0, 0, p);
        oct_node_set_int(n, "ceil_mode", ceil);
        oct_node_set_int(n, "count_include_pad", cip);
        oct_tensor *x = rand_t(4, 1, 2, H, W, 0);
        oct_pooling_geom g;
        oct_pooling_opts o = {1, 1};
        if (oct_pooling_geom_init(n, x, &o, &g) == OCT_OK) {
            oct_pooling_args a = {kind ? OCT_POOLING_AVG : OCT_POOLING_MAX, cip, 0.f, 0};
            float *y1 = calloc((size_t)g.out_plane, sizeof(float)), *y2 = calloc((size_t)g.out_plane, sizeof(float));
            float *sc = calloc((size_t)oct_pooling_scratch2d(&g), sizeof(float));
            oct_pooling_plane_ref(&g, &a, F(x), y1, NULL, 0);
            CHECK(oct_pooling_plane_2d(&g, &a, F(x), y2, sc));
            int ok = 1;
            for (int64_t i = 0; i < g.out_plane; i++) ok &= fabsf(y1[i] - y2[i]) <= 1e-5f;
            CHECK_MSG(ok, "kind %d H %d W %d k %d s %d d %d p %d ceil %d cip %d", kind, H, W, k, s, d, p, ceil, cip);
            free(y1);
            free(y2);
            free(sc);
            cases++;
        }
        oct_tensor_free(x);
        oct_graph_free(t.g);
    }
    CHECK(cases > 1000);
}

/* Threaded run = serial run, for the common CNN pools and a 3-D pool. */
static void test_pool_threads(void)
{
    oct_pool *pool = oct_pool_new(4);
    struct { const char *op; int k, s, p, rank; } c[] = {
        {"MaxPool", 2, 2, 0, 4}, {"MaxPool", 3, 2, 1, 4}, {"AveragePool", 3, 1, 1, 4},
        {"AveragePool", 2, 2, 0, 4}, {"MaxPool", 3, 2, 1, 5}, {"LpPool", 3, 2, 1, 4}, {"MaxPool", 3, 2, 1, 3},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        tnode t = mk(c[i].op, 12, 1, 1);
        int nsp = c[i].rank - 2;
        int64_t ks[3] = {c[i].k, c[i].k, c[i].k}, ss[3] = {c[i].s, c[i].s, c[i].s};
        int64_t ps[6] = {c[i].p, c[i].p, c[i].p, c[i].p, c[i].p, c[i].p};
        oct_node_set_ints(N(t), "kernel_shape", ks, nsp);
        oct_node_set_ints(N(t), "strides", ss, nsp);
        oct_node_set_ints(N(t), "pads", ps, 2 * nsp);
        oct_tensor *x = c[i].rank == 5 ? rand_t(5, 2, 5, 9, 10, 11) : c[i].rank == 4 ? rand_t(4, 2, 24, 33, 35, 0)
                                                                                : rand_t(3, 3, 40, 101, 0, 0);
        oct_tensor *y1 = empty(), *y2 = empty();
        const oct_tensor *in[1] = {x};
        CHECK(run(t, in, &y1, NULL) == OCT_OK);
        CHECK(run(t, in, &y2, pool) == OCT_OK);
        CHECK_MSG(same(y1, y2, 0), "%s k%d s%d p%d rank %d", c[i].op, c[i].k, c[i].s, c[i].p, c[i].rank);
        oct_tensor_free(x);
        oct_tensor_free(y1);
        oct_tensor_free(y2);
        oct_graph_free(t.g);
    }
    oct_pool_free(pool);
}

static void test_pool_shapes(void)
{
    /* ceil_mode: 1-D input 5, k 2, s 2 -> 3; the rule that the last window
     * starts inside the input drops a window that would start in the pad. */
    tnode t = mk("MaxPool", 12, 1, 1);
    set_ints(N(t), "kernel_shape", 1, 2, 0, 0, 0);
    set_ints(N(t), "strides", 1, 2, 0, 0, 0);
    oct_node_set_int(N(t), "ceil_mode", 1);
    float xv[5] = {1, 5, 2, 4, 3};
    int64_t xd[3] = {1, 1, 5};
    oct_tensor *x = oct_tensor_wrap(OCT_DT_F32, 3, xd, xv), *y = empty();
    const oct_tensor *in[1] = {x};
    CHECK(run(t, in, &y, NULL) == OCT_OK);
    CHECK(y->dims[2] == 3);
    if (y->dims[2] == 3) CHECK(F(y)[0] == 5 && F(y)[1] == 4 && F(y)[2] == 3);
    /* pads 1,1, k 2 s 2 ceil: span = 5 + 2 - 2 = 5 -> ceil(5/2)+1 = 4, but the
     * 4th window would start at 6 - 1 = 5 >= 5: dropped -> 3 */
    set_ints(N(t), "pads", 2, 1, 1, 0, 0);
    CHECK(run(t, in, &y, NULL) == OCT_OK);
    CHECK(y->dims[2] == 3);
    if (y->dims[2] == 3) CHECK(F(y)[0] == 1 && F(y)[1] == 5 && F(y)[2] == 4);
    oct_graph_free(t.g);

    /* AveragePool count_include_pad with ceil_mode: padded taps count, taps
     * beyond the explicit pad do not. in 4, k 3, s 2, pads 1/1, ceil:
     * span 4+2-3 = 3 -> out 3; windows [-1..1] [1..3] [3..5] */
    t = mk("AveragePool", 11, 1, 1);
    set_ints(N(t), "kernel_shape", 1, 3, 0, 0, 0);
    set_ints(N(t), "strides", 1, 2, 0, 0, 0);
    set_ints(N(t), "pads", 2, 1, 1, 0, 0);
    oct_node_set_int(N(t), "ceil_mode", 1);
    oct_node_set_int(N(t), "count_include_pad", 1);
    float xv4[4] = {1, 2, 3, 4};
    int64_t xd4[3] = {1, 1, 4};
    oct_tensor *x4 = oct_tensor_wrap(OCT_DT_F32, 3, xd4, xv4);
    in[0] = x4;
    CHECK(run(t, in, &y, NULL) == OCT_OK);
    CHECK(y->dims[2] == 3);
    /* [pad,1,2]/3 = 1, [2,3,4]/3 = 3, [4,pad]/2 (taps 3,4 are in [-1,5), tap 5 is not) = 2 */
    if (y->dims[2] == 3) {
        CHECK_NEAR(F(y)[0], 1.0, 1e-6);
        CHECK_NEAR(F(y)[1], 3.0, 1e-6);
        CHECK_NEAR(F(y)[2], 2.0, 1e-6);
    }
    oct_node_set_int(N(t), "count_include_pad", 0);
    CHECK(run(t, in, &y, NULL) == OCT_OK);
    if (y->dims[2] == 3) {
        CHECK_NEAR(F(y)[0], 1.5, 1e-6);
        CHECK_NEAR(F(y)[2], 4.0, 1e-6);
    }
    oct_graph_free(t.g);

    /* SAME_LOWER puts the extra pad first; VALID drops partial windows. */
    t = mk("MaxPool", 12, 1, 1);
    set_ints(N(t), "kernel_shape", 1, 2, 0, 0, 0);
    set_str(N(t), "auto_pad", "SAME_LOWER");
    CHECK(run(t, in, &y, NULL) == OCT_OK);
    CHECK(y->dims[2] == 4);
    if (y->dims[2] == 4) CHECK(F(y)[0] == 1 && F(y)[1] == 2 && F(y)[3] == 4);
    set_str(N(t), "auto_pad", "VALID");
    set_ints(N(t), "strides", 1, 3, 0, 0, 0);
    CHECK(run(t, in, &y, NULL) == OCT_OK);
    CHECK(y->dims[2] == 1 && F(y)[0] == 2);
    set_str(N(t), "auto_pad", "BOGUS");
    CHECK(run(t, in, &y, NULL) == OCT_E_INVALID);
    oct_graph_free(t.g);
    oct_tensor_free(x);
    oct_tensor_free(x4);
    oct_tensor_free(y);
}

static void test_pool_errors(void)
{
    oct_tensor *x = rand_t(4, 1, 1, 4, 4, 0), *y = empty();
    const oct_tensor *in[1] = {x};
    tnode t = mk("MaxPool", 12, 1, 1);
    CHECK(run(t, in, &y, NULL) == OCT_E_INVALID); /* kernel_shape missing */
    CHECK(strstr(oct_errmsg(), "kernel_shape"));
    set_ints(N(t), "kernel_shape", 2, 5, 5, 0, 0);
    CHECK(run(t, in, &y, NULL) == OCT_E_SHAPE); /* kernel bigger than input */
    CHECK(strstr(oct_errmsg(), "larger"));
    set_ints(N(t), "kernel_shape", 1, 2, 0, 0, 0);
    CHECK(run(t, in, &y, NULL) == OCT_E_INVALID); /* wrong length */
    set_ints(N(t), "kernel_shape", 2, 2, -1, 0, 0);
    CHECK(run(t, in, &y, NULL) == OCT_E_INVALID); /* negative */
    set_ints(N(t), "kernel_shape", 2, 2, 2, 0, 0);
    set_ints(N(t), "pads", 3, 0, 0, 0, 0);
    CHECK(run(t, in, &y, NULL) == OCT_E_INVALID); /* pads length */
    set_ints(N(t), "pads", 4, 0, -1, 0, 0);
    CHECK(run(t, in, &y, NULL) == OCT_E_INVALID); /* negative pad */
    set_ints(N(t), "pads", 4, 2, 0, 0, 0);
    CHECK(run(t, in, &y, NULL) == OCT_E_INVALID); /* pad >= kernel */
    set_ints(N(t), "pads", 4, 1, 1, 1, 1);
    set_ints(N(t), "strides", 2, 0, 1, 0, 0);
    CHECK(run(t, in, &y, NULL) == OCT_E_INVALID); /* zero stride */
    set_ints(N(t), "strides", 2, 1, 1, 0, 0);
    oct_node_set_int(N(t), "storage_order", 2);
    CHECK(run(t, in, &y, NULL) == OCT_E_INVALID);
    oct_node_set_int(N(t), "storage_order", 0);
    CHECK(run(t, in, &y, NULL) == OCT_OK);
    oct_graph_free(t.g);
    /* dilations before AveragePool-19 */
    t = mk("AveragePool", 11, 1, 1);
    set_ints(N(t), "kernel_shape", 2, 2, 2, 0, 0);
    set_ints(N(t), "dilations", 2, 2, 2, 0, 0);
    CHECK(run(t, in, &y, NULL) == OCT_E_UNSUPPORTED);
    oct_graph_free(t.g);
    /* rank 2 input */
    t = mk("GlobalAveragePool", 1, 1, 1);
    oct_tensor *x2 = rand_t(2, 3, 4, 0, 0, 0);
    in[0] = x2;
    CHECK(run(t, in, &y, NULL) == OCT_E_SHAPE);
    oct_graph_free(t.g);
    oct_tensor_free(x2);
    oct_tensor_free(x);
    oct_tensor_free(y);
}

/* MaxPool on int8 and f16 and with Indices on a 3-D input. */
static void test_pool_dtypes(void)
{
    int64_t d[4] = {1, 1, 3, 3};
    int8_t xi[9] = {-5, 3, -1, 7, -8, 2, 0, -3, 4};
    oct_tensor *x = oct_tensor_wrap(OCT_DT_I8, 4, d, xi), *y = empty();
    const oct_tensor *in[1] = {x};
    tnode t = mk("MaxPool", 12, 1, 1);
    set_ints(N(t), "kernel_shape", 2, 2, 2, 0, 0);
    CHECK(run(t, in, &y, NULL) == OCT_OK);
    CHECK(y->dtype == OCT_DT_I8);
    int8_t *yi = y->data;
    CHECK(yi[0] == 7 && yi[1] == 3 && yi[2] == 7 && yi[3] == 4);
    tnode t11 = mk("MaxPool", 11, 1, 1); /* int8 pools need opset 12 */
    set_ints(N(t11), "kernel_shape", 2, 2, 2, 0, 0);
    CHECK(run(t11, in, &y, NULL) == OCT_E_UNSUPPORTED);
    oct_graph_free(t11.g);
    oct_tensor_free(x);
    uint16_t xh[9];
    for (int i = 0; i < 9; i++) xh[i] = oct_f32_to_f16((float)xi[i] * 0.5f);
    x = oct_tensor_wrap(OCT_DT_F16, 4, d, xh);
    in[0] = x;
    CHECK(run(t, in, &y, NULL) == OCT_OK);
    CHECK(y->dtype == OCT_DT_F16 && oct_f16_to_f32(((uint16_t *)y->data)[0]) == 3.5f);
    oct_tensor_free(x);
    oct_graph_free(t.g);

    /* 3-D with indices: row-major and column-major */
    t = mk("MaxPool", 12, 1, 2);
    set_ints(N(t), "kernel_shape", 3, 2, 2, 2, 0);
    oct_tensor *x3 = rand_t(5, 2, 1, 3, 3, 3), *idx = empty();
    in[0] = x3;
    oct_tensor *outs[2] = {y, idx};
    for (int so = 0; so < 2; so++) {
        oct_node_set_int(N(t), "storage_order", so);
        CHECK(run(t, in, outs, NULL) == OCT_OK);
        CHECK(idx->dtype == OCT_DT_I64 && oct_tensor_numel(idx) == 16);
        const int64_t *ix = idx->data;
        for (int i = 0; i < 16; i++) {
            int64_t v = ix[i], plane = v / 27, r = v % 27, off;
            if (so) off = (r % 3) * 9 + (r / 3 % 3) * 3 + r / 9; /* (d + h*D + w*D*H) -> row-major */
            else off = r;
            CHECK(plane == i / 8);
            CHECK(F(x3)[plane * 27 + off] == F(y)[i]);
        }
    }
    oct_tensor_free(x3);
    oct_tensor_free(idx);
    oct_tensor_free(y);
    oct_graph_free(t.g);
}


static void test_lppool(void)
{
    float xv[5] = {1, -2, 3, -4, 5};
    int64_t xd[3] = {1, 1, 5};
    oct_tensor *x = oct_tensor_wrap(OCT_DT_F32, 3, xd, xv), *y = empty();
    const oct_tensor *in[1] = {x};
    tnode t = mk("LpPool", 11, 1, 1);
    set_ints(N(t), "kernel_shape", 1, 2, 0, 0, 0);
    set_ints(N(t), "strides", 1, 2, 0, 0, 0);
    set_ints(N(t), "pads", 2, 1, 1, 0, 0);
    CHECK(run(t, in, &y, NULL) == OCT_OK); /* p defaults to 2 */
    CHECK(y->dims[2] == 3);
    if (y->dims[2] == 3) {
        CHECK_NEAR(F(y)[0], 1.0, 1e-6);
        CHECK_NEAR(F(y)[1], sqrt(13.0), 1e-5);
        CHECK_NEAR(F(y)[2], sqrt(41.0), 1e-5);
    }
    oct_node_set_int(N(t), "p", 3);
    CHECK(run(t, in, &y, NULL) == OCT_OK);
    CHECK_NEAR(F(y)[1], cbrt(35.0), 1e-5);
    oct_node_set_int(N(t), "p", 0);
    CHECK(run(t, in, &y, NULL) == OCT_E_INVALID);
    oct_graph_free(t.g);
    t = mk("LpPool", 1, 1, 1); /* opset 1: p is a float */
    set_ints(N(t), "kernel_shape", 1, 2, 0, 0, 0);
    set_ints(N(t), "strides", 1, 2, 0, 0, 0);
    set_ints(N(t), "pads", 2, 1, 1, 0, 0);
    oct_node_set_float(N(t), "p", 1.f);
    CHECK(run(t, in, &y, NULL) == OCT_OK);
    CHECK(F(y)[0] == 1.f && F(y)[1] == 5.f && F(y)[2] == 9.f);
    oct_graph_free(t.g);
    oct_tensor_free(x);
    oct_tensor_free(y);
}

static void test_global_pools(void)
{
    oct_pool *pool = oct_pool_new(3);
    oct_tensor *x = rand_t(4, 3, 50, 7, 9, 0), *y = empty();
    const oct_tensor *in[1] = {x};
    const char *ops[3] = {"GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"};
    for (int k = 0; k < 3; k++) {
        tnode t = mk(ops[k], 2, 1, 1);
        CHECK(run(t, in, &y, pool) == OCT_OK);
        CHECK(y->rank == 4 && y->dims[0] == 3 && y->dims[1] == 50 && y->dims[2] == 1 && y->dims[3] == 1);
        int ok = 1;
        for (int p = 0; p < 150; p++) {
            double s = 0, m = -1e30, l = 0;
            for (int i = 0; i < 63; i++) {
                double v = F(x)[p * 63 + i];
                s += v;
                m = v > m ? v : m;
                l += v * v;
            }
            double want = k == 0 ? s / 63 : k == 1 ? m : sqrt(l);
            ok &= fabs(F(y)[p] - want) <= 1e-5 * (1 + fabs(want));
        }
        CHECK_MSG(ok, "%s", ops[k]);
        oct_graph_free(t.g);
    }
    oct_tensor_free(x);
    oct_tensor_free(y);
    oct_pool_free(pool);
}

/* ------------------------------------------------------------ normalization */

static void test_batchnorm(void)
{
    oct_pool *pool = oct_pool_new(2);
    const int C = 5;
    tnode t = mk("BatchNormalization", 15, 5, 1);
    oct_node_set_float(N(t), "epsilon", 1e-3f);
    oct_tensor *x = rand_t(4, 2, C, 6, 7, 0), *p[4], *y1 = empty(), *y2 = empty();
    for (int i = 0; i < 4; i++) p[i] = rand_t(1, C, 0, 0, 0, 0);
    for (int c = 0; c < C; c++) F(p[3])[c] = fabsf(F(p[3])[c]) + 0.1f;
    const oct_tensor *in[5] = {x, p[0], p[1], p[2], p[3]};
    CHECK(run(t, in, &y1, pool) == OCT_OK);
    int ok = 1;
    for (int64_t i = 0; i < oct_tensor_numel(x); i++) {
        int c = (int)(i / 42 % C);
        double want = (F(x)[i] - F(p[2])[c]) / sqrt(F(p[3])[c] + 1e-3) * F(p[0])[c] + F(p[1])[c];
        ok &= fabs(F(y1)[i] - want) <= 1e-5 * (1 + fabs(want));
    }
    CHECK(ok);
    /* constant params: prepare() precomputes the per-channel affine */
    for (int i = 0; i < 4; i++) t.g->val[N(t)->in[i + 1]].constant = oct_tensor_clone(p[i]);
    const oct_op_def *d = oct_op_find("BatchNormalization", "", 15, NULL);
    N(t)->def = d;
    CHECK(d->prepare(N(t), t.g) == OCT_OK && N(t)->state != NULL);
    CHECK(run(t, in, &y2, NULL) == OCT_OK);
    CHECK(same(y1, y2, 1e-6));
    /* training mode and extra outputs are unsupported */
    oct_node_set_int(N(t), "training_mode", 1);
    CHECK(run(t, in, &y2, NULL) == OCT_E_UNSUPPORTED);
    oct_graph_free(t.g);
    /* spatial = 0 at opset 7: per-element params */
    t = mk("BatchNormalization", 7, 5, 1);
    oct_node_set_int(N(t), "spatial", 0);
    CHECK(run(t, in, &y2, NULL) == OCT_E_SHAPE);
    oct_tensor *q[4];
    for (int i = 0; i < 4; i++) q[i] = rand_t(3, C, 6, 7, 0, 0);
    for (int i = 0; i < C * 42; i++) F(q[3])[i] = fabsf(F(q[3])[i]) + 0.1f;
    const oct_tensor *in2[5] = {x, q[0], q[1], q[2], q[3]};
    CHECK(run(t, in2, &y2, NULL) == OCT_OK);
    ok = 1;
    for (int64_t i = 0; i < oct_tensor_numel(x); i++) {
        int64_t e = i % (C * 42);
        double want = (F(x)[i] - F(q[2])[e]) / sqrt(F(q[3])[e] + 1e-5) * F(q[0])[e] + F(q[1])[e];
        ok &= fabs(F(y2)[i] - want) <= 1e-5 * (1 + fabs(want));
    }
    CHECK(ok);
    for (int i = 0; i < 4; i++) {
        oct_tensor_free(p[i]);
        oct_tensor_free(q[i]);
    }
    oct_graph_free(t.g);
    oct_tensor_free(x);
    oct_tensor_free(y1);
    oct_tensor_free(y2);
    oct_pool_free(pool);
}

static void test_layernorm(void)
{
    oct_pool *pool = oct_pool_new(3);
    const int R = 37, D = 96;
    tnode t = mk("LayerNormalization", 17, 3, 3);
    oct_tensor *x = rand_t(3, 1, R, D, 0, 0), *s = rand_t(1, D, 0, 0, 0, 0), *b = rand_t(2, 1, D, 0, 0, 0);
    oct_tensor *y = empty(), *m = empty(), *iv = empty();
    for (int i = 0; i < R * D; i++) F(x)[i] = F(x)[i] * 3 + (float)(i / D);
    const oct_tensor *in[3] = {x, s, b};
    oct_tensor *out[3] = {y, m, iv};
    CHECK(run(t, in, out, pool) == OCT_OK);
    CHECK(m->rank == 3 && m->dims[1] == R && m->dims[2] == 1);
    int ok = 1;
    for (int r = 0; r < R; r++) {
        double mu = 0, var = 0;
        for (int i = 0; i < D; i++) mu += F(x)[r * D + i];
        mu /= D;
        for (int i = 0; i < D; i++) var += (F(x)[r * D + i] - mu) * (F(x)[r * D + i] - mu);
        var /= D;
        double inv = 1 / sqrt(var + 1e-5);
        ok &= fabs(F(m)[r] - mu) < 1e-4 && fabs(F(iv)[r] - inv) < 1e-4 * inv;
        for (int i = 0; i < D; i++) {
            double want = (F(x)[r * D + i] - mu) * inv * F(s)[i] + F(b)[i];
            ok &= fabs(F(y)[r * D + i] - want) <= 1e-4 * (1 + fabs(want));
        }
    }
    CHECK(ok);
    /* axis -2: Scale [D] broadcasts over [R, D]; no B; only Y requested */
    oct_node_set_int(N(t), "axis", -2);
    const oct_tensor *in2[3] = {x, s, NULL};
    oct_tensor *out2[3] = {y, NULL, NULL};
    CHECK(run(t, in2, out2, NULL) == OCT_OK);
    double mu = 0, var = 0;
    for (int i = 0; i < R * D; i++) mu += F(x)[i];
    mu /= R * D;
    for (int i = 0; i < R * D; i++) var += (F(x)[i] - mu) * (F(x)[i] - mu);
    var /= R * D;
    ok = 1;
    for (int i = 0; i < R * D; i++)
        ok &= fabs(F(y)[i] - (F(x)[i] - mu) / sqrt(var + 1e-5) * F(s)[i % D]) < 1e-4;
    CHECK(ok);
    /* bad Scale shape, bad axis, stash_type */
    oct_tensor *bad = rand_t(1, D + 1, 0, 0, 0, 0);
    in2[1] = bad;
    CHECK(run(t, in2, out2, NULL) == OCT_E_SHAPE);
    in2[1] = s;
    oct_node_set_int(N(t), "axis", 3);
    CHECK(run(t, in2, out2, NULL) == OCT_E_INVALID);
    oct_node_set_int(N(t), "axis", -1);
    oct_node_set_int(N(t), "stash_type", 10);
    CHECK(run(t, in2, out2, NULL) == OCT_E_UNSUPPORTED);
    oct_tensor_free(bad);
    oct_tensor_free(x);
    oct_tensor_free(s);
    oct_tensor_free(b);
    oct_tensor_free(y);
    oct_tensor_free(m);
    oct_tensor_free(iv);
    oct_graph_free(t.g);
    oct_pool_free(pool);
}

static void test_misc_norms(void)
{
    oct_tensor *x = rand_t(4, 2, 6, 3, 4, 0), *y = empty();
    const oct_tensor *in[3] = {x, NULL, NULL};
    /* LRN with an even size: window c-1 .. c+2 ... here size 4: [c-1, c+2] */
    tnode t = mk("LRN", 13, 1, 1);
    CHECK(run(t, in, &y, NULL) == OCT_E_INVALID); /* size required */
    oct_node_set_int(N(t), "size", 4);
    oct_node_set_float(N(t), "beta", 0.6f);
    CHECK(run(t, in, &y, NULL) == OCT_OK);
    int ok = 1;
    for (int n = 0; n < 2; n++)
        for (int c = 0; c < 6; c++)
            for (int s = 0; s < 12; s++) {
                double sq = 0;
                for (int k = c - 1; k <= c + 2; k++)
                    if (k >= 0 && k < 6) sq += pow(F(x)[(n * 6 + k) * 12 + s], 2);
                double v = F(x)[(n * 6 + c) * 12 + s];
                double want = v / pow(1.0 + 1e-4 / 4 * sq, 0.6);
                ok &= fabs(F(y)[(n * 6 + c) * 12 + s] - want) < 1e-5;
            }
    CHECK(ok);
    oct_graph_free(t.g);

    /* MVN over axes [1] */
    t = mk("MeanVarianceNormalization", 13, 1, 1);
    set_ints(N(t), "axes", 1, 1, 0, 0, 0);
    CHECK(run(t, in, &y, NULL) == OCT_OK);
    ok = 1;
    for (int n = 0; n < 2; n++)
        for (int s = 0; s < 12; s++) {
            double mu = 0, m2 = 0;
            for (int c = 0; c < 6; c++) {
                double v = F(x)[(n * 6 + c) * 12 + s];
                mu += v / 6;
                m2 += v * v / 6;
            }
            for (int c = 0; c < 6; c++) {
                double want = (F(x)[(n * 6 + c) * 12 + s] - mu) / (sqrt(m2 - mu * mu) + 1e-9);
                ok &= fabs(F(y)[(n * 6 + c) * 12 + s] - want) < 1e-4;
            }
        }
    CHECK(ok);
    set_ints(N(t), "axes", 1, 4, 0, 0, 0);
    CHECK(run(t, in, &y, NULL) == OCT_E_INVALID);
    oct_graph_free(t.g);

    /* LpNormalization p = 1 along axis 1 */
    t = mk("LpNormalization", 1, 1, 1);
    oct_node_set_int(N(t), "axis", 1);
    oct_node_set_int(N(t), "p", 1);
    CHECK(run(t, in, &y, NULL) == OCT_OK);
    ok = 1;
    for (int n = 0; n < 2; n++)
        for (int s = 0; s < 12; s++) {
            double l1 = 0;
            for (int c = 0; c < 6; c++) l1 += fabs(F(x)[(n * 6 + c) * 12 + s]);
            for (int c = 0; c < 6; c++) ok &= fabs(F(y)[(n * 6 + c) * 12 + s] - F(x)[(n * 6 + c) * 12 + s] / l1) < 1e-5;
        }
    CHECK(ok);
    oct_node_set_int(N(t), "p", 3);
    CHECK(run(t, in, &y, NULL) == OCT_E_INVALID);
    oct_graph_free(t.g);

    /* InstanceNormalization: param shape is checked */
    t = mk("InstanceNormalization", 6, 3, 1);
    oct_tensor *sc = rand_t(1, 6, 0, 0, 0, 0), *bi = rand_t(1, 5, 0, 0, 0, 0);
    const oct_tensor *in3[3] = {x, sc, bi};
    CHECK(run(t, in3, &y, NULL) == OCT_E_SHAPE);
    in3[2] = sc;
    CHECK(run(t, in3, &y, NULL) == OCT_OK);
    ok = 1;
    for (int p = 0; p < 12; p++) {
        double mu = 0, var = 0;
        for (int i = 0; i < 12; i++) mu += F(x)[p * 12 + i] / 12;
        for (int i = 0; i < 12; i++) var += pow(F(x)[p * 12 + i] - mu, 2) / 12;
        for (int i = 0; i < 12; i++) {
            double want = (F(x)[p * 12 + i] - mu) / sqrt(var + 1e-5) * F(sc)[p % 6] + F(sc)[p % 6];
            ok &= fabs(F(y)[p * 12 + i] - want) < 1e-4;
        }
    }
    CHECK(ok);
    oct_graph_free(t.g);
    oct_tensor_free(sc);
    oct_tensor_free(bi);
    oct_tensor_free(x);
    oct_tensor_free(y);
}


/* ------------------------------------------------------------ extra ops */

static oct_status einsum(const char *eq, int n_in, const oct_tensor **in, oct_tensor *y, oct_pool *pool)
{
    tnode t = mk("Einsum", 12, n_in, 1);
    set_str(N(t), "equation", eq);
    oct_status st = run(t, in, &y, pool);
    oct_graph_free(t.g);
    return st;
}

static void test_einsum(void)
{
    oct_pool *pool = oct_pool_new(3);
    oct_tensor *y = empty();
    /* attention-style batched matmul with B transposed: GEMM path */
    const int B = 2, H = 3, Q = 9, K = 11, D = 8;
    oct_tensor *a = rand_t(4, B, H, Q, D, 0), *b = rand_t(4, B, H, K, D, 0);
    const oct_tensor *in[3] = {a, b, NULL};
    CHECK(einsum("bhqd,bhkd->bhqk", 2, in, y, pool) == OCT_OK);
    CHECK(y->rank == 4 && y->dims[2] == Q && y->dims[3] == K);
    int ok = 1;
    for (int i = 0; i < B * H; i++)
        for (int q = 0; q < Q; q++)
            for (int k = 0; k < K; k++) {
                double s = 0;
                for (int d = 0; d < D; d++) s += F(a)[(i * Q + q) * D + d] * F(b)[(i * K + k) * D + d];
                ok &= fabs(F(y)[(i * Q + q) * K + k] - s) < 1e-4;
            }
    CHECK(ok);
    /* the same contraction with a permuted output (copy-out path) and with a
     * permuted A (copy-in path) against the generic loop via a diagonal-free
     * but tiny-size equivalent is checked element-wise */
    CHECK(einsum("bhqd,bhkd->kbqh", 2, in, y, pool) == OCT_OK);
    CHECK(y->dims[0] == K && y->dims[1] == B && y->dims[2] == Q && y->dims[3] == H);
    ok = 1;
    for (int bb = 0; bb < B; bb++)
        for (int h = 0; h < H; h++)
            for (int q = 0; q < Q; q++)
                for (int k = 0; k < K; k++) {
                    double s = 0;
                    int i = bb * H + h;
                    for (int d = 0; d < D; d++) s += F(a)[(i * Q + q) * D + d] * F(b)[(i * K + k) * D + d];
                    ok &= fabs(F(y)[((k * B + bb) * Q + q) * H + h] - s) < 1e-4;
                }
    CHECK(ok);
    oct_tensor *at = rand_t(2, 40, 20, 0, 0, 0), *bt = rand_t(2, 40, 30, 0, 0, 0);
    in[0] = at;
    in[1] = bt;
    CHECK(einsum("ki,kj", 2, in, y, NULL) == OCT_OK); /* implicit -> ij, A transposed */
    CHECK(y->rank == 2 && y->dims[0] == 20 && y->dims[1] == 30);
    ok = 1;
    for (int i = 0; i < 20; i++)
        for (int j = 0; j < 30; j++) {
            double s = 0;
            for (int k = 0; k < 40; k++) s += F(at)[k * 20 + i] * F(bt)[k * 30 + j];
            ok &= fabs(F(y)[i * 30 + j] - s) < 1e-4;
        }
    CHECK(ok);
    /* sum over a label of one operand only (generic path) */
    CHECK(einsum("ki,kj->i", 2, in, y, pool) == OCT_OK);
    ok = y->rank == 1 && y->dims[0] == 20;
    for (int i = 0; i < 20 && ok; i++) {
        double s = 0;
        for (int k = 0; k < 40; k++)
            for (int j = 0; j < 30; j++) s += F(at)[k * 20 + i] * F(bt)[k * 30 + j];
        ok &= fabs(F(y)[i] - s) < 1e-3;
    }
    CHECK(ok);
    /* ellipsis broadcasting: [2,1,3,4] x [5,4,6] -> [2,5,3,6] */
    oct_tensor *e1 = rand_t(4, 2, 1, 3, 4, 0), *e2 = rand_t(3, 5, 4, 6, 0, 0);
    in[0] = e1;
    in[1] = e2;
    CHECK(einsum("...ij,...jk->...ik", 2, in, y, pool) == OCT_OK);
    CHECK(y->rank == 4 && y->dims[0] == 2 && y->dims[1] == 5 && y->dims[2] == 3 && y->dims[3] == 6);
    ok = 1;
    for (int p = 0; p < 2; p++)
        for (int q = 0; q < 5; q++)
            for (int i = 0; i < 3; i++)
                for (int k = 0; k < 6; k++) {
                    double s = 0;
                    for (int j = 0; j < 4; j++) s += F(e1)[(p * 3 + i) * 4 + j] * F(e2)[(q * 4 + j) * 6 + k];
                    ok &= fabs(F(y)[((p * 5 + q) * 3 + i) * 6 + k] - s) < 1e-5;
                }
    CHECK(ok);
    /* trace and three operands */
    oct_tensor *sq = rand_t(2, 5, 5, 0, 0, 0);
    in[0] = sq;
    CHECK(einsum("ii", 1, in, y, NULL) == OCT_OK);
    double tr = 0;
    for (int i = 0; i < 5; i++) tr += F(sq)[i * 6];
    CHECK(y->rank == 0 && fabs(F(y)[0] - tr) < 1e-5);
    in[1] = sq;
    in[2] = sq;
    CHECK(einsum("ij,jk,kl->il", 3, in, y, NULL) == OCT_OK);
    double s3 = 0;
    for (int j = 0; j < 5; j++)
        for (int k = 0; k < 5; k++) s3 += F(sq)[j] * F(sq)[j * 5 + k] * F(sq)[k * 5 + 4];
    CHECK(fabs(F(y)[4] - s3) < 1e-4);
    /* errors */
    in[1] = e2;
    CHECK(einsum("ij,jk", 1, in, y, NULL) == OCT_E_INVALID);   /* two terms, one input */
    CHECK(einsum("ij,jk->ik", 2, in, y, NULL) == OCT_E_SHAPE); /* e2 has rank 3 */
    CHECK(einsum("i1,jk->ik", 2, in, y, NULL) == OCT_E_INVALID);
    CHECK(einsum("ij->iz", 1, in, y, NULL) == OCT_E_INVALID);
    for (oct_tensor **t = (oct_tensor *[]){a, b, at, bt, e1, e2, sq, y, NULL}; *t; t++) oct_tensor_free(*t);
    oct_pool_free(pool);
}

static void test_topk(void)
{
    oct_pool *pool = oct_pool_new(2);
    /* 3 x 200 along axis 1, with ties and a NaN; k 5 (heap) and k 150 (sort) */
    oct_tensor *x = rand_t(2, 3, 200, 0, 0, 0), *v = empty(), *ix = empty();
    for (int i = 0; i < 600; i += 7) F(x)[i] = 0.25f;
    F(x)[401] = NAN;
    int64_t kd[1] = {1};
    for (int pass = 0; pass < 4; pass++) {
        int64_t kv = pass & 1 ? 150 : 5;
        int largest = pass < 2;
        oct_tensor *k = oct_tensor_wrap(OCT_DT_I64, 1, kd, &kv);
        tnode t = mk("TopK", 11, 2, 2);
        oct_node_set_int(N(t), "largest", largest);
        const oct_tensor *in[2] = {x, k};
        oct_tensor *out[2] = {v, ix};
        CHECK(run(t, in, out, pool) == OCT_OK);
        CHECK(v->dims[1] == kv && ix->dtype == OCT_DT_I64);
        int ok = 1;
        for (int r = 0; r < 3; r++) {
            const int64_t *I = (const int64_t *)ix->data + r * kv;
            for (int j = 0; j < kv; j++) {
                float vj = F(v)[r * kv + j], xj = F(x)[r * 200 + I[j]];
                ok &= (isnan(vj) && isnan(xj)) || vj == xj;
                if (j > 0) {
                    float p = F(v)[r * kv + j - 1];
                    int before = isnan(p) ? largest : isnan(vj) ? !largest : largest ? p > vj : p < vj;
                    ok &= before || (p == vj && I[j - 1] < I[j]);
                }
            }
            /* the k-th value bounds all values not returned */
            float kth = F(v)[r * kv + kv - 1];
            int cnt = 0;
            for (int i = 0; i < 200; i++) {
                float xv = F(x)[r * 200 + i];
                if (isnan(xv)) continue;
                cnt += largest ? xv > kth : xv < kth;
            }
            ok &= cnt < kv;
        }
        if (largest) CHECK(isnan(F(v)[2 * kv])); /* NaN ranks first when largest */
        CHECK_MSG(ok, "pass %d", pass);
        oct_tensor_free(k);
        oct_graph_free(t.g);
    }
    int64_t kv = 201;
    oct_tensor *k = oct_tensor_wrap(OCT_DT_I64, 1, kd, &kv);
    tnode t = mk("TopK", 11, 2, 2);
    const oct_tensor *in[2] = {x, k};
    oct_tensor *out[2] = {v, ix};
    CHECK(run(t, in, out, NULL) == OCT_E_INVALID);
    oct_graph_free(t.g);
    oct_tensor_free(k);
    oct_tensor_free(x);
    oct_tensor_free(v);
    oct_tensor_free(ix);
    oct_pool_free(pool);
}

static void test_resize(void)
{
    /* u8 nearest 2x, f16 linear vs f32 linear, identity axes, errors */
    int64_t d[4] = {1, 2, 3, 4};
    uint8_t xb[24];
    for (int i = 0; i < 24; i++) xb[i] = (uint8_t)(i * 10);
    oct_tensor *x = oct_tensor_wrap(OCT_DT_U8, 4, d, xb), *y = empty();
    float sv[4] = {1, 1, 2, 2};
    int64_t sd[1] = {4};
    oct_tensor *sc = oct_tensor_wrap(OCT_DT_F32, 1, sd, sv);
    tnode t = mk("Resize", 13, 3, 1);
    const oct_tensor *in[4] = {x, NULL, sc, NULL};
    CHECK(run(t, in, &y, NULL) == OCT_OK);
    CHECK(y->dtype == OCT_DT_U8 && y->dims[2] == 6 && y->dims[3] == 8);
    int ok = 1;
    for (int c = 0; c < 2; c++)
        for (int h = 0; h < 6; h++)
            for (int w = 0; w < 8; w++) ok &= ((uint8_t *)y->data)[(c * 6 + h) * 8 + w] == xb[(c * 3 + h / 2) * 4 + w / 2];
    CHECK(ok);
    set_str(N(t), "mode", "linear");
    CHECK(run(t, in, &y, NULL) == OCT_E_UNSUPPORTED); /* u8 linear */
    oct_tensor *xf = rand_t(4, 1, 2, 3, 4, 0), *yf = empty();
    uint16_t xh[24];
    for (int i = 0; i < 24; i++) xh[i] = oct_f32_to_f16(F(xf)[i]);
    oct_tensor *xhf = oct_tensor_wrap(OCT_DT_F16, 4, d, xh);
    set_str(N(t), "coordinate_transformation_mode", "align_corners");
    in[0] = xf;
    CHECK(run(t, in, &yf, NULL) == OCT_OK);
    /* align_corners 2x linear: corners are kept */
    CHECK(F(yf)[0] == F(xf)[0] && fabsf(F(yf)[47] - F(xf)[11]) < 1e-6f && fabsf(F(yf)[95] - F(xf)[23]) < 1e-6f);
    in[0] = xhf;
    CHECK(run(t, in, &y, NULL) == OCT_OK);
    ok = y->dtype == OCT_DT_F16;
    for (int i = 0; i < 96 && ok; i++) ok &= fabsf(oct_f16_to_f32(((uint16_t *)y->data)[i]) - F(yf)[i]) < 2e-3f;
    CHECK(ok);
    /* identity: scales all 1 */
    sv[2] = sv[3] = 1;
    in[0] = xf;
    CHECK(run(t, in, &yf, NULL) == OCT_OK);
    CHECK(same(yf, xf, 0));
    /* errors: scales and sizes together, wrong length, non-positive scale */
    int64_t szv[4] = {1, 2, 3, 4};
    oct_tensor *sz = oct_tensor_wrap(OCT_DT_I64, 1, sd, szv);
    tnode t4 = mk("Resize", 13, 4, 1);
    const oct_tensor *in4[4] = {xf, NULL, sc, sz};
    CHECK(run(t4, in4, &yf, NULL) == OCT_E_INVALID);
    oct_graph_free(t4.g);
    sv[3] = 0;
    CHECK(run(t, in, &yf, NULL) == OCT_E_INVALID);
    sd[0] = 3;
    oct_tensor *sc3 = oct_tensor_wrap(OCT_DT_F32, 1, sd, sv);
    in[2] = sc3;
    CHECK(run(t, in, &yf, NULL) == OCT_E_INVALID);
    /* Upsample-7: scales attribute, linear = asymmetric */
    tnode u = mk("Upsample", 7, 1, 1);
    float us[4] = {1, 1, 1, 2};
    oct_node_set_float(N(u), "dummy", 0); /* attribute list with floats set below */
    for (int i = 0; i < N(u)->n_attr; i++)
        if (!strcmp(N(u)->attr[i].name, "dummy")) {
            free(N(u)->attr[i].name);
            N(u)->attr[i].name = strdup("scales");
            N(u)->attr[i].type = OCT_ATTR_FLOATS;
            N(u)->attr[i].floats = malloc(sizeof us);
            memcpy(N(u)->attr[i].floats, us, sizeof us);
            N(u)->attr[i].n = 4;
        }
    set_str(N(u), "mode", "linear");
    const oct_tensor *in1[1] = {xf};
    CHECK(run(u, in1, &yf, NULL) == OCT_OK);
    CHECK(yf->dims[3] == 8);
    /* asymmetric: y[2w] = x[w], y[2w+1] = (x[w] + x[w+1]) / 2, last clamps */
    CHECK(fabsf(F(yf)[2] - F(xf)[1]) < 1e-6f && fabsf(F(yf)[3] - 0.5f * (F(xf)[1] + F(xf)[2])) < 1e-6f);
    CHECK(fabsf(F(yf)[7] - F(xf)[3]) < 1e-6f);
    oct_graph_free(u.g);
    /* opset 18: axes + keep_aspect_ratio_policy; opset 19: half_pixel_symmetric */
    tnode t18 = mk("Resize", 19, 4, 1);
    set_ints(N(t18), "axes", 2, 2, -1, 0, 0);
    int64_t s2v[2] = {6, 6}, s2d[1] = {2};
    oct_tensor *sz2 = oct_tensor_wrap(OCT_DT_I64, 1, s2d, s2v), *y2 = empty();
    const oct_tensor *in18[4] = {xf, NULL, NULL, sz2};
    CHECK(run(t18, in18, &yf, NULL) == OCT_OK);
    CHECK(yf->dims[0] == 1 && yf->dims[1] == 2 && yf->dims[2] == 6 && yf->dims[3] == 6);
    set_str(N(t18), "keep_aspect_ratio_policy", "not_larger"); /* scale min(2, 1.5): 3x4 -> 5x6 (4.5 rounds up) */
    CHECK(run(t18, in18, &yf, NULL) == OCT_OK);
    CHECK(yf->dims[2] == 5 && yf->dims[3] == 6);
    set_str(N(t18), "keep_aspect_ratio_policy", "not_smaller"); /* scale 2: 3x4 -> 6x8 */
    CHECK(run(t18, in18, &yf, NULL) == OCT_OK);
    CHECK(yf->dims[2] == 6 && yf->dims[3] == 8);
    set_str(N(t18), "keep_aspect_ratio_policy", "sideways");
    CHECK(run(t18, in18, &yf, NULL) == OCT_E_INVALID);
    set_str(N(t18), "keep_aspect_ratio_policy", "stretch");
    /* integer scales: half_pixel_symmetric == half_pixel */
    s2v[0] = 6;
    s2v[1] = 8;
    set_str(N(t18), "mode", "linear");
    CHECK(run(t18, in18, &yf, NULL) == OCT_OK);
    set_str(N(t18), "coordinate_transformation_mode", "half_pixel_symmetric");
    CHECK(run(t18, in18, &y2, NULL) == OCT_OK);
    CHECK(same(yf, y2, 1e-6));
    oct_node_set_int(N(t18), "antialias", 1);
    CHECK(run(t18, in18, &y2, NULL) == OCT_E_UNSUPPORTED);
    oct_graph_free(t18.g);
    oct_tensor_free(sz2);
    oct_tensor_free(y2);
    oct_graph_free(t.g);
    for (oct_tensor **p = (oct_tensor *[]){x, y, sc, xf, yf, xhf, sz, sc3, NULL}; *p; p++) oct_tensor_free(*p);
}

int main(void)
{
    test_pool_fast_vs_ref();
    test_pool_threads();
    test_pool_shapes();
    test_pool_errors();
    test_pool_dtypes();
    test_lppool();
    test_global_pools();
    test_batchnorm();
    test_layernorm();
    test_misc_norms();
    test_einsum();
    test_topk();
    test_resize();
    TEST_DONE();
}
