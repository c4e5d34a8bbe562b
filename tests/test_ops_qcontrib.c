/* onnxruntime's quantized contrib ops (domain com.microsoft): QLinearAdd,
 * QGemm, (the pools and QLinearConcat: test_ops_qpool.c).
 *  - against onnxruntime 1.31 itself: inputs and outputs saved by
 *    scripts/qcontrib_reference.py in tests/data/qcontrib (exact equality),
 *  - against float references written here (dequantize -> float op ->
 *    quantize with round half to even, in onnxruntime's order of float
 *    operations where that order decides the bits), bit-exact,
 *  - the portable and AVX2 kernels and every engine path / thread count
 *    giving the same bytes,
 *  - the fused activation (node->act) clamp of QLinearAdd, QGemm,
 *    QLinearConv and QLinearMatMul,
 *  - the errors infer() reports. */
#include "test_qcontrib_util.h"

/* ---- QLinearAdd ------------------------------------------------------------------------------- */

/* onnxruntime's formula (qlinear_add.c): P is A unless A is repeated along the
 * output's innermost non-1 axis (then B) */
static void ref_qadd(oct_tensor **in, int n_in, const oct_act *act, const oct_tensor *y, uint8_t *want)
{
    const oct_tensor *A = in[0], *B = in[3], *zc_t = n_in > 7 ? in[7] : NULL;
    oct_dtype dt = A->dtype;
    float sa = fat(in[1], 0), sb = fat(in[4], 0), sc = fat(in[6], 0);
    int32_t za = qat(in[2], 0), zb = qat(in[5], 0), zc = qat(zc_t, 0);
    float ra = sa / sc, rb = sb / sc;
    int r = y->rank, inner = -1;
    for (int d = r - 1; d >= 0 && inner < 0; d--)
        if (y->dims[d] != 1) inner = d;
    int a_rep = 1; /* A repeated along the innermost run */
    if (inner >= 0) {
        int ad = inner - (r - A->rank);
        a_rep = ad < 0 || A->dims[ad] == 1;
    }
    int32_t lo, hi;
    ref_act_bounds(act, sc, zc, dt, &lo, &hi);
    int64_t cnt = oct_tensor_numel(y);
    for (int64_t i = 0; i < cnt; i++) {
        int64_t ia = 0, ib = 0, rem = i, sa_ = 1, sb_ = 1;
        for (int d = r - 1; d >= 0; d--) {
            int64_t c = rem % y->dims[d];
            rem /= y->dims[d];
            int ad = d - (r - A->rank), bd = d - (r - B->rank);
            if (ad >= 0) {
                ia += (A->dims[ad] == 1 ? 0 : c) * sa_;
                sa_ *= A->dims[ad];
            }
            if (bd >= 0) {
                ib += (B->dims[bd] == 1 ? 0 : c) * sb_;
                sb_ *= B->dims[bd];
            }
        }
        float a = (float)qat(A, ia), b = (float)qat(B, ib), v;
        if (a_rep) v = fmaf(b, rb, fmaf(a, ra, (float)zc - fmaf((float)zb, rb, ra * (float)za)));
        else v = fmaf(a, ra, fmaf(b, rb, (float)zc - fmaf((float)za, ra, rb * (float)zb)));
        want[i] = (uint8_t)ref_q(v, lo, hi);
    }
}

static int64_t qadd_case(oct_dtype dt, int ra, const int64_t *da, int rb, const int64_t *db, int zp_mask,
                         const oct_act *act, const char *what)
{
    oct_tensor *in[8] = {q8_rand(dt, ra, da), scalar_f(frand(0.01f, 0.2f)), zp_mask & 1 ? zp_rand(dt) : NULL,
                         q8_rand(dt, rb, db), scalar_f(frand(0.01f, 0.2f)), zp_mask & 2 ? zp_rand(dt) : NULL,
                         scalar_f(frand(0.01f, 0.2f)), zp_mask & 4 ? zp_rand(dt) : NULL};
    int n_in = zp_mask & 4 ? 8 : 7, present[8] = {1, 1, zp_mask & 1, 1, 1, (zp_mask >> 1) & 1, 1, 1};
    qnode o = qmk("QLinearAdd", MS, 1, n_in, present);
    if (act) o.n->act = *act;
    oct_tensor *y;
    int64_t off = 0;
    if (qrun(&o, in, n_in, 0, NULL, &y) != OCT_OK) {
        CHECK_MSG(0, "%s: %s", what, oct_errmsg());
    } else {
        int64_t cnt = oct_tensor_numel(y);
        uint8_t *want = malloc((size_t)cnt + 1);
        ref_qadd(in, n_in, act ? act : &o.n->act, y, want);
        run_modes(&o, in, n_in, 0, want, cnt, dt, what);
        /* against the correctly rounded formula: onnxruntime's float order moves a few ties */
        float sa = fat(in[1], 0), sb = fat(in[4], 0), sc = fat(in[6], 0);
        if (!act && ra == rb && !memcmp(da, db, (size_t)ra * sizeof *da))
            for (int64_t i = 0; i < cnt; i++) {
                double v = ((double)sa * (qat(in[0], i) - qat(in[2], 0)) + (double)sb * (qat(in[3], i) - qat(in[5], 0))) /
                               sc + qat(in[7], 0);
                int32_t e = ref_q(v, qmin(dt), qmax(dt));
                CHECK_MSG(abs(e - qat(y, i)) <= 1, "%s: y[%lld] = %d, exact %d", what, (long long)i, qat(y, i), e);
                off += e != qat(y, i);
            }
        free(want);
        oct_tensor_free(y);
    }
    free_all(in, 8);
    oct_graph_free(o.g);
    return off;
}

