/* Elementwise / activation / comparison ops: what the ONNX node tests do not
 * cover — the broadcast engine's fast paths and threading against a naive
 * reference, in-place runs, f16 paths, legacy (opset < 7) broadcasting,
 * integer corner cases that must not trap, Softmax axis semantics per opset
 * on strided and large inputs, accuracy of the vectorised exp/tanh/sigmoid
 * (generic and AVX2 builds) and of Erf, Clip/Cast/Dropout/Hardmax details. */
#include <float.h>
#include <stdint.h>
#include <string.h>

#include "core/cpu.h"
#include "core/pool.h"
#include "graph/ir.h"
#include "ops/broadcast.h"
#include "ops/cast.h"
#include "ops/ew_kernels.h"
#include "ops/op.h"
#include "test_node_harness.h"
#include "test_util.h"

/* ---------- node-level harness ---------- */


/* infer + alloc + compute; out[i] are heap tensors the caller frees */
static oct_status run(tnode *t, oct_tensor **in, oct_tensor **out, oct_pool *pool)
{
    for (int i = 0; i < t->n->n_out; i++) out[i] = calloc(1, sizeof(oct_tensor));
    if (!t->def) return oct_err(OCT_E_UNSUPPORTED, "no def for %s at opset %d", t->n->op_type, t->n->opset);
    oct_status s = t->def->infer(t->n, (const oct_tensor *const *)in, out);
    if (s) return s;
    for (int i = 0; i < t->n->n_out; i++) OCT_TRY(oct_tensor_alloc(out[i]));
    oct_exec ex = {pool};
    return t->def->compute(t->n, (const oct_tensor *const *)in, out, &ex);
}

static uint32_t rng = 12345;
static float frand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)(rng >> 8) / 16777216.0f * 8.0f - 4.0f;
}

static oct_tensor *rnd(oct_dtype dt, int rank, const int64_t *dims)
{
    oct_tensor *t = oct_tensor_new(dt, rank, dims);
    for (int64_t i = 0; i < oct_tensor_numel(t); i++) oct_dtype_set(dt, t->data, (size_t)i, frand());
    return t;
}

/* element of a broadcast input at output linear index i */
static size_t bidx(const oct_tensor *x, int rank, const int64_t *dims, int64_t i)
{
    size_t off = 0, st = 1;
    for (int d = rank - 1; d >= 0; d--) {
        int64_t c = i % dims[d];
        i /= dims[d];
        int xd = d - (rank - x->rank);
        if (xd >= 0) {
            if (x->dims[xd] != 1) off += (size_t)c * st;
            st *= (size_t)x->dims[xd];
        }
    }
    return off;
}

/* ---------- broadcasting ---------- */

static void check_bcast(const char *op, oct_dtype dt, int ra, const int64_t *da, int rb, const int64_t *db,
                        oct_pool *pool)
{
    tnode t = mk(op, 14, 2, 1);
    oct_tensor *in[2] = {rnd(dt, ra, da), rnd(dt, rb, db)}, *out[1];
    CHECK_MSG(run(&t, in, out, pool) == OCT_OK, "%s: %s", op, oct_errmsg());
    int64_t n = oct_tensor_numel(out[0]);
    int bad = 0;
    for (int64_t i = 0; i < n && !bad; i++) {
        double a = oct_dtype_get(dt, in[0]->data, bidx(in[0], out[0]->rank, out[0]->dims, i));
        double b = oct_dtype_get(dt, in[1]->data, bidx(in[1], out[0]->rank, out[0]->dims, i));
        double want = !strcmp(op, "Add") ? a + b : !strcmp(op, "Sub") ? a - b : a * b;
        if (dt == OCT_DT_F16) want = oct_f16_to_f32(oct_f32_to_f16((float)want));
        double got = oct_dtype_get(dt, out[0]->data, (size_t)i);
        if (fabs(got - want) > 1e-5 * (1 + fabs(want))) {
            bad = 1;
            CHECK_MSG(0, "%s %s [%lld]: got %g want %g", op, oct_dtype_name(dt), (long long)i, got, want);
        }
    }
    oct_tensor_free(in[0]);
    oct_tensor_free(in[1]);
    oct_tensor_free(out[0]);
    tfree(&t);
}

