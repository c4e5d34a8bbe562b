/* Miscellaneous ops (ops_misc.def): node-level unit tests for what the ONNX
 * node tests do not cover — error paths (indices out of range, bad
 * reductions, shapes), opset variants (ScatterND max/min at 18), other dtypes
 * and attribute values, and the FFT helper against a naive DFT. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "graph/ir.h"
#include "ops/fft_util.h"
#include "ops/op.h"
#include "test_node_harness.h"
#include "test_util.h"

/* ---------- node-level harness ---------- */


static void set_str(tnode *t, const char *name, const char *v)
{
    oct_node_set_int(t->n, name, 0);
    oct_attr *a = (oct_attr *)oct_node_attr(t->n, name);
    a->type = OCT_ATTR_STRING;
    a->s = strdup(v);
}

static oct_tensor *ten(oct_dtype dt, int rank, const int64_t *dims, const void *data)
{
    oct_tensor *t = oct_tensor_new(dt, rank, dims);
    if (t && data) memcpy(t->data, data, oct_tensor_nbytes(t));
    return t;
}

/* infer + alloc + compute; outputs are heap tensors the caller frees (NULL
 * entries in `skip` mark omitted optional outputs). */
static oct_status run(tnode *t, oct_tensor **in, oct_tensor **out)
{
    if (!t->def) return oct_err(OCT_E_UNSUPPORTED, "no def for %s at opset %d", t->n->op_type, t->n->opset);
    oct_tensor *o[16];
    for (int i = 0; i < t->n->n_out; i++) o[i] = out[i] = calloc(1, sizeof(oct_tensor));
    oct_status s = t->def->infer(t->n, (const oct_tensor *const *)in, o);
    if (s) return s;
    for (int i = 0; i < t->n->n_out; i++) OCT_TRY(oct_tensor_alloc(o[i]));
    oct_exec ex = {NULL};
    return t->def->compute(t->n, (const oct_tensor *const *)in, o, &ex);
}

static void frees(oct_tensor **t, int n)
{
    for (int i = 0; i < n; i++) {
        oct_tensor_free(t[i]);
        t[i] = NULL;
    }
}

static int shape_is(const oct_tensor *t, int rank, const int64_t *d)
{
    return t && oct_shape_equal(t->rank, t->dims, rank, d);
}

static int f32_eq(const oct_tensor *t, const float *v, int64_t n, float tol)
{
    if (!t || t->dtype != OCT_DT_F32 || oct_tensor_numel(t) != n) return 0;
    for (int64_t i = 0; i < n; i++)
        if (!(fabsf(((const float *)t->data)[i] - v[i]) <= tol * (1 + fabsf(v[i])))) return 0;
    return 1;
}

static int i64_eq(const oct_tensor *t, const int64_t *v, int64_t n)
{
    if (!t || t->dtype != OCT_DT_I64 || oct_tensor_numel(t) != n) return 0;
    return !n || !memcmp(t->data, v, (size_t)n * 8);
}

static int msg_has(const char *s) { return strstr(oct_errmsg(), s) != NULL; }

/* ---------- losses ---------- */

static void test_nllloss(void)
{
    /* x [2, 3] f64, weights, ignore_index = 1, mean = sum(-x[n, t] w[t]) / sum(w[t]) */
    int64_t dx[2] = {2, 3}, dt[1] = {2}, dw[1] = {3};
    double xv[6] = {-1, -2, -3, -4, -5, -6}, wv[3] = {0.5, 2, 4};
    int64_t tv[2] = {2, 0};
    tnode t = mk("NegativeLogLikelihoodLoss", 13, 3, 1);
    oct_node_set_int(t.n, "ignore_index", 1);
    oct_tensor *in[3] = {ten(OCT_DT_F64, 2, dx, xv), ten(OCT_DT_I64, 1, dt, tv), ten(OCT_DT_F64, 1, dw, wv)}, *out[1];
    CHECK(run(&t, in, out) == OCT_OK);
    CHECK(out[0]->rank == 0 && out[0]->dtype == OCT_DT_F64);
    CHECK_NEAR(((double *)out[0]->data)[0], (3.0 * 4 + 4 * 0.5) / 4.5, 1e-12);
    frees(out, 1);
    /* the ignored class may be the target; out-of-range targets are errors */
    tv[1] = 1;
    memcpy(in[1]->data, tv, sizeof tv);
    CHECK(run(&t, in, out) == OCT_OK);
    CHECK_NEAR(((double *)out[0]->data)[0], 3.0, 1e-12);
    frees(out, 1);
    tv[1] = 3;
    memcpy(in[1]->data, tv, sizeof tv);
    CHECK(run(&t, in, out) == OCT_E_INVALID && msg_has("target 3"));
    frees(out, 1);
    tfree(&t);
    /* bad reduction string */
    t = mk("NegativeLogLikelihoodLoss", 13, 2, 1);
    set_str(&t, "reduction", "avg");
    CHECK(run(&t, in, out) == OCT_E_INVALID && msg_has("avg"));
    frees(out, 1);
    tfree(&t);
    /* target shape must be [N, d1...] */
    t = mk("NegativeLogLikelihoodLoss", 12, 2, 1);
    int64_t dbad[1] = {3};
    oct_tensor *in2[2] = {in[0], ten(OCT_DT_I32, 1, dbad, NULL)};
    CHECK(run(&t, in2, out) == OCT_E_SHAPE);
    frees(out, 1);
    oct_tensor_free(in2[1]);
    tfree(&t);
    frees(in, 3);
}

