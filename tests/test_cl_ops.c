/* Backend cross-check: every op the OpenCL device implements, as a one-node
 * graph, run on the device and on the CPU with random inputs and edge cases
 * (broadcasting shapes, odd sizes, borders, groups / depthwise, strides,
 * dilations, asymmetric pads, fused activations and residual sums, values
 * that are 0 or negative); FP32 outputs agree within 1e-5 relative (sums
 * scaled by their length). Each case also checks that the node did run on the
 * device. With no OpenCL device the test fails (OCTET_CL_TESTS=skip skips). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/dtype.h"
#include "ops/op.h"
#include "runtime/session.h"
#include "test_util.h"

static uint32_t rng = 2166136261u;
static float frnd(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((int)(rng >> 9) % 2001 - 1000) / 500.f;
}

typedef struct spec {
    const char *op;
    int n_in;
    int ranks[4];
    int64_t dims[4][6];
    int constant[4]; /* input i is a constant (weights) */
    int64_t ints[3][4];
    const char *int_names[3];
    int n_ints[3]; /* 0: a scalar int attribute (ints[a][0]) */
    oct_act act;     /* fused activation (Conv / Gemm / MatMul); input 3 of a Conv is the fused residual sum */
    int opset;       /* 0: 13 */
    int f16w;        /* input 1 (the weights) is an fp16 constant, as FP16 mode makes it */
    int qlin;        /* Quantize / DequantizeLinear: inputs 1, 2 are scale 0.037 and zero point (1: uint8 131, 2: int8 -5) */
    int u8in;        /* input 0 holds bytes (1: uint8, 2: int8) */
    int gather;      /* Gather: input 1 is the constant int64 indices {2, -1, 0, 2} */
    int qconv;       /* QLinearConv: x (u8in) and W (dims[1]) given, the rest made here; 1: int8 W, per-channel
                      * scales, zero zp; 2: uint8 W, zero point 119 (W - zp fits int8) */
} spec;

static int add_tensor_value(oct_graph *g, const char *name, int rank, const int64_t *dims, int constant, int f16)
{
    int v = oct_graph_add_value(g, name);
    oct_dtype dt = f16 == 1 ? OCT_DT_F16 : f16 == 2 ? OCT_DT_U8 : f16 == 3 ? OCT_DT_I8 : OCT_DT_F32;
    g->val[v].dtype = dt;
    g->val[v].rank = rank;
    memcpy(g->val[v].dims, dims, sizeof(int64_t) * (size_t)rank);
    if (constant) {
        oct_tensor *t = oct_tensor_new(dt, rank, dims);
        for (int64_t i = 0; i < oct_tensor_numel(t); i++) oct_dtype_set(dt, t->data, (size_t)i, frnd());
        g->val[v].constant = t;
    }
    return v;
}

