/* onnxruntime's quantized pooling and concatenation contrib ops (domain
 * com.microsoft): QLinearAveragePool, QLinearGlobalAveragePool (NCHW and
 * NHWC) and QLinearConcat, bit-exact against float references written here
 * (in onnxruntime's order of float operations), in every run mode (portable /
 * AVX2 kernels, threads). The other contrib ops: test_ops_qcontrib.c. */
#include "test_qcontrib_util.h"

/* ---- QLinearAveragePool / QLinearGlobalAveragePool ---------------------------------------------- */

typedef struct ap_case {
    oct_dtype dt;
    int nsp;
    int64_t n, c, in[3], k[3], s[3], pb[3], pe[3];
    int ceil, cip;
} ap_case;

/* output size along one axis (explicit pads; ONNX's ceil_mode rule) */
static int64_t ap_out(int64_t in, int64_t k, int64_t s, int64_t pb, int64_t pe, int ceil)
{
    int64_t span = in + pb + pe - k;
    if (!ceil) return span / s + 1;
    int64_t o = (span + s - 1) / s + 1;
    if ((o - 1) * s >= in + pb) o--;
    return o;
}

/* onnxruntime's algorithm, written out: dequantize, float window sum in
 * row-major order, / count, / y_scale, + y_zp, round half to even; the whole
 * image without pads: the integer global average */
