/* LRN (opsets 1..22; newest schema 13): local response normalisation across
 * channels:  y = x / (bias + alpha / size * sum_{c' in window} x[c']^2)^beta,
 * window = [c - floor((size-1)/2), c + ceil((size-1)/2)]. X: f32/f16, rank >= 3. */
#include <stdlib.h>

#include "ops/op.h"
#include "ops/norm_common.h"
#include "ops/pn_kernels.h"

static oct_status lrn_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    const oct_tensor *x = in[0];
    if (x->dtype != OCT_DT_F32 && x->dtype != OCT_DT_F16) return oct_op_bad_dtype(n, x->dtype);
    if (x->rank < 3)
        return oct_err(OCT_E_SHAPE, "LRN '%s': input must have rank >= 3 (N, C, spatial...), got %d", n->name,
                       x->rank);
    const oct_attr *sz = oct_node_attr(n, "size");
    if (!sz) return oct_err(OCT_E_INVALID, "LRN '%s': attribute size is required", n->name);
    int64_t size = oct_attr_int(n, "size", 0);
    if (size < 1 || size > (1 << 20))
        return oct_err(OCT_E_INVALID, "LRN '%s': size must be >= 1, got %lld", n->name, (long long)size);
    return oct_out_shape(out[0], x->dtype, x->rank, x->dims);
}

typedef struct {
    const float *x;
    float *y;
    int64_t C, S, lo, hi; /* window: c - lo .. c + hi */
    float bias, alpha_n, beta;
    float *scratch;
} lrn_ctx;

static void lrn_range(void *ctx, int64_t b, int64_t e, int tid)
{
    lrn_ctx *c = ctx;
    const oct_pn_kernels *K = oct_pn_kernels_get();
    const int64_t S = c->S, C = c->C;
    float *sq = c->scratch + (int64_t)tid * S;
    for (int64_t p = b; p < e; p++) {
        int64_t nb = p / C, ch = p % C;
        int64_t c0 = ch - c->lo < 0 ? 0 : ch - c->lo, c1 = ch + c->hi >= C ? C - 1 : ch + c->hi;
        for (int64_t i = 0; i < S; i++) sq[i] = 0.f;
        for (int64_t k = c0; k <= c1; k++) K->sqacc(c->x + (nb * C + k) * S, sq, S);
        K->lrn(c->x + p * S, sq, c->y + p * S, S, c->bias, c->alpha_n, c->beta);
    }
}

static oct_status lrn_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    const oct_tensor *x = in[0];
    int64_t N = x->dims[0], C = x->dims[1], S = oct_shape_numel(x->rank - 2, x->dims + 2);
    int64_t size = oct_attr_int(n, "size", 1), total = N * C * S;
    if (total <= 0) return OCT_OK;
    oct_pool *pool = ex ? ex->pool : NULL;
    int f32 = x->dtype == OCT_DT_F32;
    float *scratch = malloc((size_t)(S * oct_pool_size(pool) + (f32 ? 0 : 2 * total)) * sizeof(float));
    if (!scratch) return oct_err(OCT_E_NOMEM, "LRN '%s': out of memory", n->name);
    float *xb = scratch + S * oct_pool_size(pool), *yb = xb + total;
    if (!f32) oct_norm_load(x->dtype, x->data, 0, xb, total);
    lrn_ctx c = {f32 ? x->data : xb, f32 ? out[0]->data : yb, C, S, (size - 1) / 2, size / 2,
                 oct_attr_float(n, "bias", 1.f), oct_attr_float(n, "alpha", 1e-4f) / (float)size,
                 oct_attr_float(n, "beta", 0.75f), scratch};
    int64_t grain = (1 << 14) / (S * (size + 1));
    oct_pool_for(pool, N * C, grain < 1 ? 1 : grain, lrn_range, &c);
    if (!f32) oct_norm_store(x->dtype, yb, out[0]->data, 0, total);
    free(scratch);
    return OCT_OK;
}

const oct_op_impl oct_op_LRN = {
    .infer = lrn_infer,
    .compute = lrn_compute,
};
