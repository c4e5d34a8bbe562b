/* octet — quantization helpers: parameters, rounding pass, algorithm knob,
 * weights with their zero point removed (see quant_util.h). */
#include "ops/quant_util.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ops/quant_kernels.h"

void oct_quant_round_f32(const float *src, int64_t n, int32_t zp, oct_dtype dt, void *dst)
{
    oct_quant_round_f32_clamp(src, n, zp, dt, NULL, dst);
}

void oct_quant_round_f32_clamp(const float *src, int64_t n, int32_t zp, oct_dtype dt, const int32_t *clamp,
                               void *dst)
{
    float lo, hi;
    oct_quant_out_range(dt, clamp, zp, &lo, &hi);
    oct_quant_kernels_get()->round_q(src, n, lo, hi, zp, dt == OCT_DT_I8, dst);
}

oct_status oct_quant_act_check(const oct_node *n)
{
    if (n->act.kind == OCT_ACT_NONE || n->act.kind == OCT_ACT_RELU || n->act.kind == OCT_ACT_CLIP) return OCT_OK;
    return oct_err(OCT_E_UNSUPPORTED, "%s '%s': fused activation kind %d is not supported (ReLU / Clip only)",
                   n->op_type, n->name, (int)n->act.kind);
}

/* saturate(rne(v) + zp) */
static int32_t act_bound(float v, int32_t zp, oct_dtype dt)
{
    return oct_quant_rne(v, (float)(oct_quant_lo(dt) - zp), (float)(oct_quant_hi(dt) - zp)) + zp;
}

int oct_quant_act_clamp(const oct_node *n, float y_scale, int32_t zp, oct_dtype dt, int32_t clamp[2])
{
    if (n->act.kind != OCT_ACT_RELU && n->act.kind != OCT_ACT_CLIP) return 0;
    float alpha = n->act.kind == OCT_ACT_RELU ? 0.f : n->act.alpha;
    float beta = n->act.kind == OCT_ACT_RELU ? INFINITY : n->act.beta;
    clamp[0] = act_bound(alpha / y_scale, zp, dt);
    clamp[1] = act_bound(beta / y_scale, zp, dt);
    return 1;
}

oct_status oct_quant_param_count(const oct_node *n, const char *what, const oct_tensor *t, int64_t len,
                                 int64_t *count)
{
    int64_t cnt = oct_tensor_numel(t);
    if (cnt == 1) {
        *count = 1;
        return OCT_OK;
    }
    if (len > 0 && t->rank == 1 && t->dims[0] == len) {
        *count = len;
        return OCT_OK;
    }
    char buf[96];
    if (len > 0)
        return oct_err(OCT_E_SHAPE, "%s: %s must be a scalar or a 1-D tensor of %lld values, got shape %s",
                       n->op_type, what, (long long)len, oct_shape_str(t->rank, t->dims, buf, sizeof buf));
    return oct_err(OCT_E_SHAPE, "%s: %s must be a scalar, got shape %s", n->op_type, what,
                   oct_shape_str(t->rank, t->dims, buf, sizeof buf));
}

oct_status oct_quant_check_zp_dtype(const oct_node *n, const char *what, const oct_tensor *t)
{
    if (t->dtype != OCT_DT_U8 && t->dtype != OCT_DT_I8)
        return oct_err(OCT_E_UNSUPPORTED, "%s: %s of dtype %s is not supported (uint8 / int8)", n->op_type, what,
                       oct_dtype_name(t->dtype));
    return OCT_OK;
}

void oct_quant_read_zp(const oct_tensor *t, int64_t count, int32_t *dst)
{
    if (!t || !t->data) {
        memset(dst, 0, (size_t)count * sizeof *dst);
        return;
    }
    int64_t have = oct_tensor_numel(t);
    for (int64_t i = 0; i < count; i++) {
        int64_t k = have == 1 ? 0 : i;
        switch (t->dtype) {
        case OCT_DT_U8: dst[i] = ((const uint8_t *)t->data)[k]; break;
        case OCT_DT_I8: dst[i] = ((const int8_t *)t->data)[k]; break;
        case OCT_DT_I32: dst[i] = ((const int32_t *)t->data)[k]; break;
        default: dst[i] = 0; break;
        }
    }
}

void oct_quant_read_scale(const oct_tensor *t, int64_t count, float *dst)
{
    int64_t have = oct_tensor_numel(t);
    const float *s = t->data;
    for (int64_t i = 0; i < count; i++) dst[i] = s[have == 1 ? 0 : i];
}

/* ---- algorithm knob ------------------------------------------------------------ */

static atomic_int algo_forced = -1; /* -1: OCTET_QUANT not read yet */

void oct_quant_algo_set(oct_quant_algo a)
{
    atomic_store(&algo_forced, (unsigned)a <= OCT_QUANT_GEMM ? (int)a : 0);
}