static void test_qadd(void)
{
    static const struct {
        int ra;
        int64_t da[4];
        int rb;
        int64_t db[4];
    } shapes[] = {
        {2, {3, 67}, 2, {3, 67}},      {4, {2, 3, 5, 13}, 1, {13}},   {3, {3, 4, 37}, 2, {4, 1}},
        {0, {0}, 2, {5, 70}},          {2, {6, 1}, 2, {1, 41}},       {1, {1}, 2, {1, 1}},
        {3, {2, 1, 40}, 3, {2, 3, 1}}, {2, {5, 1}, 3, {2, 5, 33}},    {1, {1000}, 1, {1000}},
        {3, {2, 1, 9}, 3, {1, 7, 9}},  {2, {1, 1}, 0, {0}},           {2, {4, 0}, 1, {1}},
    };
    int64_t moved = 0;
    for (int s = 0; s < (int)(sizeof shapes / sizeof shapes[0]); s++)
        for (int t = 0; t < 4; t++) {
            char what[64];
            snprintf(what, sizeof what, "QLinearAdd shape %d/%d", s, t);
            oct_dtype dt = t & 1 ? OCT_DT_I8 : OCT_DT_U8;
            int zm = t < 2 ? 7 : (t == 2 ? 4 : 0);
            moved += qadd_case(dt, shapes[s].ra, shapes[s].da, shapes[s].rb, shapes[s].db, zm, NULL, what);
        }
    printf("QLinearAdd: %lld values off by one against the correctly rounded formula (float order)\n",
           (long long)moved);
    /* every byte pair, both dtypes, portable = AVX2 = reference */
    int64_t d256[2] = {256, 256}, d1[2] = {1, 256};
    for (int t = 0; t < 4; t++) {
        oct_dtype dt = t & 1 ? OCT_DT_I8 : OCT_DT_U8;
        oct_tensor *a = oct_tensor_new(dt, 2, d256), *b = oct_tensor_new(dt, 2, t < 2 ? d256 : d1);
        for (int i = 0; i < 256 * 256; i++) ((uint8_t *)a->data)[i] = (uint8_t)(i / 256);
        for (int64_t i = 0; i < oct_tensor_numel(b); i++) ((uint8_t *)b->data)[i] = (uint8_t)i;
        oct_tensor *in[8] = {a, scalar_f(frand(0.01f, 0.1f)), zp_rand(dt), b, scalar_f(frand(0.01f, 0.1f)),
                             zp_rand(dt), scalar_f(frand(0.02f, 0.2f)), zp_rand(dt)};
        qnode o = qmk("QLinearAdd", MS, 1, 8, NULL);
        oct_tensor *y;
        CHECK(qrun(&o, in, 8, 0, NULL, &y) == OCT_OK);
        if (y) {
            uint8_t *want = malloc(256 * 256);
            ref_qadd(in, 8, &o.n->act, y, want);
            run_modes(&o, in, 8, 0, want, 256 * 256, dt, "QLinearAdd all byte pairs");
            free(want);
        }
        oct_tensor_free(y);
        free_all(in, 8);
        oct_graph_free(o.g);
    }
    /* fused activation: ReLU, Clip (both bounds inside, one outside the range) */
    oct_act acts[3] = {{OCT_ACT_RELU, 0.f, 0.f}, {OCT_ACT_CLIP, -0.5f, 1.25f}, {OCT_ACT_CLIP, -100.f, 0.3f}};
    int64_t da[3] = {3, 5, 40}, db[1] = {40};
    for (int k = 0; k < 6; k++) {
        char what[64];
        snprintf(what, sizeof what, "QLinearAdd act %d", k);
        qadd_case(k & 1 ? OCT_DT_I8 : OCT_DT_U8, 3, da, 1, db, 7, &acts[k % 3], what);
    }
}

/* ---- QGemm -------------------------------------------------------------------------------------- */

typedef struct qg_case {
    oct_dtype adt, bdt, ydt; /* ydt F32: no y_scale / y_zero_point */
    int64_t M, N, K;
    int ta, tb, per_col;
    int c_rank;
    int64_t c_dims[2];
    int has_c;
    float alpha;
    oct_act act;
} qg_case;

