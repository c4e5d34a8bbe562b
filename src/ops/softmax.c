/* Softmax and LogSoftmax, numerically stable (x - max). f32 is the fast
 * path: rows (reduction over the innermost dim) use vectorised max / exp-sum
 * kernels; other axes work on blocks of up to 256 columns at once. f16 runs
 * through an f32 copy, f64 on its own in double. y may be x (in place). */
#include <math.h>
#include <stdlib.h>

#include "ops/ew_opt.h"
#include "ops/broadcast.h"
#include "ops/ew_kernels.h"
#include "ops/ew_util.h"
#include "ops/softmax.h"

oct_status oct_softmax_geom(const oct_node *n, const oct_tensor *x, int64_t *outer, int64_t *L,
                            int64_t *inner)
{
    int64_t axis = oct_attr_int(n, "axis", n->opset >= 13 ? -1 : 1);
    int a;
    if (oct_axis_norm(axis, x->rank, &a) != OCT_OK)
        return oct_err(OCT_E_INVALID, "%s: axis %lld is out of range for rank %d", n->op_type, (long long)axis,
                       x->rank);
    *outer = oct_shape_numel(a, x->dims);
    if (n->opset >= 13) {
        *L = x->dims[a];
        *inner = oct_shape_numel(x->rank - a - 1, x->dims + a + 1);
    } else {
        *L = oct_shape_numel(x->rank - a, x->dims + a);
        *inner = 1;
    }
    return OCT_OK;
}

static oct_status softmax_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    if (!oct_dt_in(in[0]->dtype, OCT_DTS_FLOAT)) return oct_op_bad_dtype(n, in[0]->dtype);
    int64_t o, l, i;
    OCT_TRY(oct_softmax_geom(n, in[0], &o, &l, &i));
    return oct_out_shape(out[0], in[0]->dtype, in[0]->rank, in[0]->dims);
}

#define SM_BLK 256

typedef struct sm_ctx {
    const float *x;
    float *y;
    int64_t L, inner, nblk;
    int is_log;
    const oct_ew_kernels *k;
} sm_ctx;

static void sm_rows(void *vc, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const sm_ctx *c = vc;
    int64_t L = c->L;
    for (int64_t r = b; r < e; r++) {
        const float *x = c->x + r * L;
        float *y = c->y + r * L;
        float m = c->k->max(x, L);
        if (c->is_log) { /* (x - m) - log(s): x - m is exact where it matters */
            float ls = logf(c->k->sum_exp(x, L, m));
            for (int64_t i = 0; i < L; i++) y[i] = (x[i] - m) - ls;
        } else {
            float s = c->k->exp_sum(x, y, L, m);
            c->k->axpb(y, y, L, 1.0f / s, 0.0f);
        }
    }
}

static void sm_rows_short(void *vc, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const sm_ctx *c = vc;
    for (int64_t r = b; r < e; r++) c->k->softmax_short(c->x + r * c->L, c->y + r * c->L, c->L);
}

static void sm_cols(void *vc, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const sm_ctx *c = vc;
    int64_t L = c->L, inner = c->inner;
    float mx[SM_BLK], acc[SM_BLK], tmp[SM_BLK];
    for (int64_t t = b; t < e; t++) {
        int64_t o = t / c->nblk, j0 = (t % c->nblk) * SM_BLK;
        int64_t w = inner - j0 < SM_BLK ? inner - j0 : SM_BLK;
        const float *x = c->x + o * L * inner + j0;
        float *y = c->y + o * L * inner + j0;
        for (int64_t j = 0; j < w; j++) {
            mx[j] = x[j];
            acc[j] = 0.f;
        }
        for (int64_t l = 1; l < L; l++)
            for (int64_t j = 0; j < w; j++) mx[j] = x[l * inner + j] > mx[j] ? x[l * inner + j] : mx[j];
        /* LogSoftmax keeps x intact (y may be x): exps go to tmp */
        for (int64_t l = 0; l < L; l++)
            c->k->exp_sub_acc(x + l * inner, mx, c->is_log ? tmp : y + l * inner, acc, w);
        if (c->is_log) {
            for (int64_t j = 0; j < w; j++) acc[j] = logf(acc[j]);
            for (int64_t l = 0; l < L; l++)
                for (int64_t j = 0; j < w; j++) y[l * inner + j] = (x[l * inner + j] - mx[j]) - acc[j];
        } else {
            for (int64_t j = 0; j < w; j++) acc[j] = 1.0f / acc[j];
            for (int64_t l = 0; l < L; l++)
                for (int64_t j = 0; j < w; j++) y[l * inner + j] *= acc[j];
        }
    }
}

