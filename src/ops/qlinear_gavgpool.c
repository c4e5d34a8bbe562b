/* QLinearGlobalAveragePool (com.microsoft, opset 1): the mean of every
 * (n, c) plane of a uint8 / int8 X (rank >= 3; NCHW, or NHWC with
 * channels_last = 1), requantized as onnxruntime does:
 *   acc = sum(x) - x_zp * S          (exact integer sum over the S pixels)
 *   y   = saturate(round_half_to_even((float)acc * (x_scale / (y_scale * (float)S))) + y_zp)
 * Output [N, C, 1, ...] (NHWC: [N, 1, ..., C]). Scales float32 scalars, zero
 * points scalars of X's dtype (0 when omitted). The shared pieces are also
 * used by QLinearAveragePool when its window covers the whole image. */
#include <stdlib.h>
#include <string.h>

#include "ops/qcontrib_kernels.h"
#include "ops/qlinear_pool.h"
#include "ops/quant_util.h"

oct_status oct_qpool_check_params(const oct_node *n, const oct_tensor *const *in)
{
    OCT_TRY(oct_op_check_arity(n, in, 4, 5, 2));
    if (!in[3]) return oct_err(OCT_E_INVALID, "%s '%s': input y_scale is required", n->op_type, n->name);
    const oct_tensor *x = in[0];
    if (x->dtype != OCT_DT_U8 && x->dtype != OCT_DT_I8) return oct_op_bad_dtype(n, x->dtype);
    if (x->rank < 3)
        return oct_err(OCT_E_SHAPE, "%s '%s': X must have rank >= 3 (N, C, spatial...), got rank %d", n->op_type,
                       n->name, x->rank);
    static const char *const names[5] = {NULL, "x_scale", "x_zero_point", "y_scale", "y_zero_point"};
    for (int i = 1; i < 5; i++) {
        const oct_tensor *t = oct_quant_in(n, in, i);
        if (!t) continue;
        int is_zp = i == 2 || i == 4;
        if (is_zp && t->dtype != x->dtype)
            return oct_err(OCT_E_DTYPE, "%s '%s': %s has dtype %s, expected %s (the dtype of X)", n->op_type, n->name,
                           names[i], oct_dtype_name(t->dtype), oct_dtype_name(x->dtype));
        if (!is_zp && t->dtype != OCT_DT_F32)
            return oct_err(OCT_E_UNSUPPORTED, "%s '%s': %s of dtype %s is not supported (float32)", n->op_type,
                           n->name, names[i], oct_dtype_name(t->dtype));
        int64_t c;
        OCT_TRY(oct_quant_param_count(n, names[i], t, 0, &c));
    }
    int64_t cl = oct_attr_int(n, "channels_last", 0);
    if (cl != 0 && cl != 1)
        return oct_err(OCT_E_INVALID, "%s '%s': channels_last must be 0 or 1, got %lld", n->op_type, n->name,
                       (long long)cl);
    return OCT_OK;
}

void oct_qpool_read_params(const oct_node *n, const oct_tensor *const *in, oct_qpool_params *p)
{
    oct_quant_read_scale(in[1], 1, &p->xs);
    oct_quant_read_zp(in[2], 1, &p->zx);
    oct_quant_read_scale(in[3], 1, &p->ys);
    oct_quant_read_zp(oct_quant_in(n, in, 4), 1, &p->zy);
    p->dt = in[0]->dtype;
}

typedef struct gap_ctx {
    const oct_qc_kernels *k;
    const oct_qpool_params *p;
    const uint8_t *x;
    uint8_t *y;
    int64_t C, S;
    float scale, lo, hi;
    int channels_last;
} gap_ctx;

static uint8_t gap_value(const gap_ctx *c, int64_t sum)
{
    int64_t acc = sum - (int64_t)c->p->zx * c->S;
    return (uint8_t)(oct_quant_rne((float)acc * c->scale, c->lo, c->hi) + c->p->zy);
}

/* NCHW: planes [b, e) */
static void gap_planes(void *ctx_, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const gap_ctx *c = ctx_;
    int sg = c->p->dt == OCT_DT_I8;
    for (int64_t i = b; i < e; i++) c->y[i] = gap_value(c, c->k->sum_q8(c->x + i * c->S, c->S, sg));
}