static void qg_run_case(const qg_case *c, const char *what)
{
    int64_t da[2] = {c->ta ? c->K : c->M, c->ta ? c->M : c->K}, db[2] = {c->tb ? c->N : c->K, c->tb ? c->K : c->N};
    int64_t nb = c->per_col ? c->N : 1;
    oct_tensor *bs = oct_tensor_new(OCT_DT_F32, c->per_col ? 1 : 0, &nb), *bz = oct_tensor_new(c->bdt, c->per_col ? 1 : 0, &nb);
    for (int64_t j = 0; j < nb; j++) {
        ((float *)bs->data)[j] = frand(0.002f, 0.02f);
        int32_t z = c->bdt == OCT_DT_I8 ? (int32_t)irand(-20, 20) : (int32_t)irand(90, 160);
        ((uint8_t *)bz->data)[j] = (uint8_t)z;
    }
    int quant = c->ydt != OCT_DT_F32;
    oct_tensor *in[9] = {q8_rand(c->adt, 2, da), scalar_f(frand(0.01f, 0.05f)), zp_rand(c->adt), q8_rand(c->bdt, 2, db),
                         bs, bz, c->has_c ? q8_rand(OCT_DT_I32, c->c_rank, c->c_dims) : NULL,
                         quant ? scalar_f(frand(0.05f, 0.3f)) : NULL, quant ? zp_rand(c->ydt) : NULL};
    int n_in = quant ? 9 : c->has_c ? 7 : 6, present[9] = {1, 1, 1, 1, 1, 1, c->has_c, 1, 1};
    qnode o = qmk("QGemm", MS, 1, n_in, present);
    if (c->ta) oct_node_set_int(o.n, "transA", 1);
    if (c->tb) oct_node_set_int(o.n, "transB", 1);
    if (c->alpha != 1.f) oct_node_set_float(o.n, "alpha", c->alpha);
    o.n->act = c->act;
    /* reference: int64 sums, float scale products in onnxruntime's order */
    int64_t M = c->M, N = c->N, K = c->K;
    size_t es = quant ? 1 : 4;
    void *want = malloc((size_t)(M * N) * es + 1);
    float as = fat(in[1], 0), ys = quant ? fat(in[7], 0) : 1.f;
    int32_t za = qat(in[2], 0), zo = quant ? qat(in[8], 0) : 0, lo = 0, hi = 0;
    if (quant) ref_act_bounds(&c->act, ys, zo, c->ydt, &lo, &hi);
    const oct_tensor *C = in[6];
    for (int64_t m = 0; m < M; m++)
        for (int64_t j = 0; j < N; j++) {
            int64_t sum = 0;
            for (int64_t k = 0; k < K; k++) {
                int32_t a = qat(in[0], c->ta ? k * M + m : m * K + k), b = qat(in[3], c->tb ? j * K + k : k * N + j);
                sum += (int64_t)(a - za) * (b - qat(bz, j));
            }
            if (C) {
                int64_t cm = C->rank == 2 ? C->dims[0] : 1, cn = C->rank >= 1 ? C->dims[C->rank - 1] : 1;
                sum += qat(C, (cm == 1 ? 0 : m) * cn + (cn == 1 ? 0 : j));
            }
            float s = c->alpha * as * fat(bs, j);
            if (quant) {
                s /= ys;
                ((uint8_t *)want)[m * N + j] = (uint8_t)(ref_q((double)((float)(int32_t)sum * s), qmin(c->ydt) - zo,
                                                               qmax(c->ydt) - zo) + zo);
                int32_t q = ((uint8_t *)want)[m * N + j];
                if (c->ydt == OCT_DT_I8) q = (int8_t)q;
                q = q < lo ? lo : q > hi ? hi : q;
                ((uint8_t *)want)[m * N + j] = (uint8_t)q;
            } else {
                float v = (float)(int32_t)sum * s;
                if (c->act.kind == OCT_ACT_RELU) v = v > 0.f ? v : 0.f;
                if (c->act.kind == OCT_ACT_CLIP) v = v < c->act.alpha ? c->act.alpha : v > c->act.beta ? c->act.beta : v;
                ((float *)want)[m * N + j] = v;
            }
        }
    run_modes(&o, in, n_in, 1u << 3 | 1u << 5, want, M * N, c->ydt, what);
    free(want);
    free_all(in, 9);
    oct_graph_free(o.g);
}

