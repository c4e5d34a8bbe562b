/* Gemm, MatMul, Conv, ConvTranspose against naive references, at every CPU
 * level, with and without prepare() (packed weights), serial and threaded. */
#include <stdint.h>
#include <string.h>

#include "backend/cpu/conv.h"
#include "backend/cpu/sgemm.h"
#include "core/cpu.h"
#include "core/pool.h"
#include "graph/ir.h"
#include "ops/op.h"
#include "test_util.h"

static uint32_t rng = 777u;
static float frand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((int)(rng >> 9) % 2001 - 1000) / 1000.f;
}

static oct_tensor *rand_tensor(int rank, const int64_t *dims)
{
    oct_tensor *t = oct_tensor_new(OCT_DT_F32, rank, dims);
    float *d = t->data;
    for (int64_t i = 0; i < oct_tensor_numel(t); i++) d[i] = frand();
    return t;
}

/* ---- a one-node graph ---------------------------------------------------- */

typedef struct onenode {
    oct_graph *g;
    oct_node *n;
} onenode;

static onenode mk(const char *op, int n_in)
{
    onenode o;
    o.g = oct_graph_new();
    int in[4], out;
    char name[16];
    for (int i = 0; i < n_in; i++) {
        snprintf(name, sizeof name, "x%d", i);
        in[i] = oct_graph_add_value(o.g, name);
    }
    out = oct_graph_add_value(o.g, "y");
    int k = oct_graph_add_node(o.g, op, "", op, n_in, in, 1, &out);
    o.n = &o.g->node[k];
    o.n->opset = 13;
    o.n->def = oct_op_find(op, "", 13, NULL);
    return o;
}

static void set_str(oct_node *n, const char *name, const char *v)
{
    oct_node_set_int(n, name, 0);
    for (int i = 0; i < n->n_attr; i++)
        if (!strcmp(n->attr[i].name, name)) {
            n->attr[i].type = OCT_ATTR_STRING;
            n->attr[i].s = malloc(strlen(v) + 1);
            strcpy(n->attr[i].s, v);
        }
}

/* infer + compute; prepare with input 1 constant when asked. Returns the output (caller frees). */
static oct_tensor *run(onenode *o, oct_tensor **in, int n_in, int prepare, oct_pool *pool)
{
    oct_node *n = o->n;
    if (prepare && n->def->prepare) {
        o->g->val[n->in[1]].constant = oct_tensor_clone(in[1]);
        /* declared input shape: Conv picks its algorithm (and weight packing) from it */
        oct_value *xv = &o->g->val[n->in[0]];
        xv->rank = in[0]->rank;
        for (int i = 0; i < in[0]->rank; i++) xv->dims[i] = in[0]->dims[i];
        oct_status s = n->def->prepare(n, o->g);
        CHECK_MSG(s == OCT_OK, "prepare: %s", oct_errmsg());
    }
    oct_tensor *out = oct_tensor_new(OCT_DT_F32, 0, NULL);
    const oct_tensor *cin[4] = {in[0], n_in > 1 ? in[1] : NULL, n_in > 2 ? in[2] : NULL, n_in > 3 ? in[3] : NULL};
    oct_status s = n->def->infer(n, cin, &out);
    CHECK_MSG(s == OCT_OK, "infer %s: %s", n->op_type, oct_errmsg());
    if (s != OCT_OK) {
        oct_tensor_free(out);
        return NULL;
    }
    oct_tensor_alloc(out);
    oct_exec ex = {pool};
    s = n->def->compute(n, cin, &out, &ex);
    CHECK_MSG(s == OCT_OK, "compute %s: %s", n->op_type, oct_errmsg());
    if (n->def->release && n->state) n->def->release(n);
    return out;
}

static int compare(const char *what, const oct_tensor *got, const double *want, const double *mag, int64_t cnt)
{
    if (!got || oct_tensor_numel(got) != cnt) {
        fprintf(stderr, "  %s: wrong size\n", what);
        CHECK(0);
        return 1;
    }
    const float *d = got->data;
    for (int64_t i = 0; i < cnt; i++)
        if (fabs(d[i] - want[i]) > 1e-5 * mag[i] + 1e-5) {
            fprintf(stderr, "  %s [level %s]: y[%lld] = %g, want %g\n", what,
                    oct_cpu_level_name(oct_cpu_level_get()), (long long)i, d[i], want[i]);
            CHECK(0);
            return 1;
        }
    CHECK(1);
    return 0;
}

