/* QLinearConcat (com.microsoft, opset 1): inputs Y_scale, Y_zero_point, then
 * (X_i, X_i_scale, X_i_zero_point) triples; attribute axis (required,
 * negative counts from the end). Every X_i is requantized to Y's parameters
 * and the results are concatenated along axis, as onnxruntime does: a
 * 256-entry table per input,
 *   table[v] = saturate(round_half_to_even(((float)(v - x_zp) * x_scale) / y_scale) + y_zp)
 * (the clamp before rounding, so it equals QuantizeLinear of the dequantized
 * value), or a plain copy when the input's scale and zero point equal Y's.
 * All tensors and zero points are uint8, or all int8; scales float32 scalars;
 * the X_i have equal ranks and equal dims except along axis. */
#include <stdio.h>
#include <string.h>

#include "ops/quant_util.h"

static oct_status qcat_check(const oct_node *n, const oct_tensor *const *in, int *axis, int64_t *dims)
{
    if (n->n_in < 5 || (n->n_in - 2) % 3 != 0)
        return oct_err(OCT_E_INVALID, "%s '%s': expects Y_scale, Y_zero_point and (X, scale, zero_point) triples, "
                       "got %d inputs", n->op_type, n->name, n->n_in);
    for (int i = 0; i < n->n_in; i++)
        if (!in[i]) return oct_err(OCT_E_INVALID, "%s '%s': input %d is required", n->op_type, n->name, i);
    const oct_tensor *yz = in[1];
    if (yz->dtype != OCT_DT_U8 && yz->dtype != OCT_DT_I8) return oct_op_bad_dtype(n, yz->dtype);
    if (!oct_node_attr(n, "axis"))
        return oct_err(OCT_E_INVALID, "%s '%s': attribute axis is required", n->op_type, n->name);
    const oct_tensor *x0 = in[2];
    if (oct_axis_norm(oct_attr_int(n, "axis", 0), x0->rank, axis) != OCT_OK)
        return oct_err(OCT_E_INVALID, "%s '%s': axis %lld is out of range for rank %d", n->op_type, n->name,
                       (long long)oct_attr_int(n, "axis", 0), x0->rank);
    for (int i = 0; i < x0->rank; i++) dims[i] = x0->dims[i];
    dims[*axis] = 0;
    for (int i = 0; i < n->n_in; i++) {
        const oct_tensor *t = in[i];
        int64_t c;
        char what[32];
        int k = i < 2 ? -1 : (i - 2) / 3, role = i < 2 ? i : (i - 2) % 3 ? (i - 2) % 3 - 1 : 2;
        /* role 0: a scale, 1: a zero point, 2: a tensor */
        if (k < 0) snprintf(what, sizeof what, "%s", i ? "Y_zero_point" : "Y_scale");
        else snprintf(what, sizeof what, "input %d %s", k, role == 0 ? "scale" : role == 1 ? "zero point" : "tensor");
        if (role == 0) {
            if (t->dtype != OCT_DT_F32)
                return oct_err(OCT_E_UNSUPPORTED, "%s '%s': %s of dtype %s is not supported (float32)", n->op_type,
                               n->name, what, oct_dtype_name(t->dtype));
            OCT_TRY(oct_quant_param_count(n, what, t, 0, &c));
            continue;
        }
        if (t->dtype != yz->dtype)
            return oct_err(OCT_E_DTYPE, "%s '%s': %s has dtype %s, expected %s (the dtype of Y_zero_point)",
                           n->op_type, n->name, what, oct_dtype_name(t->dtype), oct_dtype_name(yz->dtype));
        if (role == 1) {
            OCT_TRY(oct_quant_param_count(n, what, t, 0, &c));
            continue;
        }
        if (t->rank != x0->rank)
            return oct_err(OCT_E_SHAPE, "%s '%s': %s has rank %d, input 0 has rank %d", n->op_type, n->name, what,
                           t->rank, x0->rank);
        for (int d = 0; d < t->rank; d++)
            if (d != *axis && t->dims[d] != x0->dims[d]) {
                char b1[96], b2[96];
                return oct_err(OCT_E_SHAPE, "%s '%s': %s has shape %s, input 0 %s (only axis %d may differ)",
                               n->op_type, n->name, what, oct_shape_str(t->rank, t->dims, b1, sizeof b1),
                               oct_shape_str(x0->rank, x0->dims, b2, sizeof b2), *axis);
            }
        dims[*axis] += t->dims[*axis];
    }
    return OCT_OK;
}

static oct_status qcat_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    int axis;
    int64_t dims[OCT_MAX_RANK];
    OCT_TRY(qcat_check(n, in, &axis, dims));
    return oct_out_shape(out[0], in[1]->dtype, in[2]->rank, dims);
}

static oct_status qcat_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                               const oct_exec *ex)
{
    (void)ex;
    int axis;
    int64_t dims[OCT_MAX_RANK];
    OCT_TRY(qcat_check(n, in, &axis, dims));
    oct_dtype dt = in[1]->dtype;
    float ys;
    int32_t zy;
    oct_quant_read_scale(in[0], 1, &ys);
    oct_quant_read_zp(in[1], 1, &zy);
    const float lo = (float)(oct_quant_lo(dt) - zy), hi = (float)(oct_quant_hi(dt) - zy);
    int rank = in[2]->rank;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++) outer *= dims[d];
    for (int d = axis + 1; d < rank; d++) inner *= dims[d];
    int64_t out_row = dims[axis] * inner, off = 0;
    uint8_t *y = out[0]->data;
    for (int k = 0; 2 + 3 * k < n->n_in; k++) {
        const oct_tensor *x = in[2 + 3 * k];
        float xs;
        int32_t zx;
        oct_quant_read_scale(in[3 + 3 * k], 1, &xs);
        oct_quant_read_zp(in[4 + 3 * k], 1, &zx);
        int copy = xs == ys && zx == zy;
        uint8_t table[256];
        if (!copy)
            for (int v = 0; v < 256; v++) {
                int32_t q = dt == OCT_DT_I8 ? (int32_t)(int8_t)v : v;
                float f = (float)(q - zx) * xs;
                table[v] = (uint8_t)(oct_quant_rne(f / ys, lo, hi) + zy);
            }
        int64_t row = x->dims[axis] * inner;
        const uint8_t *xp = x->data;
        for (int64_t o = 0; o < outer && row > 0; o++) {
            const uint8_t *src = xp + o * row;
            uint8_t *dst = y + o * out_row + off;
            if (copy) memcpy(dst, src, (size_t)row);
            else
                for (int64_t i = 0; i < row; i++) dst[i] = table[src[i]];
        }
        off += row;
    }
    return OCT_OK;
}

const oct_op_impl oct_op_QLinearConcat = {
    .infer = qcat_infer,
    .compute = qcat_compute,
};