static void test_broadcast(oct_pool *pool)
{
    static const struct { int ra; int64_t a[4]; int rb; int64_t b[4]; } cases[] = {
        {3, {3, 4, 5}, 3, {3, 4, 5}}, {3, {3, 4, 5}, 1, {5}},     {3, {3, 4, 5}, 0, {0}},
        {4, {2, 3, 4, 5}, 3, {3, 1, 1}}, {2, {4, 1}, 2, {1, 6}}, {4, {1, 4, 1, 6}, 4, {3, 1, 5, 6}},
        {1, {1}, 3, {2, 3, 4}},       {3, {2, 1, 4}, 3, {2, 3, 1}}, {2, {70001, 1}, 1, {3}},
        {3, {16, 128, 768}, 1, {768}}, {4, {4, 64, 30, 30}, 3, {64, 1, 1}}, {2, {3, 50000}, 2, {3, 1}},
        {3, {300, 1, 200}, 2, {150, 1}}, {1, {100000}, 1, {1}}, {2, {0, 3}, 1, {3}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        check_bcast("Add", OCT_DT_F32, cases[c].ra, cases[c].a, cases[c].rb, cases[c].b, pool);
        check_bcast("Sub", OCT_DT_F32, cases[c].rb, cases[c].b, cases[c].ra, cases[c].a, pool);
        check_bcast("Mul", OCT_DT_I32, cases[c].ra, cases[c].a, cases[c].rb, cases[c].b, pool);
        check_bcast("Add", OCT_DT_F16, cases[c].ra, cases[c].a, cases[c].rb, cases[c].b, pool);
        check_bcast("Sub", OCT_DT_F64, cases[c].ra, cases[c].a, cases[c].rb, cases[c].b, NULL);
    }
    /* incompatible shapes are a clean error */
    int64_t a[2] = {3, 4}, b[1] = {3};
    tnode t = mk("Add", 14, 2, 1);
    oct_tensor *in[2] = {rnd(OCT_DT_F32, 2, a), rnd(OCT_DT_F32, 1, b)}, *out[1];
    CHECK(run(&t, in, out, NULL) == OCT_E_SHAPE);
    oct_tensor_free(in[0]);
    oct_tensor_free(in[1]);
    oct_tensor_free(out[0]);
    tfree(&t);
}

static void row_sum3(void *ctx, void *y, const void *const *x, const int *s, int64_t n)
{
    (void)ctx;
    const float *a = x[0], *b = x[1], *c = x[2];
    for (int64_t i = 0; i < n; i++) ((float *)y)[i] = a[i * s[0]] + 10 * b[i * s[1]] + 100 * c[i * s[2]];
}

static void test_bcast_three(oct_pool *pool)
{
    int64_t da[3] = {7, 1, 9}, db[2] = {5, 1}, dc[1] = {9}, dy[3] = {7, 5, 9};
    oct_tensor *in[3] = {rnd(OCT_DT_F32, 3, da), rnd(OCT_DT_F32, 2, db), rnd(OCT_DT_F32, 1, dc)};
    oct_tensor *y = oct_tensor_new(OCT_DT_F32, 3, dy);
    int r;
    int64_t d[OCT_MAX_RANK];
    CHECK(oct_bcast_shape(3, (const oct_tensor *const *)in, &r, d) == OCT_OK && r == 3 && d[1] == 5);
    oct_bcast_run(pool, 3, (const oct_tensor *const *)in, y, row_sum3, NULL);
    for (int64_t i = 0; i < oct_tensor_numel(y); i++) {
        float want = ((float *)in[0]->data)[bidx(in[0], 3, dy, i)] + 10 * ((float *)in[1]->data)[bidx(in[1], 3, dy, i)] +
                     100 * ((float *)in[2]->data)[bidx(in[2], 3, dy, i)];
        if (fabsf(((float *)y->data)[i] - want) > 1e-4f) { CHECK_MSG(0, "3-way bcast at %lld", (long long)i); break; }
    }
    for (int k = 0; k < 3; k++) oct_tensor_free(in[k]);
    oct_tensor_free(y);
}

/* y == a (in place), as a session may plan it */
static void test_inplace(oct_pool *pool)
{
    int64_t d[2] = {300, 257}, db[1] = {257};
    oct_tensor *a = rnd(OCT_DT_F32, 2, d), *b = rnd(OCT_DT_F32, 1, db), *ref = oct_tensor_clone(a);
    tnode t = mk("Mul", 14, 2, 1);
    oct_tensor *in[2] = {a, b};
    oct_exec ex = {pool};
    CHECK(t.def->compute(t.n, (const oct_tensor *const *)in, &a, &ex) == OCT_OK);
    for (int64_t i = 0; i < oct_tensor_numel(a); i++)
        if (((float *)a->data)[i] != ((float *)ref->data)[i] * ((float *)b->data)[i % 257]) {
            CHECK_MSG(0, "in-place Mul at %lld", (long long)i);
            break;
        }
    oct_tensor_free(a);
    oct_tensor_free(b);
    oct_tensor_free(ref);
    tfree(&t);
}

/* opset 6: broadcast=1 with axis aligns B's dims with A's from axis */
static void test_legacy_broadcast(void)
{
    int64_t da[4] = {2, 3, 4, 5}, db[2] = {3, 4};
    tnode t = mk("Add", 6, 2, 1);
    oct_node_set_int(t.n, "broadcast", 1);
    oct_node_set_int(t.n, "axis", 1);
    oct_tensor *in[2] = {rnd(OCT_DT_F32, 4, da), rnd(OCT_DT_F32, 2, db)}, *out[1];
    CHECK_MSG(run(&t, in, out, NULL) == OCT_OK, "%s", oct_errmsg());
    CHECK(oct_shape_equal(out[0]->rank, out[0]->dims, 4, da));
    const float *a = in[0]->data, *b = in[1]->data, *y = out[0]->data;
    int bad = 0;
    for (int64_t i = 0; i < 120; i++) bad |= y[i] != a[i] + b[(i / 5) % 12];
    CHECK(!bad);
    oct_tensor_free(in[0]);
    oct_tensor_free(in[1]);
    oct_tensor_free(out[0]);
    tfree(&t);
}

/* ---------- integer corner cases ---------- */

static void test_int_corners(void)
{
    int64_t d[1] = {4};
    int32_t av[4] = {INT32_MIN, 7, -7, 5}, bv[4] = {-1, 0, 2, -3};
    oct_tensor *a = oct_tensor_new(OCT_DT_I32, 1, d), *b = oct_tensor_new(OCT_DT_I32, 1, d);
    memcpy(a->data, av, sizeof av);
    memcpy(b->data, bv, sizeof bv);
    oct_tensor *in[2] = {a, b}, *out[1];
    tnode t = mk("Div", 14, 2, 1);
    CHECK(run(&t, in, out, NULL) == OCT_OK);
    const int32_t *y = out[0]->data;
    CHECK(y[0] == INT32_MIN && y[1] == 0 && y[2] == -3 && y[3] == -1);
    oct_tensor_free(out[0]);
    tfree(&t);
    t = mk("Mod", 13, 2, 1); /* floor mod: sign of divisor */
    CHECK(run(&t, in, out, NULL) == OCT_OK);
    y = out[0]->data;
    CHECK(y[0] == 0 && y[1] == 0 && y[2] == 1 && y[3] == -1);
    oct_tensor_free(out[0]);
    tfree(&t);
    t = mk("Mod", 13, 2, 1);
    oct_node_set_int(t.n, "fmod", 1); /* truncating: sign of dividend */
    CHECK(run(&t, in, out, NULL) == OCT_OK);
    y = out[0]->data;
    CHECK(y[0] == 0 && y[1] == 0 && y[2] == -1 && y[3] == 2);
    oct_tensor_free(out[0]);
    tfree(&t);
    t = mk("Pow", 15, 2, 1); /* integer powers are exact */
    int32_t pa[4] = {3, -2, 7, 2}, pb[4] = {19, 5, 0, 30};
    memcpy(a->data, pa, sizeof pa);
    memcpy(b->data, pb, sizeof pb);
    CHECK(run(&t, in, out, NULL) == OCT_OK);
    y = out[0]->data;
    CHECK(y[0] == 1162261467 && y[1] == -32 && y[2] == 1 && y[3] == 1073741824);
    oct_tensor_free(out[0]);
    tfree(&t);
    oct_tensor_free(a);
    oct_tensor_free(b);
}

static void test_pow_fast(oct_pool *pool)
{
    int64_t d[1] = {40000}, s[1] = {1};
    float e[4] = {2.f, 0.5f, 3.f, -1.5f};
    for (int k = 0; k < 4; k++) {
        oct_tensor *x = rnd(OCT_DT_F32, 1, d), *w = oct_tensor_new(OCT_DT_F32, 0, s), *out[1];
        for (int64_t i = 0; i < d[0]; i++) ((float *)x->data)[i] = fabsf(((float *)x->data)[i]) + 0.01f;
        ((float *)w->data)[0] = e[k];
        oct_tensor *in[2] = {x, w};
        tnode t = mk("Pow", 15, 2, 1);
        CHECK(run(&t, in, out, pool) == OCT_OK);
        double worst = 0;
        for (int64_t i = 0; i < d[0]; i++) {
            double want = pow(((float *)x->data)[i], e[k]), got = ((float *)out[0]->data)[i];
            worst = fmax(worst, fabs(got - want) / fabs(want));
        }
        CHECK_MSG(worst < 1e-6, "Pow exponent %g: rel err %g", e[k], worst);
        oct_tensor_free(x);
        oct_tensor_free(w);
        oct_tensor_free(out[0]);
        tfree(&t);
    }
}

/* ---------- vectorised math accuracy ---------- */

static void test_vmath_accuracy(void)
{
    const oct_ew_kernels *tabs[2] = {&oct_ew_kernels_generic, &oct_ew_kernels_avx2};
    int ntab = oct_cpu_detect()->avx2 && oct_cpu_detect()->fma ? 2 : 1;
    enum { N = 200000 };
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    for (int k = 0; k < ntab; k++) {
        const oct_ew_kernels *ek = tabs[k];
        double we = 0, wt = 0, ws = 0;
        for (int i = 0; i < N; i++) x[i] = -87.0f + 175.0f * (float)i / N;
        ek->exp(x, y, N);
        for (int i = 0; i < N; i++) we = fmax(we, fabs(y[i] - exp(x[i])) / exp(x[i]));
        for (int i = 0; i < N; i++) x[i] = -12.0f + 24.0f * (float)i / N;
        ek->tanh(x, y, N);
        for (int i = 0; i < N; i++)
            if (x[i] != 0) wt = fmax(wt, fabs(y[i] - tanh(x[i])) / fabs(tanh(x[i])));
        ek->sigmoid(x, y, N);
        for (int i = 0; i < N; i++) {
            double s = 1 / (1 + exp(-(double)x[i]));
            ws = fmax(ws, fabs(y[i] - s) / s);
        }
        CHECK_MSG(we < 3e-7, "%s exp rel err %g", ek->name, we);
        CHECK_MSG(wt < 5e-7, "%s tanh rel err %g", ek->name, wt);
        CHECK_MSG(ws < 5e-7, "%s sigmoid rel err %g", ek->name, ws);
        /* specials */
        float sx[6] = {-INFINITY, INFINITY, NAN, 89.0f, -110.0f, 0.0f}, sy[6];
        ek->exp(sx, sy, 6);
        CHECK(sy[0] == 0.f && isinf(sy[1]) && isnan(sy[2]) && isinf(sy[3]) && sy[4] == 0.f && sy[5] == 1.f);
        ek->tanh(sx, sy, 6);
        CHECK(sy[0] == -1.f && sy[1] == 1.f && isnan(sy[2]) && sy[5] == 0.f);
        /* f16 conversions agree with core/dtype.h for every half value */
        static uint16_t h[65536], h2[65536];
        static float hf[65536];
        for (int i = 0; i < 65536; i++) h[i] = (uint16_t)i;
        ek->f16_to_f32(h, hf, 65536);
        int bad = 0;
        for (int i = 0; i < 65536; i++) {
            float r = oct_f16_to_f32(h[i]);
            bad += memcmp(&r, &hf[i], 4) != 0 && !(isnan(r) && isnan(hf[i]));
        }
        CHECK_MSG(!bad, "%s f16->f32: %d mismatches", ek->name, bad);
        for (int i = 0; i < N; i++) x[i] = (frand() * 20000.0f) * (i % 7 ? 1e-4f : 1.0f);
        ek->f32_to_f16(x, h2, N < 65536 ? N : 65536);
        bad = 0;
        for (int i = 0; i < 65536 && i < N; i++) bad += h2[i] != oct_f32_to_f16(x[i]);
        CHECK_MSG(!bad, "%s f32->f16: %d mismatches", ek->name, bad);
    }
    free(x);
    free(y);
}

static void test_erf(oct_pool *pool)
{
    int64_t d[1] = {100000};
    oct_tensor *x = oct_tensor_new(OCT_DT_F32, 1, d), *out[1];
    for (int64_t i = 0; i < d[0]; i++) ((float *)x->data)[i] = -5.0f + 10.0f * (float)i / (float)d[0];
    tnode t = mk("Erf", 13, 1, 1);
    CHECK(run(&t, &x, out, pool) == OCT_OK);
    double worst = 0;
    for (int64_t i = 0; i < d[0]; i++) {
        double want = erf(((float *)x->data)[i]);
        if (want != 0) worst = fmax(worst, fabs(((float *)out[0]->data)[i] - want) / fabs(want));
    }
    CHECK_MSG(worst < 2.5e-7, "Erf rel err %g", worst);
    oct_tensor_free(x);
    oct_tensor_free(out[0]);
    tfree(&t);
}

/* ---------- Softmax family ---------- */

static void softmax_ref(const float *x, double *y, int64_t outer, int64_t L, int64_t inner, int lg)
{
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < inner; j++) {
            double m = -INFINITY, s = 0;
            for (int64_t l = 0; l < L; l++) m = fmax(m, x[(o * L + l) * inner + j]);
            for (int64_t l = 0; l < L; l++) s += exp(x[(o * L + l) * inner + j] - m);
            for (int64_t l = 0; l < L; l++) {
                double v = x[(o * L + l) * inner + j] - m;
                y[(o * L + l) * inner + j] = lg ? v - log(s) : exp(v) / s;
            }
        }
}

