/* Trilu: keep the upper (j - i >= k) or lower (j - i <= k) triangle of the last
 * two dims, zero the rest; k is the optional scalar input 1. Any dtype. */
#include <string.h>

#include "ops/shape_util.h"

static oct_status trilu_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 2, 1));
    const oct_tensor *x = in[0], *k = oct_ops_input(n, in, 1);
    OCT_TRY(oct_ops_check_storable(n, x->dtype));
    if (x->rank < 2) return oct_err(OCT_E_INVALID, "Trilu: input must have rank >= 2, got %d", x->rank);
    if (k && (oct_tensor_numel(k) != 1 || (k->dtype != OCT_DT_I64 && k->dtype != OCT_DT_I32)))
        return oct_err(OCT_E_INVALID, "Trilu: k must be an int64 scalar");
    return oct_out_shape(out[0], x->dtype, x->rank, x->dims);
}

static oct_status trilu_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0], *kt = oct_ops_input(n, in, 1);
    int64_t k = kt ? oct_ops_get_i64(kt->dtype, kt->data, 0) : 0;
    int upper = oct_attr_int(n, "upper", 1) != 0;
    int64_t M = x->dims[x->rank - 2], N = x->dims[x->rank - 1];
    int64_t rows = oct_tensor_numel(x) / (N ? N : 1);
    if (N == 0 || rows == 0) return OCT_OK;
    size_t es = oct_dtype_size(x->dtype);
    const char *src = x->data;
    char *dst = out[0]->data;
    for (int64_t r = 0; r < rows; r++) {
        int64_t i = r % M;
        /* kept columns: [lo, hi) */
        int64_t lo = 0, hi = N;
        if (upper) {
            int64_t t = i + k;
            lo = t < 0 ? 0 : t > N ? N : t;
        } else {
            int64_t t = i + k + 1;
            hi = t < 0 ? 0 : t > N ? N : t;
        }
        char *d = dst + (size_t)(r * N) * es;
        const char *s = src + (size_t)(r * N) * es;
        if (lo > 0) memset(d, 0, (size_t)lo * es);
        if (hi > lo) memcpy(d + lo * (int64_t)es, s + lo * (int64_t)es, (size_t)(hi - lo) * es);
        if (hi < N) memset(d + (hi > lo ? hi : lo) * (int64_t)es, 0, (size_t)(N - (hi > lo ? hi : lo)) * es);
    }
    return OCT_OK;
}

const oct_op_impl oct_op_Trilu = {
    .infer = trilu_infer,
    .compute = trilu_compute,
};
