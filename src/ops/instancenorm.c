/* InstanceNormalization (opsets 6..22): per (n, c) plane
 *   y = (x - mean) / sqrt(var + epsilon) * scale[c] + B[c]
 * X: f32/f16 of rank >= 3; scale, B: [C]. Threaded over planes. */
#include <math.h>
#include <stdlib.h>

#include "ops/op.h"
#include "ops/norm_common.h"
#include "ops/pn_kernels.h"

static oct_status in_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 3, 3, 3));
    const oct_tensor *x = in[0];
    if (x->dtype != OCT_DT_F32 && x->dtype != OCT_DT_F16) return oct_op_bad_dtype(n, x->dtype);
    if (x->rank < 3)
        return oct_err(OCT_E_SHAPE, "InstanceNormalization '%s': input must have rank >= 3, got %d", n->name,
                       x->rank);
    for (int i = 1; i < 3; i++) {
        if (in[i]->dtype != OCT_DT_F32 && in[i]->dtype != OCT_DT_F16 && in[i]->dtype != OCT_DT_F64)
            return oct_op_bad_dtype(n, in[i]->dtype);
        if (in[i]->rank != 1 || in[i]->dims[0] != x->dims[1])
            return oct_err(OCT_E_SHAPE, "InstanceNormalization '%s': %s must have shape [%lld]", n->name,
                           i == 1 ? "scale" : "B", (long long)x->dims[1]);
    }
    return oct_out_shape(out[0], x->dtype, x->rank, x->dims);
}

typedef struct {
    const oct_tensor *x;
    oct_tensor *y;
    const float *scale, *bias;
    float eps;
    int64_t C, S;
    float *scratch;
} in_ctx;

static void in_range(void *ctx, int64_t b, int64_t e, int tid)
{
    in_ctx *c = ctx;
    const oct_pn_kernels *K = oct_pn_kernels_get();
    const int64_t S = c->S;
    int f32 = c->x->dtype == OCT_DT_F32;
    float *buf = c->scratch ? c->scratch + (int64_t)tid * S : NULL;
    for (int64_t p = b; p < e; p++) {
        const float *xp;
        float *yp;
        if (f32) {
            xp = (const float *)c->x->data + p * S;
            yp = (float *)c->y->data + p * S;
        } else {
            oct_norm_load(c->x->dtype, c->x->data, p * S, buf, S);
            xp = yp = buf;
        }
        float m, v;
        K->moments(xp, S, &m, &v);
        int64_t ch = p % c->C;
        float a = c->scale[ch] / sqrtf(v + c->eps), bb = c->bias[ch] - m * a;
        K->axpb(xp, yp, S, a, bb);
        if (!f32) oct_norm_store(c->x->dtype, buf, c->y->data, p * S, S);
    }
}

static oct_status in_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex)
{
    const oct_tensor *x = in[0];
    int64_t N = x->dims[0], C = x->dims[1], S = oct_shape_numel(x->rank - 2, x->dims + 2);
    if (N * C <= 0) return OCT_OK;
    in_ctx c = {x, out[0], NULL, NULL, oct_attr_float(n, "epsilon", 1e-5f), C, S, NULL};
    float *own_s = NULL, *own_b = NULL;
    oct_status st = oct_norm_param_f32(n, "scale", in[1], 1, &C, &c.scale, &own_s);
    if (st == OCT_OK) st = oct_norm_param_f32(n, "B", in[2], 1, &C, &c.bias, &own_b);
    oct_pool *pool = ex ? ex->pool : NULL;
    if (st == OCT_OK && x->dtype != OCT_DT_F32) {
        c.scratch = malloc((size_t)(S * oct_pool_size(pool) + 1) * sizeof(float));
        if (!c.scratch) st = oct_err(OCT_E_NOMEM, "InstanceNormalization '%s': out of memory", n->name);
    }
    if (st == OCT_OK) {
        int64_t grain = (1 << 14) / (S > 0 ? S : 1);
        oct_pool_for(pool, N * C, grain < 1 ? 1 : grain, in_range, &c);
    }
    free(c.scratch);
    free(own_s);
    free(own_b);
    return st;
}

const oct_op_impl oct_op_InstanceNormalization = {
    .infer = in_infer,
    .compute = in_compute,
};