static void ref_avgpool(const ap_case *c, const oct_tensor *x, float xs, int32_t zx, float ys, int32_t zy, uint8_t *want,
                        int64_t *out_dims)
{
    int64_t in[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, pb[3] = {0}, pe[3] = {0}, out[3] = {1, 1, 1};
    int glob = 1;
    for (int i = 0; i < c->nsp; i++) {
        int j = 3 - c->nsp + i;
        in[j] = c->in[i];
        k[j] = c->k[i];
        s[j] = c->s[i];
        pb[j] = c->pb[i];
        pe[j] = c->pe[i];
        out[j] = ap_out(in[j], k[j], s[j], pb[j], pe[j], c->ceil);
        out_dims[i] = out[j];
        glob &= k[j] == in[j] && pb[j] == 0 && pe[j] == 0;
    }
    int64_t S = in[0] * in[1] * in[2], OS = out[0] * out[1] * out[2];
    for (int64_t p = 0; p < c->n * c->c; p++) {
        if (glob) {
            int64_t sum = 0;
            for (int64_t i = 0; i < S; i++) sum += qat(x, p * S + i) - zx;
            float scale = xs / (ys * (float)S);
            want[p] = (uint8_t)(ref_q((double)((float)sum * scale), qmin(c->dt) - zy, qmax(c->dt) - zy) + zy);
            continue;
        }
        for (int64_t o = 0; o < OS; o++) {
            int64_t oc[3] = {o / (out[1] * out[2]), o / out[2] % out[1], o % out[2]}, lo[3], hi[3], cnt = 1;
            for (int j = 0; j < 3; j++) {
                int64_t a = oc[j] * s[j] - pb[j];
                hi[j] = a + k[j] < in[j] ? a + k[j] : in[j];
                lo[j] = a > 0 ? a : 0;
                cnt *= hi[j] > lo[j] ? hi[j] - lo[j] : 0;
            }
            if (c->cip) cnt = k[0] * k[1] * k[2];
            float sum = 0.f;
            for (int64_t z = lo[0]; z < hi[0]; z++)
                for (int64_t yy = lo[1]; yy < hi[1]; yy++)
                    for (int64_t xx = lo[2]; xx < hi[2]; xx++)
                        sum += (float)(qat(x, p * S + (z * in[1] + yy) * in[2] + xx) - zx) * xs;
            float v = sum / (float)cnt / ys + (float)zy;
            want[p * OS + o] = (uint8_t)ref_q((double)v, qmin(c->dt), qmax(c->dt));
        }
    }
}

static void ap_set_ints(oct_node *n, const char *name, const int64_t *v, int cnt) { oct_node_set_ints(n, name, v, cnt); }

static void ap_run_case(const ap_case *c, const char *what)
{
    int64_t xd[5] = {c->n, c->c}, od[5] = {c->n, c->c};
    for (int i = 0; i < c->nsp; i++) xd[2 + i] = c->in[i];
    int rank = c->nsp + 2;
    oct_tensor *in[5] = {q8_rand(c->dt, rank, xd), scalar_f(frand(0.01f, 0.1f)), zp_rand(c->dt),
                         scalar_f(frand(0.01f, 0.1f)), zp_rand(c->dt)};
    qnode o = qmk("QLinearAveragePool", MS, 1, 5, NULL);
    int64_t pads[6];
    for (int i = 0; i < c->nsp; i++) {
        pads[i] = c->pb[i];
        pads[c->nsp + i] = c->pe[i];
    }
    ap_set_ints(o.n, "kernel_shape", c->k, c->nsp);
    ap_set_ints(o.n, "strides", c->s, c->nsp);
    ap_set_ints(o.n, "pads", pads, 2 * c->nsp);
    if (c->ceil) oct_node_set_int(o.n, "ceil_mode", 1);
    if (c->cip) oct_node_set_int(o.n, "count_include_pad", 1);
    int64_t cnt = c->n * c->c;
    for (int i = 0; i < c->nsp; i++) cnt *= ap_out(c->in[i], c->k[i], c->s[i], c->pb[i], c->pe[i], c->ceil);
    uint8_t *want = malloc((size_t)cnt + 1);
    ref_avgpool(c, in[0], fat(in[1], 0), qat(in[2], 0), fat(in[3], 0), qat(in[4], 0), want, od + 2);
    run_modes(&o, in, 5, 0, want, cnt, c->dt, what);
    oct_tensor *y;
    if (qrun(&o, in, 5, 0, NULL, &y) == OCT_OK) CHECK(oct_shape_equal(y->rank, y->dims, rank, od));
    oct_tensor_free(y);
    /* channels_last: the same values in NHWC */
    int64_t S = c->in[0] * (c->nsp > 1 ? c->in[1] : 1) * (c->nsp > 2 ? c->in[2] : 1), OS = cnt / (c->n * c->c);
    int64_t xdl[5], odl[5];
    xdl[0] = c->n;
    odl[0] = c->n;
    for (int i = 0; i < c->nsp; i++) {
        xdl[1 + i] = xd[2 + i];
        odl[1 + i] = od[2 + i];
    }
    xdl[rank - 1] = c->c;
    odl[rank - 1] = c->c;
    oct_tensor *xl = oct_tensor_new(c->dt, rank, xdl);
    uint8_t *wl = malloc((size_t)cnt + 1);
    for (int64_t b = 0; b < c->n; b++)
        for (int64_t ch = 0; ch < c->c; ch++) {
            for (int64_t p = 0; p < S; p++)
                ((uint8_t *)xl->data)[(b * S + p) * c->c + ch] = ((uint8_t *)in[0]->data)[(b * c->c + ch) * S + p];
            for (int64_t p = 0; p < OS; p++) wl[(b * OS + p) * c->c + ch] = want[(b * c->c + ch) * OS + p];
        }
    oct_tensor *inl[5] = {xl, in[1], in[2], in[3], in[4]};
    oct_node_set_int(o.n, "channels_last", 1);
    char w2[128];
    snprintf(w2, sizeof w2, "%s NHWC", what);
    run_modes(&o, inl, 5, 0, wl, cnt, c->dt, w2);
    if (qrun(&o, inl, 5, 0, NULL, &y) == OCT_OK) CHECK(oct_shape_equal(y->rank, y->dims, rank, odl));
    oct_tensor_free(y);
    oct_tensor_free(xl);
    free(wl);
    free(want);
    free_all(in, 5);
    oct_graph_free(o.g);
}

static void test_avgpool(void)
{
    for (int t = 0; t < 36; t++) {
        ap_case c;
        memset(&c, 0, sizeof c);
        c.dt = t & 1 ? OCT_DT_I8 : OCT_DT_U8;
        c.nsp = 1 + t % 3;
        c.n = irand(1, 2);
        c.c = irand(1, 3);
        for (int i = 0; i < c.nsp; i++) {
            int last = i == c.nsp - 1;
            c.in[i] = last ? irand(1, 45) : irand(1, 7);
            c.k[i] = irand(1, c.in[i] < 4 ? c.in[i] : 4);
            c.s[i] = irand(1, 3);
            c.pb[i] = irand(0, c.k[i] - 1);
            c.pe[i] = irand(0, c.k[i] - 1);
        }
        c.ceil = t % 4 == 1;
        c.cip = t % 5 == 2;
        if (t % 9 == 8) /* the whole image: the integer global algorithm */
            for (int i = 0; i < c.nsp; i++) {
                c.k[i] = c.in[i];
                c.pb[i] = c.pe[i] = 0;
            }
        char what[96];
        snprintf(what, sizeof what, "QLinearAveragePool %d (%dd, last in %lld k %lld s %lld, ceil %d cip %d)", t, c.nsp,
                 (long long)c.in[c.nsp - 1], (long long)c.k[c.nsp - 1], (long long)c.s[c.nsp - 1], c.ceil, c.cip);
        ap_run_case(&c, what);
    }
}

static void test_gavgpool(void)
{
    for (int t = 0; t < 8; t++) {
        oct_dtype dt = t & 1 ? OCT_DT_I8 : OCT_DT_U8;
        int rank = 3 + t % 3;
        int64_t d[5] = {irand(1, 3), irand(1, 9), irand(1, 9), irand(1, 9), irand(1, 9)};
        if (t == 6) d[2] = 3000; /* long planes (the vpsadbw loop) */
        oct_tensor *in[5] = {q8_rand(dt, rank, d), scalar_f(frand(0.01f, 0.1f)), zp_rand(dt),
                             scalar_f(frand(0.005f, 0.05f)), zp_rand(dt)};
        int64_t N = d[0], C = d[1], S = oct_tensor_numel(in[0]) / (N * C);
        float xs = fat(in[1], 0), ys = fat(in[3], 0), scale = xs / (ys * (float)S);
        int32_t zx = qat(in[2], 0), zy = qat(in[4], 0);
        uint8_t *want = malloc((size_t)(N * C));
        for (int64_t p = 0; p < N * C; p++) {
            int64_t sum = 0;
            for (int64_t i = 0; i < S; i++) sum += qat(in[0], p * S + i) - zx;
            want[p] = (uint8_t)(ref_q((double)((float)sum * scale), qmin(dt) - zy, qmax(dt) - zy) + zy);
        }
        qnode o = qmk("QLinearGlobalAveragePool", MS, 1, 5, NULL);
        run_modes(&o, in, 5, 0, want, N * C, dt, "QLinearGlobalAveragePool");
        /* NHWC: X [N, S, C] */
        int64_t dl[3] = {N, S, C}, od[3] = {N, 1, C};
        oct_tensor *xl = oct_tensor_new(dt, 3, dl), *y;
        for (int64_t b = 0; b < N; b++)
            for (int64_t ch = 0; ch < C; ch++)
                for (int64_t p = 0; p < S; p++)
                    ((uint8_t *)xl->data)[(b * S + p) * C + ch] = ((uint8_t *)in[0]->data)[(b * C + ch) * S + p];
        oct_tensor *inl[5] = {xl, in[1], in[2], in[3], in[4]};
        oct_node_set_int(o.n, "channels_last", 1);
        run_modes(&o, inl, 5, 0, want, N * C, dt, "QLinearGlobalAveragePool NHWC");
        if (qrun(&o, inl, 5, 0, NULL, &y) == OCT_OK) CHECK(oct_shape_equal(y->rank, y->dims, 3, od));
        oct_tensor_free(y);
        oct_tensor_free(xl);
        free(want);
        free_all(in, 5);
        oct_graph_free(o.g);
    }
}

/* ---- QLinearConcat --------------------------------------------------------------------------------- */

static void test_concat(void)
{
    for (int t = 0; t < 10; t++) {
        oct_dtype dt = t & 1 ? OCT_DT_I8 : OCT_DT_U8;
        int rank = 1 + t % 4, nx = 1 + t % 3, axis = (int)irand(0, rank - 1);
        int64_t base[4] = {irand(1, 4), irand(1, 4), irand(1, 4), irand(1, 6)};
        int n_in = 2 + 3 * nx;
        oct_tensor *in[11];
        in[0] = scalar_f(frand(0.02f, 0.08f));
        in[1] = zp_rand(dt);
        int64_t total = 0;
        for (int k = 0; k < nx; k++) {
            int64_t d[4];
            memcpy(d, base, sizeof d);
            d[axis] = irand(t == 9 && k == 0 ? 0 : 1, 4);
            total += d[axis];
            in[2 + 3 * k] = q8_rand(dt, rank, d);
            int same = k == 1; /* Y's own parameters: copied */
            in[3 + 3 * k] = scalar_f(same ? fat(in[0], 0) : frand(0.01f, 0.2f));
            in[4 + 3 * k] = scalar_q(dt, same ? qat(in[1], 0) : (int32_t)irand(qmin(dt), qmax(dt)));
        }
        int64_t od[4];
        memcpy(od, base, sizeof od);
        od[axis] = total;
        int64_t cnt = oct_shape_numel(rank, od), inner = 1, outer = 1;
        for (int d = axis + 1; d < rank; d++) inner *= od[d];
        for (int d = 0; d < axis; d++) outer *= od[d];
        uint8_t *want = malloc((size_t)cnt + 1);
        float ys = fat(in[0], 0);
        int32_t zy = qat(in[1], 0);
        int64_t off = 0;
        for (int k = 0; k < nx; k++) {
            const oct_tensor *x = in[2 + 3 * k];
            int64_t row = x->dims[axis] * inner;
            for (int64_t o = 0; o < outer; o++)
                for (int64_t i = 0; i < row; i++) {
                    float f = (float)(qat(x, o * row + i) - qat(in[4 + 3 * k], 0)) * fat(in[3 + 3 * k], 0);
                    want[o * od[axis] * inner + off + i] =
                        (uint8_t)(ref_q((double)(f / ys), qmin(dt) - zy, qmax(dt) - zy) + zy);
                }
            off += row;
        }
        qnode o = qmk("QLinearConcat", MS, 1, n_in, NULL);
        oct_node_set_int(o.n, "axis", t & 2 ? axis - rank : axis);
        run_modes(&o, in, n_in, 0, want, cnt, dt, "QLinearConcat");
        free(want);
        free_all(in, n_in);
        oct_graph_free(o.g);
    }
}

int main(void)
{
    qc_setup();
    test_avgpool();
    test_gavgpool();
    test_concat();
    qc_teardown();
    TEST_DONE();
}
