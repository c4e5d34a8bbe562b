/* The channels-last integer chain (graph/pass_nhwc.c, ops qconv_nhwc.c and
 * maxpool_nhwc.c) against the NCHW operators it replaces, on random data:
 * a QLinearConv (+ ReLU clamp) -> MaxPool -> QLinearConv graph built in
 * memory, loaded with the pass (OCTET_NHWC unset) and without it
 * (OCTET_NHWC=0). The NHWC convolution requantizes in fixed point (gemmlowp
 * rounding) where QLinearConv rounds the float product half to even, so
 * outputs may differ by 1 near rounding ties: at most 1 everywhere and in
 * under 1% of the values. Geometries: 5x5 pad 2 from one channel,
 * 3x3 stride 2 pad 1, 1x1 (the GEMM reads the input itself), 2x2 stride 2,
 * 32 and 64 channels (window rows over 64 bytes), ReLU and Clip clamps.
 * The NHWC result is also computed on every integer GEMM path the CPU has
 * (AMX runs the convolution as an implicit GEMM without im2col, the others
 * through im2col) and on the OpenCL device (PoCL in CI; kernels_cl/qconv_i8.cl):
 * all bit-identical. */
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/qgemm.h"
#include "graph/passes.h"
#include "ops/op.h"
#include "runtime/session.h"
#include "test_util.h"

static uint64_t rng = 12345;
static uint32_t rnd(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng >> 33);
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

static int scalar(oct_graph *g, const char *name, oct_dtype dt, double v)
{
    oct_tensor *t = oct_tensor_new(dt, 0, NULL);
    oct_dtype_set(dt, t->data, 0, v);
    return add_const(g, name, t);
}

typedef struct conv_spec {
    int cin, cout, k, stride, pad;
    oct_act_kind act;
} conv_spec;

/* x [N, cin, H, W] u8 -> QLinearConv -> MaxPool 2x2 -> QLinearConv (1x1) -> y */
static oct_graph *build(const conv_spec *c, int H)
{
    oct_graph *g = oct_graph_new();
    oct_graph_set_opset(g, "", 13);
    int x = oct_graph_add_value(g, "x");
    g->val[x].dtype = OCT_DT_U8;
    g->val[x].rank = 4;
    int64_t xd[4] = {-1, c->cin, H, H};
    memcpy(g->val[x].dims, xd, sizeof xd);
    g->in = malloc(sizeof(int));
    g->in[0] = x;
    g->n_in = 1;
    int prev = x, cin = c->cin;
    for (int layer = 0; layer < 2; layer++) {
        int cout = layer == 0 ? c->cout : 8, k = layer == 0 ? c->k : 1;
        char nm[64];
        int64_t wd[4] = {cout, cin, k, k}, bd = cout;
        oct_tensor *w = oct_tensor_new(OCT_DT_I8, 4, wd), *ws = oct_tensor_new(OCT_DT_F32, 1, &bd);
        oct_tensor *wz = oct_tensor_new(OCT_DT_I8, 1, &bd), *b = oct_tensor_new(OCT_DT_I32, 1, &bd);
        for (int64_t i = 0; i < oct_tensor_numel(w); i++) ((int8_t *)w->data)[i] = (int8_t)(rnd() % 255 - 127);
        for (int i = 0; i < cout; i++) {
            ((float *)ws->data)[i] = 0.001f + 0.0001f * (float)(rnd() % 50);
            ((int32_t *)b->data)[i] = (int32_t)(rnd() % 4001) - 2000;
        }
        int in[9];
        in[0] = prev;
        snprintf(nm, sizeof nm, "xs%d", layer), in[1] = scalar(g, nm, OCT_DT_F32, 0.05);
        snprintf(nm, sizeof nm, "xz%d", layer), in[2] = scalar(g, nm, OCT_DT_U8, layer ? 3 : 128);
        snprintf(nm, sizeof nm, "w%d", layer), in[3] = add_const(g, nm, w);
        snprintf(nm, sizeof nm, "ws%d", layer), in[4] = add_const(g, nm, ws);
        snprintf(nm, sizeof nm, "wz%d", layer), in[5] = add_const(g, nm, wz);
        snprintf(nm, sizeof nm, "ys%d", layer), in[6] = scalar(g, nm, OCT_DT_F32, 0.4);
        snprintf(nm, sizeof nm, "yz%d", layer), in[7] = scalar(g, nm, OCT_DT_U8, 100);
        snprintf(nm, sizeof nm, "b%d", layer), in[8] = add_const(g, nm, b);
        snprintf(nm, sizeof nm, "conv%d_out", layer);
        int y = oct_graph_add_value(g, nm);
        snprintf(nm, sizeof nm, "conv%d", layer);
        int kk = oct_graph_add_node(g, "QLinearConv", "", nm, 9, in, 1, &y);
        oct_node *n = &g->node[kk];
        int64_t ks[2] = {k, k}, st[2] = {layer ? 1 : c->stride, layer ? 1 : c->stride};
        int64_t pads[4] = {layer ? 0 : c->pad, layer ? 0 : c->pad, layer ? 0 : c->pad, layer ? 0 : c->pad};
        oct_node_set_ints(n, "kernel_shape", ks, 2);
        oct_node_set_ints(n, "strides", st, 2);
        oct_node_set_ints(n, "pads", pads, 4);
        if (layer == 0) {
            n->act.kind = c->act;
            n->act.alpha = 0.f;
            n->act.beta = 30.f;
            int64_t two[2] = {2, 2};
            int p = oct_graph_add_value(g, "pool_out");
            int mk = oct_graph_add_node(g, "MaxPool", "", "pool", 1, &y, 1, &p);
            oct_node_set_ints(&g->node[mk], "kernel_shape", two, 2);
            oct_node_set_ints(&g->node[mk], "strides", two, 2);
            y = p;
        }
        prev = y;
        cin = cout;
    }
    g->out = malloc(sizeof(int));
    g->out[0] = prev;
    g->n_out = 1;
    oct_graph_link(g);
    return g;
}