static void test_sce_log_prob(void)
{
    /* x [1, 2, 2] (N, C, d1), reduction none, both outputs */
    int64_t dx[3] = {1, 2, 2}, dt[2] = {1, 2};
    float xv[4] = {0, 1, 2, 1};
    int64_t tv[2] = {1, 0};
    tnode t = mk("SoftmaxCrossEntropyLoss", 13, 2, 2);
    set_str(&t, "reduction", "none");
    oct_tensor *in[2] = {ten(OCT_DT_F32, 3, dx, xv), ten(OCT_DT_I64, 2, dt, tv)}, *out[2];
    CHECK(run(&t, in, out) == OCT_OK);
    /* column d=0: scores (0, 2); d=1: (1, 1) */
    double l0 = log(1 + exp(2.0)), l1 = log(2.0);
    float lp[4] = {(float)-l0, (float)-l1, (float)(2 - l0), (float)-l1};
    float loss[2] = {(float)(l0 - 2), (float)l1};
    CHECK(shape_is(out[0], 2, dt) && f32_eq(out[0], loss, 2, 1e-6f));
    CHECK(shape_is(out[1], 3, dx) && f32_eq(out[1], lp, 4, 1e-6f));
    frees(out, 2);
    tfree(&t);
    frees(in, 2);
}

/* ---------- gather / scatter ---------- */