oct_quant_algo oct_quant_algo_get(void)
{
    int f = atomic_load(&algo_forced);
    if (f < 0) {
        int v = 0, expect = -1;
        const char *e = getenv("OCTET_QUANT");
        if (e && !strcmp(e, "generic")) v = OCT_QUANT_GENERIC;
        else if (e && !strcmp(e, "gemm")) v = OCT_QUANT_GEMM;
        atomic_compare_exchange_strong(&algo_forced, &expect, v);
        f = atomic_load(&algo_forced);
    }
    return (oct_quant_algo)f;
}

/* ---- weights without their zero point --------------------------------------------- */

static int32_t zp_of(const int32_t *zw, int64_t nz, int per_row, int64_t r, int64_t c)
{
    if (!zw) return 0;
    return nz == 1 ? zw[0] : zw[per_row ? r : c];
}

int8_t *oct_quant_weights_s8(const void *w, oct_dtype wdt, int64_t nmat, int64_t rows, int64_t cols,
                             const int32_t *zw, int64_t nz, int zp_per_row, int k_cols, int *split, int *nomem)
{
    *nomem = 0;
    *split = 1;
    if (wdt != OCT_DT_U8 && wdt != OCT_DT_I8) return NULL;
    for (int64_t mat = 0; mat < nmat && *split == 1; mat++)
        for (int64_t r = 0; r < rows && *split == 1; r++)
            for (int64_t c = 0; c < cols; c++) {
                int32_t v = oct_quant_at(w, wdt, (mat * rows + r) * cols + c) - zp_of(zw, nz, zp_per_row, r, c);
                if (v < -128 || v > 127) {
                    *split = 2;
                    break;
                }
            }
    size_t bytes = (size_t)(nmat * rows * cols) * (size_t)*split;
    int8_t *d = malloc(bytes ? bytes : 1);
    if (!d) {
        *nomem = 1;
        oct_err(OCT_E_NOMEM, "cannot allocate %zu bytes of int8 weights", bytes);
        return NULL;
    }
    for (int64_t mat = 0; mat < nmat; mat++)
        for (int64_t r = 0; r < rows; r++)
            for (int64_t c = 0; c < cols; c++) {
                int64_t i = (mat * rows + r) * cols + c;
                int32_t v = oct_quant_at(w, wdt, i) - zp_of(zw, nz, zp_per_row, r, c);
                if (*split == 1) {
                    d[i] = (int8_t)v;
                    continue;
                }
                int32_t v1 = v < -128 ? -128 : v > 127 ? 127 : v, v2 = v - v1; /* |v| <= 255: v2 fits */
                if (k_cols) {
                    int8_t *row = d + (mat * rows + r) * 2 * cols;
                    row[c] = (int8_t)v1;
                    row[cols + c] = (int8_t)v2;
                } else {
                    int8_t *m = d + mat * 2 * rows * cols;
                    m[r * cols + c] = (int8_t)v1;
                    m[(rows + r) * cols + c] = (int8_t)v2;
                }
            }
    return d;
}

oct_status oct_quant_axis_view_of(const oct_node *n, const oct_tensor *x, const oct_tensor *s, const oct_tensor *z,
                                  const char *sname, const char *zname, oct_quant_axis_view *v)
{
    int axis = 0;
    int64_t len = 0, cs, cz = 1;
    if (n->opset >= 13 && oct_tensor_numel(s) != 1) { /* per axis: the axis must be valid */
        OCT_TRY(oct_axis_norm(oct_attr_int(n, "axis", 1), x->rank, &axis));
        len = x->dims[axis];
    }
    OCT_TRY(oct_quant_param_count(n, sname, s, len, &cs));
    if (z) OCT_TRY(oct_quant_param_count(n, zname, z, len, &cz));
    if (z && cz != cs)
        return oct_err(OCT_E_SHAPE, "%s: %s and %s have different shapes", n->op_type, sname, zname);
    v->outer = v->inner = v->len = 1;
    if (cs == 1) {
        v->inner = oct_tensor_numel(x);
    } else {
        v->len = len;
        for (int i = 0; i < axis; i++) v->outer *= x->dims[i];
        for (int i = axis + 1; i < x->rank; i++) v->inner *= x->dims[i];
    }
    return OCT_OK;
}

oct_status oct_quant_load_params(const oct_node *n, const oct_tensor *s, const oct_tensor *z, int64_t len,
                                 float **scale, int32_t **zp)
{
    *scale = malloc((size_t)len * sizeof **scale);
    *zp = malloc((size_t)len * sizeof **zp);
    if (!*scale || !*zp) {
        free(*scale);
        free(*zp);
        *scale = NULL;
        *zp = NULL;
        return oct_err(OCT_E_NOMEM, "%s: out of memory", n->op_type);
    }
    oct_quant_read_scale(s, len, *scale);
    oct_quant_read_zp(z, len, *zp);
    return OCT_OK;
}
