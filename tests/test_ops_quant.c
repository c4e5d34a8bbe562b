/* Quantization operators against independent naive references (int64 sums,
 * libm rounding): QuantizeLinear / DequantizeLinear (per tensor, per axis,
 * ties, saturation, int32), DynamicQuantizeLinear, MatMulInteger,
 * QLinearMatMul, ConvInteger, QLinearConv — the generic path and the integer
 * GEMM path under every qgemm kernel the CPU has, with and without
 * prepare() (packed constant weights), serial and threaded, bit-exact; and
 * the errors infer() reports. */
#include <stdint.h>
#include <string.h>

#include "backend/cpu/qgemm.h"
#include "core/cpu.h"
#include "core/pool.h"
#include "graph/ir.h"
#include "ops/op.h"
#include "ops/quant_util.h"
#include "test_util.h"

static uint32_t rng = 12345u;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}
static int64_t rint_range(int64_t lo, int64_t hi) { return lo + (int64_t)(rnd() % (uint32_t)(hi - lo + 1)); }
static float frand(float lo, float hi) { return lo + (hi - lo) * (float)(rnd() >> 8) / 16777216.f; }

/* ---- tensors ------------------------------------------------------------------ */

static oct_tensor *tnew(oct_dtype dt, int rank, const int64_t *dims) { return oct_tensor_new(dt, rank, dims); }

static oct_tensor *q8_rand(oct_dtype dt, int rank, const int64_t *dims, int32_t lo, int32_t hi)
{
    oct_tensor *t = tnew(dt, rank, dims);
    for (int64_t i = 0; i < oct_tensor_numel(t); i++) {
        int32_t v = (int32_t)rint_range(lo, hi);
        if (dt == OCT_DT_I8) ((int8_t *)t->data)[i] = (int8_t)v;
        else if (dt == OCT_DT_U8) ((uint8_t *)t->data)[i] = (uint8_t)v;
        else ((int32_t *)t->data)[i] = v;
    }
    return t;
}

static oct_tensor *scalar_f(float v)
{
    oct_tensor *t = tnew(OCT_DT_F32, 0, NULL);
    *(float *)t->data = v;
    return t;
}

static oct_tensor *scalar_q(oct_dtype dt, int32_t v)
{
    oct_tensor *t = tnew(dt, 0, NULL);
    if (dt == OCT_DT_I8) *(int8_t *)t->data = (int8_t)v;
    else if (dt == OCT_DT_U8) *(uint8_t *)t->data = (uint8_t)v;
    else *(int32_t *)t->data = v;
    return t;
}

static oct_tensor *vec_f(int64_t n, float lo, float hi)
{
    oct_tensor *t = tnew(OCT_DT_F32, 1, &n);
    for (int64_t i = 0; i < n; i++) ((float *)t->data)[i] = frand(lo, hi);
    return t;
}

static int32_t qat(const oct_tensor *t, int64_t i)
{
    int64_t k = oct_tensor_numel(t) == 1 ? 0 : i;
    switch (t->dtype) {
    case OCT_DT_U8: return ((const uint8_t *)t->data)[k];
    case OCT_DT_I8: return ((const int8_t *)t->data)[k];
    case OCT_DT_I32: return ((const int32_t *)t->data)[k];
    default: return 0;
    }
}
static float fat(const oct_tensor *t, int64_t i) { return ((const float *)t->data)[oct_tensor_numel(t) == 1 ? 0 : i]; }

/* ---- a one-node graph ------------------------------------------------------------ */

typedef struct onenode {
    oct_graph *g;
    oct_node *n;
} onenode;

/* present[i] = 0: input i omitted (-1) */
static onenode mk(const char *op, int opset, int n_in, const int *present, int n_out)
{
    onenode o;
    o.g = oct_graph_new();
    int in[9], out[3];
    char name[16];
    for (int i = 0; i < n_in; i++) {
        snprintf(name, sizeof name, "x%d", i);
        in[i] = present && !present[i] ? -1 : oct_graph_add_value(o.g, name);
    }
    for (int i = 0; i < n_out; i++) {
        snprintf(name, sizeof name, "y%d", i);
        out[i] = oct_graph_add_value(o.g, name);
    }
    int k = oct_graph_add_node(o.g, op, "", op, n_in, in, n_out, out);
    o.n = &o.g->node[k];
    o.n->opset = opset;
    o.n->def = oct_op_find(op, "", opset, NULL);
    return o;
}

/* When set, the mode switched to between prepare() and compute(). */
static void (*after_prepare)(void);

/* infer + compute. const_mask: inputs made graph constants before prepare().
 * Returns the status; outputs in out[] (caller frees). */
static oct_status run_node(onenode *o, oct_tensor **in, int n_in, unsigned const_mask, oct_pool *pool,
                           oct_tensor **out, int n_out)
{
    oct_node *n = o->n;
    for (int i = 0; i < n_out; i++) out[i] = NULL;
    if (!n->def) return oct_err(OCT_E_UNSUPPORTED, "no def");
    if (const_mask && n->def->prepare) {
        for (int i = 0; i < n_in; i++) {
            if (!(const_mask >> i & 1) || n->in[i] < 0) continue;
            oct_tensor_free(o->g->val[n->in[i]].constant);
            o->g->val[n->in[i]].constant = oct_tensor_clone(in[i]);
        }
        oct_status s = n->def->prepare(n, o->g);
        if (s != OCT_OK) return s;
    }
    if (after_prepare) after_prepare();
    const oct_tensor *cin[9];
    for (int i = 0; i < n_in; i++) cin[i] = in[i];
    for (int i = 0; i < n_out; i++) out[i] = tnew(OCT_DT_F32, 0, NULL);
    oct_status s = n->def->infer(n, cin, out);
    if (s == OCT_OK)
        for (int i = 0; i < n_out && s == OCT_OK; i++) s = oct_tensor_alloc(out[i]);
    if (s == OCT_OK) {
        oct_exec ex = {pool};
        s = n->def->compute(n, cin, out, &ex);
    }
    if (n->def->release && n->state) n->def->release(n);
    if (s != OCT_OK)
        for (int i = 0; i < n_out; i++) {
            oct_tensor_free(out[i]);
            out[i] = NULL;
        }
    return s;
}

static void free_all(oct_tensor **t, int n)
{
    for (int i = 0; i < n; i++) oct_tensor_free(t[i]);
}

/* ---- reference rounding ---------------------------------------------------------- */

static int32_t ref_sat(double v, int32_t zp, oct_dtype dt)
{
    int32_t lo = dt == OCT_DT_I8 ? -128 : 0, hi = dt == OCT_DT_I8 ? 127 : 255;
    if (v != v) return lo;
    double r = nearbyint(v) + zp; /* default rounding mode: half to even */
    return r < lo ? lo : r > hi ? hi : (int32_t)r;
}

static int32_t ref_requant(int32_t acc, float mult, int32_t zp, oct_dtype dt)
{
    float v = (float)acc * mult;
    return ref_sat((double)v, zp, dt);
}

