/* ScatterND (opset 11; reduction add/mul from 16, max/min from 18): output =
 * data, then for each k-tuple of indices [..., k] the slice
 * output[i_0, ..., i_{k-1}, :] = (or op=) updates[...]. updates shape =
 * indices.shape[:-1] + data.shape[k:]. Any dtype without reduction, number
 * types with one. Negative indices count from the end. */
#include <string.h>

#include "ops/scatter_util.h"
#include "ops/shape_util.h"

static oct_status snd_check(const oct_node *n, const oct_tensor *const *in, oct_scatter_red *red)
{
    OCT_TRY(oct_op_check_arity(n, in, 3, 3, 3));
    const oct_tensor *x = in[0], *ix = in[1], *u = in[2];
    OCT_TRY(oct_ops_check_storable(n, x->dtype));
    if (ix->dtype != OCT_DT_I64 && ix->dtype != OCT_DT_I32)
        return oct_err(OCT_E_DTYPE, "ScatterND: indices must be int64 (or int32), got %s", oct_dtype_name(ix->dtype));
    if (u->dtype != x->dtype)
        return oct_err(OCT_E_DTYPE, "ScatterND: updates dtype %s differs from data dtype %s", oct_dtype_name(u->dtype),
                       oct_dtype_name(x->dtype));
    OCT_TRY(oct_scatter_reduction(n, x->dtype, red));
    if (x->rank < 1 || ix->rank < 1)
        return oct_err(OCT_E_SHAPE, "ScatterND: data (rank %d) and indices (rank %d) must have rank >= 1", x->rank,
                       ix->rank);
    int64_t k = ix->dims[ix->rank - 1];
    if (k < 1 || k > x->rank)
        return oct_err(OCT_E_SHAPE, "ScatterND: indices.shape[-1] = %lld must be in [1, rank(data) = %d]",
                       (long long)k, x->rank);
    /* updates = indices.shape[:-1] + data.shape[k:] */
    int64_t want[2 * OCT_MAX_RANK];
    int m = 0;
    for (int i = 0; i < ix->rank - 1; i++) want[m++] = ix->dims[i];
    for (int i = (int)k; i < x->rank; i++) want[m++] = x->dims[i];
    if (!oct_shape_equal(u->rank, u->dims, m, want)) {
        char a[160], b[160];
        return oct_err(OCT_E_SHAPE, "ScatterND: updates shape %s must be indices.shape[:-1] + data.shape[k:] = %s",
                       oct_shape_str(u->rank, u->dims, a, sizeof a), oct_shape_str(m, want, b, sizeof b));
    }
    return OCT_OK;
}

static oct_status snd_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    oct_scatter_red red;
    OCT_TRY(snd_check(n, in, &red));
    return oct_out_shape(out[0], in[0]->dtype, in[0]->rank, in[0]->dims);
}

static oct_status snd_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0], *ix = in[1], *u = in[2];
    oct_scatter_red red;
    OCT_TRY(snd_check(n, in, &red));
    int k = (int)ix->dims[ix->rank - 1];
    int64_t xs[OCT_MAX_RANK];
    oct_shape_strides(x->rank, x->dims, xs);
    int64_t tuples = oct_shape_numel(ix->rank - 1, ix->dims);
    int64_t slice = oct_shape_numel(x->rank - k, x->dims + k);
    size_t es = oct_dtype_size(x->dtype);
    oct_ops_copy_data(out[0], x);
    /* validate every index before writing so a bad one leaves no partial result behind */
    for (int64_t pos = 0; pos < tuples * k; pos++) {
        int64_t dim = x->dims[pos % k], v = oct_ew_get_i64(ix->dtype, ix->data, (size_t)pos);
        if (v < -dim || v >= dim)
            return oct_err(OCT_E_INVALID,
                           "ScatterND: index %lld (at position %lld) is out of range for data dim %d of size %lld",
                           (long long)v, (long long)pos, (int)(pos % k), (long long)dim);
    }
    for (int64_t t = 0; t < tuples; t++) {
        int64_t off = 0;
        for (int m = 0; m < k; m++) {
            int64_t v = oct_ew_get_i64(ix->dtype, ix->data, (size_t)(t * k + m));
            off += (v < 0 ? v + x->dims[m] : v) * xs[m];
        }
        if (red == OCT_SCATTER_NONE) {
            memcpy((char *)out[0]->data + (size_t)off * es, (const char *)u->data + (size_t)(t * slice) * es,
                   (size_t)slice * es);
            continue;
        }
        for (int64_t e = 0; e < slice; e++)
            oct_scatter_apply(red, x->dtype, es, out[0]->data, (size_t)(off + e), u->data, (size_t)(t * slice + e));
    }
    return OCT_OK;
}

const oct_op_impl oct_op_ScatterND = {
    .infer = snd_infer,
    .compute = snd_compute,
};