static void check_softmax(const char *op, int opset, int64_t axis, int rank, const int64_t *dims, int64_t outer,
                          int64_t L, int64_t inner, oct_pool *pool, int inplace)
{
    tnode t = mk(op, opset, 1, 1);
    if (axis != INT64_MIN) oct_node_set_int(t.n, "axis", axis);
    oct_tensor *x = rnd(OCT_DT_F32, rank, dims), *out[1];
    for (int64_t i = 0; i < oct_tensor_numel(x); i++) ((float *)x->data)[i] *= 3.0f;
    ((float *)x->data)[0] = 1000.0f; /* large values stay finite */
    int64_t n = oct_tensor_numel(x);
    double *ref = malloc((size_t)n * sizeof *ref);
    softmax_ref(x->data, ref, outer, L, inner, op[0] == 'L');
    if (inplace) {
        oct_exec ex = {pool};
        CHECK(t.def->compute(t.n, (const oct_tensor *const *)&x, &x, &ex) == OCT_OK);
        out[0] = NULL;
    } else {
        CHECK_MSG(run(&t, &x, out, pool) == OCT_OK, "%s", oct_errmsg());
    }
    const float *y = inplace ? x->data : out[0]->data;
    double worst = 0;
    for (int64_t i = 0; i < n; i++) worst = fmax(worst, fabs(y[i] - ref[i]) / (1e-2 + fabs(ref[i])));
    CHECK_MSG(worst < 2e-5, "%s opset %d axis %lld%s: rel err %g", op, opset, (long long)axis,
              inplace ? " in place" : "", worst);
    free(ref);
    oct_tensor_free(x);
    oct_tensor_free(out[0]);
    tfree(&t);
}

