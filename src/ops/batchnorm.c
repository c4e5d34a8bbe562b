/* BatchNormalization, inference mode (opsets 6..22; the newest schema is 15):
 *   y = (x - mean) / sqrt(var + epsilon) * scale + B   per channel (axis 1).
 * momentum is ignored. training_mode = 1 (opset 14+), is_test = 0 with
 * training outputs (opset 6) or any extra output requested -> unsupported.
 * spatial = 0 (opsets 6/7): params of shape [C, D1, ...] are applied per
 * element. X: f32/f16; params f32/f16. When scale/B/mean/var are constants,
 * prepare() precomputes the per-channel multiplier and offset. */
#include <math.h>
#include <stdlib.h>

#include "ops/op.h"
#include "ops/pn_kernels.h"

typedef struct {
    int64_t n;      /* number of (multiplier, offset) pairs */
    float *ab;      /* a[0..n), b[0..n) */
} bn_state;

static float param_at(const oct_tensor *t, int64_t i)
{
    if (t->dtype == OCT_DT_F16) return oct_f16_to_f32(((const uint16_t *)t->data)[i]);
    if (t->dtype == OCT_DT_F64) return (float)((const double *)t->data)[i];
    return ((const float *)t->data)[i];
}

static void bn_coeffs(const oct_tensor *const *p, float eps, int64_t n, float *a, float *b)
{
    for (int64_t i = 0; i < n; i++) {
        float m = 1.f / sqrtf(param_at(p[3], i) + eps);
        a[i] = param_at(p[0], i) * m;
        b[i] = param_at(p[1], i) - param_at(p[2], i) * a[i];
    }
}

static oct_status bn_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 5, 5, 5));
    const oct_tensor *x = in[0];
    if (x->dtype != OCT_DT_F32 && x->dtype != OCT_DT_F16) return oct_op_bad_dtype(n, x->dtype);
    if (n->opset >= 14 && oct_attr_int(n, "training_mode", 0) != 0)
        return oct_err(OCT_E_UNSUPPORTED, "BatchNormalization '%s': training_mode=1 is not supported", n->name);
    for (int i = 1; i < n->n_out; i++)
        if (out[i])
            return oct_err(OCT_E_UNSUPPORTED, "BatchNormalization '%s': training outputs (mean/var) are not "
                           "supported", n->name);
    if (x->rank < 2)
        return oct_err(OCT_E_SHAPE, "BatchNormalization '%s': input must have rank >= 2, got %d", n->name, x->rank);
    int64_t C = x->dims[1], S = 1;
    for (int i = 2; i < x->rank; i++) S *= x->dims[i];
    int per_elem = n->opset < 9 && oct_attr_int(n, "spatial", 1) == 0;
    int64_t want = per_elem ? C * S : C;
    static const char *names[] = {"X", "scale", "B", "mean", "var"};
    for (int i = 1; i < 5; i++) {
        oct_dtype dt = in[i]->dtype;
        if (dt != OCT_DT_F32 && dt != OCT_DT_F16 && dt != OCT_DT_F64) return oct_op_bad_dtype(n, dt);
        if (oct_tensor_numel(in[i]) != want)
            return oct_err(OCT_E_SHAPE, "BatchNormalization '%s': %s has %lld elements, expected %lld",
                           n->name, names[i], (long long)oct_tensor_numel(in[i]), (long long)want);
    }
    return oct_out_shape(out[0], x->dtype, x->rank, x->dims);
}