static int same_q(const oct_tensor *got, const int32_t *want, int64_t cnt, const char *what)
{
    if (!got || oct_tensor_numel(got) != cnt) {
        CHECK_MSG(0, "%s: wrong output size", what);
        return 0;
    }
    for (int64_t i = 0; i < cnt; i++)
        if (qat(got, i) != want[i]) {
            CHECK_MSG(0, "%s: y[%lld] = %d, want %d", what, (long long)i, qat(got, i), want[i]);
            return 0;
        }
    CHECK(1);
    return 1;
}

/* ---- the modes every integer op runs in ------------------------------------------ */

typedef struct mode {
    oct_quant_algo algo;
    oct_qgemm_path path;
    int prepare;
    int threads;
    int block; /* Conv pixels per block (0: automatic) */
    int scalar; /* OCT_CPU_SCALAR: the portable quant kernels */
} mode;

static mode modes[32];
static int n_modes;
static oct_pool *pool2;

static void init_modes(void)
{
    oct_qgemm_path ps[] = {OCT_QGEMM_SCALAR, OCT_QGEMM_AVX2, OCT_QGEMM_AVXVNNI, OCT_QGEMM_AVX512VNNI};
    for (int prep = 0; prep < 2; prep++) {
        modes[n_modes++] = (mode){OCT_QUANT_GENERIC, OCT_QGEMM_AUTO, prep, 0, 0, 1};
        modes[n_modes++] = (mode){OCT_QUANT_GENERIC, OCT_QGEMM_AUTO, prep, 1, 0, 0};
        modes[n_modes++] = (mode){OCT_QUANT_AUTO, OCT_QGEMM_AUTO, prep, 1, 0, 0};
        for (int p = 0; p < 4; p++)
            if (oct_qgemm_path_supported(ps[p])) modes[n_modes++] = (mode){OCT_QUANT_GEMM, ps[p], prep, p == 3, 0, p == 0};
        /* small pixel blocks: blocks end inside output rows; many tasks over the pool */
        modes[n_modes++] = (mode){OCT_QUANT_GEMM, OCT_QGEMM_AUTO, prep, 1, prep ? 13 : 56, 0};
        modes[n_modes++] = (mode){OCT_QUANT_GEMM, OCT_QGEMM_SCALAR, prep, 0, 7, 1};
    }
    printf("qgemm paths:");
    for (int p = 0; p < 4; p++)
        if (oct_qgemm_path_supported(ps[p])) printf(" %s", oct_qgemm_path_name(ps[p]));
    printf("\n");
}

static oct_cpu_level cpu_best;

static void set_mode(const mode *m)
{
    oct_cpu_level_set(m->scalar ? OCT_CPU_SCALAR : cpu_best);
    oct_quant_algo_set(m->algo);
    oct_qgemm_path_set(m->path);
    oct_qconv_tune(m->block);
}

static void reset_mode(void)
{
    oct_cpu_level_set(cpu_best);
    oct_quant_algo_set(OCT_QUANT_AUTO);
    oct_qgemm_path_set(OCT_QGEMM_AUTO);
    oct_qconv_tune(0);
}

/* ---- QuantizeLinear / DequantizeLinear / DynamicQuantizeLinear --------------------- */

static void test_quantize(void)
{
    /* ties to even, saturation, NaN / inf, u8 and i8 */
    {
        float xs[] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 1000.f, -1000.f, 0.f, 3.f};
        int64_t n = 10;
        oct_tensor *x = tnew(OCT_DT_F32, 1, &n);
        memcpy(x->data, xs, sizeof xs);
        float nan = 0.f;
        nan = nan / nan;
        oct_tensor *in[3] = {x, scalar_f(1.f), scalar_q(OCT_DT_I8, 1)}, *y;
        onenode o = mk("QuantizeLinear", 13, 3, NULL, 1);
        int32_t want[] = {1, 3, 3, 1, -1, -1, 127, -128, 1, 4};
        CHECK(run_node(&o, in, 3, 0, NULL, &y, 1) == OCT_OK);
        same_q(y, want, n, "quantize ties i8");
        oct_tensor_free(y);
        ((float *)x->data)[8] = nan;
        ((float *)x->data)[9] = 1.f / 0.f;
        want[8] = -128; /* NaN: the lowest value */
        want[9] = 127;
        CHECK(run_node(&o, in, 3, 0, NULL, &y, 1) == OCT_OK);
        same_q(y, want, n, "quantize nan / inf");
        oct_tensor_free(y);
        oct_graph_free(o.g);
        /* no zero point: uint8, zero point 0 */
        onenode o2 = mk("QuantizeLinear", 13, 2, NULL, 1);
        ((float *)x->data)[8] = 0.f;
        ((float *)x->data)[9] = 255.5f;
        int32_t want2[] = {0, 2, 2, 0, 0, 0, 255, 0, 0, 255};
        CHECK(run_node(&o2, in, 2, 0, NULL, &y, 1) == OCT_OK);
        CHECK(y && y->dtype == OCT_DT_U8);
        same_q(y, want2, n, "quantize u8 default");
        oct_tensor_free(y);
        oct_graph_free(o2.g);
        free_all(in, 3);
    }
    /* per axis (negative axis too), random, against the reference; int32 x */
    for (int t = 0; t < 12; t++) {
        int64_t dims[4] = {rint_range(1, 3), rint_range(1, 5), rint_range(1, 4), rint_range(1, 6)};
        int axis = (int)rint_range(0, 3);
        oct_dtype zdt = t & 1 ? OCT_DT_I8 : OCT_DT_U8;
        int xint = t % 3 == 2;
        oct_tensor *x = xint ? q8_rand(OCT_DT_I32, 4, dims, -3000, 3000) : tnew(OCT_DT_F32, 4, dims);
        int64_t cnt = oct_tensor_numel(x), L = dims[axis];
        if (!xint)
            for (int64_t i = 0; i < cnt; i++) ((float *)x->data)[i] = frand(-40.f, 40.f);
        oct_tensor *s = vec_f(L, 0.05f, 0.5f), *z = q8_rand(zdt, 1, &L, zdt == OCT_DT_I8 ? -20 : 100, zdt == OCT_DT_I8 ? 20 : 150);
        oct_tensor *in[3] = {x, s, z}, *y;
        onenode o = mk("QuantizeLinear", 13, 3, NULL, 1);
        oct_node_set_int(o.n, "axis", axis - (t & 2 ? 4 : 0));
        CHECK(run_node(&o, in, 3, 0, pool2, &y, 1) == OCT_OK);
        int32_t *want = malloc((size_t)cnt * sizeof *want);
        int64_t inner = 1;
        for (int i = axis + 1; i < 4; i++) inner *= dims[i];
        for (int64_t i = 0; i < cnt; i++) {
            int64_t c = i / inner % L;
            double v = xint ? (double)((int32_t *)x->data)[i] / (double)fat(s, c)
                            : (double)(((float *)x->data)[i] / fat(s, c));
            want[i] = ref_sat(v, qat(z, c), zdt);
        }
        same_q(y, want, cnt, "quantize per axis");
        /* and back */
        oct_tensor *din[3] = {y, s, z}, *r;
        onenode od = mk("DequantizeLinear", 13, 3, NULL, 1);
        oct_node_set_int(od.n, "axis", axis);
        CHECK(run_node(&od, din, 3, 0, pool2, &r, 1) == OCT_OK);
        int bad = 0;
        for (int64_t i = 0; r && i < cnt; i++) {
            int64_t c = i / inner % L;
            float w = (float)(qat(y, i) - qat(z, c)) * fat(s, c);
            bad |= ((float *)r->data)[i] != w;
        }
        CHECK(r && !bad);
        free(want);
        oct_tensor_free(r);
        oct_tensor_free(y);
        free_all(in, 3);
        oct_graph_free(o.g);
        oct_graph_free(od.g);
    }
    /* DequantizeLinear int32 without zero point; opset 10 */
    {
        int64_t n = 4;
        oct_tensor *x = tnew(OCT_DT_I32, 1, &n), *y;
        int32_t xv[] = {-7, 0, 1 << 20, -(1 << 30)};
        memcpy(x->data, xv, sizeof xv);
        oct_tensor *in[2] = {x, scalar_f(0.25f)};
        onenode o = mk("DequantizeLinear", 10, 2, NULL, 1);
        CHECK(run_node(&o, in, 2, 0, NULL, &y, 1) == OCT_OK);
        for (int i = 0; y && i < 4; i++) CHECK(((float *)y->data)[i] == (float)xv[i] * 0.25f);
        oct_tensor_free(y);
        free_all(in, 2);
        oct_graph_free(o.g);
    }
}

