/* MaxUnpool (opset 9, 11): y = zeros(shape); y.flat[I[j]] = X[j], where I
 * holds MaxPool's Indices (flat indices into the whole output tensor).
 * shape = [N, C, (in_i - 1) * stride_i + kernel_i - pad_begin_i - pad_end_i].
 *
 * The optional output_shape input (a shape input) may only restate that
 * shape: for a different one the ONNX 1.12 reference and its node test pad
 * the unpooled result at the end, while ONNX Runtime (and the meaning of
 * MaxPool's indices) scatter into the given shape directly; octet refuses
 * rather than pick one (OCT_E_UNSUPPORTED). f16/f32/f64 data, i64 indices. */
#include <string.h>

#include "ops/ew_util.h"
#include "ops/shape_util.h"

static oct_status mu_shape(const oct_node *n, const oct_tensor *const *in, int64_t *d)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 3, 2));
    const oct_tensor *x = in[0], *ix = in[1], *os = oct_ops_input(n, in, 2);
    if (!oct_dt_in(x->dtype, OCT_DTS_FLOAT)) return oct_op_bad_dtype(n, x->dtype);
    if (ix->dtype != OCT_DT_I64)
        return oct_err(OCT_E_DTYPE, "MaxUnpool: indices must be int64, got %s", oct_dtype_name(ix->dtype));
    char a[160], b[160];
    if (x->rank < 3 || !oct_shape_equal(x->rank, x->dims, ix->rank, ix->dims))
        return oct_err(OCT_E_SHAPE, "MaxUnpool: X %s and I %s must have the same shape [N, C, D1, ...]",
                       oct_shape_str(x->rank, x->dims, a, sizeof a), oct_shape_str(ix->rank, ix->dims, b, sizeof b));
    int sp = x->rank - 2;
    const int64_t *ks, *st, *pd;
    int nk = oct_attr_ints(n, "kernel_shape", &ks), ns = oct_attr_ints(n, "strides", &st),
        np = oct_attr_ints(n, "pads", &pd);
    if (nk != sp) return oct_err(OCT_E_INVALID, "MaxUnpool: kernel_shape must have %d values, got %d", sp, nk);
    if (ns >= 0 && ns != sp) return oct_err(OCT_E_INVALID, "MaxUnpool: strides must have %d values, got %d", sp, ns);
    if (np >= 0 && np != 2 * sp) return oct_err(OCT_E_INVALID, "MaxUnpool: pads must have %d values, got %d", 2 * sp, np);
    d[0] = x->dims[0];
    d[1] = x->dims[1];
    for (int i = 0; i < sp; i++) {
        int64_t k = ks[i], s = ns > 0 ? st[i] : 1, p0 = np > 0 ? pd[i] : 0, p1 = np > 0 ? pd[i + sp] : 0;
        if (k < 1 || s < 1 || p0 < 0 || p1 < 0 || k > (1 << 20) || s > (1 << 20))
            return oct_err(OCT_E_INVALID, "MaxUnpool: bad kernel %lld / stride %lld / pads %lld,%lld on axis %d",
                           (long long)k, (long long)s, (long long)p0, (long long)p1, i);
        d[i + 2] = (x->dims[i + 2] - 1) * s + k - p0 - p1;
        if (x->dims[i + 2] == 0) d[i + 2] = 0;
        if (d[i + 2] < 0)
            return oct_err(OCT_E_SHAPE, "MaxUnpool: output dim %d would be negative (%lld)", i + 2,
                           (long long)d[i + 2]);
    }
    if (!os) return OCT_OK;
    if (!os->data)
        return oct_err(OCT_E_UNSUPPORTED, "MaxUnpool: output_shape must be known when planning");
    if (os->dtype != OCT_DT_I64 || os->rank != 1 || os->dims[0] != x->rank)
        return oct_err(OCT_E_SHAPE, "MaxUnpool: output_shape must be an int64 vector of %d values", x->rank);
    const int64_t *o = os->data;
    for (int i = 0; i < x->rank; i++)
        if (o[i] != d[i])
            return oct_err(OCT_E_UNSUPPORTED,
                           "MaxUnpool: output_shape %s differs from the unpooled shape %s; the ONNX reference pads the "
                           "unpooled result, ONNX Runtime scatters into output_shape, octet supports neither",
                           oct_shape_str(x->rank, o, a, sizeof a), oct_shape_str(x->rank, d, b, sizeof b));
    return OCT_OK;
}

static oct_status mu_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    int64_t d[OCT_MAX_RANK];
    OCT_TRY(mu_shape(n, in, d));
    return oct_out_shape(out[0], in[0]->dtype, in[0]->rank, d);
}

static oct_status mu_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0], *ix = in[1];
    oct_tensor *y = out[0];
    int64_t total = oct_tensor_numel(y), cnt = oct_tensor_numel(x);
    const int64_t *I = ix->data;
    for (int64_t j = 0; j < cnt; j++)
        if (I[j] < 0 || I[j] >= total)
            return oct_err(OCT_E_INVALID, "MaxUnpool: index %lld (at position %lld) is out of range [0, %lld)",
                           (long long)I[j], (long long)j, (long long)total);
    size_t es = oct_dtype_size(x->dtype);
    memset(y->data, 0, oct_tensor_nbytes(y));
    for (int64_t j = 0; j < cnt; j++)
        memcpy((char *)y->data + (size_t)I[j] * es, (const char *)x->data + (size_t)j * es, es);
    (void)n;
    return OCT_OK;
}

const oct_op_impl oct_op_MaxUnpool = {
    .shape_inputs = 1u << 2,
    .infer = mu_infer,
    .compute = mu_compute,
};