static void test_gathernd(void)
{
    /* batch_dims 1, negative index, slice gather */
    int64_t dx[3] = {2, 2, 3}, di[2] = {2, 1};
    float xv[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    int64_t iv[2] = {-1, 0};
    tnode t = mk("GatherND", 13, 2, 1);
    oct_node_set_int(t.n, "batch_dims", 1);
    oct_tensor *in[2] = {ten(OCT_DT_F32, 3, dx, xv), ten(OCT_DT_I64, 2, di, iv)}, *out[1];
    CHECK(run(&t, in, out) == OCT_OK);
    int64_t od[2] = {2, 3};
    float e[6] = {3, 4, 5, 6, 7, 8};
    CHECK(shape_is(out[0], 2, od) && f32_eq(out[0], e, 6, 0));
    frees(out, 1);
    iv[0] = 2;
    memcpy(in[1]->data, iv, sizeof iv);
    CHECK(run(&t, in, out) == OCT_E_INVALID && msg_has("index 2"));
    frees(out, 1);
    tfree(&t);
    /* batch_dims ignored before opset 12; k > rank is a shape error */
    t = mk("GatherND", 11, 2, 1);
    int64_t dk[1] = {4}, kv[4] = {0, 0, 0, 0};
    oct_tensor *in2[2] = {in[0], ten(OCT_DT_I64, 1, dk, kv)};
    CHECK(run(&t, in2, out) == OCT_E_SHAPE);
    frees(out, 1);
    oct_tensor_free(in2[1]);
    tfree(&t);
    frees(in, 2);
}

static void test_scatternd(void)
{
    int64_t dx[1] = {4}, di[2] = {3, 1}, du[1] = {3};
    float xv[4] = {1, 2, 3, 4}, uv[3] = {5, 0, 7};
    int64_t iv[3] = {0, -4, 2};
    /* max at opset 18 (duplicate index 0 = -4) */
    tnode t = mk("ScatterND", 18, 3, 1);
    set_str(&t, "reduction", "max");
    oct_tensor *in[3] = {ten(OCT_DT_F32, 1, dx, xv), ten(OCT_DT_I64, 2, di, iv), ten(OCT_DT_F32, 1, du, uv)}, *out[1];
    CHECK(run(&t, in, out) == OCT_OK);
    float e[4] = {5, 2, 7, 4};
    CHECK(f32_eq(out[0], e, 4, 0));
    frees(out, 1);
    tfree(&t);
    t = mk("ScatterND", 18, 3, 1);
    set_str(&t, "reduction", "min");
    CHECK(run(&t, in, out) == OCT_OK);
    float e2[4] = {0, 2, 3, 4};
    CHECK(f32_eq(out[0], e2, 4, 0));
    frees(out, 1);
    tfree(&t);
    /* max is not valid before opset 18, and reductions not before 16 */
    t = mk("ScatterND", 16, 3, 1);
    set_str(&t, "reduction", "max");
    CHECK(run(&t, in, out) == OCT_E_INVALID && msg_has("max"));
    frees(out, 1);
    tfree(&t);
    t = mk("ScatterND", 13, 3, 1);
    set_str(&t, "reduction", "add");
    CHECK(run(&t, in, out) == OCT_E_INVALID);
    frees(out, 1);
    tfree(&t);
    /* out-of-range index; updates shape */
    t = mk("ScatterND", 16, 3, 1);
    iv[1] = 4;
    memcpy(in[1]->data, iv, sizeof iv);
    CHECK(run(&t, in, out) == OCT_E_INVALID && msg_has("index 4"));
    frees(out, 1);
    int64_t dbad[1] = {2};
    oct_tensor *in2[3] = {in[0], in[1], ten(OCT_DT_F32, 1, dbad, NULL)};
    CHECK(run(&t, in2, out) == OCT_E_SHAPE);
    frees(out, 1);
    oct_tensor_free(in2[2]);
    tfree(&t);
    frees(in, 3);
    /* i32 data, add with duplicates */
    int32_t xi[4] = {1, 1, 1, 1}, ui[3] = {10, 20, 30};
    int64_t ii[3] = {1, 1, 3};
    t = mk("ScatterND", 16, 3, 1);
    set_str(&t, "reduction", "add");
    oct_tensor *in3[3] = {ten(OCT_DT_I32, 1, dx, xi), ten(OCT_DT_I64, 2, di, ii), ten(OCT_DT_I32, 1, du, ui)};
    CHECK(run(&t, in3, out) == OCT_OK);
    int32_t ei[4] = {1, 31, 1, 31};
    CHECK(out[0] && !memcmp(out[0]->data, ei, sizeof ei));
    frees(out, 1);
    tfree(&t);
    frees(in3, 3);
}

static void test_scatter_elements(void)
{
    int64_t dx[2] = {2, 2}, di[2] = {2, 1};
    int64_t xv[4] = {1, 2, 3, 4}, uv[2] = {5, 6};
    int64_t iv[2] = {-1, 0};
    tnode t = mk("ScatterElements", 16, 3, 1);
    oct_node_set_int(t.n, "axis", 1);
    set_str(&t, "reduction", "mul");
    oct_tensor *in[3] = {ten(OCT_DT_I64, 2, dx, xv), ten(OCT_DT_I64, 2, di, iv), ten(OCT_DT_I64, 2, di, uv)}, *out[1];
    CHECK(run(&t, in, out) == OCT_OK);
    int64_t e[4] = {1, 10, 18, 4};
    CHECK(i64_eq(out[0], e, 4));
    frees(out, 1);
    iv[1] = -3;
    memcpy(in[1]->data, iv, sizeof iv);
    CHECK(run(&t, in, out) == OCT_E_INVALID && msg_has("index -3"));
    frees(out, 1);
    tfree(&t);
    /* Scatter (opset 9) = ScatterElements without reduction */
    iv[1] = 1;
    memcpy(in[1]->data, iv, sizeof iv);
    t = mk("Scatter", 9, 3, 1);
    oct_node_set_int(t.n, "axis", 1);
    CHECK(run(&t, in, out) == OCT_OK);
    int64_t e2[4] = {1, 5, 3, 6};
    CHECK(i64_eq(out[0], e2, 4));
    frees(out, 1);
    tfree(&t);
    CHECK(oct_op_find("Scatter", "", 11, NULL) == NULL);
    frees(in, 3);
}

/* ---------- data-dependent shapes ---------- */

static void test_unique(void)
{
    /* axis 1 of [2, 4]: columns (1,5) (0,9) (1,5) (0,2) -> sorted (0,2) (0,9) (1,5) */
    int64_t dx[2] = {2, 4};
    int64_t xv[8] = {1, 0, 1, 0, 5, 9, 5, 2};
    tnode t = mk("Unique", 11, 1, 4);
    oct_node_set_int(t.n, "axis", -1);
    oct_tensor *in[1] = {ten(OCT_DT_I64, 2, dx, xv)}, *out[4];
    CHECK(run(&t, in, out) == OCT_OK);
    int64_t yd[2] = {2, 3}, y[6] = {0, 0, 1, 2, 9, 5}, idx[3] = {3, 1, 0}, inv[4] = {2, 1, 2, 0}, cnt[3] = {1, 1, 2};
    CHECK(shape_is(out[0], 2, yd) && i64_eq(out[0], y, 6));
    CHECK(i64_eq(out[1], idx, 3) && i64_eq(out[2], inv, 4) && i64_eq(out[3], cnt, 3));
    frees(out, 4);
    tfree(&t);
    /* unsorted: order of first occurrence */
    t = mk("Unique", 11, 1, 4);
    oct_node_set_int(t.n, "axis", 1);
    oct_node_set_int(t.n, "sorted", 0);
    CHECK(run(&t, in, out) == OCT_OK);
    int64_t y2[6] = {1, 0, 0, 5, 9, 2}, idx2[3] = {0, 1, 3}, inv2[4] = {0, 1, 0, 2}, cnt2[3] = {2, 1, 1};
    CHECK(i64_eq(out[0], y2, 6) && i64_eq(out[1], idx2, 3) && i64_eq(out[2], inv2, 4) && i64_eq(out[3], cnt2, 3));
    frees(out, 4);
    tfree(&t);
    /* without data at plan time the shape is unknown */
    t = mk("Unique", 11, 1, 1);
    oct_tensor hdr = *in[0];
    hdr.data = NULL;
    const oct_tensor *hin[1] = {&hdr};
    oct_tensor o = {0}, *op[1] = {&o};
    CHECK(t.def->infer(t.n, hin, op) == OCT_E_UNSUPPORTED && msg_has("only known at run time"));
    CHECK(t.def->shape_inputs == 1u);
    tfree(&t);
    frees(in, 1);
    /* floats with NaNs and an empty input */
    float fv[5] = {NAN, 1, NAN, -1, 1};
    int64_t d5[1] = {5}, d0[1] = {0};
    t = mk("Unique", 11, 1, 4);
    oct_tensor *in2[1] = {ten(OCT_DT_F32, 1, d5, fv)};
    CHECK(run(&t, in2, out) == OCT_OK);
    CHECK(out[0]->dims[0] == 3 && ((float *)out[0]->data)[0] == -1 && isnan(((float *)out[0]->data)[2]));
    frees(out, 4);
    frees(in2, 1);
    in2[0] = ten(OCT_DT_F32, 1, d0, NULL);
    CHECK(run(&t, in2, out) == OCT_OK && out[0]->dims[0] == 0 && out[2]->dims[0] == 0);
    frees(out, 4);
    frees(in2, 1);
    tfree(&t);
}

static void test_compress(void)
{
    int64_t dx[2] = {2, 3}, dc[1] = {4};
    float xv[6] = {1, 2, 3, 4, 5, 6};
    uint8_t cv[4] = {0, 1, 1, 0};
    /* flattened, condition shorter than the input */
    tnode t = mk("Compress", 11, 2, 1);
    oct_tensor *in[2] = {ten(OCT_DT_F32, 2, dx, xv), ten(OCT_DT_BOOL, 1, dc, cv)}, *out[1];
    CHECK(run(&t, in, out) == OCT_OK);
    float e[2] = {2, 3};
    CHECK(f32_eq(out[0], e, 2, 0));
    frees(out, 1);
    tfree(&t);
    /* along axis 1 (length 3): the extra entry is false, fine; true is not */
    t = mk("Compress", 11, 2, 1);
    oct_node_set_int(t.n, "axis", 1);
    CHECK(run(&t, in, out) == OCT_OK);
    float e2[4] = {2, 3, 5, 6};
    int64_t od[2] = {2, 2};
    CHECK(shape_is(out[0], 2, od) && f32_eq(out[0], e2, 4, 0));
    frees(out, 1);
    ((uint8_t *)in[1]->data)[3] = 1;
    CHECK(run(&t, in, out) == OCT_E_INVALID && msg_has("condition[3]"));
    frees(out, 1);
    tfree(&t);
    /* negative axis only from opset 11 */
    t = mk("Compress", 9, 2, 1);
    oct_node_set_int(t.n, "axis", -1);
    CHECK(run(&t, in, out) == OCT_E_INVALID);
    frees(out, 1);
    tfree(&t);
    frees(in, 2);
}

/* ---------- small ops ---------- */

static void test_small_ops(void)
{
    oct_tensor *out[1];
    /* ReverseSequence: lengths out of range */
    int64_t dx[2] = {3, 2}, ds[1] = {2}, sv[2] = {3, 4};
    float xv[6] = {1, 2, 3, 4, 5, 6};
    tnode t = mk("ReverseSequence", 10, 2, 1);
    oct_tensor *in[2] = {ten(OCT_DT_F32, 2, dx, xv), ten(OCT_DT_I64, 1, ds, sv)};
    CHECK(run(&t, in, out) == OCT_E_INVALID && msg_has("sequence_lens[1]"));
    frees(out, 1);
    sv[1] = 2;
    memcpy(in[1]->data, sv, sizeof sv);
    CHECK(run(&t, in, out) == OCT_OK);
    float e[6] = {5, 4, 3, 2, 1, 6};
    CHECK(f32_eq(out[0], e, 6, 0));
    frees(out, 1);
    tfree(&t);
    frees(in, 2);

    /* Det: 3x3 f64 and a singular f32 */
    int64_t d3[2] = {3, 3}, d2[2] = {2, 2};
    double m3[9] = {0, 2, 1, 3, -1, 2, 1, 1, 4};
    float m2[4] = {1, 2, 2, 4};
    t = mk("Det", 11, 1, 1);
    oct_tensor *a[1] = {ten(OCT_DT_F64, 2, d3, m3)};
    CHECK(run(&t, a, out) == OCT_OK && out[0]->rank == 0);
    CHECK_NEAR(((double *)out[0]->data)[0], -16.0, 1e-12);
    frees(out, 1);
    frees(a, 1);
    a[0] = ten(OCT_DT_F32, 2, d2, m2);
    CHECK(run(&t, a, out) == OCT_OK && ((float *)out[0]->data)[0] == 0.0f);
    frees(out, 1);
    frees(a, 1);
    int64_t dbad[2] = {2, 3};
    a[0] = ten(OCT_DT_F32, 2, dbad, NULL);
    CHECK(run(&t, a, out) == OCT_E_SHAPE);
    frees(out, 1);
    frees(a, 1);
    tfree(&t);

    /* EyeLike: k = -1, bool output */
    t = mk("EyeLike", 9, 1, 1);
    oct_node_set_int(t.n, "k", -1);
    oct_node_set_int(t.n, "dtype", OCT_DT_BOOL);
    a[0] = ten(OCT_DT_F32, 2, dbad, NULL);
    CHECK(run(&t, a, out) == OCT_OK && out[0]->dtype == OCT_DT_BOOL);
    uint8_t eb[6] = {0, 0, 0, 1, 0, 0};
    CHECK(out[0] && !memcmp(out[0]->data, eb, 6));
    frees(out, 1);
    frees(a, 1);
    tfree(&t);

    /* Shrink on i32 */
    int32_t iv[4] = {-3, -1, 1, 3};
    int64_t d4[1] = {4};
    t = mk("Shrink", 9, 1, 1);
    oct_node_set_float(t.n, "lambd", 1.5f);
    oct_node_set_float(t.n, "bias", 1.0f);
    a[0] = ten(OCT_DT_I32, 1, d4, iv);
    CHECK(run(&t, a, out) == OCT_OK);
    int32_t ei[4] = {-2, 0, 0, 2};
    CHECK(out[0] && !memcmp(out[0]->data, ei, sizeof ei));
    frees(out, 1);
    frees(a, 1);
    tfree(&t);

    /* MaxUnpool: pads shrink the output; indices are checked */
    int64_t dxu[4] = {1, 1, 1, 2};
    float xu[2] = {7, 8};
    int64_t iu[2] = {0, 2};
    t = mk("MaxUnpool", 11, 2, 1);
    int64_t ks[2] = {2, 2}, st[2] = {2, 2}, pd[4] = {0, 0, 1, 1};
    oct_node_set_ints(t.n, "kernel_shape", ks, 2);
    oct_node_set_ints(t.n, "strides", st, 2);
    oct_node_set_ints(t.n, "pads", pd, 4);
    oct_tensor *mu[2] = {ten(OCT_DT_F32, 4, dxu, xu), ten(OCT_DT_I64, 4, dxu, iu)};
    CHECK(run(&t, mu, out) == OCT_OK);
    int64_t od[4] = {1, 1, 1, 3};
    float eu[3] = {7, 0, 8};
    CHECK(shape_is(out[0], 4, od) && f32_eq(out[0], eu, 3, 0));
    frees(out, 1);
    iu[1] = 3;
    memcpy(mu[1]->data, iu, sizeof iu);
    CHECK(run(&t, mu, out) == OCT_E_INVALID && msg_has("index 3"));
    frees(out, 1);
    frees(mu, 2);
    tfree(&t);
}

static void test_windows(void)
{
    oct_tensor *out[1];
    int32_t five = 5;
    tnode t = mk("HannWindow", 17, 1, 1);
    oct_node_set_int(t.n, "periodic", 0);
    oct_node_set_int(t.n, "output_datatype", OCT_DT_F64);
    oct_tensor *in[1] = {ten(OCT_DT_I32, 0, NULL, &five)};
    CHECK(run(&t, in, out) == OCT_OK && out[0]->dtype == OCT_DT_F64 && out[0]->dims[0] == 5);
    double e[5] = {0, 0.5, 1, 0.5, 0};
    for (int i = 0; i < 5; i++) CHECK_NEAR(((double *)out[0]->data)[i], e[i], 1e-12);
    frees(out, 1);
    tfree(&t);
    t = mk("BlackmanWindow", 17, 1, 1);
    five = -1;
    memcpy(in[0]->data, &five, 4);
    CHECK(run(&t, in, out) == OCT_E_INVALID);
    frees(out, 1);
    tfree(&t);
    frees(in, 1);
}

/* ---------- FFT, DFT, STFT ---------- */

static void naive_dft(const double *x, double *y, int64_t n, int inverse)
{
    for (int64_t k = 0; k < n; k++) {
        double sr = 0, si = 0;
        for (int64_t j = 0; j < n; j++) {
            double a = (inverse ? 2 : -2) * 3.14159265358979323846 * (double)((j * k) % n) / (double)n;
            sr += x[2 * j] * cos(a) - x[2 * j + 1] * sin(a);
            si += x[2 * j] * sin(a) + x[2 * j + 1] * cos(a);
        }
        y[2 * k] = sr;
        y[2 * k + 1] = si;
    }
}

static void test_fft(void)
{
    int64_t lens[] = {1, 2, 3, 5, 7, 8, 12, 16, 17, 31, 64, 100, 127, 256, 1000};
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        int64_t n = lens[li];
        double *x = malloc((size_t)(2 * n) * sizeof *x), *y = malloc((size_t)(2 * n) * sizeof *y);
        for (int64_t i = 0; i < 2 * n; i++) x[i] = sin(0.37 * (double)i) + 0.1 * (double)(i % 7);
        for (int inv = 0; inv < 2; inv++) {
            naive_dft(x, y, n, inv);
            oct_fft f;
            CHECK(oct_fft_init(&f, n) == OCT_OK);
            double *z = malloc((size_t)(2 * n) * sizeof *z);
            memcpy(z, x, (size_t)(2 * n) * sizeof *z);
            oct_fft_run(&f, z, inv);
            double err = 0;
            for (int64_t i = 0; i < 2 * n; i++) err = fmax(err, fabs(z[i] - y[i]));
            CHECK_MSG(err < 1e-9 * (double)n, "n=%lld inverse=%d err=%g", (long long)n, inv, err);
            free(z);
            oct_fft_free(&f);
        }
        free(x);
        free(y);
    }
    oct_fft f;
    CHECK(oct_fft_init(&f, 0) == OCT_E_INVALID);
}