static void test_softmax(oct_pool *pool)
{
    int64_t d3[3] = {3, 4, 5}, big[3] = {24, 64, 300}, rows[2] = {2048, 77};
    for (int lg = 0; lg < 2; lg++) {
        const char *op = lg ? "LogSoftmax" : "Softmax";
        check_softmax(op, 13, INT64_MIN, 3, d3, 12, 5, 1, pool, 0);
        check_softmax(op, 13, 1, 3, d3, 3, 4, 5, pool, 0);
        check_softmax(op, 13, 0, 3, d3, 1, 3, 20, pool, 0);
        check_softmax(op, 11, INT64_MIN, 3, d3, 3, 20, 1, pool, 0); /* 2D coercion at axis 1 */
        check_softmax(op, 11, 0, 3, d3, 1, 60, 1, pool, 0);
        check_softmax(op, 11, -1, 3, d3, 12, 5, 1, pool, 0);
        check_softmax(op, 13, 1, 3, big, 24, 64, 300, pool, 0);    /* strided, > 256 columns, threaded */
        check_softmax(op, 13, 1, 3, big, 24, 64, 300, pool, 1);
        check_softmax(op, 13, -1, 2, rows, 2048, 77, 1, pool, 0); /* rows, threaded */
        check_softmax(op, 13, -1, 2, rows, 2048, 77, 1, pool, 1);
    }
    /* f16 and f64 follow f32 */
    int64_t d[2] = {5, 33};
    for (int k = 0; k < 2; k++) {
        oct_dtype dt = k ? OCT_DT_F64 : OCT_DT_F16;
        tnode t = mk("Softmax", 13, 1, 1);
        oct_tensor *x = rnd(dt, 2, d), *out[1];
        CHECK(run(&t, &x, out, pool) == OCT_OK && out[0]->dtype == dt);
        for (int r = 0; r < 5; r++) {
            double s = 0;
            for (int j = 0; j < 33; j++) s += oct_dtype_get(dt, out[0]->data, (size_t)(r * 33 + j));
            CHECK_NEAR(s, 1.0, 1e-2);
        }
        oct_tensor_free(x);
        oct_tensor_free(out[0]);
        tfree(&t);
    }
    /* Hardmax opset 11 flattens at axis 1: one 1 per batch row of 20 */
    tnode t = mk("Hardmax", 11, 1, 1);
    oct_tensor *x = rnd(OCT_DT_F32, 3, d3), *out[1];
    CHECK(run(&t, &x, out, NULL) == OCT_OK);
    for (int b = 0; b < 3; b++) {
        float s = 0;
        for (int j = 0; j < 20; j++) s += ((float *)out[0]->data)[b * 20 + j];
        CHECK(s == 1.0f);
    }
    oct_tensor_free(x);
    oct_tensor_free(out[0]);
    tfree(&t);
}

