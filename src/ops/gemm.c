/* Gemm: Y = act(alpha * op(A) * op(B) + beta * C), f32.
 * C (optional from opset 11) is unidirectionally broadcast to [M, N]: a full
 * matrix is copied into Y first, a row vector / column vector / scalar goes
 * into the sgemm epilogue as a bias. A constant B is packed at prepare.
 * B may be f16 (FP16 mode, graph/pass_fp16.c): packed it stays fp16 (widened
 * per micro-panel by the sgemm); unpacked it is widened per call. */
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/f16cvt.h"
#include "backend/cpu/sgemm.h"
#include "ops/op.h"

typedef struct gemm_state {
    oct_sgemm_packed *pb;
    int transB;
} gemm_state;

static void gemm_dims(const oct_node *n, const oct_tensor *const *in, int64_t *M, int64_t *N, int64_t *K,
                      int64_t *Kb)
{
    int ta = oct_attr_int(n, "transA", 0) != 0, tb = oct_attr_int(n, "transB", 0) != 0;
    *M = ta ? in[0]->dims[1] : in[0]->dims[0];
    *K = ta ? in[0]->dims[0] : in[0]->dims[1];
    *Kb = tb ? in[1]->dims[1] : in[1]->dims[0];
    *N = tb ? in[1]->dims[0] : in[1]->dims[1];
}

static oct_status gemm_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 3, 2));
    for (int i = 0; i < n->n_in && i < 3; i++)
        if (in[i] && in[i]->dtype != OCT_DT_F32 && !(i == 1 && in[i]->dtype == OCT_DT_F16))
            return oct_op_bad_dtype(n, in[i]->dtype);
    if (in[0]->rank != 2 || in[1]->rank != 2)
        return oct_err(OCT_E_SHAPE, "Gemm: A and B must be 2-D (ranks %d, %d)", in[0]->rank, in[1]->rank);
    int64_t M, N, K, Kb;
    gemm_dims(n, in, &M, &N, &K, &Kb);
    if (K != Kb)
        return oct_err(OCT_E_SHAPE, "Gemm: inner dimensions differ (%lld vs %lld)", (long long)K, (long long)Kb);
    const oct_tensor *C = n->n_in > 2 ? in[2] : NULL;
    if (C) {
        if (C->rank > 2) return oct_err(OCT_E_SHAPE, "Gemm: C has rank %d", C->rank);
        int64_t want[2] = {M, N};
        for (int i = 0; i < C->rank; i++) {
            int64_t d = C->dims[C->rank - 1 - i], w = want[1 - i];
            if (d != 1 && d != w)
                return oct_err(OCT_E_SHAPE, "Gemm: C cannot be broadcast to [%lld,%lld]", (long long)M,
                               (long long)N);
        }
    }
    int64_t od[2] = {M, N};
    return oct_out_shape(out[0], OCT_DT_F32, 2, od);
}

static oct_status gemm_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                               const oct_exec *ex)
{
    int ta = oct_attr_int(n, "transA", 0) != 0, tb = oct_attr_int(n, "transB", 0) != 0;
    float alpha = oct_attr_float(n, "alpha", 1.f), beta = oct_attr_float(n, "beta", 1.f);
    int64_t M, N, K, Kb;
    gemm_dims(n, in, &M, &N, &K, &Kb);
    float *Y = out[0]->data;
    const oct_tensor *C = n->n_in > 2 ? in[2] : NULL;

    oct_sgemm_args a;
    oct_sgemm_args_init(&a);
    a.M = M;
    a.N = N;
    a.K = K;
    a.alpha = alpha;
    a.A = in[0]->data;
    a.lda = in[0]->dims[1];
    a.transA = ta;
    const gemm_state *st = n->state;
    int64_t pr, pc;
    float *wide = NULL; /* f16 B widened for this call */
    if (st && st->pb && st->transB == tb && (oct_sgemm_packed_dims(st->pb, &pr, &pc), pr == K && pc == N)) {
        a.pb = st->pb;
    } else {
        if (in[1]->dtype == OCT_DT_F16 &&
            !(wide = oct_f16cvt_widen_alloc(in[1]->data, oct_tensor_numel(in[1]), "Gemm")))
            return OCT_E_NOMEM;
        a.B = wide ? wide : in[1]->data;
        a.ldb = in[1]->dims[1];
        a.transB = tb;
    }
    a.C = Y;
    a.ldc = N;
    a.act = n->act;

    float *bias = NULL;
    if (C && beta != 0.f && M > 0 && N > 0) {
        const float *c = C->data;
        int64_t cr = C->rank == 2 ? C->dims[0] : 1, cc = C->rank >= 1 ? C->dims[C->rank - 1] : 1;
        if (cr == M && cc == N && M * N > 1) {
            memcpy(Y, c, (size_t)(M * N) * sizeof(float));
            a.beta = beta;
        } else if (cr == M && cc == 1 && M > 1) {
            bias = malloc((size_t)M * sizeof(float));
            if (!bias) {
                free(wide);
                return oct_err(OCT_E_NOMEM, "Gemm: out of memory");
            }
            for (int64_t i = 0; i < M; i++) bias[i] = beta * c[i];
            a.bias_kind = OCT_SGEMM_BIAS_ROW;
        } else { /* [N], [1,N] or a single value */
            bias = malloc((size_t)N * sizeof(float));
            if (!bias) {
                free(wide);
                return oct_err(OCT_E_NOMEM, "Gemm: out of memory");
            }
            for (int64_t j = 0; j < N; j++) bias[j] = beta * c[cc == 1 ? 0 : j];
            a.bias_kind = OCT_SGEMM_BIAS_COL;
        }
        a.bias = bias;
    }
    oct_status s = oct_sgemm_run(&a, ex ? ex->pool : NULL);
    free(bias);
    free(wide);
    return s;
}

static oct_status gemm_prepare(oct_node *n, const oct_graph *g)
{
    if (n->n_in < 2 || n->in[1] < 0) return OCT_OK;
    const oct_tensor *B = g->val[n->in[1]].constant;
    if (!B || (B->dtype != OCT_DT_F32 && B->dtype != OCT_DT_F16) || B->rank != 2 || !B->data) return OCT_OK;
    int tb = oct_attr_int(n, "transB", 0) != 0;
    int64_t K = tb ? B->dims[1] : B->dims[0], N = tb ? B->dims[0] : B->dims[1];
    if (K == 0 || N == 0) return OCT_OK;
    gemm_state *st = calloc(1, sizeof *st);
    if (!st) return oct_err(OCT_E_NOMEM, "Gemm: out of memory");
    st->transB = tb;
    st->pb = B->dtype == OCT_DT_F16 ? oct_sgemm_pack_b_f16(tb, K, N, B->data, B->dims[1])
                                    : oct_sgemm_pack_b(tb, K, N, B->data, B->dims[1]);
    if (!st->pb) {
        free(st);
        return OCT_E_NOMEM;
    }
    n->state = st;
    return OCT_OK;
}

static void gemm_release(oct_node *n)
{
    gemm_state *st = n->state;
    if (!st) return;
    oct_sgemm_packed_free(st->pb);
    free(st);
    n->state = NULL;
}

static size_t gemm_state_bytes(const oct_node *n)
{
    const gemm_state *st = n->state;
    return st ? oct_sgemm_packed_bytes(st->pb) : 0;
}

const oct_op_impl oct_op_Gemm = {
    .infer = gemm_infer,
    .compute = gemm_compute,
    .prepare = gemm_prepare,
    .release = gemm_release,
    .state_bytes = gemm_state_bytes,
    .fusable_act = 1,
};