/* Build the one-node graph; the non-constant inputs become graph inputs. */
static oct_graph *build(const spec *c, int *n_graph_in)
{
    oct_graph *g = oct_graph_new();
    oct_graph_set_opset(g, "", c->opset ? c->opset : 13);
    int in[9], y = oct_graph_add_value(g, "y");
    *n_graph_in = 0;
    g->in = malloc(sizeof(int) * 5);
    for (int i = 0; i < c->n_in; i++) {
        char nm[16];
        snprintf(nm, sizeof nm, "in%d", i);
        int kind = i == 1 && c->f16w ? 1 : i == 0 && c->u8in ? 1 + c->u8in : 0;
        in[i] = c->ranks[i] ? add_tensor_value(g, nm, c->ranks[i], c->dims[i], c->constant[i], kind) : -1;
        if (in[i] >= 0 && !c->constant[i]) g->in[(*n_graph_in)++] = in[i];
    }
    g->n_in = *n_graph_in;
    if (c->gather) {
        int64_t nidx = 4;
        oct_tensor *ix = oct_tensor_new(OCT_DT_I64, 1, &nidx);
        int64_t vals[4] = {2, -1, 0, 2};
        memcpy(ix->data, vals, sizeof vals);
        in[1] = oct_graph_add_value(g, "indices");
        g->val[in[1]].constant = ix, g->val[in[1]].dtype = OCT_DT_I64, g->val[in[1]].rank = 1;
        g->val[in[1]].dims[0] = 4;
    }
    if (c->qlin) {
        oct_dtype zdt = c->qlin == 1 ? OCT_DT_U8 : OCT_DT_I8;
        oct_tensor *sc = oct_tensor_new(OCT_DT_F32, 0, NULL), *zp = oct_tensor_new(zdt, 0, NULL);
        ((float *)sc->data)[0] = 0.037f;
        oct_dtype_set(zdt, zp->data, 0, c->qlin == 1 ? 131 : -5);
        in[1] = oct_graph_add_value(g, "scale");
        g->val[in[1]].constant = sc, g->val[in[1]].dtype = OCT_DT_F32, g->val[in[1]].rank = 0;
        in[2] = oct_graph_add_value(g, "zp");
        g->val[in[2]].constant = zp, g->val[in[2]].dtype = zdt, g->val[in[2]].rank = 0;
    }
    int n_node_in = c->n_in;
    if (c->qconv) { /* x, x_scale, x_zp, W, w_scale, w_zp, y_scale, y_zp, B */
        oct_dtype xdt = c->u8in == 1 ? OCT_DT_U8 : OCT_DT_I8, wdt = c->qconv == 1 ? OCT_DT_I8 : OCT_DT_U8;
        int64_t M = c->dims[1][0];
        oct_tensor *t[9] = {0};
        t[1] = oct_tensor_new(OCT_DT_F32, 0, NULL), t[6] = oct_tensor_new(OCT_DT_F32, 0, NULL);
        ((float *)t[1]->data)[0] = 0.021f, ((float *)t[6]->data)[0] = 0.043f;
        t[2] = oct_tensor_new(xdt, 0, NULL), t[7] = oct_tensor_new(c->act.kind ? OCT_DT_U8 : OCT_DT_I8, 0, NULL);
        oct_dtype_set(xdt, t[2]->data, 0, xdt == OCT_DT_U8 ? 121 : -7);
        oct_dtype_set(t[7]->dtype, t[7]->data, 0, c->act.kind ? 9 : 3);
        t[3] = oct_tensor_new(wdt, 4, c->dims[1]);
        for (int64_t q = 0; q < oct_tensor_numel(t[3]); q++)
            oct_dtype_set(wdt, t[3]->data, (size_t)q, (c->qconv == 1 ? 0 : 119) + frnd() * 50.f);
        t[4] = oct_tensor_new(OCT_DT_F32, 1, &M);
        for (int64_t m = 0; m < M; m++) ((float *)t[4]->data)[m] = 0.002f + 0.0005f * (float)(m % 5);
        int64_t one = 1;
        t[5] = oct_tensor_new(wdt, 1, &one);
        oct_dtype_set(wdt, t[5]->data, 0, c->qconv == 1 ? 0 : 119);
        t[8] = oct_tensor_new(OCT_DT_I32, 1, &M);
        for (int64_t m = 0; m < M; m++) ((int32_t *)t[8]->data)[m] = (int32_t)(frnd() * 3000.f);
        static const char *names[9] = {0, "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"};
        for (int i = 1; i < 9; i++) {
            in[i] = oct_graph_add_value(g, names[i]);
            g->val[in[i]].constant = t[i], g->val[in[i]].dtype = t[i]->dtype, g->val[in[i]].rank = t[i]->rank;
            memcpy(g->val[in[i]].dims, t[i]->dims, sizeof t[i]->dims);
        }
        n_node_in = 9;
    }
    int k = oct_graph_add_node(g, c->op, "", "node", n_node_in, in, 1, &y);
    for (int a = 0; a < 3; a++)
        if (c->int_names[a] && c->n_ints[a]) oct_node_set_ints(&g->node[k], c->int_names[a], c->ints[a], c->n_ints[a]);
        else if (c->int_names[a]) oct_node_set_int(&g->node[k], c->int_names[a], c->ints[a][0]);
    g->node[k].act = c->act;

    g->out = malloc(sizeof(int));
    g->out[0] = y;
    g->n_out = 1;
    oct_graph_link(g);
    return g;
}