/* ---------- Clip / Cast / Dropout / IsInf ---------- */

static void test_clip(void)
{
    int64_t d[1] = {5};
    float xv[5] = {-3, -0.5f, 0.25f, 2, NAN};
    oct_tensor *x = oct_tensor_new(OCT_DT_F32, 1, d), *out[1];
    memcpy(x->data, xv, sizeof xv);
    tnode t = mk("Clip", 6, 1, 1);
    oct_node_set_float(t.n, "min", -1.0f);
    CHECK(run(&t, &x, out, NULL) == OCT_OK);
    float *y = out[0]->data;
    CHECK(y[0] == -1 && y[1] == -0.5f && y[3] == 2 && isnan(y[4]));
    oct_tensor_free(out[0]);
    tfree(&t);
    /* opset 13: max only (min omitted) */
    int64_t s0[1] = {1};
    oct_tensor *mx = oct_tensor_new(OCT_DT_F32, 0, s0);
    ((float *)mx->data)[0] = 0.0f;
    oct_tensor *in[3] = {x, NULL, mx};
    t = mk("Clip", 13, 3, 1);
    CHECK(run(&t, in, out, NULL) == OCT_OK);
    y = out[0]->data;
    CHECK(y[0] == -3 && y[2] == 0 && y[3] == 0);
    oct_tensor_free(out[0]);
    tfree(&t);
    oct_tensor_free(mx);
    oct_tensor_free(x);
    /* integers (opset 12+) */
    int64_t iv[3] = {INT64_MIN, 5, INT64_MAX};
    int64_t d3[1] = {3};
    oct_tensor *xi = oct_tensor_new(OCT_DT_I64, 1, d3), *lo = oct_tensor_new(OCT_DT_I64, 0, s0);
    memcpy(xi->data, iv, sizeof iv);
    ((int64_t *)lo->data)[0] = -7;
    oct_tensor *in2[2] = {xi, lo};
    t = mk("Clip", 13, 2, 1);
    CHECK(run(&t, in2, out, NULL) == OCT_OK);
    CHECK(((int64_t *)out[0]->data)[0] == -7 && ((int64_t *)out[0]->data)[2] == INT64_MAX);
    oct_tensor_free(out[0]);
    tfree(&t);
    oct_tensor_free(xi);
    oct_tensor_free(lo);
}

