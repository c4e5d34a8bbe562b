/* Det (opset 11): determinant of each [M, M] matrix in the trailing two dims
 * ([*, M, M] -> [*]), by LU decomposition with partial pivoting in double.
 * f16/f32/f64. */
#include <math.h>
#include <stdlib.h>

#include "ops/ew_util.h"
#include "ops/shape_util.h"

static oct_status det_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    const oct_tensor *x = in[0];
    if (!oct_dt_in(x->dtype, OCT_DTS_FLOAT)) return oct_op_bad_dtype(n, x->dtype);
    if (x->rank < 2 || x->dims[x->rank - 1] != x->dims[x->rank - 2]) {
        char a[160];
        return oct_err(OCT_E_SHAPE, "Det: input must have shape [*, M, M], got %s",
                       oct_shape_str(x->rank, x->dims, a, sizeof a));
    }
    return oct_out_shape(out[0], x->dtype, x->rank - 2, x->dims);
}

static double det_lu(double *a, int64_t m)
{
    double det = 1;
    for (int64_t c = 0; c < m; c++) {
        int64_t p = c;
        for (int64_t r = c + 1; r < m; r++)
            if (fabs(a[r * m + c]) > fabs(a[p * m + c])) p = r;
        if (a[p * m + c] == 0) return 0;
        if (p != c) {
            for (int64_t k = 0; k < m; k++) {
                double t = a[c * m + k];
                a[c * m + k] = a[p * m + k];
                a[p * m + k] = t;
            }
            det = -det;
        }
        double piv = a[c * m + c];
        det *= piv;
        for (int64_t r = c + 1; r < m; r++) {
            double f = a[r * m + c] / piv;
            if (f == 0) continue;
            for (int64_t k = c + 1; k < m; k++) a[r * m + k] -= f * a[c * m + k];
        }
    }
    return det;
}

static oct_status det_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0];
    int64_t m = x->dims[x->rank - 1], cnt = oct_shape_numel(x->rank - 2, x->dims);
    double *a = malloc((size_t)(m * m > 0 ? m * m : 1) * sizeof *a);
    if (!a) return oct_err(OCT_E_NOMEM, "%s: out of memory", n->op_type);
    for (int64_t b = 0; b < cnt; b++) {
        for (int64_t i = 0; i < m * m; i++) a[i] = oct_dtype_get(x->dtype, x->data, (size_t)(b * m * m + i));
        oct_dtype_set(out[0]->dtype, out[0]->data, (size_t)b, det_lu(a, m));
    }
    free(a);
    return OCT_OK;
}

const oct_op_impl oct_op_Det = {
    .infer = det_infer,
    .compute = det_compute,
};