static double act_ref(double x, const oct_act *a)
{
    switch (a->kind) {
    case OCT_ACT_RELU: return x > 0 ? x : 0;
    case OCT_ACT_CLIP: return x < a->alpha ? a->alpha : x > a->beta ? a->beta : x;
    case OCT_ACT_LEAKYRELU: return x < 0 ? a->alpha * x : x;
    default: return x;
    }
}

/* ---- Conv ---------------------------------------------------------------- */

typedef struct conv_case {
    const char *name;
    int nsp;
    int64_t N, C, M, G;
    int64_t in[3], k[3], s[3], d[3], pads[6];
    const char *auto_pad; /* NULL = NOTSET */
    int bias;
    oct_act act;
} conv_case;

static int64_t floordiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

static void conv_pads(const conv_case *c, int64_t *pb, int64_t *pe, int64_t *out)
{
    for (int i = 0; i < c->nsp; i++) {
        int64_t dk = (c->k[i] - 1) * c->d[i] + 1;
        pb[i] = c->pads[i];
        pe[i] = c->pads[c->nsp + i];
        if (c->auto_pad && !strcmp(c->auto_pad, "VALID")) pb[i] = pe[i] = 0;
        if (c->auto_pad && !strncmp(c->auto_pad, "SAME", 4)) {
            int64_t o = (c->in[i] + c->s[i] - 1) / c->s[i];
            int64_t tot = (o - 1) * c->s[i] + dk - c->in[i];
            if (tot < 0) tot = 0;
            pb[i] = !strcmp(c->auto_pad, "SAME_UPPER") ? tot / 2 : tot - tot / 2;
            pe[i] = tot - pb[i];
        }
        out[i] = floordiv(c->in[i] + pb[i] + pe[i] - dk, c->s[i]) + 1;
    }
}

/* With res: the fused residual sum of the residual-fusion pass (input 3,
 * y = act(conv + bias + r)), with or without the bias input. */