/* long rows (the SIMD kernels): random values, exact ties, inf / NaN; every CPU level */
static void test_quantize_long(void)
{
    int64_t n = 1003;
    oct_tensor *x = tnew(OCT_DT_F32, 1, &n), *s = scalar_f(0.5f);
    float *xv = x->data, nan = 0.f;
    nan = nan / nan;
    for (int64_t i = 0; i < n; i++) xv[i] = i % 3 ? frand(-100.f, 100.f) : (float)rint_range(-300, 300) * 0.25f;
    xv[17] = nan, xv[18] = 1.f / 0.f, xv[19] = -1.f / 0.f;
    oct_cpu_level lv[3] = {OCT_CPU_SCALAR, OCT_CPU_AVX2, OCT_CPU_AVX512};
    int32_t *want = malloc((size_t)n * sizeof *want);
    for (int zi = 0; zi < 2; zi++) {
        oct_dtype zdt = zi ? OCT_DT_I8 : OCT_DT_U8;
        oct_tensor *z = scalar_q(zdt, zi ? -3 : 131);
        for (int64_t i = 0; i < n; i++) want[i] = ref_sat((double)(xv[i] / 0.5f), qat(z, 0), zdt);
        for (int l = 0; l < 3; l++) {
            oct_cpu_level_set(lv[l]);
            oct_tensor *in[3] = {x, s, z}, *y, *r;
            onenode o = mk("QuantizeLinear", 13, 3, NULL, 1);
            CHECK(run_node(&o, in, 3, 0, pool2, &y, 1) == OCT_OK);
            same_q(y, want, n, "quantize long");
            oct_tensor *din[3] = {y, s, z};
            onenode od = mk("DequantizeLinear", 13, 3, NULL, 1);
            CHECK(run_node(&od, din, 3, 0, pool2, &r, 1) == OCT_OK);
            int bad = 0;
            for (int64_t i = 0; r && i < n; i++) bad |= ((float *)r->data)[i] != (float)(want[i] - qat(z, 0)) * 0.5f;
            CHECK(r && !bad);
            oct_tensor_free(y);
            oct_tensor_free(r);
            oct_graph_free(o.g);
            oct_graph_free(od.g);
        }
        oct_tensor_free(z);
    }
    oct_cpu_level_set(cpu_best);
    free(want);
    oct_tensor_free(x);
    oct_tensor_free(s);
}

static void test_dynamic(void)
{
    const float cases[][6] = {
        {0.f, 2.f, -3.f, -2.5f, 1.34f, 0.5f},
        {-1.f, -2.1f, -1.3f, -2.5f, -3.34f, -4.f},
        {1.f, 2.1f, 1.3f, 2.5f, 3.34f, 4.f},
        {0.f, 0.f, 0.f, 0.f, 0.f, 0.f},
        {1e-30f, -1e-30f, 0.f, 5e-31f, 0.f, 0.f},
    };
    for (int c = 0; c < 5; c++) {
        int64_t n = 6;
        oct_tensor *x = tnew(OCT_DT_F32, 1, &n), *out[3];
        memcpy(x->data, cases[c], sizeof cases[c]);
        onenode o = mk("DynamicQuantizeLinear", 11, 1, NULL, 3);
        CHECK(run_node(&o, &x, 1, 0, NULL, out, 3) == OCT_OK);
        float mn = 0, mx = 0;
        for (int i = 0; i < 6; i++) {
            mn = cases[c][i] < mn ? cases[c][i] : mn;
            mx = cases[c][i] > mx ? cases[c][i] : mx;
        }
        float scale = mx == mn ? 1.f : (mx - mn) / 255.f;
        int32_t zp = ref_sat((double)(0.f - mn / scale), 0, OCT_DT_U8);
        CHECK(out[1] && *(float *)out[1]->data == scale);
        CHECK(out[2] && *(uint8_t *)out[2]->data == zp);
        int32_t want[6];
        for (int i = 0; i < 6; i++) want[i] = ref_sat((double)(cases[c][i] / scale), zp, OCT_DT_U8);
        same_q(out[0], want, 6, "dynamic quantize");
        free_all(out, 3);
        oct_tensor_free(x);
        oct_graph_free(o.g);
    }
}

/* ---- MatMulInteger / QLinearMatMul ---------------------------------------------------- */

typedef struct mm_case {
    int ra, rb;
    int64_t adims[4], bdims[4];
    oct_dtype adt, bdt, ydt; /* ydt I32: MatMulInteger */
    int za_rows, zb_cols;    /* per-row / per-column zero points */
    int b_sym;               /* int8 B with zero point 0 (the GEMM path without conversion) */
    int extreme;             /* A = max, B = min: int32 sums wrap */
} mm_case;

static void mm_shapes(const mm_case *c, int64_t *M, int64_t *N, int64_t *K)
{
    *K = c->adims[c->ra - 1];
    *M = c->ra > 1 ? c->adims[c->ra - 2] : 1;
    *N = c->rb > 1 ? c->bdims[c->rb - 1] : 1;
}