static void test_qgemm(void)
{
    static const oct_dtype q[2] = {OCT_DT_U8, OCT_DT_I8};
    for (int t = 0; t < 40; t++) {
        qg_case c;
        memset(&c, 0, sizeof c);
        c.adt = q[t & 1];
        c.bdt = q[(t >> 1) & 1];
        c.ydt = t % 5 == 4 ? OCT_DT_F32 : q[(t >> 2) & 1];
        c.M = irand(1, 20);
        c.N = irand(1, 40);
        c.K = t % 7 == 6 ? irand(100, 300) : irand(1, 40);
        c.ta = (t >> 3) & 1;
        c.tb = (t >> 1) % 3 == 0;
        c.per_col = t % 3 != 1;
        c.alpha = t % 4 == 3 ? 0.75f : 1.f;
        int cs = t % 6; /* C: none, (), (N), (1, N), (M, 1), (M, N) */
        c.has_c = cs != 0;
        c.c_rank = cs == 1 ? 0 : cs == 2 ? 1 : 2;
        c.c_dims[0] = cs == 2 ? c.N : cs == 3 ? 1 : c.M;
        c.c_dims[1] = cs == 4 ? 1 : c.N;
        if (t >= 30) { /* fused activations */
            c.act.kind = t & 1 ? OCT_ACT_RELU : OCT_ACT_CLIP;
            c.act.alpha = -0.2f;
            c.act.beta = 0.4f;
        }
        char what[80];
        snprintf(what, sizeof what, "QGemm %d (%s x %s -> %s, ta %d tb %d, C %d, act %d)", t, oct_dtype_name(c.adt),
                 oct_dtype_name(c.bdt), oct_dtype_name(c.ydt), c.ta, c.tb, cs, (int)c.act.kind);
        qg_run_case(&c, what);
    }
    /* K = 0: Y from C alone */
    qg_case z = {OCT_DT_U8, OCT_DT_U8, OCT_DT_U8, 3, 4, 0, 0, 0, 0, 1, {4, 0}, 1, 1.f, {OCT_ACT_NONE, 0.f, 0.f}};
    qg_run_case(&z, "QGemm K = 0");
}

/* ---- fused activation on QLinearConv / QLinearMatMul ------------------------------------------- */

/* y with the activation == clamp(y without it, q_lo, q_hi), in every mode */
static void act_check(qnode *o, oct_tensor **in, int n_in, unsigned const_mask, float ys, int32_t zo,
                      const char *what)
{
    oct_act acts[4] = {{OCT_ACT_RELU, 0.f, 0.f}, {OCT_ACT_CLIP, -0.3f, 0.45f}, {OCT_ACT_CLIP, 0.1f, 1e9f},
                       {OCT_ACT_CLIP, -1e9f, -0.2f}};
    o->n->act.kind = OCT_ACT_NONE;
    oct_tensor *base;
    if (qrun(o, in, n_in, 0, NULL, &base) != OCT_OK) {
        CHECK_MSG(0, "%s: %s", what, oct_errmsg());
        return;
    }
    int64_t cnt = oct_tensor_numel(base);
    uint8_t *want = malloc((size_t)cnt + 1);
    int changed = 0;
    for (int a = 0; a < 4; a++) {
        int32_t lo, hi;
        ref_act_bounds(&acts[a], ys, zo, base->dtype, &lo, &hi);
        for (int64_t i = 0; i < cnt; i++) {
            int32_t v = qat(base, i), w = v < lo ? lo : v > hi ? hi : v;
            want[i] = (uint8_t)w;
            changed += w != v;
        }
        o->n->act = acts[a];
        char w2[96];
        snprintf(w2, sizeof w2, "%s act %d", what, a);
        run_modes(o, in, n_in, const_mask, want, cnt, base->dtype, w2);
    }
    CHECK_MSG(changed > 0, "%s: the activations never clamp", what);
    o->n->act.kind = OCT_ACT_LEAKYRELU;
    o->n->act.alpha = 0.1f;
    oct_tensor *y;
    CHECK(qrun(o, in, n_in, 0, NULL, &y) == OCT_E_UNSUPPORTED);
    o->n->act.kind = OCT_ACT_NONE;
    free(want);
    oct_tensor_free(base);
}

static void test_act_existing(void)
{
    for (int t = 0; t < 4; t++) {
        oct_dtype xdt = t & 1 ? OCT_DT_I8 : OCT_DT_U8, wdt = t & 2 ? OCT_DT_U8 : OCT_DT_I8, ydt = xdt;
        /* QLinearMatMul [.., M, K] x [K, N] */
        int64_t da[3] = {2, 7, 33}, db[2] = {33, 19};
        oct_tensor *ys = scalar_f(frand(0.05f, 0.2f)), *yz = zp_rand(ydt);
        oct_tensor *in[8] = {q8_rand(xdt, 3, da), scalar_f(frand(0.01f, 0.05f)), zp_rand(xdt), q8_rand(wdt, 2, db),
                             scalar_f(frand(0.002f, 0.02f)), zp_rand(wdt), ys, yz};
        qnode o = qmk("QLinearMatMul", "", 10, 8, NULL);
        act_check(&o, in, 8, 1u << 3 | 1u << 5, fat(ys, 0), qat(yz, 0), "QLinearMatMul");
        free_all(in, 8);
        oct_graph_free(o.g);
        /* QLinearConv 3x3, pads 1, 16 channels (GEMM path) and depthwise (direct path) */
        for (int dw = 0; dw < 2; dw++) {
            int64_t dx[4] = {1, 8, 9, 11}, dk[4] = {dw ? 8 : 16, dw ? 1 : 8, 3, 3}, pads[4] = {1, 1, 1, 1};
            oct_tensor *cys = scalar_f(frand(0.05f, 0.2f)), *cyz = zp_rand(ydt);
            int64_t M = dk[0];
            oct_tensor *bias = oct_tensor_new(OCT_DT_I32, 1, &M);
            for (int64_t i = 0; i < M; i++) ((int32_t *)bias->data)[i] = (int32_t)irand(-2000, 2000);
            oct_tensor *cin[9] = {q8_rand(xdt, 4, dx), scalar_f(frand(0.01f, 0.05f)), zp_rand(xdt),
                                  q8_rand(wdt, 4, dk), scalar_f(frand(0.002f, 0.02f)), zp_rand(wdt), cys, cyz, bias};
            qnode c = qmk("QLinearConv", "", 10, 9, NULL);
            oct_node_set_ints(c.n, "pads", pads, 4);
            if (dw) oct_node_set_int(c.n, "group", 8);
            act_check(&c, cin, 9, 1u << 3 | 1u << 5, fat(cys, 0), qat(cyz, 0), dw ? "QLinearConv depthwise" : "QLinearConv");
            free_all(cin, 9);
            oct_graph_free(c.g);
        }
    }
}

