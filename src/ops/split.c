/* Split along `axis` into the node's outputs. Sizes come from the `split`
 * attribute (opset < 13), the `split` input (opset 1 and >= 13), equal parts,
 * or `num_outputs` (opset 18: the last part may be smaller). Any dtype. */
#include <string.h>

#include "ops/shape_util.h"

#define SPLIT_MAX 1024

static oct_status split_sizes(const oct_node *n, const oct_tensor *const *in, int *axis, int64_t *sz)
{
    const oct_tensor *x = in[0];
    if (x->rank == 0) return oct_err(OCT_E_INVALID, "Split: input must have rank >= 1");
    OCT_TRY(oct_axis_norm(oct_attr_int(n, "axis", 0), x->rank, axis));
    int64_t dim = x->dims[*axis];
    int nout = n->n_out;
    if (nout < 1 || nout > SPLIT_MAX) return oct_err(OCT_E_INVALID, "Split: %d outputs (1..%d allowed)", nout, SPLIT_MAX);
    int cnt = -1;
    if (n->opset < 13) OCT_TRY(oct_ops_ints_attr_or_input(n, in, "split", 13, 1, sz, SPLIT_MAX, &cnt));
    if (cnt < 0 && (n->opset >= 13 || n->opset < 2))
        OCT_TRY(oct_ops_ints_attr_or_input(n, in, "split", 0, 1, sz, SPLIT_MAX, &cnt));
    if (cnt >= 0) {
        if (cnt != nout)
            return oct_err(OCT_E_INVALID, "Split: 'split' has %d entries for %d outputs", cnt, nout);
        int64_t sum = 0;
        for (int i = 0; i < cnt; i++) {
            if (sz[i] < 0) return oct_err(OCT_E_INVALID, "Split: negative split size %lld", (long long)sz[i]);
            sum += sz[i];
        }
        if (sum != dim)
            return oct_err(OCT_E_SHAPE, "Split: split sizes sum to %lld, axis %d has %lld", (long long)sum, *axis,
                           (long long)dim);
        return OCT_OK;
    }
    int64_t num = n->opset >= 18 ? oct_attr_int(n, "num_outputs", -1) : -1;
    if (num >= 0) {
        if (num != nout)
            return oct_err(OCT_E_INVALID, "Split: num_outputs = %lld but the node has %d outputs", (long long)num, nout);
        int64_t chunk = (dim + nout - 1) / nout;
        for (int i = 0; i < nout; i++) {
            int64_t b = (int64_t)i * chunk;
            int64_t e = b + chunk < dim ? b + chunk : dim;
            sz[i] = e > b ? e - b : 0;
        }
        return OCT_OK;
    }
    if (dim % nout)
        return oct_err(OCT_E_SHAPE, "Split: axis %d of size %lld does not split into %d equal parts", *axis,
                       (long long)dim, nout);
    for (int i = 0; i < nout; i++) sz[i] = dim / nout;
    return OCT_OK;
}

static oct_status split_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 2, 1));
    OCT_TRY(oct_ops_check_storable(n, in[0]->dtype));
    int axis;
    int64_t sz[SPLIT_MAX];
    OCT_TRY(split_sizes(n, in, &axis, sz));
    int64_t d[OCT_MAX_RANK];
    for (int i = 0; i < in[0]->rank; i++) d[i] = in[0]->dims[i];
    for (int k = 0; k < n->n_out; k++) {
        if (!out[k]) continue;
        d[axis] = sz[k];
        OCT_TRY(oct_out_shape(out[k], in[0]->dtype, in[0]->rank, d));
    }
    return OCT_OK;
}

static oct_status split_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0];
    int axis;
    int64_t sz[SPLIT_MAX];
    OCT_TRY(split_sizes(n, in, &axis, sz));
    size_t es = oct_dtype_size(x->dtype);
    int64_t outer = oct_shape_numel(axis, x->dims);
    int64_t inner = oct_shape_numel(x->rank - axis - 1, x->dims + axis + 1) * (int64_t)es;
    int64_t dim = x->dims[axis], off = 0;
    for (int k = 0; k < n->n_out; k++) {
        int64_t len = sz[k] * inner;
        if (out[k] && len)
            for (int64_t o = 0; o < outer; o++)
                memcpy((char *)out[k]->data + o * len, (const char *)x->data + (o * dim + off) * inner, (size_t)len);
        off += sz[k];
    }
    return OCT_OK;
}

const oct_op_impl oct_op_Split = {
    .shape_inputs = 1u << 1,
    .infer = split_infer,
    .compute = split_compute,
};