static int device_nodes; /* nodes the last run_on session placed on the device */

static oct_tensor *run_on(oct_graph *g, const oct_tensor *x, int nhwc, int *n_nhwc, const char *device)
{
    setenv("OCTET_NHWC", nhwc ? "1" : "0", 1);
    oct_session *s = NULL;
    oct_session_opts o;
    oct_session_opts_default(&o);
    o.device = device;
    oct_status st = oct_graph_resolve_ops(g);
    if (st == OCT_OK) st = oct_session_from_graph(g, &o, &s);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    if (!s) return NULL;
    const oct_graph *sg = oct_session_graph(s);
    *n_nhwc = 0;
    device_nodes = 0;
    for (int i = 0; i < sg->n_node; i++) {
        *n_nhwc += !strcmp(sg->node[i].domain, "com.octet");
        device_nodes += oct_session_node_on_device(s, i);
    }
    oct_tensor *out[1] = {0};
    CHECK_MSG(oct_session_run(s, &x, out) == OCT_OK, "%s", oct_errmsg());
    oct_session_free(s);
    return out[0];
}

static oct_tensor *run(oct_graph *g, const oct_tensor *x, int nhwc, int *n_nhwc)
{
    return run_on(g, x, nhwc, n_nhwc, "cpu");
}

int main(void)
{
    const conv_spec specs[] = {
        {1, 16, 5, 1, 2, OCT_ACT_RELU},
        {16, 32, 3, 2, 1, OCT_ACT_CLIP},
        {24, 40, 1, 1, 0, OCT_ACT_NONE},
        {3, 20, 3, 1, 0, OCT_ACT_RELU},
        {32, 16, 3, 1, 1, OCT_ACT_RELU}, /* a 96-byte window row: two 64-byte chunks */
        {8, 24, 2, 2, 0, OCT_ACT_NONE},
        {64, 32, 3, 1, 1, OCT_ACT_CLIP},
        {2, 8, 3, 2, 1, OCT_ACT_RELU},  /* a small window folded into one chunk, stride 2 */
        {4, 12, 3, 1, 1, OCT_ACT_NONE}, /* folded, 36 bytes */
    };
    oct_qgemm_path paths[] = {OCT_QGEMM_AMX, OCT_QGEMM_AVX512VNNI, OCT_QGEMM_AVXVNNI, OCT_QGEMM_AVX2,
                              OCT_QGEMM_SCALAR};
    for (size_t t = 0; t < sizeof specs / sizeof specs[0]; t++) {
        const conv_spec *c = &specs[t];
        int H = 18;
        int64_t xd[4] = {3, c->cin, H, H};
        oct_tensor *x = oct_tensor_new(OCT_DT_U8, 4, xd);
        for (int64_t i = 0; i < oct_tensor_numel(x); i++) ((uint8_t *)x->data)[i] = (uint8_t)(rnd() & 255);
        int n1 = 0, n2 = 0;
        uint64_t seed = rng;
        oct_tensor *ya = run(build(c, H), x, 0, &n1);
        rng = seed; /* the same weights */
        oct_tensor *yb = run(build(c, H), x, 1, &n2);

        /* conv0 and the pool go NHWC; conv1 writes the graph output, which stays NCHW */
        CHECK_MSG(n1 == 0 && n2 == 2, "case %zu: %d / %d com.octet nodes", t, n1, n2);
        if (ya && yb) {
            CHECK(ya->rank == 4 && yb->rank == 4 && !memcmp(ya->dims, yb->dims, sizeof ya->dims));
            int64_t n = oct_tensor_numel(ya), diff = 0, big = 0;
            for (int64_t i = 0; i < n; i++) {
                int d = abs((int)((uint8_t *)ya->data)[i] - (int)((uint8_t *)yb->data)[i]);
                diff += d != 0;
                big += d > 1;
            }
            printf("case %zu: %lld values, %lld differ by 1, %lld by more\n", t, (long long)n, (long long)diff,
                   (long long)big);
            CHECK_MSG(big == 0 && diff * 100 < n, "case %zu: %lld / %lld differ", t, (long long)diff, (long long)n);
        }
        for (size_t pi = 0; yb && pi < sizeof paths / sizeof paths[0]; pi++) {
            if (!oct_qgemm_path_supported(paths[pi])) continue;
            oct_qgemm_path_set(paths[pi]);
            rng = seed;
            int n3 = 0;
            oct_tensor *yp = run(build(c, H), x, 1, &n3);
            oct_qgemm_path_set(OCT_QGEMM_AUTO);
            CHECK_MSG(yp && oct_tensor_numel(yp) == oct_tensor_numel(yb) &&
                          !memcmp(yp->data, yb->data, (size_t)oct_tensor_numel(yb)),
                      "case %zu: path %s differs from the default path's result", t, oct_qgemm_path_name(paths[pi]));
            oct_tensor_free(yp);
        }
        if (yb) { /* the OpenCL twin of QLinearConvNhwc */
            rng = seed;
            int n3 = 0;
            oct_tensor *yd = run_on(build(c, H), x, 1, &n3, "opencl");
            const char *skip = getenv("OCTET_CL_TESTS");
            if (!(skip && !strcmp(skip, "skip"))) CHECK_MSG(device_nodes > 0, "case %zu: nothing ran on the OpenCL device", t);
            CHECK_MSG(yd && oct_tensor_numel(yd) == oct_tensor_numel(yb) &&
                          !memcmp(yd->data, yb->data, (size_t)oct_tensor_numel(yb)),
                      "case %zu: the OpenCL device differs from the CPU", t);
            oct_tensor_free(yd);
        }
        oct_tensor_free(x);
        oct_tensor_free(ya);
        oct_tensor_free(yb);
    }
    TEST_DONE();
}
