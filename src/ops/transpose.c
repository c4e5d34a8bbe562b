/* Transpose: out dim i = in dim perm[i]; perm defaults to reversed.
 * Any dtype. Inner contiguous runs are memcpy'd (e.g. [B,T,H,D] -> [B,H,T,D]),
 * a transposed inner pair is copied in cache blocks (oct_ops_strided_copy). */
#include "ops/shape_util.h"

static oct_status transpose_perm(const oct_node *n, int rank, int *perm)
{
    const int64_t *p;
    int c = oct_attr_ints(n, "perm", &p);
    if (c < 0) {
        for (int i = 0; i < rank; i++) perm[i] = rank - 1 - i;
        return OCT_OK;
    }
    if (c != rank)
        return oct_err(OCT_E_INVALID, "Transpose: perm has %d entries for a rank-%d input", c, rank);
    uint32_t seen = 0;
    for (int i = 0; i < c; i++) {
        if (p[i] < 0 || p[i] >= rank || (seen & (1u << p[i])))
            return oct_err(OCT_E_INVALID, "Transpose: perm is not a permutation of 0..%d (entry %d = %lld)",
                           rank - 1, i, (long long)p[i]);
        seen |= 1u << p[i];
        perm[i] = (int)p[i];
    }
    return OCT_OK;
}

static oct_status transpose_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    const oct_tensor *x = in[0];
    OCT_TRY(oct_ops_check_storable(n, x->dtype));
    int perm[OCT_MAX_RANK];
    OCT_TRY(transpose_perm(n, x->rank, perm));
    int64_t d[OCT_MAX_RANK];
    for (int i = 0; i < x->rank; i++) d[i] = x->dims[perm[i]];
    return oct_out_shape(out[0], x->dtype, x->rank, d);
}

static oct_status transpose_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                    const oct_exec *ex)
{
    const oct_tensor *x = in[0];
    int perm[OCT_MAX_RANK];
    OCT_TRY(transpose_perm(n, x->rank, perm));
    if (oct_tensor_numel(x) == 0) return OCT_OK;
    oct_ops_permute(out[0]->data, x->data, oct_dtype_size(x->dtype), x->rank, x->dims, perm, ex->pool);
    return OCT_OK;
}

const oct_op_impl oct_op_Transpose = {
    .infer = transpose_infer,
    .compute = transpose_compute,
};
