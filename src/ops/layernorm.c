/* LayerNormalization (opset 17..22): normalise over the axes [axis, rank)
 *   y = (x - mean) / sqrt(var + epsilon) * Scale + B
 * Scale/B broadcast to X.shape[axis:]; B optional. Optional outputs Mean and
 * InvStdDev (f32, shape X.shape[:axis] + [1]*). stash_type must be 1 (f32).
 * X: f32/f16. Threaded over rows; the row loops are contiguous. */
#include <math.h>
#include <stdlib.h>

#include "ops/op.h"
#include "ops/norm_common.h"
#include "ops/pn_kernels.h"

static oct_status ln_axis(const oct_node *n, const oct_tensor *x, int *axis)
{
    if (x->rank < 1) return oct_err(OCT_E_SHAPE, "LayerNormalization '%s': input must have rank >= 1", n->name);
    oct_status s = oct_axis_norm(oct_attr_int(n, "axis", -1), x->rank, axis);
    if (s != OCT_OK) return oct_err_ctx(s, "LayerNormalization '%s': ", n->name);
    return OCT_OK;
}

static oct_status ln_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 3, 2));
    const oct_tensor *x = in[0];
    if (x->dtype != OCT_DT_F32 && x->dtype != OCT_DT_F16) return oct_op_bad_dtype(n, x->dtype);
    int64_t stash = oct_attr_int(n, "stash_type", 1);
    if (stash != 1)
        return oct_err(OCT_E_UNSUPPORTED, "LayerNormalization '%s': stash_type %lld is not supported (only 1)",
                       n->name, (long long)stash);
    int axis;
    OCT_TRY(ln_axis(n, x, &axis));
    OCT_TRY(oct_norm_param_check(n, "Scale", in[1], x->rank - axis, x->dims + axis));
    if (n->n_in > 2 && in[2]) OCT_TRY(oct_norm_param_check(n, "B", in[2], x->rank - axis, x->dims + axis));
    OCT_TRY(oct_out_shape(out[0], x->dtype, x->rank, x->dims));
    int64_t rd[OCT_MAX_RANK];
    for (int i = 0; i < x->rank; i++) rd[i] = i < axis ? x->dims[i] : 1;
    for (int i = 1; i < n->n_out && i < 3; i++)
        if (out[i]) OCT_TRY(oct_out_shape(out[i], OCT_DT_F32, x->rank, rd));
    return OCT_OK;
}

typedef struct {
    const oct_tensor *x;
    oct_tensor *y;
    float *mean, *inv;
    const float *scale, *bias;
    float eps;
    int64_t D;
    float *scratch;
} ln_ctx;

static void ln_range(void *ctx, int64_t b, int64_t e, int tid)
{
    ln_ctx *c = ctx;
    const oct_pn_kernels *K = oct_pn_kernels_get();
    const int64_t D = c->D;
    int f32 = c->x->dtype == OCT_DT_F32;
    float *buf = c->scratch ? c->scratch + (int64_t)tid * D : NULL;
    for (int64_t r = b; r < e; r++) {
        const float *xr;
        float *yr;
        if (f32) {
            xr = (const float *)c->x->data + r * D;
            yr = (float *)c->y->data + r * D;
        } else {
            oct_norm_load(c->x->dtype, c->x->data, r * D, buf, D);
            xr = yr = buf;
        }
        float m, v;
        K->moments(xr, D, &m, &v);
        float inv = 1.f / sqrtf(v + c->eps);
        K->norm_affine(xr, yr, D, m, inv, c->scale, c->bias);
        if (!f32) oct_norm_store(c->x->dtype, buf, c->y->data, r * D, D);
        if (c->mean) c->mean[r] = m;
        if (c->inv) c->inv[r] = inv;
    }
}

static oct_status ln_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex)
{
    const oct_tensor *x = in[0];
    int axis;
    OCT_TRY(ln_axis(n, x, &axis));
    int64_t rows = oct_shape_numel(axis, x->dims), D = oct_shape_numel(x->rank - axis, x->dims + axis);
    ln_ctx c = {x, out[0], NULL, NULL, NULL, NULL, oct_attr_float(n, "epsilon", 1e-5f), D, NULL};
    if (n->n_out > 1 && out[1]) c.mean = out[1]->data;
    if (n->n_out > 2 && out[2]) c.inv = out[2]->data;
    if (rows <= 0) return OCT_OK;
    float *own_s = NULL, *own_b = NULL;
    oct_status st = oct_norm_param_f32(n, "Scale", in[1], x->rank - axis, x->dims + axis, &c.scale, &own_s);
    if (st == OCT_OK && n->n_in > 2 && in[2])
        st = oct_norm_param_f32(n, "B", in[2], x->rank - axis, x->dims + axis, &c.bias, &own_b);
    oct_pool *pool = ex ? ex->pool : NULL;
    if (st == OCT_OK && x->dtype != OCT_DT_F32) {
        c.scratch = malloc((size_t)(D * oct_pool_size(pool) + 1) * sizeof(float));
        if (!c.scratch) st = oct_err(OCT_E_NOMEM, "LayerNormalization '%s': out of memory", n->name);
    }
    if (st == OCT_OK) {
        int64_t grain = (1 << 14) / (D > 0 ? D : 1);
        oct_pool_for(pool, rows, grain < 1 ? 1 : grain, ln_range, &c);
    }
    free(c.scratch);
    free(own_s);
    free(own_b);
    return st;
}

const oct_op_impl oct_op_LayerNormalization = {
    .infer = ln_infer,
    .compute = ln_compute,
};