static void conv_test(const conv_case *c, int res, oct_pool *pool)
{
    int64_t xd[5] = {c->N, c->C}, wd[5] = {c->M, c->C / c->G}, bd[1] = {c->M};
    for (int i = 0; i < c->nsp; i++) xd[2 + i] = c->in[i], wd[2 + i] = c->k[i];
    oct_tensor *in[4] = {rand_tensor(2 + c->nsp, xd), rand_tensor(2 + c->nsp, wd), c->bias ? rand_tensor(1, bd) : NULL, NULL};
    int64_t pb[3], pe[3], od[3];
    conv_pads(c, pb, pe, od);
    if (res) {
        int64_t rd[5] = {c->N, c->M};
        for (int i = 0; i < c->nsp; i++) rd[2 + i] = od[i];
        in[3] = rand_tensor(2 + c->nsp, rd);
    }
    const float *r = res ? in[3]->data : NULL;
    /* reference, as 3-D */
    int64_t I[3] = {1, 1, 1}, O[3] = {1, 1, 1}, K[3] = {1, 1, 1}, S[3] = {1, 1, 1}, D[3] = {1, 1, 1}, P[3] = {0, 0, 0};
    for (int i = 0; i < c->nsp; i++) {
        int j = 3 - c->nsp + i;
        I[j] = c->in[i], O[j] = od[i], K[j] = c->k[i], S[j] = c->s[i], D[j] = c->d[i], P[j] = pb[i];
    }
    int64_t osp = O[0] * O[1] * O[2], ksp = K[0] * K[1] * K[2];
    int64_t cnt = c->N * c->M * osp, Cg = c->C / c->G, Mg = c->M / c->G;
    double *want = calloc((size_t)cnt, sizeof(double)), *mag = calloc((size_t)cnt, sizeof(double));
    const float *x = in[0]->data, *w = in[1]->data, *b = c->bias ? in[2]->data : NULL;
    for (int64_t n = 0; n < c->N; n++)
        for (int64_t m = 0; m < c->M; m++)
            for (int64_t p = 0; p < osp; p++) {
                int64_t oz = p / (O[1] * O[2]), oy = p / O[2] % O[1], ox = p % O[2];
                double s = b ? b[m] : 0, a = b ? fabs(b[m]) : 0;
                int64_t gi = m / Mg;
                for (int64_t ci = 0; ci < Cg; ci++)
                    for (int64_t kk = 0; kk < ksp; kk++) {
                        int64_t kz = kk / (K[1] * K[2]), ky = kk / K[2] % K[1], kx = kk % K[2];
                        int64_t iz = oz * S[0] - P[0] + kz * D[0], iy = oy * S[1] - P[1] + ky * D[1],
                                ix = ox * S[2] - P[2] + kx * D[2];
                        if (iz < 0 || iz >= I[0] || iy < 0 || iy >= I[1] || ix < 0 || ix >= I[2]) continue;
                        double v = (double)x[((n * c->C + gi * Cg + ci) * I[0] + iz) * I[1] * I[2] + iy * I[2] + ix] *
                                   w[(m * Cg + ci) * ksp + kk];
                        s += v;
                        a += fabs(v);
                    }
                int64_t yi = (n * c->M + m) * osp + p;
                if (r) {
                    s += r[yi];
                    a += fabs(r[yi]);
                }
                want[yi] = act_ref(s, &c->act);
                mag[yi] = a;
            }
    int n_in = res ? 4 : c->bias ? 3 : 2;
    for (int prep = 0; prep < 2; prep++) {
        onenode o = mk("Conv", n_in);
        if (!c->bias && n_in > 2) o.n->in[2] = -1; /* omitted bias */
        oct_node_set_int(o.n, "group", c->G);
        oct_node_set_ints(o.n, "strides", c->s, c->nsp);
        oct_node_set_ints(o.n, "dilations", c->d, c->nsp);
        if (c->auto_pad) set_str(o.n, "auto_pad", c->auto_pad);
        else oct_node_set_ints(o.n, "pads", c->pads, 2 * c->nsp);
        oct_node_set_ints(o.n, "kernel_shape", c->k, c->nsp);
        o.n->act = c->act;
        oct_tensor *y = run(&o, in, n_in, prep, pool);
        char what[128];
        snprintf(what, sizeof what, "conv %s prep=%d pool=%d res=%d", c->name, prep, pool != NULL, res);
        compare(what, y, want, mag, cnt);
        if (y) {
            CHECK(y->rank == 2 + c->nsp && y->dims[1] == c->M);
            for (int i = 0; i < c->nsp; i++) CHECK(y->dims[2 + i] == od[i]);
        }
        oct_tensor_free(y);
        oct_graph_free(o.g);
    }
    free(want);
    free(mag);
    for (int i = 0; i < 4; i++) oct_tensor_free(in[i]);
}