static void test_dft_onesided_and_length(void)
{
    /* [1, 3, 1] real signal (1, 2, 3) zero-padded to 4, onesided: bins 0..2 of fft([1,2,3,0]) */
    int64_t dx[3] = {1, 3, 1};
    float xv[3] = {1, 2, 3};
    int64_t four = 4;
    tnode t = mk("DFT", 17, 2, 1);
    oct_node_set_int(t.n, "onesided", 1);
    oct_tensor *in[2] = {ten(OCT_DT_F32, 3, dx, xv), ten(OCT_DT_I64, 0, NULL, &four)}, *out[1];
    CHECK(run(&t, in, out) == OCT_OK);
    int64_t od[3] = {1, 3, 2};
    float e[6] = {6, 0, -2, -2, 2, 0};
    CHECK(shape_is(out[0], 3, od) && f32_eq(out[0], e, 6, 1e-6f));
    frees(out, 1);
    tfree(&t);
    /* inverse of a complex spectrum, truncated to length 2 along axis -2 */
    int64_t dc[3] = {1, 3, 2};
    float cv[6] = {1, 1, 3, -1, 9, 9};
    int64_t two = 2;
    t = mk("DFT", 17, 2, 1);
    oct_node_set_int(t.n, "inverse", 1);
    oct_node_set_int(t.n, "axis", -2);
    oct_tensor *in2[2] = {ten(OCT_DT_F32, 3, dc, cv), ten(OCT_DT_I64, 0, NULL, &two)};
    CHECK(run(&t, in2, out) == OCT_OK);
    float e2[4] = {2, 0, -1, 1};
    int64_t od2[3] = {1, 2, 2};
    CHECK(shape_is(out[0], 3, od2) && f32_eq(out[0], e2, 4, 1e-6f));
    frees(out, 1);
    tfree(&t);
    /* onesided needs a real input; the axis must be a signal axis */
    t = mk("DFT", 17, 1, 1);
    oct_node_set_int(t.n, "onesided", 1);
    CHECK(run(&t, in2, out) == OCT_E_INVALID);
    frees(out, 1);
    tfree(&t);
    t = mk("DFT", 17, 1, 1);
    oct_node_set_int(t.n, "axis", 2);
    CHECK(run(&t, in2, out) == OCT_E_INVALID);
    frees(out, 1);
    tfree(&t);
    frees(in, 2);
    frees(in2, 2);
}