static void test_cast(void)
{
    float f[6] = {NAN, 3e10f, -3e10f, -2.7f, 255.9f, 0.0f};
    int32_t i32[6];
    oct_cast_run(OCT_DT_F32, f, OCT_DT_I32, i32, 6, NULL);
    CHECK(i32[0] == 0 && i32[1] == INT32_MAX && i32[2] == INT32_MIN && i32[3] == -2 && i32[4] == 255);
    uint8_t u8[6], b[6];
    oct_cast_run(OCT_DT_F32, f, OCT_DT_U8, u8, 6, NULL);
    CHECK(u8[0] == 0 && u8[1] == 255 && u8[2] == 0 && u8[3] == 0 && u8[4] == 255);
    oct_cast_run(OCT_DT_F32, f, OCT_DT_BOOL, b, 6, NULL);
    CHECK(b[0] == 1 && b[3] == 1 && b[5] == 0);
    uint64_t u64[2] = {UINT64_MAX, 1ull << 63};
    double dd[2];
    oct_cast_run(OCT_DT_U64, u64, OCT_DT_F64, dd, 2, NULL);
    CHECK(dd[0] == 18446744073709551615.0 && dd[1] == 9223372036854775808.0);
    int64_t i64[2] = {-1, 300};
    uint8_t w[2];
    oct_cast_run(OCT_DT_I64, i64, OCT_DT_U8, w, 2, NULL); /* integers wrap */
    CHECK(w[0] == 255 && w[1] == 44);
    float bf_in[2] = {0.47892547f, -INFINITY};
    uint16_t bf[2];
    oct_cast_run(OCT_DT_F32, bf_in, OCT_DT_BF16, bf, 2, NULL);
    uint32_t bits;
    memcpy(&bits, &bf_in[0], 4);
    CHECK(bf[0] == (uint16_t)(bits >> 16) && bf[1] == 0xff80);
    /* large f32 -> f16 through the node (threaded path boundaries) */
    int64_t d[1] = {100003};
    oct_tensor *x = rnd(OCT_DT_F32, 1, d), *out[1];
    tnode t = mk("Cast", 13, 1, 1);
    oct_node_set_int(t.n, "to", OCT_DT_F16);
    oct_pool *pool = oct_pool_new(2);
    CHECK(run(&t, &x, out, pool) == OCT_OK && out[0]->dtype == OCT_DT_F16);
    int bad = 0;
    for (int64_t i = 0; i < d[0]; i++) bad += ((uint16_t *)out[0]->data)[i] != oct_f32_to_f16(((float *)x->data)[i]);
    CHECK(!bad);
    oct_pool_free(pool);
    oct_tensor_free(x);
    oct_tensor_free(out[0]);
    tfree(&t);
}