static const conv_case conv_cases[] = {
    {"3x3 pad1", 2, 2, 3, 5, 1, {9, 11}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL, 1, {OCT_ACT_NONE, 0, 0}},
    {"5x5 s2 asym", 2, 2, 3, 7, 1, {13, 10}, {5, 5}, {2, 2}, {1, 1}, {1, 2, 0, 1}, NULL, 1, {OCT_ACT_RELU, 0, 0}},
    {"dil2", 2, 1, 4, 6, 1, {12, 12}, {3, 3}, {1, 1}, {2, 2}, {2, 2, 2, 2}, NULL, 0, {OCT_ACT_NONE, 0, 0}},
    {"groups2", 2, 2, 4, 6, 2, {8, 9}, {3, 2}, {1, 2}, {1, 1}, {1, 0, 1, 1}, NULL, 1, {OCT_ACT_CLIP, -0.5f, 0.5f}},
    {"dw 3x3", 2, 2, 8, 8, 8, {10, 37}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL, 1, {OCT_ACT_RELU, 0, 0}},
    {"dw s2", 2, 2, 5, 5, 5, {11, 40}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, NULL, 1, {OCT_ACT_NONE, 0, 0}},
    {"dw dil2 s3", 2, 1, 3, 3, 3, {17, 19}, {3, 3}, {3, 3}, {2, 2}, {2, 0, 1, 3}, NULL, 0, {OCT_ACT_LEAKYRELU, 0.1f, 0}},
    {"dw 5x5 wide", 2, 1, 4, 4, 4, {6, 70}, {5, 5}, {1, 2}, {1, 1}, {2, 2, 2, 2}, NULL, 1, {OCT_ACT_NONE, 0, 0}},
    {"dw mult2", 2, 2, 4, 8, 4, {7, 7}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL, 1, {OCT_ACT_NONE, 0, 0}},
    {"1x1", 2, 2, 16, 24, 1, {7, 9}, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}, NULL, 1, {OCT_ACT_RELU, 0, 0}},
    {"1x1 g4", 2, 3, 16, 8, 4, {5, 5}, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}, NULL, 0, {OCT_ACT_NONE, 0, 0}},
    {"1x1 s2", 2, 1, 8, 8, 1, {9, 9}, {1, 1}, {2, 2}, {1, 1}, {0, 0, 0, 0}, NULL, 1, {OCT_ACT_NONE, 0, 0}},
    {"same_upper s2", 2, 1, 3, 4, 1, {10, 9}, {4, 3}, {2, 2}, {1, 1}, {0, 0, 0, 0}, "SAME_UPPER", 1, {OCT_ACT_NONE, 0, 0}},
    {"same_lower s2", 2, 1, 3, 4, 1, {10, 9}, {4, 3}, {2, 2}, {1, 1}, {0, 0, 0, 0}, "SAME_LOWER", 1, {OCT_ACT_NONE, 0, 0}},
    {"valid s3", 2, 2, 2, 3, 1, {11, 13}, {3, 4}, {3, 3}, {1, 1}, {0, 0, 0, 0}, "VALID", 0, {OCT_ACT_NONE, 0, 0}},
    {"1d", 1, 2, 3, 5, 1, {17}, {4}, {2}, {1}, {1, 2}, NULL, 1, {OCT_ACT_NONE, 0, 0}},
    {"1d dw", 1, 2, 6, 6, 6, {40}, {3}, {1}, {2}, {2, 2}, NULL, 1, {OCT_ACT_NONE, 0, 0}},
    {"3d", 3, 1, 2, 3, 1, {5, 6, 7}, {3, 2, 3}, {1, 2, 1}, {1, 1, 1}, {1, 0, 1, 1, 1, 0}, NULL, 1, {OCT_ACT_NONE, 0, 0}},
    {"flat dil2 asym", 2, 2, 8, 20, 1, {9, 13}, {3, 3}, {1, 1}, {2, 2}, {1, 2, 2, 0}, NULL, 1, {OCT_ACT_RELU, 0, 0}},
    {"flat g2 same", 2, 1, 32, 6, 2, {6, 7}, {2, 3}, {1, 1}, {1, 1}, {0, 0, 0, 0}, "SAME_LOWER", 0, {OCT_ACT_NONE, 0, 0}},
    {"flat 1d", 1, 3, 16, 9, 1, {33}, {5}, {1}, {1}, {3, 1}, NULL, 1, {OCT_ACT_NONE, 0, 0}},
    {"nt s2 dil g2", 2, 2, 8, 64, 2, {10, 14}, {3, 3}, {2, 2}, {1, 2}, {1, 2, 1, 2}, NULL, 1, {OCT_ACT_RELU, 0, 0}},
    {"nt 3d", 3, 2, 4, 32, 1, {4, 5, 3}, {2, 3, 3}, {1, 2, 1}, {1, 1, 1}, {1, 1, 1, 1, 1, 1}, NULL, 1, {OCT_ACT_NONE, 0, 0}},
    {"nt s3", 2, 1, 3, 40, 1, {16, 16}, {3, 3}, {3, 3}, {1, 1}, {0, 0, 0, 0}, NULL, 0, {OCT_ACT_CLIP, -0.2f, 0.3f}},
    {"fmnist conv1", 2, 3, 1, 32, 1, {28, 28}, {5, 5}, {1, 1}, {1, 1}, {2, 2, 2, 2}, NULL, 1, {OCT_ACT_RELU, 0, 0}},
    {"fmnist conv2", 2, 2, 32, 64, 1, {14, 14}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL, 1, {OCT_ACT_RELU, 0, 0}},
    /* the direct flat product (AVX-512): row tails, 16-column tails, stride phases */
    {"resnet s0", 2, 2, 16, 16, 1, {28, 28}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL, 1, {OCT_ACT_RELU, 0, 0}},
    {"resnet s2", 2, 2, 16, 32, 1, {28, 28}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, NULL, 1, {OCT_ACT_RELU, 0, 0}},
    {"resnet 1x1 s2", 2, 2, 32, 64, 1, {14, 14}, {1, 1}, {2, 2}, {1, 1}, {0, 0, 0, 0}, NULL, 1, {OCT_ACT_NONE, 0, 0}},
    {"resnet 7x7", 2, 2, 64, 64, 1, {7, 7}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL, 0, {OCT_ACT_NONE, 0, 0}},
    {"mr tail wide", 2, 1, 5, 13, 1, {9, 40}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL, 1, {OCT_ACT_LEAKYRELU, 0.2f, 0}},
    {"s3 dil2 phases", 2, 2, 3, 9, 1, {20, 23}, {3, 3}, {3, 3}, {2, 2}, {2, 1, 0, 2}, NULL, 1, {OCT_ACT_NONE, 0, 0}},
    {"s2 k2 odd", 2, 1, 4, 17, 1, {11, 13}, {2, 2}, {2, 2}, {1, 1}, {0, 1, 1, 0}, NULL, 0, {OCT_ACT_CLIP, -0.3f, 0.4f}},
    {"s2x1 k3x1", 2, 2, 6, 10, 1, {15, 4}, {3, 1}, {2, 1}, {1, 1}, {1, 0, 1, 0}, NULL, 1, {OCT_ACT_NONE, 0, 0}},
    {"1d s2 wide", 1, 2, 7, 24, 1, {150}, {5}, {2}, {1}, {2, 2}, NULL, 1, {OCT_ACT_RELU, 0, 0}},
    {"1x1 g2 s1", 2, 2, 8, 12, 2, {6, 11}, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}, NULL, 1, {OCT_ACT_NONE, 0, 0}},
    /* small images: odd batches (the per-image split when pairs do not balance), groups, M tail */
    {"7x7 g2 n11", 2, 11, 16, 64, 2, {7, 7}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL, 1, {OCT_ACT_RELU, 0, 0}},
    {"s2 to 7x7 mtail", 2, 9, 8, 37, 1, {13, 13}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, NULL, 1, {OCT_ACT_NONE, 0, 0}},
    {"3x5 n20", 2, 20, 4, 32, 1, {3, 5}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL, 0, {OCT_ACT_NONE, 0, 0}},
    /* one image, enough work to share its items over the pool */
    {"n1 over the pool", 2, 1, 32, 64, 1, {16, 17}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL, 1, {OCT_ACT_RELU, 0, 0}},
    {"1d long rows", 1, 1, 3, 8, 1, {600}, {3}, {1}, {1}, {1, 1}, NULL, 1, {OCT_ACT_NONE, 0, 0}},
    {"1d long s2", 1, 1, 3, 8, 1, {700}, {3}, {2}, {1}, {1, 1}, NULL, 0, {OCT_ACT_RELU, 0, 0}},
};