/* ---- the kernels directly: portable == AVX2 ----------------------------------------------------- */

static void test_kernels(void)
{
    const oct_cpu_features *f = oct_cpu_detect();
    if (!f->avx2 || !f->fma) {
        printf("no AVX2: kernel comparison skipped\n");
        return;
    }
    const oct_qc_kernels *p = &oct_qc_kernels_portable, *v = &oct_qc_kernels_avx2;
    uint8_t a[300], b[300], y1[300], y2[300];
    float x[4096];
    int64_t rows[12];
    int bad = 0;
    for (int t = 0; t < 300; t++) {
        for (int i = 0; i < 300; i++) a[i] = (uint8_t)rnd(), b[i] = (uint8_t)rnd();
        int64_t n = irand(0, 290), off = irand(0, 9);
        int sg = t & 1;
        float rp = frand(0.05f, 3.f), rq = frand(0.05f, 3.f), c = frand(-200.f, 200.f);
        float lo = (float)(sg ? -128 : 0), hi = (float)(sg ? 127 : 255);
        if (t % 7 == 3) lo += 20.f, hi -= 30.f;
        p->add_vv(a + off, b, n, rp, rq, c, lo, hi, sg, y1);
        v->add_vv(a + off, b, n, rp, rq, c, lo, hi, sg, y2);
        bad += memcmp(y1, y2, (size_t)n) != 0;
        p->add_vs(a + off, n, rp, c, lo, hi, sg, y1);
        v->add_vs(a + off, n, rp, c, lo, hi, sg, y2);
        bad += memcmp(y1, y2, (size_t)n) != 0;
        bad += p->sum_q8(a + off, n, sg) != v->sum_q8(a + off, n, sg);
        /* avg_run: n outputs, stride sx, nrows rows of kw taps */
        for (int i = 0; i < 4096; i++) x[i] = (float)(int)(rnd() % 256 - 128) * 0.0371f;
        int64_t sx = irand(1, 3), kw = irand(1, 5), nr = irand(0, 6), no = irand(1, 40);
        for (int64_t r = 0; r < nr; r++) rows[r] = r * 160;
        float cnt = (float)(t % 3 ? nr * kw : 9), ys = frand(0.01f, 0.1f), zy = (float)irand(-10, 10);
        p->avg_run(x, rows, nr, kw, sx, no, cnt, ys, zy, lo, hi, y1);
        v->avg_run(x, rows, nr, kw, sx, no, cnt, ys, zy, lo, hi, y2);
        bad += memcmp(y1, y2, (size_t)no) != 0;
    }
    CHECK_MSG(bad == 0, "%d portable / AVX2 kernel runs differ", bad);
}

/* ---- onnxruntime's own outputs (tests/data/qcontrib) ------------------------------------------- */

static void set_attr(oct_node *n, const char *spec)
{
    char key[64], type, val[256];
    if (sscanf(spec, "%63[^=]=%c:%255s", key, &type, val) != 3) {
        CHECK_MSG(0, "bad attribute '%s'", spec);
        return;
    }
    if (type == 's') {
        set_str(n, key, val);
    } else if (type == 'f') {
        oct_node_set_float(n, key, strtof(val, NULL));
    } else {
        int64_t v[16];
        int cnt = 0;
        for (char *s = val; *s && cnt < 16;) {
            v[cnt++] = strtoll(s, &s, 10);
            if (*s == ',') s++;
        }
        if (cnt == 1 && strcmp(key, "kernel_shape") && strcmp(key, "strides") && strcmp(key, "pads"))
            oct_node_set_int(n, key, v[0]);
        else oct_node_set_ints(n, key, v, cnt);
    }
}