static void softmax_f32(const float *x, float *y, int64_t outer, int64_t L, int64_t inner, int is_log,
                        oct_pool *pool)
{
    if (L <= 0 || outer <= 0 || inner <= 0) return;
    sm_ctx c = {x, y, L, inner, (inner + SM_BLK - 1) / SM_BLK, is_log, oct_ew_kernels_get()};
    if (inner == 1) {
        int64_t grain = OCT_EW_GRAIN / L;
        int shortrow = !is_log && L <= 64 && c.k->softmax_short; /* one row in registers */
        oct_pool_for(pool, outer, grain < 1 ? 1 : grain, shortrow ? sm_rows_short : sm_rows, &c);
    } else {
        int64_t per = L * (inner < SM_BLK ? inner : SM_BLK);
        int64_t grain = OCT_EW_GRAIN / per;
        oct_pool_for(pool, outer * c.nblk, grain < 1 ? 1 : grain, sm_cols, &c);
    }
}

static void softmax_f64(const double *x, double *y, int64_t outer, int64_t L, int64_t inner, int is_log)
{
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < inner; j++) {
            const double *xp = x + o * L * inner + j;
            double *yp = y + o * L * inner + j;
            double m = -INFINITY, s = 0;
            for (int64_t l = 0; l < L; l++) m = xp[l * inner] > m ? xp[l * inner] : m;
            for (int64_t l = 0; l < L; l++) s += exp(xp[l * inner] - m);
            for (int64_t l = 0; l < L; l++)
                yp[l * inner] = is_log ? xp[l * inner] - m - log(s) : exp(xp[l * inner] - m) / s;
        }
}

static oct_status softmax_run(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex, int is_log)
{
    const oct_tensor *x = in[0];
    int64_t outer, L, inner;
    OCT_TRY(oct_softmax_geom(n, x, &outer, &L, &inner));
    oct_pool *pool = ex ? ex->pool : NULL;
    if (x->dtype == OCT_DT_F32) {
        softmax_f32(x->data, out[0]->data, outer, L, inner, is_log, pool);
    } else if (x->dtype == OCT_DT_F64) {
        softmax_f64(x->data, out[0]->data, outer, L, inner, is_log);
    } else { /* f16 */
        size_t cnt = (size_t)oct_tensor_numel(x);
        float *t = malloc((cnt ? cnt : 1) * sizeof *t);
        if (!t) return oct_err(OCT_E_NOMEM, "%s: out of memory", n->op_type);
        const oct_ew_kernels *ek = oct_ew_kernels_get();
        ek->f16_to_f32(x->data, t, (int64_t)cnt);
        softmax_f32(t, t, outer, L, inner, is_log, pool);
        ek->f32_to_f16(t, out[0]->data, (int64_t)cnt);
        free(t);
    }
    return OCT_OK;
}

static oct_status softmax_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                  const oct_exec *ex)
{
    return softmax_run(n, in, out, ex, 0);
}

static oct_status logsoftmax_compute(const oct_node *n, const oct_tensor *const *in,
                                     oct_tensor *const *out, const oct_exec *ex)
{
    return softmax_run(n, in, out, ex, 1);
}

const oct_op_impl oct_op_Softmax = {
    .infer = softmax_infer,
    .compute = softmax_compute,
};

const oct_op_impl oct_op_LogSoftmax = {
    .infer = softmax_infer,
    .compute = logsoftmax_compute,
};