/* ---- ConvTranspose (2-D, groups) ------------------------------------------ */

static void convt_test(oct_pool *pool)
{
    /* X [2, 4, 5, 6], W [4, 3, 3, 2] group 2 -> Y [2, 6, ...], stride (2,3), pads (1,0,0,1), dil (1,2) */
    int64_t xd[4] = {2, 4, 5, 6}, wd[4] = {4, 3, 3, 2}, bd[1] = {6};
    int64_t S[2] = {2, 3}, D[2] = {1, 2}, P[4] = {1, 0, 0, 1}, OP[2] = {1, 0};
    oct_tensor *in[3] = {rand_tensor(4, xd), rand_tensor(4, wd), rand_tensor(1, bd)};
    int64_t G = 2, Cin = 4, Cout = 6, Mg = 2, Cg = 3, KH = 3, KW = 2;
    int64_t OH = S[0] * (xd[2] - 1) + OP[0] + (KH - 1) * D[0] + 1 - P[0] - P[2];
    int64_t OW = S[1] * (xd[3] - 1) + OP[1] + (KW - 1) * D[1] + 1 - P[1] - P[3];
    int64_t cnt = 2 * Cout * OH * OW;
    double *want = calloc((size_t)cnt, sizeof(double)), *mag = calloc((size_t)cnt, sizeof(double));
    const float *x = in[0]->data, *w = in[1]->data, *b = in[2]->data;
    for (int64_t i = 0; i < cnt; i++) {
        want[i] = b[(i / (OH * OW)) % Cout];
        mag[i] = fabs(want[i]);
    }
    for (int64_t n = 0; n < 2; n++)
        for (int64_t ci = 0; ci < Cin; ci++)
            for (int64_t iy = 0; iy < xd[2]; iy++)
                for (int64_t ix = 0; ix < xd[3]; ix++)
                    for (int64_t co = 0; co < Cg; co++)
                        for (int64_t ky = 0; ky < KH; ky++)
                            for (int64_t kx = 0; kx < KW; kx++) {
                                int64_t oy = iy * S[0] - P[0] + ky * D[0], ox = ix * S[1] - P[1] + kx * D[1];
                                if (oy < 0 || oy >= OH || ox < 0 || ox >= OW) continue;
                                int64_t gi = ci / Mg, oc = gi * Cg + co;
                                double v = (double)x[((n * Cin + ci) * xd[2] + iy) * xd[3] + ix] *
                                           w[((ci * Cg + co) * KH + ky) * KW + kx];
                                int64_t idx = ((n * Cout + oc) * OH + oy) * OW + ox;
                                want[idx] += v;
                                mag[idx] += fabs(v);
                            }
    for (int prep = 0; prep < 2; prep++) {
        onenode o = mk("ConvTranspose", 3);
        oct_node_set_int(o.n, "group", G);
        oct_node_set_ints(o.n, "strides", S, 2);
        oct_node_set_ints(o.n, "dilations", D, 2);
        oct_node_set_ints(o.n, "pads", P, 4);
        oct_node_set_ints(o.n, "output_padding", OP, 2);
        oct_tensor *y = run(&o, in, 3, prep, pool);
        compare(prep ? "convtranspose prepared" : "convtranspose", y, want, mag, cnt);
        oct_tensor_free(y);
        oct_graph_free(o.g);
    }
    free(want);
    free(mag);
    for (int i = 0; i < 3; i++) oct_tensor_free(in[i]);
}

