/* Pad: opset 1 `paddings`, opset 2 `pads`/`value` attributes; opset >= 11
 * inputs pads, constant_value, (18) axes. Modes constant, reflect, edge and
 * (opset 19) wrap. Negative pads crop. Any dtype. */
#include <stdlib.h>
#include <string.h>

#include "ops/shape_util.h"

enum { PAD_CONSTANT, PAD_REFLECT, PAD_EDGE, PAD_WRAP };

typedef struct {
    int mode;
    int64_t pb[OCT_MAX_RANK], pe[OCT_MAX_RANK];
} pad_params;

static oct_status pad_params_get(const oct_node *n, const oct_tensor *const *in, pad_params *p)
{
    const oct_tensor *x = in[0];
    int r = x->rank;
    const char *mode = oct_attr_str(n, "mode", "constant");
    if (!strcmp(mode, "constant")) p->mode = PAD_CONSTANT;
    else if (!strcmp(mode, "reflect")) p->mode = PAD_REFLECT;
    else if (!strcmp(mode, "edge")) p->mode = PAD_EDGE;
    else if (!strcmp(mode, "wrap") && n->opset >= 19) p->mode = PAD_WRAP;
    else return oct_err(OCT_E_UNSUPPORTED, "Pad: mode '%s' is not supported", mode);
    int64_t pads[2 * OCT_MAX_RANK], ax[OCT_MAX_RANK];
    int np, na = -1;
    OCT_TRY(oct_ops_ints_attr_or_input(n, in, n->opset < 2 ? "paddings" : "pads", 11, 1, pads, 2 * OCT_MAX_RANK, &np));
    if (np < 0) return oct_err(OCT_E_INVALID, "Pad: 'pads' is required");
    if (n->opset >= 18) OCT_TRY(oct_ops_ints_attr_or_input(n, in, "axes", 0, 3, ax, OCT_MAX_RANK, &na));
    int axes[OCT_MAX_RANK];
    if (na < 0) {
        na = r;
        for (int i = 0; i < r; i++) axes[i] = i;
    } else {
        uint32_t mask;
        OCT_TRY(oct_ops_norm_axes(n, ax, na, r, axes, &mask));
    }
    if (np != 2 * na) return oct_err(OCT_E_INVALID, "Pad: %d pads for %d axes (need %d)", np, na, 2 * na);
    for (int i = 0; i < r; i++) p->pb[i] = p->pe[i] = 0;
    for (int i = 0; i < na; i++) {
        int a = axes[i];
        p->pb[a] = pads[i];
        p->pe[a] = pads[na + i];
        const int64_t lim = (int64_t)1 << 40;
        if (p->pb[a] > lim || p->pb[a] < -lim || p->pe[a] > lim || p->pe[a] < -lim)
            return oct_err(OCT_E_INVALID, "Pad: pad value out of range on axis %d", a);
        int64_t d = x->dims[a], o = d + p->pb[a] + p->pe[a];
        if (o < 0) return oct_err(OCT_E_INVALID, "Pad: pads make axis %d negative (%lld)", a, (long long)o);
        if (p->mode != PAD_CONSTANT && d == 0 && o > 0)
            return oct_err(OCT_E_INVALID, "Pad: cannot pad the empty axis %d in a non-constant mode", a);
    }
    return OCT_OK;
}

static oct_status pad_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    if (n->opset < 11) OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    else OCT_TRY(oct_op_check_arity(n, in, 2, n->opset >= 18 ? 4 : 3, 2));
    const oct_tensor *x = in[0];
    OCT_TRY(oct_ops_check_storable(n, x->dtype));
    const oct_tensor *cv = oct_ops_input(n, in, 2);
    if (n->opset >= 11 && cv && (cv->dtype != x->dtype || oct_tensor_numel(cv) > 1))
        return oct_err(OCT_E_INVALID, "Pad: constant_value must be a %s scalar", oct_dtype_name(x->dtype));
    pad_params p;
    OCT_TRY(pad_params_get(n, in, &p));
    int64_t d[OCT_MAX_RANK];
    for (int i = 0; i < x->rank; i++) d[i] = x->dims[i] + p.pb[i] + p.pe[i];
    return oct_out_shape(out[0], x->dtype, x->rank, d);
}