static void test_stft_complex(void)
{
    /* complex signal of 6, frame 4, step 2, two-sided: 2 frames of 4 bins */
    int64_t dx[3] = {1, 6, 2};
    double xv[12];
    for (int i = 0; i < 12; i++) xv[i] = (double)((i * 5) % 7) - 3;
    int64_t step = 2, flen = 4;
    tnode t = mk("STFT", 17, 4, 1);
    oct_node_set_int(t.n, "onesided", 0);
    oct_tensor *in[4] = {ten(OCT_DT_F64, 3, dx, xv), ten(OCT_DT_I64, 0, NULL, &step), NULL,
                         ten(OCT_DT_I64, 0, NULL, &flen)},
               *out[1];
    CHECK(run(&t, in, out) == OCT_OK);
    int64_t od[4] = {1, 2, 4, 2};
    CHECK(shape_is(out[0], 4, od));
    for (int fr = 0; fr < 2 && out[0]->data; fr++) {
        double y[8];
        naive_dft(xv + 2 * fr * step, y, 4, 0);
        for (int i = 0; i < 8; i++) CHECK_NEAR(((double *)out[0]->data)[fr * 8 + i], y[i], 1e-12);
    }
    frees(out, 1);
    tfree(&t);
    /* onesided (the default) with a complex signal is invalid; so is frame_length > length */
    t = mk("STFT", 17, 4, 1);
    CHECK(run(&t, in, out) == OCT_E_INVALID);
    frees(out, 1);
    tfree(&t);
    frees(in, 4);
}

int main(void)
{
    test_nllloss();
    test_sce_log_prob();
    test_gathernd();
    test_scatternd();
    test_scatter_elements();
    test_unique();
    test_compress();
    test_small_ops();
    test_windows();
    test_fft();
    test_dft_onesided_and_length();
    test_stft_complex();
    TEST_DONE();
}