/* ---- MatMul ---------------------------------------------------------------- */

static void matmul_test(int ra, const int64_t *da, int rb, const int64_t *db, int rexp, const int64_t *dexp,
                        oct_pool *pool)
{
    oct_tensor *in[2] = {rand_tensor(ra, da), rand_tensor(rb, db)};
    /* reference with numpy semantics on promoted shapes */
    int64_t M = ra == 1 ? 1 : da[ra - 2], K = da[ra - 1], N = rb == 1 ? 1 : db[rb - 1];
    int nb = rexp - (ra > 1) - (rb > 1);
    int64_t batch = 1;
    for (int i = 0; i < nb; i++) batch *= dexp[i];
    int64_t cnt = batch * M * N;
    double *want = calloc((size_t)cnt, sizeof(double)), *mag = calloc((size_t)cnt, sizeof(double));
    const float *A = in[0]->data, *B = in[1]->data;
    int na = ra > 2 ? ra - 2 : 0, nbb = rb > 2 ? rb - 2 : 0;
    for (int64_t bi = 0; bi < batch; bi++) {
        int64_t oa = 0, ob = 0, sa = M * K, sb = K * N, r = bi;
        for (int i = nb - 1; i >= 0; i--) {
            int64_t c = r % dexp[i];
            r /= dexp[i];
            int ia = i - (nb - na), ib = i - (nb - nbb);
            int64_t a_d = ia >= 0 ? da[ia] : 1, b_d = ib >= 0 ? db[ib] : 1;
            if (a_d != 1) oa += c * sa;
            if (b_d != 1) ob += c * sb;
            sa *= a_d;
            sb *= b_d;
        }
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < N; j++) {
                double s = 0, m = 0;
                for (int64_t k = 0; k < K; k++) {
                    double v = (double)A[oa + i * K + k] * B[ob + k * N + j];
                    s += v;
                    m += fabs(v);
                }
                want[(bi * M + i) * N + j] = s;
                mag[(bi * M + i) * N + j] = m;
            }
    }
    for (int prep = 0; prep < 2; prep++) {
        onenode o = mk("MatMul", 2);
        oct_tensor *y = run(&o, in, 2, prep, pool);
        compare("matmul", y, want, mag, cnt);
        if (y) {
            CHECK(y->rank == rexp);
            for (int i = 0; i < rexp && i < y->rank; i++) CHECK(y->dims[i] == dexp[i]);
        }
        oct_tensor_free(y);
        oct_graph_free(o.g);
    }
    free(want);
    free(mag);
    oct_tensor_free(in[0]);
    oct_tensor_free(in[1]);
}

