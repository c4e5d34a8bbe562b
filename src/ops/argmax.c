/* ArgMax / ArgMin along `axis` (int64 output); keepdims (default 1),
 * select_last_index (opset 12). Numeric dtypes; ties pick the first index
 * unless select_last_index. */
#include <string.h>

#include "ops/shape_util.h"

static oct_status arg_params(const oct_node *n, const oct_tensor *x, int *axis, int *keep, int *last)
{
    if (x->rank == 0) return oct_err(OCT_E_INVALID, "%s: input must have rank >= 1", n->op_type);
    oct_status s = oct_axis_norm(oct_attr_int(n, "axis", 0), x->rank, axis);
    if (s) return oct_err_ctx(s, "%s: ", n->op_type);
    *keep = oct_attr_int(n, "keepdims", 1) != 0;
    *last = n->opset >= 12 && oct_attr_int(n, "select_last_index", 0) != 0;
    return OCT_OK;
}

static oct_status arg_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    const oct_tensor *x = in[0];
    if (!oct_ops_dtype_is_float(x->dtype) && !oct_ops_dtype_is_int(x->dtype)) return oct_op_bad_dtype(n, x->dtype);
    if (x->dtype == OCT_DT_BF16) return oct_op_bad_dtype(n, x->dtype);
    int axis, keep, last;
    OCT_TRY(arg_params(n, x, &axis, &keep, &last));
    if (x->dims[axis] == 0) return oct_err(OCT_E_SHAPE, "%s: axis %d is empty", n->op_type, axis);
    int64_t d[OCT_MAX_RANK];
    int r = 0;
    for (int i = 0; i < x->rank; i++) {
        if (i != axis) d[r++] = x->dims[i];
        else if (keep) d[r++] = 1;
    }
    return oct_out_shape(out[0], OCT_DT_I64, r, d);
}

/* Compare as `better(v, best)`: strict for first index, non-strict for last. */
#define ARG_LOOP(T, LOAD)                                                                      \
    for (int64_t a = 0; a < na; a++)                                                           \
        for (int64_t b = 0; b < nb; b++) {                                                     \
            const size_t base = (size_t)(a * len * nb + b);                                    \
            T best = LOAD(base);                                                               \
            int64_t bi = 0;                                                                    \
            for (int64_t i = 1; i < len; i++) {                                                \
                T v = LOAD(base + (size_t)(i * nb));                                           \
                int better = is_min ? (last ? v <= best : v < best) : (last ? v >= best : v > best); \
                if (better) { best = v; bi = i; }                                              \
            }                                                                                  \
            y[a * nb + b] = bi;                                                                \
        }

#define LOAD_F32(i) (((const float *)x->data)[i])
#define LOAD_DBL(i) oct_dtype_get(x->dtype, x->data, i)
#define LOAD_INT(i) oct_ops_get_i64(x->dtype, x->data, i)

static oct_status arg_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0];
    int axis, keep, last;
    OCT_TRY(arg_params(n, x, &axis, &keep, &last));
    int is_min = !strcmp(n->op_type, "ArgMin");
    int64_t na = oct_shape_numel(axis, x->dims), len = x->dims[axis];
    int64_t nb = oct_shape_numel(x->rank - axis - 1, x->dims + axis + 1);
    int64_t *y = out[0]->data;
    if (x->dtype == OCT_DT_F32) {
        ARG_LOOP(float, LOAD_F32)
    } else if (oct_ops_dtype_is_float(x->dtype)) {
        ARG_LOOP(double, LOAD_DBL)
    } else {
        ARG_LOOP(int64_t, LOAD_INT)
    }
    return OCT_OK;
}

const oct_op_impl oct_op_ArgMax = {
    .infer = arg_infer,
    .compute = arg_compute,
};

const oct_op_impl oct_op_ArgMin = {
    .infer = arg_infer,
    .compute = arg_compute,
};