static void test_ort_data(void)
{
    const char *dir = OCTET_SOURCE_DIR "/tests/data/qcontrib";
    char path[512], line[1024];
    snprintf(path, sizeof path, "%s/cases.txt", dir);
    FILE *f = fopen(path, "r");
    CHECK_MSG(f != NULL, "cannot open %s (run scripts/qcontrib_reference.py)", path);
    if (!f) return;
    int ncase = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        char *name = strtok(line, "|"), *op = strtok(NULL, "|"), *nin = strtok(NULL, "|"), *attrs = strtok(NULL, "|");
        if (!name || !op || !nin) continue;
        int n_in = atoi(nin), present[32];
        oct_tensor *in[32], *want = NULL;
        for (int i = 0; i < n_in && i < 32; i++) {
            snprintf(path, sizeof path, "%s/%s/x%d.npy", dir, name, i);
            FILE *t = fopen(path, "rb");
            present[i] = t != NULL;
            in[i] = NULL;
            if (t) {
                fclose(t);
                CHECK_MSG(oct_npy_read(path, &in[i]) == OCT_OK, "%s: %s", path, oct_errmsg());
            }
        }
        snprintf(path, sizeof path, "%s/%s/y.npy", dir, name);
        CHECK_MSG(oct_npy_read(path, &want) == OCT_OK, "%s: %s", path, oct_errmsg());
        qnode o = qmk(op, MS, 1, n_in, present);
        for (char *a = attrs ? strtok(attrs, ";") : NULL; a; a = strtok(NULL, ";")) set_attr(o.n, a);
        if (want) {
            oct_tensor *y;
            oct_status s = qrun(&o, in, n_in, 0, NULL, &y);
            CHECK_MSG(s == OCT_OK, "%s: %s", name, oct_errmsg());
            if (y) {
                CHECK_MSG(oct_shape_equal(y->rank, y->dims, want->rank, want->dims), "%s: output shape", name);
                /* how many values differ and by how much (reported before the exact check) */
                int64_t cnt = oct_tensor_numel(want), diff = 0;
                double maxd = 0.;
                for (int64_t i = 0; i < cnt && oct_tensor_numel(y) == cnt; i++) {
                    double d = want->dtype == OCT_DT_F32 ? fabs((double)((float *)y->data)[i] - ((float *)want->data)[i])
                                                         : abs(qat(y, i) - qat(want, i));
                    if (d != 0.) diff++;
                    if (d > maxd) maxd = d;
                }
                if (diff) printf("  %s: %lld of %lld values differ from onnxruntime (max %g)\n", name, (long long)diff,
                                 (long long)cnt, maxd);
                run_modes(&o, in, n_in, op[1] == 'G' ? 1u << 3 | 1u << 5 : 0, want->data, cnt, want->dtype, name);
            }
            oct_tensor_free(y);
        }
        ncase++;
        for (int i = 0; i < n_in; i++) oct_tensor_free(in[i]);
        oct_tensor_free(want);
        oct_graph_free(o.g);
    }
    fclose(f);
    CHECK_MSG(ncase >= 20, "only %d onnxruntime cases", ncase);
    printf("onnxruntime reference cases: %d\n", ncase);
}

/* ---- errors ----------------------------------------------------------------------------------------- */

static oct_status infer_only(const char *op, oct_tensor **in, int n_in, const int *present, const char *attr,
                             int64_t v)
{
    qnode o = qmk(op, MS, 1, n_in, present);
    if (attr) oct_node_set_int(o.n, attr, v);
    const oct_tensor *cin[16];
    for (int i = 0; i < n_in; i++) cin[i] = present && !present[i] ? NULL : in[i]; /* omitted: NULL */
    oct_tensor *out = oct_tensor_new(OCT_DT_F32, 0, NULL);
    oct_status s = o.n->def ? o.n->def->infer(o.n, cin, &out) : OCT_E_INTERNAL;
    if (s != OCT_OK) CHECK_MSG(strstr(oct_errmsg(), op) != NULL, "message does not name the op: %s", oct_errmsg());
    oct_tensor_free(out);
    oct_graph_free(o.g);
    return s;
}