static void mm_case_run(const mm_case *c)
{
    int qlinear = c->ydt != OCT_DT_I32;
    int64_t M, N, K;
    mm_shapes(c, &M, &N, &K);
    oct_tensor *A = q8_rand(c->adt, c->ra, c->adims, c->adt == OCT_DT_I8 ? -128 : 0, c->adt == OCT_DT_I8 ? 127 : 255);
    oct_tensor *B = q8_rand(c->bdt, c->rb, c->bdims, c->bdt == OCT_DT_I8 ? -128 : 0, c->bdt == OCT_DT_I8 ? 127 : 255);
    if (c->extreme) {
        memset(A->data, 0xff, oct_tensor_nbytes(A));
        memset(B->data, 0x80, oct_tensor_nbytes(B));
    }
    int64_t nza = c->za_rows ? M : 1, nzb = c->zb_cols ? N : 1;
    oct_tensor *za = q8_rand(c->adt, 1, &nza, c->adt == OCT_DT_I8 ? -20 : 100, c->adt == OCT_DT_I8 ? 20 : 150);
    if (c->extreme) memset(za->data, 0, oct_tensor_nbytes(za));
    oct_tensor *zb = c->b_sym ? tnew(c->bdt, 1, &nzb)
                              : q8_rand(c->bdt, 1, &nzb, c->bdt == OCT_DT_I8 ? -5 : 120, c->bdt == OCT_DT_I8 ? 5 : 136);
    /* numpy broadcasting of the batch */
    int nb = 0, na = c->ra > 2 ? c->ra - 2 : 0, nbb = c->rb > 2 ? c->rb - 2 : 0;
    nb = na > nbb ? na : nbb;
    int64_t bd[4], batch = 1;
    for (int i = 0; i < nb; i++) {
        int ia = i - (nb - na), ib = i - (nb - nbb);
        int64_t da = ia >= 0 ? c->adims[ia] : 1, db = ib >= 0 ? c->bdims[ib] : 1;
        bd[i] = da == 0 || db == 0 ? 0 : da > db ? da : db;
        batch *= bd[i];
    }
    int64_t cnt = batch * M * N;
    int32_t *want = malloc((size_t)cnt * sizeof *want);
    float as = frand(0.01f, 0.05f), ys = frand(0.5f, 2.f);
    oct_tensor *bs = vec_f(nzb, 0.01f, 0.05f);
    int32_t zo = c->ydt == OCT_DT_I8 ? (int32_t)rint_range(-10, 10) : (int32_t)rint_range(100, 150);
    for (int64_t idx = 0; idx < batch; idx++) {
        int64_t oa = 0, ob = 0, r = idx, sa = M * K, sb = K * N;
        for (int i = nb - 1; i >= 0; i--) {
            int64_t ci = r % bd[i];
            r /= bd[i];
            int ia = i - (nb - na), ib = i - (nb - nbb);
            int64_t da = ia >= 0 ? c->adims[ia] : 1, db = ib >= 0 ? c->bdims[ib] : 1;
            oa += (da == 1 ? 0 : ci) * sa;
            ob += (db == 1 ? 0 : ci) * sb;
            sa *= da;
            sb *= db;
        }
        for (int64_t m = 0; m < M; m++)
            for (int64_t nn = 0; nn < N; nn++) {
                int64_t s = 0;
                for (int64_t k = 0; k < K; k++)
                    s += (int64_t)(qat(A, oa + m * K + k) - qat(za, m)) * (qat(B, ob + k * N + nn) - qat(zb, nn));
                int32_t acc = (int32_t)(uint32_t)(uint64_t)s;
                want[(idx * M + m) * N + nn] =
                    qlinear ? ref_requant(acc, oct_quant_mult(as, fat(bs, nn), ys), zo, c->ydt) : acc;
            }
    }
    oct_tensor *in[8];
    int n_in;
    const char *op = qlinear ? "QLinearMatMul" : "MatMulInteger";
    unsigned cmask;
    if (qlinear) {
        in[0] = A, in[1] = scalar_f(as), in[2] = oct_tensor_clone(za), in[3] = B, in[4] = bs, in[5] = zb;
        in[6] = scalar_f(ys), in[7] = scalar_q(c->ydt, zo);
        n_in = 8;
        cmask = 1u << 3 | 1u << 5;
    } else {
        in[0] = A, in[1] = B, in[2] = za, in[3] = zb;
        n_in = 4;
        cmask = 1u << 1 | 1u << 3;
    }
    char what[160];
    for (int mi = 0; mi < n_modes; mi++) {
        const mode *md = &modes[mi];
        set_mode(md);
        onenode o = mk(op, 10, n_in, NULL, 1);
        oct_tensor *y;
        oct_status s = run_node(&o, in, n_in, md->prepare ? cmask : 0, md->threads ? pool2 : NULL, &y, 1);
        snprintf(what, sizeof what, "%s A%s B%s %lldx%lldx%lld batch %lld za%s zb%s [%s %s%s%s]", op,
                 oct_dtype_name(c->adt), oct_dtype_name(c->bdt), (long long)M, (long long)K, (long long)N,
                 (long long)batch, c->za_rows ? "/row" : "", c->zb_cols ? "/col" : "",
                 md->algo == OCT_QUANT_GENERIC ? "generic" : md->algo == OCT_QUANT_GEMM ? "gemm" : "auto",
                 oct_qgemm_path_name(md->path), md->prepare ? " prepared" : "", md->scalar ? " cpu-scalar" : "");
        CHECK_MSG(s == OCT_OK, "%s: %s", what, oct_errmsg());
        if (s == OCT_OK) same_q(y, want, cnt, what);
        oct_tensor_free(y);
        oct_graph_free(o.g);
    }
    reset_mode();
    if (qlinear) {
        oct_tensor_free(in[1]);
        oct_tensor_free(in[2]);
        oct_tensor_free(in[6]);
        oct_tensor_free(in[7]);
    }
    oct_tensor *own[] = {A, B, za, zb, bs};
    free_all(own, 5);
    free(want);
}

static void test_matmul(void)
{
    oct_dtype qt[2] = {OCT_DT_U8, OCT_DT_I8};
    for (int t = 0; t < 40; t++) {
        mm_case c;
        memset(&c, 0, sizeof c);
        int shape = t % 5;
        int64_t M = rint_range(1, 40), K = rint_range(1, 70), N = rint_range(1, 50);
        if (shape == 0) { /* 2-D */
            c.ra = c.rb = 2;
            c.adims[0] = M, c.adims[1] = K, c.bdims[0] = K, c.bdims[1] = N;
        } else if (shape == 1) { /* batched A, 2-D B (folded) */
            c.ra = 3, c.rb = 2;
            c.adims[0] = 3, c.adims[1] = M, c.adims[2] = K, c.bdims[0] = K, c.bdims[1] = N;
        } else if (shape == 2) { /* broadcast batches both sides */
            c.ra = 4, c.rb = 3;
            c.adims[0] = 2, c.adims[1] = 1, c.adims[2] = M, c.adims[3] = K;
            c.bdims[0] = 3, c.bdims[1] = K, c.bdims[2] = N;
        } else if (shape == 3) { /* 1-D A */
            c.ra = 1, c.rb = 2;
            c.adims[0] = K, c.bdims[0] = K, c.bdims[1] = N;
        } else { /* 1-D B */
            c.ra = 2, c.rb = 1;
            c.adims[0] = M, c.adims[1] = K, c.bdims[0] = K;
        }
        c.adt = qt[t & 1];
        c.bdt = qt[(t >> 1) & 1];
        c.b_sym = t % 3 == 0 && c.bdt == OCT_DT_I8;
        c.zb_cols = c.rb > 1 && t % 4 == 1;
        int qlinear = t % 2 == 0;
        c.ydt = qlinear ? qt[(t >> 2) & 1] : OCT_DT_I32;
        c.za_rows = !qlinear && c.ra > 1 && t % 7 == 3;
        mm_case_run(&c);
    }
    /* empty inner dimension: zeros; empty output */
    {
        mm_case c0 = {2, 2, {5, 0}, {0, 9}, OCT_DT_U8, OCT_DT_I8, OCT_DT_I32, 0, 0, 1, 0};
        mm_case_run(&c0);
        mm_case c1 = {2, 2, {5, 0}, {0, 9}, OCT_DT_I8, OCT_DT_U8, OCT_DT_U8, 0, 1, 0, 0};
        mm_case_run(&c1);
        mm_case c2 = {3, 2, {0, 4, 3}, {3, 9}, OCT_DT_U8, OCT_DT_I8, OCT_DT_U8, 0, 0, 1, 0};
        mm_case_run(&c2);
    }
    /* int32 wrap-around: K * 255 * 128 > 2^31, generic and GEMM agree */
    {
        mm_case c = {2, 2, {1, 70000}, {70000, 2}, OCT_DT_U8, OCT_DT_I8, OCT_DT_I32, 0, 0, 1, 1};
        mm_case_run(&c);
    }
}