static void test_dropout_isinf(void)
{
    int64_t d[1] = {4}, s0[1] = {1};
    float xv[4] = {1, -INFINITY, INFINITY, NAN};
    oct_tensor *x = oct_tensor_new(OCT_DT_F32, 1, d), *out[2];
    memcpy(x->data, xv, sizeof xv);
    tnode t = mk("Dropout", 13, 1, 2);
    CHECK(run(&t, &x, out, NULL) == OCT_OK);
    CHECK(out[1]->dtype == OCT_DT_BOOL && ((uint8_t *)out[1]->data)[3] == 1);
    CHECK(((float *)out[0]->data)[0] == 1.0f);
    oct_tensor_free(out[0]);
    oct_tensor_free(out[1]);
    tfree(&t);
    oct_tensor *tm = oct_tensor_new(OCT_DT_BOOL, 0, s0);
    ((uint8_t *)tm->data)[0] = 1;
    oct_tensor *in[3] = {x, NULL, tm};
    t = mk("Dropout", 13, 3, 1);
    CHECK(run(&t, in, out, NULL) == OCT_E_UNSUPPORTED);
    oct_tensor_free(out[0]);
    tfree(&t);
    oct_tensor_free(tm);
    t = mk("IsInf", 10, 1, 1);
    oct_node_set_int(t.n, "detect_positive", 0);
    CHECK(run(&t, &x, out, NULL) == OCT_OK);
    const uint8_t *y = out[0]->data;
    CHECK(y[0] == 0 && y[1] == 1 && y[2] == 0 && y[3] == 0);
    oct_tensor_free(out[0]);
    tfree(&t);
    oct_tensor_free(x);
}