static oct_session *open_graph(const spec *c, const char *device, int *n_in)
{
    oct_session_opts o;
    oct_session_opts_default(&o);
    o.n_threads = 2;
    o.optimize = 0; /* the node as written (no fusion, no folding) */
    o.device = device;
    oct_session *s = NULL;
    oct_graph *g = build(c, n_in);
    if (oct_graph_resolve_ops(g) != OCT_OK) {
        CHECK_MSG(0, "%s: %s", c->op, oct_errmsg());
        oct_graph_free(g);
        return NULL;
    }
    CHECK_MSG(oct_session_from_graph(g, &o, &s) == OCT_OK, "%s: %s", c->op, oct_errmsg());
    return s;
}

static int cases, skipped_device;

static void check(const char *label, spec c)
{
    uint32_t seed = rng;
    int n_in = 0;
    oct_session *cpu = open_graph(&c, "cpu", &n_in);
    rng = seed; /* the same constants */
    oct_session *dev = open_graph(&c, "opencl", &n_in);
    if (!cpu || !dev) goto done;
    if (!strncmp(oct_session_device(dev), "cpu", 3)) {
        skipped_device = 1;
        goto done;
    }
    const oct_graph *dg = oct_session_graph(dev);
    int node = -1;
    for (int k = 0; k < dg->n_node; k++)
        if (!dg->node[k].dead) node = k;
    CHECK_MSG(node >= 0 && oct_session_node_on_device(dev, node), "%s: not assigned to the device", label);
    oct_tensor *x[4] = {0};
    for (int i = 0, j = 0; i < c.n_in; i++) {
        if (!c.ranks[i] || c.constant[i]) continue;
        if (i == 0 && c.u8in) {
            x[j] = oct_tensor_new(c.u8in == 1 ? OCT_DT_U8 : OCT_DT_I8, c.ranks[i], c.dims[i]);
            uint8_t *b = x[j]->data;
            for (int64_t q = 0; q < oct_tensor_numel(x[j]); q++) b[q] = (uint8_t)(int)(frnd() * 127.f);
            j++;
            continue;
        }
        x[j] = oct_tensor_new(OCT_DT_F32, c.ranks[i], c.dims[i]);
        float *p = x[j]->data;
        for (int64_t q = 0; q < oct_tensor_numel(x[j]); q++) p[q] = q % 7 == 3 ? 0.f : frnd();
        j++;
    }
    oct_tensor *ya[1] = {0}, *yb[1] = {0};
    CHECK_MSG(oct_session_run(cpu, (const oct_tensor *const *)x, ya) == OCT_OK, "%s cpu: %s", label, oct_errmsg());
    CHECK_MSG(oct_session_run(dev, (const oct_tensor *const *)x, yb) == OCT_OK, "%s device: %s", label, oct_errmsg());
    CHECK_MSG(oct_session_device_fallbacks(dev) == 0, "%s: fell back to the CPU", label);
    if (ya[0] && yb[0] && ya[0]->dtype != OCT_DT_F32) { /* integer outputs: bit for bit */
        CHECK_MSG(oct_tensor_nbytes(ya[0]) == oct_tensor_nbytes(yb[0]) &&
                      !memcmp(ya[0]->data, yb[0]->data, oct_tensor_nbytes(ya[0])),
                  "%s: integer outputs differ", label);
        cases++;
    } else if (ya[0] && yb[0]) {
        CHECK(ya[0]->rank == yb[0]->rank && !memcmp(ya[0]->dims, yb[0]->dims, sizeof ya[0]->dims));
        int64_t n = oct_tensor_numel(ya[0]), bad = 0;
        double worst = 0;
        for (int64_t i = 0; i < n; i++) {
            double a = ((float *)ya[0]->data)[i], b = ((float *)yb[0]->data)[i];
            double d = fabs(a - b) / (1.0 + fabs(a));
            if (d > worst) worst = d;
            bad += d > 1e-5 * 32;
        }
        CHECK_MSG(bad == 0, "%s: %lld of %lld values differ (worst %.3g)", label, (long long)bad, (long long)n, worst);
        cases++;
    }
    oct_tensor_free(ya[0]);
    oct_tensor_free(yb[0]);
    for (int i = 0; i < 4; i++) oct_tensor_free(x[i]);
done:
    oct_session_free(cpu);
    oct_session_free(dev);
}

