/* MatMul with numpy semantics, f32: 1-D operands are promoted (and the
 * added dimension removed from the result), batch dimensions broadcast.
 * When B has no (or only size-1) batch dimensions, the batch of A is folded
 * into M: [B,T,D] x [D,E] is a single (B*T) x D x E GEMM. A constant such B
 * is packed at prepare. Other batched products loop over the batch, in
 * parallel across batches when each product is small.
 * B may be f16 (FP16 mode, graph/pass_fp16.c) when A is f32: a packed B stays
 * fp16 (widened per micro-panel by the sgemm), an unpacked one is widened per
 * call. */
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/f16cvt.h"
#include "backend/cpu/par.h"
#include "backend/cpu/sgemm.h"
#include "ops/matmul_geom.h"
#include "ops/op.h"

static oct_status mm_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 2, 2));
    for (int i = 0; i < 2; i++)
        if (in[i]->dtype != OCT_DT_F32 && !(i == 1 && in[i]->dtype == OCT_DT_F16))
            return oct_op_bad_dtype(n, in[i]->dtype);
    oct_mm_geom g;
    OCT_TRY(oct_mm_geometry("MatMul", in[0], in[1], &g));
    return oct_out_shape(out[0], OCT_DT_F32, g.out_rank, g.out);
}

typedef struct mm_batch_ctx {
    const oct_mm_geom *g;
    const float *A, *B;
    float *C;
    const oct_act *act;
    oct_status st;
} mm_batch_ctx;

static oct_status mm_one(const mm_batch_ctx *c, int64_t idx, oct_pool *pool)
{
    const oct_mm_geom *g = c->g;
    int64_t oa, ob;
    oct_mm_batch_offsets(g, idx, &oa, &ob);
    oct_sgemm_args a;
    oct_sgemm_args_init(&a);
    a.M = g->M;
    a.N = g->N;
    a.K = g->K;
    a.A = c->A + oa;
    a.lda = g->K;
    a.B = c->B + ob;
    a.ldb = g->N;
    a.C = c->C + idx * g->M * g->N;
    a.ldc = g->N;
    a.act = *c->act;
    return oct_sgemm_run(&a, pool);
}

static void mm_batch_unit(void *ctx, int64_t i)
{
    mm_batch_ctx *c = ctx;
    oct_status s = mm_one(c, i, NULL);
    if (s != OCT_OK) c->st = s;
}

static oct_status mm_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex)
{
    oct_mm_geom g;
    OCT_TRY(oct_mm_geometry("MatMul", in[0], in[1], &g));
    oct_pool *pool = ex ? ex->pool : NULL;
    if (g.batch == 0 || g.M == 0 || g.N == 0) return OCT_OK;
    if (g.b_flat) {
        /* B's batch dims are all 1, so the output batch is A's and A's
         * matrices are contiguous: one (batch*M) x K times K x N GEMM */
        oct_sgemm_args a;
        oct_sgemm_args_init(&a);
        a.M = g.M * g.batch;
        a.N = g.N;
        a.K = g.K;
        a.A = in[0]->data;
        a.lda = g.K;
        const oct_sgemm_packed *pb = n->state;
        int64_t pr, pc;
        float *wide = NULL;
        if (pb && (oct_sgemm_packed_dims(pb, &pr, &pc), pr == g.K && pc == g.N)) {
            a.pb = pb;
        } else {
            if (in[1]->dtype == OCT_DT_F16 &&
                !(wide = oct_f16cvt_widen_alloc(in[1]->data, oct_tensor_numel(in[1]), "MatMul")))
                return OCT_E_NOMEM;
            a.B = wide ? wide : in[1]->data;
            a.ldb = g.N;
        }
        a.C = out[0]->data;
        a.ldc = g.N;
        a.act = n->act;
        oct_status s = oct_sgemm_run(&a, pool);
        free(wide);
        return s;
    }
    float *wide = NULL;
    if (in[1]->dtype == OCT_DT_F16 &&
        !(wide = oct_f16cvt_widen_alloc(in[1]->data, oct_tensor_numel(in[1]), "MatMul")))
        return OCT_E_NOMEM;
    mm_batch_ctx c = {&g, in[0]->data, wide ? wide : in[1]->data, out[0]->data, &n->act, OCT_OK};
    double macs = (double)g.M * (double)g.N * (double)g.K;
    if (g.batch >= 2 * oct_pool_size(pool) && macs < 64.0 * 64 * 64 * 8) {
        oct_par_units(pool, g.batch, mm_batch_unit, &c);
    } else {
        for (int64_t i = 0; i < g.batch && c.st == OCT_OK; i++) c.st = mm_one(&c, i, pool);
    }
    free(wide);
    return c.st;
}

static oct_status mm_prepare(oct_node *n, const oct_graph *g)
{
    if (n->n_in < 2 || n->in[1] < 0) return OCT_OK;
    const oct_tensor *B = g->val[n->in[1]].constant;
    if (!B || (B->dtype != OCT_DT_F32 && B->dtype != OCT_DT_F16) || B->rank < 2 || !B->data) return OCT_OK;
    for (int i = 0; i < B->rank - 2; i++)
        if (B->dims[i] != 1) return OCT_OK;
    int64_t K = B->dims[B->rank - 2], N = B->dims[B->rank - 1];
    if (K == 0 || N < 8) return OCT_OK; /* tiny N: the unpacked path (N == 1 becomes a row) */
    oct_sgemm_packed *pb = B->dtype == OCT_DT_F16 ? oct_sgemm_pack_b_f16(0, K, N, B->data, N)
                                                  : oct_sgemm_pack_b(0, K, N, B->data, N);
    if (!pb) return OCT_E_NOMEM;
    n->state = pb;
    return OCT_OK;
}

static void mm_release(oct_node *n)
{
    oct_sgemm_packed_free(n->state);
    n->state = NULL;
}

static size_t mm_state_bytes(const oct_node *n) { return oct_sgemm_packed_bytes(n->state); }

const oct_op_impl oct_op_MatMul = {
    .infer = mm_infer,
    .compute = mm_compute,
    .prepare = mm_prepare,
    .release = mm_release,
    .state_bytes = mm_state_bytes,
    .fusable_act = 1,
};