/* ---- Gemm ------------------------------------------------------------------ */

static void gemm_test(int64_t M, int64_t N, int64_t K, int ta, int tb, float alpha, float beta, int crank,
                      const int64_t *cd, oct_act act, oct_pool *pool)
{
    int64_t ad[2] = {ta ? K : M, ta ? M : K}, bd[2] = {tb ? N : K, tb ? K : N};
    oct_tensor *in[3] = {rand_tensor(2, ad), rand_tensor(2, bd), crank >= 0 ? rand_tensor(crank, cd) : NULL};
    int64_t cnt = M * N;
    double *want = calloc((size_t)cnt, sizeof(double)), *mag = calloc((size_t)cnt, sizeof(double));
    const float *A = in[0]->data, *B = in[1]->data, *C = in[2] ? in[2]->data : NULL;
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            double s = 0, m = 0;
            for (int64_t k = 0; k < K; k++) {
                double v = (double)(ta ? A[k * M + i] : A[i * K + k]) * (tb ? B[j * K + k] : B[k * N + j]);
                s += v;
                m += fabs(v);
            }
            s *= alpha;
            m *= fabs(alpha);
            if (C) {
                int64_t ci = 0;
                if (crank == 2) ci = (cd[0] == 1 ? 0 : i) * cd[1] + (cd[1] == 1 ? 0 : j);
                else if (crank == 1) ci = cd[0] == 1 ? 0 : j;
                s += beta * C[ci];
                m += fabs(beta * C[ci]);
            }
            want[i * N + j] = act_ref(s, &act);
            mag[i * N + j] = m;
        }
    for (int prep = 0; prep < 2; prep++) {
        onenode o = mk("Gemm", C ? 3 : 2);
        oct_node_set_int(o.n, "transA", ta);
        oct_node_set_int(o.n, "transB", tb);
        oct_node_set_float(o.n, "alpha", alpha);
        oct_node_set_float(o.n, "beta", beta);
        o.n->act = act;
        oct_tensor *y = run(&o, in, C ? 3 : 2, prep, pool);
        compare("gemm", y, want, mag, cnt);
        oct_tensor_free(y);
        oct_graph_free(o.g);
    }
    free(want);
    free(mag);
    for (int i = 0; i < 3; i++) oct_tensor_free(in[i]);
}

static void bad_inputs(void)
{
    /* shape errors are reported, not asserted */
    int64_t xd[4] = {1, 3, 5, 5}, wd[4] = {4, 2, 3, 3};
    oct_tensor *x = rand_tensor(4, xd), *w = rand_tensor(4, wd);
    onenode o = mk("Conv", 2);
    oct_tensor *out = oct_tensor_new(OCT_DT_F32, 0, NULL);
    const oct_tensor *in[2] = {x, w};
    CHECK(o.n->def->infer(o.n, in, &out) == OCT_E_SHAPE);
    oct_graph_free(o.g);
    int64_t ad[2] = {3, 4}, bd[2] = {5, 6};
    oct_tensor *a = rand_tensor(2, ad), *b = rand_tensor(2, bd);
    onenode m = mk("MatMul", 2);
    const oct_tensor *in2[2] = {a, b};
    CHECK(m.n->def->infer(m.n, in2, &out) == OCT_E_SHAPE);
    oct_graph_free(m.g);
    oct_tensor *i64 = oct_tensor_new(OCT_DT_I64, 2, ad);
    onenode gm = mk("Gemm", 2);
    const oct_tensor *in3[2] = {i64, i64};
    CHECK(gm.n->def->infer(gm.n, in3, &out) == OCT_E_UNSUPPORTED);
    oct_graph_free(gm.g);
    oct_tensor_free(i64);
    oct_tensor_free(out);
    oct_tensor_free(a);
    oct_tensor_free(b);
    oct_tensor_free(x);
    oct_tensor_free(w);
}