/* Source index for output index j on an axis of size d, or -1 (constant). */
static int64_t pad_src(int mode, int64_t j, int64_t pb, int64_t d)
{
    int64_t i = j - pb;
    if (i >= 0 && i < d) return i;
    switch (mode) {
    case PAD_EDGE: return i < 0 ? 0 : d - 1;
    case PAD_WRAP: return ((i % d) + d) % d;
    case PAD_REFLECT:
        if (d == 1) return 0;
        while (i < 0 || i >= d) i = i < 0 ? -i : 2 * (d - 1) - i;
        return i;
    default: return -1;
    }
}

static oct_status pad_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0];
    oct_tensor *y = out[0];
    pad_params p;
    OCT_TRY(pad_params_get(n, in, &p));
    int r = x->rank;
    size_t es = oct_dtype_size(x->dtype);
    int64_t total = oct_tensor_numel(y);
    if (total == 0) return OCT_OK;
    unsigned char cval[16] = {0};
    const oct_tensor *cv = oct_ops_input(n, in, 2);
    if (n->opset >= 11) {
        if (cv && oct_tensor_numel(cv) == 1) memcpy(cval, cv->data, es);
    } else {
        oct_dtype_set(x->dtype, cval, 0, oct_attr_float(n, "value", 0.f));
    }
    if (r == 0) { memcpy(y->data, x->data, es); return OCT_OK; }
    /* per-axis maps from output to source index */
    int64_t nmap = 0;
    for (int i = 0; i < r; i++) nmap += y->dims[i];
    int64_t *map = malloc((size_t)nmap * sizeof *map), *m[OCT_MAX_RANK];
    if (!map) return oct_err(OCT_E_NOMEM, "Pad: out of memory");
    for (int i = 0, k = 0; i < r; k += (int)y->dims[i], i++) {
        m[i] = map + k;
        for (int64_t j = 0; j < y->dims[i]; j++) m[i][j] = pad_src(p.mode, j, p.pb[i], x->dims[i]);
    }
    int64_t xs[OCT_MAX_RANK], idx[OCT_MAX_RANK] = {0};
    oct_shape_strides(r, x->dims, xs);
    int last = r - 1;
    int64_t len = y->dims[last], rows = total / len;
    /* inner run copied with memcpy: output j in [lo, hi) maps to j - pb */
    int64_t lo = p.pb[last] > 0 ? p.pb[last] : 0;
    int64_t hi = p.pb[last] + x->dims[last] < len ? p.pb[last] + x->dims[last] : len;
    const char *src = x->data;
    char *dst = y->data;
    for (int64_t row = 0; row < rows; row++, dst += len * (int64_t)es) {
        int64_t soff = 0;
        int fill = 0;
        for (int k = 0; k < last; k++) {
            int64_t s = m[k][idx[k]];
            if (s < 0) fill = 1;
            soff += s * xs[k];
        }
        if (fill) {
            for (int64_t j = 0; j < len; j++) memcpy(dst + j * (int64_t)es, cval, es);
        } else {
            const char *srow = src + soff * (int64_t)es;
            for (int64_t j = 0; j < lo && j < len; j++) {
                int64_t s = m[last][j];
                memcpy(dst + j * (int64_t)es, s < 0 ? (const char *)cval : srow + s * (int64_t)es, es);
            }
            if (hi > lo) memcpy(dst + lo * (int64_t)es, srow + (lo - p.pb[last]) * (int64_t)es, (size_t)(hi - lo) * es);
            for (int64_t j = hi > lo ? hi : lo; j < len; j++) {
                int64_t s = m[last][j];
                memcpy(dst + j * (int64_t)es, s < 0 ? (const char *)cval : srow + s * (int64_t)es, es);
            }
        }
        for (int k = last - 1; k >= 0; k--) {
            if (++idx[k] < y->dims[k]) break;
            idx[k] = 0;
        }
    }
    free(map);
    return OCT_OK;
}

const oct_op_impl oct_op_Pad = {
    .shape_inputs = (1u << 1) | (1u << 3),
    .infer = pad_infer,
    .compute = pad_compute,
};