/* Gelu (opset 20, no ONNX 1.12 node test): default approximate="none" */
static void test_gelu(void)
{
    int64_t d[1] = {7};
    float xv[7] = {-6, -2, -0.5f, 0, 0.5f, 2, 6};
    oct_tensor *x = oct_tensor_new(OCT_DT_F32, 1, d), *out[1];
    memcpy(x->data, xv, sizeof xv);
    tnode t = mk("Gelu", 20, 1, 1);
    CHECK(run(&t, &x, out, NULL) == OCT_OK);
    for (int i = 0; i < 7; i++)
        CHECK_NEAR(((float *)out[0]->data)[i], 0.5 * xv[i] * (1 + erf(xv[i] / sqrt(2.0))), 1e-6);
    oct_tensor_free(x);
    oct_tensor_free(out[0]);
    tfree(&t);
}

/* unary ops on a large f16 tensor go through the f32 kernels in chunks */
static void test_unary_f16(oct_pool *pool)
{
    int64_t d[1] = {70001};
    oct_tensor *x = rnd(OCT_DT_F16, 1, d), *out[1];
    tnode t = mk("Sigmoid", 13, 1, 1);
    CHECK(run(&t, &x, out, pool) == OCT_OK);
    int bad = 0;
    for (int64_t i = 0; i < d[0]; i++) {
        double v = oct_dtype_get(OCT_DT_F16, x->data, (size_t)i);
        double got = oct_dtype_get(OCT_DT_F16, out[0]->data, (size_t)i);
        bad += fabs(got - 1 / (1 + exp(-v))) > 1e-3;
    }
    CHECK(!bad);
    oct_tensor_free(x);
    oct_tensor_free(out[0]);
    tfree(&t);
}

int main(void)
{
    oct_pool *pool = oct_pool_new(3);
    for (int lvl = 0; lvl < 2; lvl++) { /* generic kernels, then the best the CPU has */
        oct_cpu_level_set(lvl ? OCT_CPU_AVX512 : OCT_CPU_SCALAR);
        test_broadcast(pool);
        test_bcast_three(pool);
        test_inplace(pool);
        test_softmax(pool);
        test_unary_f16(pool);
        test_pow_fast(pool);
    }
    test_legacy_broadcast();
    test_int_corners();
    test_vmath_accuracy();
    test_erf(pool);
    test_clip();
    test_cast();
    test_dropout_isinf();
    test_gelu();
    oct_pool_free(pool);
    TEST_DONE();
}