/* ---- ConvInteger / QLinearConv ------------------------------------------------------------ */

typedef struct cv_case {
    int nsp;
    int64_t N, C, M, G;
    int64_t in[3], k[3], s[3], d[3], pads[6];
    const char *auto_pad;
    oct_dtype xdt, wdt, ydt; /* ydt I32: ConvInteger */
    int w_per_ch;            /* per-channel w scale / zero point */
    int w_sym;               /* w int8, zero point 0 */
    int bias;
    int inf_mult;            /* y_scale 0: multipliers inf, 0 * inf = NaN */
} cv_case;

static void cv_geom(const cv_case *c, int64_t *pb, int64_t *out)
{
    for (int i = 0; i < c->nsp; i++) {
        int64_t dk = (c->k[i] - 1) * c->d[i] + 1, x = c->in[i];
        pb[i] = c->pads[i];
        int64_t pe = c->pads[c->nsp + i];
        if (c->auto_pad) {
            int64_t o = (x + c->s[i] - 1) / c->s[i], tot = (o - 1) * c->s[i] + dk - x;
            if (tot < 0) tot = 0;
            pb[i] = !strcmp(c->auto_pad, "SAME_UPPER") ? tot / 2 : tot - tot / 2;
            pe = tot - pb[i];
        }
        out[i] = (x + pb[i] + pe - dk) / c->s[i] + 1;
    }
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

static void set_algo_gemm(void) { oct_quant_algo_set(OCT_QUANT_GEMM); }
static void set_algo_generic(void) { oct_quant_algo_set(OCT_QUANT_GENERIC); }

static void cv_case_run(const cv_case *c)
{
    int qlinear = c->ydt != OCT_DT_I32, ns = c->nsp;
    int64_t xd[5] = {c->N, c->C}, wd[5] = {c->M, c->C / c->G}, pb[3], od[3];
    for (int i = 0; i < ns; i++) xd[2 + i] = c->in[i], wd[2 + i] = c->k[i];
    cv_geom(c, pb, od);
    oct_dtype wdt = c->w_sym ? OCT_DT_I8 : c->wdt;
    oct_tensor *X = q8_rand(c->xdt, ns + 2, xd, c->xdt == OCT_DT_I8 ? -128 : 0, c->xdt == OCT_DT_I8 ? 127 : 255);
    oct_tensor *W = q8_rand(wdt, ns + 2, wd, wdt == OCT_DT_I8 ? -128 : 0, wdt == OCT_DT_I8 ? 127 : 255);
    int64_t nw = c->w_per_ch ? c->M : 1, M = c->M;
    oct_tensor *zx = scalar_q(c->xdt, (int32_t)(c->xdt == OCT_DT_I8 ? rint_range(-30, 30) : rint_range(90, 160)));
    oct_tensor *zw = c->w_sym ? tnew(wdt, 1, &nw)
                              : q8_rand(wdt, 1, &nw, wdt == OCT_DT_I8 ? -4 : 124, wdt == OCT_DT_I8 ? 4 : 132);
    oct_tensor *bias = c->bias ? q8_rand(OCT_DT_I32, 1, &M, -20000, 20000) : NULL;
    oct_tensor *ws = vec_f(nw, 0.002f, 0.02f);
    float xs = frand(0.01f, 0.05f), ys = c->inf_mult ? 0.f : frand(0.05f, 0.3f);
    int32_t zo = c->ydt == OCT_DT_I8 ? (int32_t)rint_range(-10, 10) : (int32_t)rint_range(110, 140);
    if (c->inf_mult) memset(W->data, 0, 5); /* some zero accumulators */
    /* reference */
    int64_t o3[3] = {1, 1, 1}, i3[3] = {1, 1, 1}, k3[3] = {1, 1, 1}, s3[3] = {1, 1, 1}, d3[3] = {1, 1, 1}, p3[3] = {0, 0, 0};
    for (int i = 0; i < ns; i++) {
        int j = 3 - ns + i;
        o3[j] = od[i], i3[j] = c->in[i], k3[j] = c->k[i], s3[j] = c->s[i], d3[j] = c->d[i], p3[j] = pb[i];
    }
    int64_t OS = o3[0] * o3[1] * o3[2], IS = i3[0] * i3[1] * i3[2], Cg = c->C / c->G, Mg = c->M / c->G;
    int64_t cnt = c->N * c->M * OS;
    int32_t *want = malloc((size_t)cnt * sizeof *want);
    int32_t zxv = qat(zx, 0);
    for (int64_t n = 0; n < c->N; n++)
        for (int64_t m = 0; m < c->M; m++) {
            int64_t gi = m / Mg;
            for (int64_t oz = 0; oz < o3[0]; oz++)
                for (int64_t oy = 0; oy < o3[1]; oy++)
                    for (int64_t ox = 0; ox < o3[2]; ox++) {
                        int64_t s = bias ? qat(bias, m) : 0;
                        for (int64_t ci = 0; ci < Cg; ci++)
                            for (int64_t kz = 0; kz < k3[0]; kz++)
                                for (int64_t ky = 0; ky < k3[1]; ky++)
                                    for (int64_t kx = 0; kx < k3[2]; kx++) {
                                        int64_t iz = oz * s3[0] - p3[0] + kz * d3[0];
                                        int64_t iy = oy * s3[1] - p3[1] + ky * d3[1];
                                        int64_t ix = ox * s3[2] - p3[2] + kx * d3[2];
                                        if (iz < 0 || iz >= i3[0] || iy < 0 || iy >= i3[1] || ix < 0 || ix >= i3[2])
                                            continue;
                                        int64_t xi = (n * c->C + gi * Cg + ci) * IS + (iz * i3[1] + iy) * i3[2] + ix;
                                        int64_t wi = (((m * Cg + ci) * k3[0] + kz) * k3[1] + ky) * k3[2] + kx;
                                        s += (int64_t)(qat(X, xi) - zxv) * (qat(W, wi) - qat(zw, m));
                                    }
                        int32_t acc = (int32_t)(uint32_t)(uint64_t)s;
                        int64_t yi = (n * c->M + m) * OS + (oz * o3[1] + oy) * o3[2] + ox;
                        want[yi] = qlinear ? ref_requant(acc, oct_quant_mult(xs, fat(ws, m), ys), zo, c->ydt) : acc;
                    }
        }
    oct_tensor *in[9];
    int n_in;
    unsigned cmask;
    const char *op = qlinear ? "QLinearConv" : "ConvInteger";
    if (qlinear) {
        in[0] = X, in[1] = scalar_f(xs), in[2] = zx, in[3] = W, in[4] = ws, in[5] = zw, in[6] = scalar_f(ys);
        in[7] = scalar_q(c->ydt, zo), in[8] = bias;
        n_in = bias ? 9 : 8;
        cmask = 1u << 3 | 1u << 5 | 1u << 8;
    } else {
        in[0] = X, in[1] = W, in[2] = zx, in[3] = zw;
        n_in = 4;
        cmask = 1u << 1 | 1u << 3;
    }
    char what[200];
    for (int mi = 0; mi < n_modes; mi++) {
        const mode *md = &modes[mi];
        set_mode(md);
        onenode o = mk(op, 10, n_in, NULL, 1);
        oct_node_set_int(o.n, "group", c->G);
        oct_node_set_ints(o.n, "strides", c->s, ns);
        oct_node_set_ints(o.n, "dilations", c->d, ns);
        if (c->auto_pad) set_str(o.n, "auto_pad", c->auto_pad);
        else oct_node_set_ints(o.n, "pads", c->pads, 2 * ns);
        oct_tensor *y;
        oct_status s = run_node(&o, in, n_in, md->prepare ? cmask : 0, md->threads ? pool2 : NULL, &y, 1);
        snprintf(what, sizeof what, "%s %dD x%s w%s N%lld C%lld M%lld G%lld k%lld s%lld d%lld%s%s [%s %s%s b%d%s]", op, ns,
                 oct_dtype_name(c->xdt), oct_dtype_name(wdt), (long long)c->N, (long long)c->C, (long long)c->M,
                 (long long)c->G, (long long)c->k[ns - 1], (long long)c->s[ns - 1], (long long)c->d[ns - 1],
                 c->w_per_ch ? " per-ch" : "", c->auto_pad ? c->auto_pad : "",
                 md->algo == OCT_QUANT_GENERIC ? "generic" : md->algo == OCT_QUANT_GEMM ? "gemm" : "auto",
                 oct_qgemm_path_name(md->path), md->prepare ? " prepared" : "", md->block, md->scalar ? " cpu-scalar" : "");
        CHECK_MSG(s == OCT_OK, "%s: %s", what, oct_errmsg());
        if (s == OCT_OK) same_q(y, want, cnt, what);
        oct_tensor_free(y);
        oct_graph_free(o.g);
    }
    /* prepared under one algorithm, run under another */
    for (int sw = 0; sw < 2; sw++) {
        mode m = {sw ? OCT_QUANT_GENERIC : OCT_QUANT_GEMM, OCT_QGEMM_AUTO, 1, 1, 0, 0};
        set_mode(&m);
        after_prepare = sw ? set_algo_gemm : set_algo_generic;
        onenode o = mk(op, 10, n_in, NULL, 1);
        oct_node_set_int(o.n, "group", c->G);
        oct_node_set_ints(o.n, "strides", c->s, ns);
        oct_node_set_ints(o.n, "dilations", c->d, ns);
        if (c->auto_pad) set_str(o.n, "auto_pad", c->auto_pad);
        else oct_node_set_ints(o.n, "pads", c->pads, 2 * ns);
        oct_tensor *y;
        oct_status s = run_node(&o, in, n_in, cmask, pool2, &y, 1);
        after_prepare = NULL;
        CHECK_MSG(s == OCT_OK, "%s switch %d: %s", op, sw, oct_errmsg());
        if (s == OCT_OK) same_q(y, want, cnt, sw ? "conv prepared generic, run gemm" : "conv prepared gemm, run generic");
        oct_tensor_free(y);
        oct_graph_free(o.g);
    }
    reset_mode();
    if (qlinear) oct_tensor_free(in[1]), oct_tensor_free(in[6]), oct_tensor_free(in[7]);
    oct_tensor_free(X);
    oct_tensor_free(W);
    oct_tensor_free(zx);
    oct_tensor_free(zw);
    oct_tensor_free(ws);
    oct_tensor_free(bias);
    free(want);
}

static void test_conv(void)
{
    oct_dtype qt[2] = {OCT_DT_U8, OCT_DT_I8};
    /* fixed cases: pointwise, depthwise, grouped, strided / dilated / padded, 1-D, 3-D, auto_pad */
    cv_case fixed[] = {
        {2, 1, 16, 24, 1, {9, 9}, {1, 1}, {1, 1}, {1, 1}, {0}, NULL, OCT_DT_U8, OCT_DT_I8, OCT_DT_U8, 1, 1, 1, 0},
        {2, 2, 8, 8, 8, {7, 6}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL, OCT_DT_U8, OCT_DT_I8, OCT_DT_U8, 1, 1, 1, 0},
        {2, 1, 12, 32, 4, {8, 9}, {3, 3}, {2, 2}, {1, 1}, {1, 0, 1, 2}, NULL, OCT_DT_I8, OCT_DT_I8, OCT_DT_I8, 1, 1, 0, 0},
        {2, 1, 6, 20, 2, {11, 10}, {3, 2}, {2, 1}, {2, 2}, {2, 1, 0, 1}, NULL, OCT_DT_U8, OCT_DT_U8, OCT_DT_U8, 0, 0, 1, 0},
        {1, 2, 5, 17, 1, {13}, {4}, {3}, {1}, {2, 1}, NULL, OCT_DT_U8, OCT_DT_I8, OCT_DT_I32, 1, 0, 0, 0},
        {3, 1, 4, 9, 1, {5, 4, 6}, {2, 3, 2}, {1, 2, 1}, {1, 1, 2}, {1, 0, 1, 0, 1, 1}, NULL, OCT_DT_U8, OCT_DT_I8,
         OCT_DT_U8, 1, 1, 1, 0},
        {2, 1, 3, 10, 1, {10, 7}, {3, 3}, {2, 2}, {1, 1}, {0}, "SAME_UPPER", OCT_DT_U8, OCT_DT_I8, OCT_DT_U8, 0, 1, 1, 0},
        {2, 1, 3, 10, 1, {10, 7}, {3, 3}, {2, 2}, {1, 1}, {0}, "SAME_LOWER", OCT_DT_I8, OCT_DT_U8, OCT_DT_I32, 1, 0, 0, 0},
        {2, 1, 64, 48, 1, {14, 14}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL, OCT_DT_U8, OCT_DT_I8, OCT_DT_U8, 1, 1, 1, 0},
        {2, 3, 32, 32, 32, {12, 12}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, NULL, OCT_DT_U8, OCT_DT_I8, OCT_DT_U8, 1, 1, 1, 0},
        {2, 2, 16, 16, 4, {9, 9}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL, OCT_DT_U8, OCT_DT_I8, OCT_DT_U8, 1, 1, 1, 0},
        {2, 1, 8, 16, 8, {9, 9}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL, OCT_DT_U8, OCT_DT_I8, OCT_DT_I8, 1, 1, 1, 0},
        {2, 1, 5, 9, 1, {6, 7}, {1, 1}, {1, 1}, {1, 1}, {0}, NULL, OCT_DT_U8, OCT_DT_I8, OCT_DT_U8, 1, 1, 0, 1},
        {2, 1, 5, 9, 1, {6, 7}, {2, 2}, {1, 1}, {1, 1}, {0}, NULL, OCT_DT_I8, OCT_DT_I8, OCT_DT_I8, 0, 1, 0, 1},
        /* no input channels (K = 0): the bias alone; no images */
        {2, 1, 0, 9, 1, {4, 5}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL, OCT_DT_U8, OCT_DT_I8, OCT_DT_U8, 1, 1, 1, 0},
        {2, 0, 4, 9, 1, {4, 5}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL, OCT_DT_U8, OCT_DT_I8, OCT_DT_I32, 1, 1, 0, 0},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) cv_case_run(&fixed[i]);
    /* random */
    for (int t = 0; t < 24; t++) {
        cv_case c;
        memset(&c, 0, sizeof c);
        c.nsp = t % 6 == 5 ? 1 : 2;
        c.G = t % 4 == 3 ? rint_range(2, 3) : 1;
        c.C = c.G * rint_range(1, 6);
        c.M = c.G * rint_range(1, 12);
        c.N = rint_range(1, 2);
        for (int i = 0; i < c.nsp; i++) {
            c.k[i] = rint_range(1, 3);
            c.s[i] = rint_range(1, 2);
            c.d[i] = rint_range(1, 2);
            c.in[i] = (c.k[i] - 1) * c.d[i] + rint_range(1, 8);
            c.pads[i] = rint_range(0, c.k[i] - 1);
            c.pads[c.nsp + i] = rint_range(0, c.k[i] - 1);
        }
        c.xdt = qt[t & 1];
        c.wdt = qt[(t >> 1) & 1];
        c.w_sym = t % 3 != 0;
        c.w_per_ch = t % 5 < 3;
        c.bias = t % 2;
        c.ydt = t % 4 == 2 ? OCT_DT_I32 : qt[(t >> 2) & 1];
        if (c.ydt == OCT_DT_I32) c.bias = 0;
        cv_case_run(&c);
    }
}

/* ---- errors --------------------------------------------------------------------------------- */

static oct_status infer_only(const char *op, int opset, oct_tensor **in, int n_in, const char *attr, int64_t v)
{
    onenode o = mk(op, opset, n_in, NULL, 1);
    if (attr) oct_node_set_int(o.n, attr, v);
    const oct_tensor *cin[9];
    for (int i = 0; i < n_in; i++) cin[i] = in[i];
    oct_tensor *out = tnew(OCT_DT_F32, 0, NULL);
    oct_status s = o.n->def ? o.n->def->infer(o.n, cin, &out) : OCT_E_INTERNAL;
    oct_tensor_free(out);
    oct_graph_free(o.g);
    return s;
}

static void test_errors(void)
{
    int64_t d2[2] = {3, 4}, d4[4] = {1, 2, 5, 5}, dw[4] = {4, 2, 3, 3}, three = 3, four = 4, five = 5;
    oct_tensor *xf = tnew(OCT_DT_F32, 2, d2), *xu = tnew(OCT_DT_U8, 2, d2), *xi = tnew(OCT_DT_I8, 2, d2);
    oct_tensor *xi16 = tnew(OCT_DT_I16, 2, d2);
    oct_tensor *s1 = scalar_f(1.f), *s3 = tnew(OCT_DT_F32, 1, &three), *s4 = tnew(OCT_DT_F32, 1, &four);
    oct_tensor *z8 = scalar_q(OCT_DT_I8, 0), *zu = scalar_q(OCT_DT_U8, 0), *z3 = tnew(OCT_DT_U8, 1, &three);
    oct_tensor *z4 = tnew(OCT_DT_U8, 1, &four), *sd = tnew(OCT_DT_F64, 0, NULL);
    /* QuantizeLinear */
    oct_tensor *q1[3] = {xf, s1, zu};
    CHECK(infer_only("QuantizeLinear", 13, q1, 3, NULL, 0) == OCT_OK);
    oct_tensor *q2[3] = {xu, s1, zu};
    CHECK(infer_only("QuantizeLinear", 13, q2, 3, NULL, 0) == OCT_E_UNSUPPORTED); /* u8 x */
    oct_tensor *q3[3] = {xf, sd, zu};
    CHECK(infer_only("QuantizeLinear", 13, q3, 3, NULL, 0) == OCT_E_UNSUPPORTED); /* f64 scale */
    oct_tensor *q4[3] = {xf, s1, xi16};
    CHECK(infer_only("QuantizeLinear", 13, q4, 3, NULL, 0) == OCT_E_UNSUPPORTED); /* i16 zero point */
    oct_tensor *q5[3] = {xf, s4, z4};
    CHECK(infer_only("QuantizeLinear", 13, q5, 3, NULL, 0) == OCT_OK);           /* axis 1 has 4 */
    CHECK(infer_only("QuantizeLinear", 13, q5, 3, "axis", 0) == OCT_E_SHAPE);    /* axis 0 has 3 */
    CHECK(infer_only("QuantizeLinear", 13, q5, 3, "axis", 5) == OCT_E_INVALID);  /* bad axis */
    CHECK(infer_only("QuantizeLinear", 10, q5, 3, NULL, 0) == OCT_E_SHAPE);      /* opset 10: per tensor */
    oct_tensor *q6[3] = {xf, s4, z3};
    CHECK(infer_only("QuantizeLinear", 13, q6, 3, NULL, 0) == OCT_E_SHAPE);      /* zp 3 vs scale 4 */
    CHECK(infer_only("QuantizeLinear", 21, q1, 3, "block_size", 2) == OCT_E_UNSUPPORTED);
    CHECK(infer_only("QuantizeLinear", 21, q1, 3, "output_dtype", 3) == OCT_E_INVALID); /* i8 vs u8 zp */
    /* DequantizeLinear */
    oct_tensor *d1[3] = {xu, s1, z8};
    CHECK(infer_only("DequantizeLinear", 13, d1, 3, NULL, 0) == OCT_E_DTYPE);
    oct_tensor *d2_[2] = {xf, s1};
    CHECK(infer_only("DequantizeLinear", 13, d2_, 2, NULL, 0) == OCT_E_UNSUPPORTED);
    oct_tensor *d3[3] = {xu, s3, z3};
    CHECK(infer_only("DequantizeLinear", 13, d3, 3, "axis", 0) == OCT_OK);
    CHECK(infer_only("DequantizeLinear", 13, d3, 3, "axis", -1) == OCT_E_SHAPE);
    /* DynamicQuantizeLinear */
    CHECK(infer_only("DynamicQuantizeLinear", 11, &xu, 1, NULL, 0) == OCT_E_UNSUPPORTED);
    /* MatMulInteger */
    int64_t bd[2] = {4, 5}, ab[3] = {2, 3, 4}, zab[3] = {2, 3, 1};
    oct_tensor *bu = tnew(OCT_DT_U8, 2, bd), *a3 = tnew(OCT_DT_U8, 3, ab), *zpb = tnew(OCT_DT_U8, 3, zab);
    oct_tensor *m1[4] = {xu, bu, zu, zu};
    CHECK(infer_only("MatMulInteger", 10, m1, 4, NULL, 0) == OCT_OK);
    oct_tensor *m2[2] = {xf, bu};
    CHECK(infer_only("MatMulInteger", 10, m2, 2, NULL, 0) == OCT_E_UNSUPPORTED);
    oct_tensor *m3[4] = {xu, bu, z8, zu};
    CHECK(infer_only("MatMulInteger", 10, m3, 4, NULL, 0) == OCT_E_DTYPE);
    oct_tensor *m4[3] = {xu, bu, z3};
    CHECK(infer_only("MatMulInteger", 10, m4, 3, NULL, 0) == OCT_OK); /* per row (M = 3) */
    oct_tensor *m5[4] = {xu, bu, zu, z4};
    CHECK(infer_only("MatMulInteger", 10, m5, 4, NULL, 0) == OCT_E_SHAPE); /* 4 != N = 5 */
    oct_tensor *m6[3] = {a3, bu, zpb};
    CHECK(infer_only("MatMulInteger", 10, m6, 3, NULL, 0) == OCT_E_UNSUPPORTED); /* per batch */
    oct_tensor *m7[2] = {xu, xu};
    CHECK(infer_only("MatMulInteger", 10, m7, 2, NULL, 0) == OCT_E_SHAPE); /* 4 vs 3 */
    /* QLinearMatMul */
    oct_tensor *l1[8] = {xu, s1, zu, bu, s1, zu, s1, z8};
    CHECK(infer_only("QLinearMatMul", 10, l1, 8, NULL, 0) == OCT_OK);
    oct_tensor *l2[8] = {xu, s3, z3, bu, s1, zu, s1, zu};
    CHECK(infer_only("QLinearMatMul", 10, l2, 8, NULL, 0) == OCT_E_UNSUPPORTED); /* per-row a */
    oct_tensor *l3[8] = {xu, s1, zu, bu, s4, z4, s1, zu};
    CHECK(infer_only("QLinearMatMul", 10, l3, 8, NULL, 0) == OCT_E_SHAPE); /* 4 != N */
    oct_tensor *l4[7] = {xu, s1, zu, bu, s1, zu, s1};
    CHECK(infer_only("QLinearMatMul", 10, l4, 7, NULL, 0) == OCT_E_INVALID); /* arity */
    oct_tensor *l5[8] = {xu, s1, zu, bu, s1, zu, s1, sd};
    CHECK(infer_only("QLinearMatMul", 10, l5, 8, NULL, 0) == OCT_E_UNSUPPORTED);
    /* ConvInteger / QLinearConv */
    oct_tensor *cx = tnew(OCT_DT_U8, 4, d4), *cw = tnew(OCT_DT_I8, 4, dw), *cwf = tnew(OCT_DT_F32, 4, dw);
    oct_tensor *zw4 = tnew(OCT_DT_I8, 1, &four), *zw5 = tnew(OCT_DT_I8, 1, &five), *b4 = tnew(OCT_DT_I32, 1, &four);
    oct_tensor *b5 = tnew(OCT_DT_I32, 1, &five), *bf = tnew(OCT_DT_F32, 1, &four), *s5 = tnew(OCT_DT_F32, 1, &five);
    oct_tensor *c1[4] = {cx, cw, zu, zw4};
    CHECK(infer_only("ConvInteger", 10, c1, 4, NULL, 0) == OCT_OK);
    oct_tensor *c2[4] = {cx, cw, zu, zw5};
    CHECK(infer_only("ConvInteger", 10, c2, 4, NULL, 0) == OCT_E_SHAPE);
    oct_tensor *c3[2] = {cx, cwf};
    CHECK(infer_only("ConvInteger", 10, c3, 2, NULL, 0) == OCT_E_UNSUPPORTED);
    oct_tensor *c4[4] = {cx, cw, z8, zw4};
    CHECK(infer_only("ConvInteger", 10, c4, 4, NULL, 0) == OCT_E_DTYPE);
    CHECK(infer_only("ConvInteger", 10, c1, 4, "group", 3) == OCT_E_SHAPE);
    oct_tensor *k1[9] = {cx, s1, zu, cw, s4, zw4, s1, zu, b4};
    CHECK(infer_only("QLinearConv", 10, k1, 9, NULL, 0) == OCT_OK);
    oct_tensor *k2[9] = {cx, s1, zu, cw, s4, zw4, s1, zu, b5};
    CHECK(infer_only("QLinearConv", 10, k2, 9, NULL, 0) == OCT_E_SHAPE);
    oct_tensor *k3[9] = {cx, s1, zu, cw, s4, zw4, s1, zu, bf};
    CHECK(infer_only("QLinearConv", 10, k3, 9, NULL, 0) == OCT_E_DTYPE);
    oct_tensor *k4[8] = {cx, s1, zu, cw, s5, zw4, s1, zu};
    CHECK(infer_only("QLinearConv", 10, k4, 8, NULL, 0) == OCT_E_SHAPE);
    oct_tensor *k5[8] = {cx, s3, z3, cw, s4, zw4, s1, zu};
    CHECK(infer_only("QLinearConv", 10, k5, 8, NULL, 0) == OCT_E_SHAPE); /* x per tensor only */
    oct_tensor *k6[8] = {cx, s1, zu, cw, s1, zw4, s1, zu};
    CHECK(infer_only("QLinearConv", 10, k6, 8, NULL, 0) == OCT_E_SHAPE); /* zp per channel, scale not */
    oct_tensor *all[] = {xf, xu, xi, xi16, s1, s3, s4, z8, zu, z3, z4, sd, bu, a3, zpb,
                         cx, cw, cwf, zw4, zw5, b4, b5, bf, s5};
    free_all(all, (int)(sizeof all / sizeof all[0]));
}

int main(void)
{
    pool2 = oct_pool_new(2);
    cpu_best = oct_cpu_level_get();
    init_modes();
    test_quantize();
    test_quantize_long();
    test_dynamic();
    test_matmul();
    test_conv();
    test_errors();
    oct_pool_free(pool2);
    oct_qgemm_scratch_release();
    TEST_DONE();
}