int main(void)
{
    oct_pool *pool2 = oct_pool_new(2);
    const oct_cpu_features *f = oct_cpu_detect();
    int max_level = f->avx512f && f->avx512bw && f->avx512dq && f->avx512vl ? 2 : f->avx2 && f->fma ? 1 : 0;
    for (int lvl = 0; lvl <= max_level; lvl++) {
        oct_cpu_level_set((oct_cpu_level)lvl);
        printf("level %s\n", oct_cpu_level_name(oct_cpu_level_get()));
        for (int p = 0; p < 2; p++) {
            oct_pool *pool = p ? pool2 : NULL;
            for (size_t i = 0; i < sizeof conv_cases / sizeof conv_cases[0]; i++)
                for (int res = 0; res < 2; res++) conv_test(&conv_cases[i], res, pool);
            convt_test(pool);
            {
                int64_t a[3] = {4, 7, 33}, b[2] = {33, 20}, o[3] = {4, 7, 20};
                matmul_test(3, a, 2, b, 3, o, pool); /* folded into one GEMM */
            }
            {
                int64_t a[2] = {5, 12}, b[4] = {2, 3, 12, 9}, o[4] = {2, 3, 5, 9};
                matmul_test(2, a, 4, b, 4, o, pool); /* A broadcast */
            }
            {
                int64_t a[4] = {2, 1, 6, 8}, b[4] = {1, 3, 8, 10}, o[4] = {2, 3, 6, 10};
                matmul_test(4, a, 4, b, 4, o, pool); /* both broadcast */
            }
            {
                int64_t a[1] = {19}, b[3] = {3, 19, 17}, o[2] = {3, 17};
                matmul_test(1, a, 3, b, 2, o, pool); /* 1-D A */
            }
            {
                int64_t a[3] = {2, 9, 19}, b[1] = {19}, o[2] = {2, 9};
                matmul_test(3, a, 1, b, 2, o, pool); /* 1-D B */
            }
            {
                int64_t a[1] = {7}, b[1] = {7}, o[1] = {0};
                matmul_test(1, a, 1, b, 0, o, pool); /* dot */
            }
            {
                int64_t a[2] = {130, 300}, b[2] = {300, 70}, o[2] = {130, 70};
                matmul_test(2, a, 2, b, 2, o, pool);
            }
            oct_act none = {OCT_ACT_NONE, 0, 0}, relu = {OCT_ACT_RELU, 0, 0};
            int64_t c_mn[2] = {7, 9}, c_n[1] = {9}, c_1n[2] = {1, 9}, c_m1[2] = {7, 1}, c_1[1] = {1};
            gemm_test(7, 9, 5, 0, 0, 1.f, 1.f, -1, NULL, none, pool);
            gemm_test(7, 9, 5, 1, 0, 0.5f, 2.f, 2, c_mn, relu, pool);
            gemm_test(7, 9, 5, 0, 1, 1.f, -1.f, 1, c_n, none, pool);
            gemm_test(7, 9, 5, 1, 1, 2.f, 0.5f, 2, c_1n, none, pool);
            gemm_test(7, 9, 5, 0, 0, 1.f, 1.f, 2, c_m1, relu, pool);
            gemm_test(7, 9, 5, 0, 1, 1.f, 3.f, 1, c_1, none, pool);
            gemm_test(7, 9, 5, 0, 0, 1.f, 0.f, 2, c_mn, none, pool);
            int64_t c_big[1] = {100};
            gemm_test(64, 100, 300, 0, 1, 1.f, 1.f, 1, c_big, relu, pool);
            gemm_test(1, 100, 300, 0, 1, 1.f, 1.f, 1, c_big, none, pool);
        }
    }
    bad_inputs();
    oct_pool_free(pool2);
    oct_conv_scratch_release();
    oct_sgemm_scratch_release();
    TEST_DONE();
}