/* NHWC: images [b, e); one int32 sum per channel (S * 255 < 2^31 checked) */
static void gap_images(void *ctx_, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const gap_ctx *c = ctx_;
    int sg = c->p->dt == OCT_DT_I8;
    int32_t *acc = malloc((size_t)(c->C ? c->C : 1) * sizeof *acc);
    for (int64_t img = b; img < e; img++) {
        const uint8_t *x = c->x + img * c->S * c->C;
        if (acc) {
            memset(acc, 0, (size_t)c->C * sizeof *acc);
            for (int64_t s = 0; s < c->S; s++) c->k->acc_q8(x + s * c->C, c->C, sg, acc);
            for (int64_t ch = 0; ch < c->C; ch++) c->y[img * c->C + ch] = gap_value(c, acc[ch]);
        } else { /* no memory for the row of sums: one channel at a time */
            for (int64_t ch = 0; ch < c->C; ch++) {
                int64_t s = 0;
                for (int64_t p = 0; p < c->S; p++) s += oct_quant_at(x, c->p->dt, p * c->C + ch);
                c->y[img * c->C + ch] = gap_value(c, s);
            }
        }
    }
    free(acc);
}

void oct_qpool_global_run(const oct_qpool_params *p, const uint8_t *x, int64_t N, int64_t C, int64_t S,
                          int channels_last, uint8_t *y, oct_pool *pool)
{
    gap_ctx c = {oct_qc_kernels_get(), p, x, y, C, S, 0.f, 0.f, 0.f, channels_last};
    c.scale = p->xs / (p->ys * (float)S);
    c.lo = (float)(oct_quant_lo(p->dt) - p->zy);
    c.hi = (float)(oct_quant_hi(p->dt) - p->zy);
    if (!channels_last || C == 1 || S >= ((int64_t)1 << 23)) {
        if (channels_last && C != 1) { /* sums may not fit int32: strided planes, one channel at a time */
            for (int64_t i = 0; i < N * C; i++) {
                int64_t s = 0, img = i / C, ch = i % C;
                for (int64_t q = 0; q < S; q++) s += oct_quant_at(x, p->dt, (img * S + q) * C + ch);
                y[i] = gap_value(&c, s);
            }
            return;
        }
        int64_t work = S ? S : 1, grain = (1 << 16) / work;
        oct_pool_for(pool, N * C, grain > 0 ? grain : 1, gap_planes, &c);
    } else {
        int64_t work = S * C > 0 ? S * C : 1, grain = (1 << 16) / work;
        oct_pool_for(pool, N, grain > 0 ? grain : 1, gap_images, &c);
    }
}

static oct_status gap_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_qpool_check_params(n, in));
    const oct_tensor *x = in[0];
    int cl = (int)oct_attr_int(n, "channels_last", 0);
    int64_t dims[OCT_MAX_RANK];
    for (int i = 0; i < x->rank; i++) dims[i] = 1;
    dims[0] = x->dims[0];
    if (cl) dims[x->rank - 1] = x->dims[x->rank - 1];
    else dims[1] = x->dims[1];
    return oct_out_shape(out[0], x->dtype, x->rank, dims);
}

static oct_status gap_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    OCT_TRY(oct_qpool_check_params(n, in));
    const oct_tensor *x = in[0];
    int cl = (int)oct_attr_int(n, "channels_last", 0);
    oct_qpool_params p;
    oct_qpool_read_params(n, in, &p);
    int64_t N = x->dims[0], C = cl ? x->dims[x->rank - 1] : x->dims[1], S = 1;
    for (int i = 1; i < x->rank; i++)
        if (i != (cl ? x->rank - 1 : 1)) S *= x->dims[i];
    oct_qpool_global_run(&p, x->data, N, C, S, cl, out[0]->data, ex ? ex->pool : NULL);
    return OCT_OK;
}

const oct_op_impl oct_op_QLinearGlobalAveragePool = {
    .infer = gap_infer,
    .compute = gap_compute,
};