static void test_errors(void)
{
    int64_t d2[2] = {3, 4}, d4[4] = {1, 2, 5, 5}, two = 2, four = 4;
    oct_tensor *xu = oct_tensor_new(OCT_DT_U8, 2, d2), *xi = oct_tensor_new(OCT_DT_I8, 2, d2);
    oct_tensor *xf = oct_tensor_new(OCT_DT_F32, 2, d2), *s1 = scalar_f(0.1f), *s2 = oct_tensor_new(OCT_DT_F32, 1, &two);
    oct_tensor *s4 = oct_tensor_new(OCT_DT_F32, 1, &four), *zu = scalar_q(OCT_DT_U8, 3), *zi = scalar_q(OCT_DT_I8, 3);
    oct_tensor *sd = oct_tensor_new(OCT_DT_F64, 0, NULL), *z4 = oct_tensor_new(OCT_DT_U8, 1, &four);
    oct_tensor *p4 = oct_tensor_new(OCT_DT_U8, 4, d4), *p4f = oct_tensor_new(OCT_DT_F32, 4, d4);
    /* QLinearAdd */
    oct_tensor *a1[8] = {xu, s1, zu, xu, s1, zu, s1, zu};
    CHECK(infer_only("QLinearAdd", a1, 8, NULL, NULL, 0) == OCT_OK);
    oct_tensor *a2[8] = {xf, s1, zu, xf, s1, zu, s1, zu};
    CHECK(infer_only("QLinearAdd", a2, 8, NULL, NULL, 0) == OCT_E_UNSUPPORTED); /* float A */
    oct_tensor *a3[8] = {xu, s1, zu, xi, s1, zi, s1, zu};
    CHECK(infer_only("QLinearAdd", a3, 8, NULL, NULL, 0) == OCT_E_DTYPE); /* A u8, B i8 */
    oct_tensor *a4[8] = {xu, s1, zi, xu, s1, zu, s1, zu};
    CHECK(infer_only("QLinearAdd", a4, 8, NULL, NULL, 0) == OCT_E_DTYPE); /* zero point i8 for u8 */
    oct_tensor *a5[8] = {xu, s2, zu, xu, s1, zu, s1, zu};
    CHECK(infer_only("QLinearAdd", a5, 8, NULL, NULL, 0) == OCT_E_SHAPE); /* 2 scales */
    oct_tensor *a6[8] = {xu, s1, zu, xu, s1, zu, sd, zu};
    CHECK(infer_only("QLinearAdd", a6, 8, NULL, NULL, 0) == OCT_E_UNSUPPORTED); /* f64 scale */
    oct_tensor *a7[8] = {xu, s1, zu, p4, s1, zu, s1, zu};
    CHECK(infer_only("QLinearAdd", a7, 8, NULL, NULL, 0) == OCT_E_SHAPE); /* [3,4] + [1,2,5,5] */
    int miss_b[8] = {1, 1, 1, 0, 1, 1, 1, 1};
    CHECK(infer_only("QLinearAdd", a1, 8, miss_b, NULL, 0) == OCT_E_INVALID); /* B omitted */
    CHECK(infer_only("QLinearAdd", a1, 6, NULL, NULL, 0) == OCT_E_INVALID);   /* arity */
    /* QGemm: A [3,4] x B [4,?] */
    int64_t db[2] = {4, 2}, dbt[2] = {2, 4}, dc[2] = {3, 3};
    oct_tensor *bu = oct_tensor_new(OCT_DT_U8, 2, db), *bt = oct_tensor_new(OCT_DT_U8, 2, dbt);
    oct_tensor *c3 = oct_tensor_new(OCT_DT_I32, 2, dc), *cf = oct_tensor_new(OCT_DT_F32, 1, &two);
    oct_tensor *g1[9] = {xu, s1, zu, bu, s2, zu, NULL, s1, zi};
    int g1p[9] = {1, 1, 1, 1, 1, 1, 0, 1, 1};
    CHECK(infer_only("QGemm", g1, 9, g1p, NULL, 0) == OCT_OK); /* per-column b_scale, i8 Y */
    CHECK(infer_only("QGemm", g1, 6, NULL, NULL, 0) == OCT_OK); /* float Y */
    oct_tensor *g2[9] = {xu, s1, zu, bt, s2, zu, NULL, s1, zi};
    CHECK(infer_only("QGemm", g2, 9, g1p, NULL, 0) == OCT_E_SHAPE);          /* K 4 vs 2 */
    CHECK(infer_only("QGemm", g2, 9, g1p, "transB", 1) == OCT_OK);           /* transposed: fits */
    oct_tensor *g3[9] = {xu, s1, zu, bu, s4, zu, NULL, s1, zi};
    CHECK(infer_only("QGemm", g3, 9, g1p, NULL, 0) == OCT_E_SHAPE);          /* 4 scales for N = 2 */
    oct_tensor *g4[9] = {xu, s1, zi, bu, s1, zu, NULL, s1, zi};
    CHECK(infer_only("QGemm", g4, 9, g1p, NULL, 0) == OCT_E_DTYPE);          /* a_zero_point i8 for u8 A */
    oct_tensor *g5[9] = {xu, s1, zu, bu, s1, zu, c3, s1, zu};
    CHECK(infer_only("QGemm", g5, 9, NULL, NULL, 0) == OCT_E_SHAPE);         /* C [3,3] for (3,2) */
    oct_tensor *g6[9] = {xu, s1, zu, bu, s1, zu, cf, s1, zu};
    CHECK(infer_only("QGemm", g6, 9, NULL, NULL, 0) == OCT_E_DTYPE);         /* float C */
    int g7p[9] = {1, 1, 1, 1, 1, 1, 0, 1, 0};
    CHECK(infer_only("QGemm", g1, 9, g7p, NULL, 0) == OCT_E_INVALID);        /* y_scale without y_zero_point */
    oct_tensor *g8[9] = {xf, s1, zu, bu, s1, zu, NULL, s1, zu};
    CHECK(infer_only("QGemm", g8, 9, g1p, NULL, 0) == OCT_E_UNSUPPORTED);    /* float A */
    oct_tensor *g9[9] = {p4, s1, zu, bu, s1, zu, NULL, s1, zu};
    CHECK(infer_only("QGemm", g9, 9, g1p, NULL, 0) == OCT_E_SHAPE);          /* 4-D A */
    /* pools */
    oct_tensor *q1[5] = {p4, s1, zu, s1, zu};
    CHECK(infer_only("QLinearGlobalAveragePool", q1, 5, NULL, NULL, 0) == OCT_OK);
    CHECK(infer_only("QLinearGlobalAveragePool", q1, 5, NULL, "channels_last", 2) == OCT_E_INVALID);
    oct_tensor *q2[5] = {p4f, s1, zu, s1, zu};
    CHECK(infer_only("QLinearGlobalAveragePool", q2, 5, NULL, NULL, 0) == OCT_E_UNSUPPORTED);
    oct_tensor *q3[5] = {p4, s1, zi, s1, zu};
    CHECK(infer_only("QLinearGlobalAveragePool", q3, 5, NULL, NULL, 0) == OCT_E_DTYPE);
    oct_tensor *q4[5] = {xu, s1, zu, s1, zu};
    CHECK(infer_only("QLinearGlobalAveragePool", q4, 5, NULL, NULL, 0) == OCT_E_SHAPE); /* rank 2 */
    oct_tensor *q5[5] = {p4, s4, zu, s1, zu};
    CHECK(infer_only("QLinearAveragePool", q5, 5, NULL, NULL, 0) == OCT_E_SHAPE);       /* 4 scales (before kernel_shape) */
    CHECK(infer_only("QLinearAveragePool", q1, 5, NULL, NULL, 0) == OCT_E_INVALID);     /* no kernel_shape */
    {
        qnode o = qmk("QLinearAveragePool", MS, 1, 5, NULL);
        int64_t k[2] = {2, 2};
        oct_node_set_ints(o.n, "kernel_shape", k, 2);
        oct_node_set_int(o.n, "count_include_pad", 3);
        const oct_tensor *cin[5] = {p4, s1, zu, s1, zu};
        oct_tensor *out = oct_tensor_new(OCT_DT_F32, 0, NULL);
        CHECK(o.n->def->infer(o.n, cin, &out) == OCT_E_INVALID);
        oct_node_set_int(o.n, "count_include_pad", 1);
        CHECK(o.n->def->infer(o.n, cin, &out) == OCT_OK);
        oct_tensor_free(out);
        oct_graph_free(o.g);
    }
    /* QLinearConcat */
    oct_tensor *k1[8] = {s1, zu, xu, s1, zu, xu, s1, zu};
    CHECK(infer_only("QLinearConcat", k1, 8, NULL, "axis", 1) == OCT_OK);
    CHECK(infer_only("QLinearConcat", k1, 8, NULL, NULL, 0) == OCT_E_INVALID);   /* axis required */
    CHECK(infer_only("QLinearConcat", k1, 7, NULL, "axis", 1) == OCT_E_INVALID); /* not triples */
    CHECK(infer_only("QLinearConcat", k1, 8, NULL, "axis", 2) == OCT_E_INVALID); /* axis out of range */
    oct_tensor *k2[8] = {s1, zu, xu, s1, zu, xi, s1, zu};
    CHECK(infer_only("QLinearConcat", k2, 8, NULL, "axis", 1) == OCT_E_DTYPE);   /* i8 tensor, u8 Y */
    oct_tensor *k3[8] = {s1, zu, xu, s1, zi, xu, s1, zu};
    CHECK(infer_only("QLinearConcat", k3, 8, NULL, "axis", 1) == OCT_E_DTYPE);   /* i8 zero point */
    oct_tensor *k4[8] = {s1, zu, xu, s4, zu, xu, s1, zu};
    CHECK(infer_only("QLinearConcat", k4, 8, NULL, "axis", 1) == OCT_E_SHAPE);   /* 4 scales */
    oct_tensor *k5[8] = {s1, zu, xu, s1, zu, bu, s1, zu};
    CHECK(infer_only("QLinearConcat", k5, 8, NULL, "axis", 1) == OCT_E_SHAPE);   /* [3,4] + [4,2] on axis 1 */
    CHECK(infer_only("QLinearConcat", k5, 8, NULL, "axis", 0) == OCT_E_SHAPE);
    oct_tensor *k6[8] = {s1, z4, xu, s1, zu, xu, s1, zu};
    CHECK(infer_only("QLinearConcat", k6, 8, NULL, "axis", 0) == OCT_E_SHAPE);   /* 4 zero points for Y */
    /* the domain matters: no QLinearAdd in ai.onnx, no QLinearAdd at com.microsoft opset 2 */
    CHECK(oct_op_find("QLinearAdd", "", 13, NULL) == NULL);
    CHECK(oct_op_find("QLinearAdd", MS, 1, NULL) != NULL);
    CHECK(oct_op_find("QGemm", MS, 2, NULL) == NULL);
    oct_tensor *all[] = {xu, xi, xf, s1, s2, s4, zu, zi, sd, z4, p4, p4f, bu, bt, c3, cf};
    free_all(all, (int)(sizeof all / sizeof all[0]));
}

int main(void)
{
    qc_setup();
    test_kernels();
    test_ort_data();
    test_qadd();
    test_qgemm();
    test_act_existing();
    test_errors();
    qc_teardown();
    TEST_DONE();
}