int main(void)
{
    const oct_act relu = {OCT_ACT_RELU, 0, 0}, clip = {OCT_ACT_CLIP, -0.5f, 0.7f},
                  leaky = {OCT_ACT_LEAKYRELU, 0.1f, 0};
#define IN1(r0, ...) .n_in = 1, .ranks = {r0}, .dims = {__VA_ARGS__}
    /* Gemm / MatMul: constant B, optional row bias, every activation, odd sizes */
    check("Gemm 5x7x3", (spec){.op = "Gemm", .n_in = 2, .ranks = {2, 2}, .dims = {{5, 7}, {7, 3}}, .constant = {0, 1}});
    check("Gemm transB bias relu",
          (spec){.op = "Gemm", .n_in = 3, .ranks = {2, 2, 1}, .dims = {{33, 100}, {21, 100}, {21}}, .constant = {0, 1, 1},
                 .ints = {{1}}, .int_names = {"transB"}, .act = relu});
    check("Gemm bias clip", (spec){.op = "Gemm", .n_in = 3, .ranks = {2, 2, 1}, .dims = {{64, 19}, {19, 40}, {40}},
                                   .constant = {0, 1, 1}, .act = clip});
    check("MatMul 3-D leaky", (spec){.op = "MatMul", .n_in = 2, .ranks = {3, 2}, .dims = {{2, 9, 17}, {17, 35}},
                                     .constant = {0, 1}, .act = leaky});
    /* broadcasting elementwise */
    check("Add same", (spec){.op = "Add", .n_in = 2, .ranks = {3, 3}, .dims = {{2, 3, 5}, {2, 3, 5}}});
    check("Sub row", (spec){.op = "Sub", .n_in = 2, .ranks = {3, 1}, .dims = {{2, 3, 5}, {5}}, .constant = {0, 1}});
    check("Mul column", (spec){.op = "Mul", .n_in = 2, .ranks = {4, 4}, .dims = {{2, 3, 4, 5}, {1, 3, 1, 1}},
                               .constant = {0, 1}});
    check("Div both ways", (spec){.op = "Div", .n_in = 2, .ranks = {3, 2}, .dims = {{4, 1, 6}, {5, 1}}});
    check("Add scalar", (spec){.op = "Add", .n_in = 2, .ranks = {2, 1}, .dims = {{7, 9}, {1}}, .constant = {0, 1}});
    check("Relu", (spec){.op = "Relu", IN1(4, {2, 3, 7, 5})});
    /* Conv: pads, strides, dilations, groups, depthwise, 1x1, fused activation / sum */
    check("Conv 3x3 pad 1", (spec){.op = "Conv", .n_in = 3, .ranks = {4, 4, 1}, .dims = {{2, 3, 9, 11}, {8, 3, 3, 3}, {8}},
                                   .constant = {0, 1, 1}, .ints = {{1, 1, 1, 1}}, .int_names = {"pads"}, .n_ints = {4},
                                   .act = relu});
    check("Conv 5x5 stride 2 asym pads",
          (spec){.op = "Conv", .n_in = 2, .ranks = {4, 4}, .dims = {{1, 4, 13, 17}, {5, 4, 5, 5}}, .constant = {0, 1},
                 .ints = {{2, 2}, {2, 1, 0, 2}}, .int_names = {"strides", "pads"}, .n_ints = {2, 4}, .act = clip});
    check("Conv dilation 2", (spec){.op = "Conv", .n_in = 2, .ranks = {4, 4}, .dims = {{2, 2, 12, 12}, {3, 2, 3, 3}},
                                    .constant = {0, 1}, .ints = {{2, 2}}, .int_names = {"dilations"}, .n_ints = {2},
                                    .act = leaky});
    check("Conv groups 2",
          (spec){.op = "Conv", .n_in = 3, .ranks = {4, 4, 1}, .dims = {{1, 8, 10, 10}, {12, 4, 3, 3}, {12}},
                 .constant = {0, 1, 1}, .ints = {{2}, {1, 1, 1, 1}}, .int_names = {"group", "pads"}, .n_ints = {0, 4}});
    check("Conv depthwise stride 2",
          (spec){.op = "Conv", .n_in = 2, .ranks = {4, 4}, .dims = {{2, 6, 15, 15}, {6, 1, 3, 3}}, .constant = {0, 1},
                 .ints = {{6}, {2, 2}, {1, 1, 1, 1}}, .int_names = {"group", "strides", "pads"}, .n_ints = {0, 2, 4},
                 .act = relu});
    check("Conv 1x1 wide", (spec){.op = "Conv", .n_in = 3, .ranks = {4, 4, 1},
                                  .dims = {{1, 16, 5, 37}, {32, 16, 1, 1}, {32}}, .constant = {0, 1, 1}});
    check("Conv + residual sum",
          (spec){.op = "Conv", .n_in = 4, .ranks = {4, 4, 1, 4}, .dims = {{2, 4, 8, 8}, {4, 4, 3, 3}, {4}, {2, 4, 8, 8}},
                 .constant = {0, 1, 1, 0}, .ints = {{1, 1, 1, 1}}, .int_names = {"pads"}, .n_ints = {4}, .act = relu});
    /* FP16 weights (FP16 mode): fp16 storage, fp32 arithmetic on both sides */
    check("Conv fp16 weights", (spec){.op = "Conv", .n_in = 3, .ranks = {4, 4, 1},
                                      .dims = {{2, 3, 9, 11}, {8, 3, 3, 3}, {8}}, .constant = {0, 1, 1},
                                      .ints = {{1, 1, 1, 1}}, .int_names = {"pads"}, .n_ints = {4}, .act = relu, .f16w = 1});
    check("Gemm fp16 weights", (spec){.op = "Gemm", .n_in = 3, .ranks = {2, 2, 1}, .dims = {{17, 40}, {40, 24}, {24}},
                                      .constant = {0, 1, 1}, .f16w = 1});
    /* pooling */
    check("MaxPool 2x2", (spec){.op = "MaxPool", IN1(4, {2, 3, 9, 10}), .ints = {{2, 2}, {2, 2}},
                                .int_names = {"kernel_shape", "strides"}, .n_ints = {2, 2}});
    check("MaxPool 3x3 pads", (spec){.op = "MaxPool", IN1(4, {1, 2, 7, 7}), .ints = {{3, 3}, {2, 2}, {1, 1, 1, 1}},
                                     .int_names = {"kernel_shape", "strides", "pads"}, .n_ints = {2, 2, 4}});
    check("AveragePool pads", (spec){.op = "AveragePool", IN1(4, {2, 2, 8, 6}), .ints = {{3, 3}, {1, 1}, {1, 1, 1, 1}},
                                     .int_names = {"kernel_shape", "strides", "pads"}, .n_ints = {2, 2, 4}});
    check("GlobalAveragePool", (spec){.op = "GlobalAveragePool", IN1(4, {3, 5, 7, 9})});
    /* transformer ops */
    check("Softmax last axis", (spec){.op = "Softmax", IN1(4, {2, 4, 7, 28})});
    check("LayerNormalization", (spec){.op = "LayerNormalization", .n_in = 3, .ranks = {3, 1, 1},
                                       .dims = {{2, 9, 64}, {64}, {64}}, .constant = {0, 1, 1}, .opset = 17});
    check("Gelu", (spec){.op = "Gelu", IN1(3, {3, 5, 33}), .opset = 20});
    check("Transpose 0213", (spec){.op = "Transpose", IN1(4, {2, 7, 4, 16}), .ints = {{0, 2, 1, 3}},
                                   .int_names = {"perm"}, .n_ints = {4}});
    check("Transpose 0231", (spec){.op = "Transpose", IN1(4, {2, 3, 5, 6}), .ints = {{0, 2, 3, 1}},
                                   .int_names = {"perm"}, .n_ints = {4}});
    check("MatMul two activations", (spec){.op = "MatMul", .n_in = 2, .ranks = {4, 4},
                                           .dims = {{2, 4, 7, 16}, {2, 4, 16, 9}}});
    check("MatMul broadcast batch", (spec){.op = "MatMul", .n_in = 2, .ranks = {3, 2}, .dims = {{3, 5, 8}, {8, 11}},
                                           .constant = {0, 0}});
    /* static int8 entry: QuantizeLinear to uint8 and int8 (bit for bit; values beyond the range saturate) */
    check("QuantizeLinear u8", (spec){.op = "QuantizeLinear", .n_in = 3, .ranks = {3}, .dims = {{4, 9, 33}}, .qlin = 1});
    check("QuantizeLinear s8", (spec){.op = "QuantizeLinear", .n_in = 3, .ranks = {2}, .dims = {{17, 40}}, .qlin = 2});
    check("DequantizeLinear u8", (spec){.op = "DequantizeLinear", .n_in = 3, .ranks = {3}, .dims = {{4, 9, 33}},
                                        .qlin = 1, .u8in = 1});
    check("DequantizeLinear s8", (spec){.op = "DequantizeLinear", .n_in = 3, .ranks = {2}, .dims = {{17, 40}},
                                        .qlin = 2, .u8in = 2});
    check("Concat axis 1", (spec){.op = "Concat", .n_in = 2, .ranks = {3, 3}, .dims = {{2, 3, 5}, {2, 4, 5}},
                                  .ints = {{1}}, .int_names = {"axis"}});
    check("Concat axis -1 of 3", (spec){.op = "Concat", .n_in = 3, .ranks = {2, 2, 2}, .dims = {{3, 7}, {3, 1}, {3, 9}},
                                        .ints = {{-1}}, .int_names = {"axis"}});
    check("Gather axis 0", (spec){.op = "Gather", .n_in = 2, .ranks = {2}, .dims = {{5, 7}}, .gather = 1});
    check("Gather axis 1", (spec){.op = "Gather", .n_in = 2, .ranks = {3}, .dims = {{2, 6, 3}}, .gather = 1,
                                  .ints = {{1}}, .int_names = {"axis"}});
    check("ReduceMean axis 1", (spec){.op = "ReduceMean", IN1(3, {4, 28, 64}), .ints = {{1}}, .int_names = {"axes"},
                                      .n_ints = {1}});
    /* QLinearConv (NCHW; groups, depthwise): int8 / uint8 activations and weights, bit for bit */
    check("QLinearConv depthwise 3x3 u8", (spec){.op = "QLinearConv", .n_in = 1, .ranks = {4}, .dims = {{2, 6, 14, 15}, {6, 1, 3, 3}},
                                               .qconv = 1, .u8in = 1, .ints = {{6}, {1, 1, 1, 1}},
                                               .int_names = {"group", "pads"}, .n_ints = {0, 4}, .act = relu});
    check("QLinearConv depthwise 5x5 stride 2 s8", (spec){.op = "QLinearConv", .n_in = 1, .ranks = {4},
                                                         .dims = {{1, 8, 17, 16}, {8, 1, 5, 5}}, .qconv = 1, .u8in = 2,
                                                         .ints = {{8}, {2, 2}, {2, 1, 2, 2}},
                                                         .int_names = {"group", "strides", "pads"}, .n_ints = {0, 2, 4}});
    check("QLinearConv groups 2 dilation 2 u8 weights",
          (spec){.op = "QLinearConv", .n_in = 1, .ranks = {4}, .dims = {{2, 4, 12, 13}, {6, 2, 3, 3}}, .qconv = 2,
                 .u8in = 1, .ints = {{2}, {2, 2}, {1, 1, 1, 1}}, .int_names = {"group", "dilations", "pads"},
                 .n_ints = {0, 2, 4}, .act = clip});
    check("QLinearConv 1 group 7x7 s8", (spec){.op = "QLinearConv", .n_in = 1, .ranks = {4},
                                              .dims = {{1, 3, 20, 21}, {5, 3, 7, 7}}, .qconv = 1, .u8in = 2,
                                              .ints = {{3, 3, 3, 3}}, .int_names = {"pads"}, .n_ints = {4}});
#undef IN1
    if (skipped_device) {
        const char *skip = getenv("OCTET_CL_TESTS");
        if (skip && !strcmp(skip, "skip")) {
            printf("skipped: no OpenCL device\n");
            return 0;
        }
        CHECK_MSG(0, "no OpenCL device (install pocl-opencl-icd, or OCTET_CL_TESTS=skip)");
    }
    printf("%d op cases agree between the OpenCL device and the CPU\n", cases);
    TEST_DONE();
}