static oct_status bn_prepare(oct_node *n, const oct_graph *g)
{
    const oct_tensor *p[4];
    for (int i = 0; i < 4; i++) {
        int v = i + 1 < n->n_in ? n->in[i + 1] : -1;
        if (v < 0 || !g->val[v].constant || !g->val[v].constant->data) return OCT_OK;
        p[i] = g->val[v].constant;
        oct_dtype dt = p[i]->dtype;
        if (dt != OCT_DT_F32 && dt != OCT_DT_F16 && dt != OCT_DT_F64) return OCT_OK; /* infer reports it */
    }
    int64_t cnt = oct_tensor_numel(p[0]);
    for (int i = 1; i < 4; i++)
        if (oct_tensor_numel(p[i]) != cnt) return OCT_OK; /* infer reports it */
    bn_state *s = malloc(sizeof *s);
    float *ab = malloc((size_t)(2 * cnt + 1) * sizeof *ab);
    if (!s || !ab) {
        free(s);
        free(ab);
        return oct_err(OCT_E_NOMEM, "BatchNormalization '%s': out of memory", n->name);
    }
    bn_coeffs(p, oct_attr_float(n, "epsilon", 1e-5f), cnt, ab, ab + cnt);
    s->n = cnt;
    s->ab = ab;
    n->state = s;
    return OCT_OK;
}

static void bn_release(oct_node *n)
{
    bn_state *s = n->state;
    if (s) free(s->ab);
    free(s);
    n->state = NULL;
}

typedef struct {
    const oct_tensor *x;
    oct_tensor *y;
    const float *a, *b;
    int64_t C, S;
    int per_elem;
} bn_ctx;

static void bn_plane(const float *x, float *y, int64_t S, const float *a, const float *b, int per_elem)
{
    const oct_pn_kernels *K = oct_pn_kernels_get();
    if (per_elem) K->axpb_vec(x, y, S, a, b);
    else K->axpb(x, y, S, a[0], b[0]);
}

static void bn_range(void *ctx, int64_t beg, int64_t end, int tid)
{
    (void)tid;
    bn_ctx *c = ctx;
    float buf[256];
    for (int64_t p = beg; p < end; p++) {
        int64_t ch = p % c->C, off = p * c->S;
        const float *a = c->a + (c->per_elem ? ch * c->S : ch), *b = c->b + (c->per_elem ? ch * c->S : ch);
        if (c->x->dtype == OCT_DT_F32) {
            bn_plane((const float *)c->x->data + off, (float *)c->y->data + off, c->S, a, b, c->per_elem);
            continue;
        }
        for (int64_t i = 0; i < c->S; i += 256) {
            int64_t m = c->S - i < 256 ? c->S - i : 256;
            oct_f16_to_f32_n((const uint16_t *)c->x->data + off + i, buf, (size_t)m);
            bn_plane(buf, buf, m, a + (c->per_elem ? i : 0), b + (c->per_elem ? i : 0), c->per_elem);
            oct_f32_to_f16_n(buf, (uint16_t *)c->y->data + off + i, (size_t)m);
        }
    }
}

static oct_status bn_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex)
{
    const oct_tensor *x = in[0];
    int64_t N = x->dims[0], C = x->dims[1], S = 1;
    for (int i = 2; i < x->rank; i++) S *= x->dims[i];
    int64_t cnt = oct_tensor_numel(in[1]);
    const bn_state *st = n->state;
    float *tmp = NULL;
    const float *ab;
    if (st && st->n == cnt) {
        ab = st->ab;
    } else {
        tmp = malloc((size_t)(2 * cnt + 1) * sizeof *tmp);
        if (!tmp) return oct_err(OCT_E_NOMEM, "BatchNormalization '%s': out of memory", n->name);
        bn_coeffs(in + 1, oct_attr_float(n, "epsilon", 1e-5f), cnt, tmp, tmp + cnt);
        ab = tmp;
    }
    /* infer guarantees cnt is C (per channel) or C*S (spatial = 0) */
    bn_ctx c = {x, out[0], ab, ab + cnt, C, S, cnt != C};
    int64_t grain = (1 << 15) / (S > 0 ? S : 1);
    oct_pool_for(ex ? ex->pool : NULL, N * C, grain < 1 ? 1 : grain, bn_range, &c);
    free(tmp);
    return OCT_OK;
}

const oct_op_impl oct_op_BatchNormalization = {
    .infer = bn_infer,
    .compute = bn_compute,
    .prepare = bn_prepare,
    .release = bn_release,
};
