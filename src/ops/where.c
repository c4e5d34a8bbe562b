/* Where: y = cond ? x : w with numpy broadcasting of all three; x and w of
 * one dtype (any octet holds), cond bool. Copies elements by size. */
#include <string.h>

#include "ops/ew_opt.h"
#include "ops/broadcast.h"
#include "ops/op.h"

static oct_status where_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 3, 3, 3));
    if (in[0]->dtype != OCT_DT_BOOL)
        return oct_err(OCT_E_DTYPE, "Where: condition must be bool, got %s", oct_dtype_name(in[0]->dtype));
    if (in[1]->dtype != in[2]->dtype)
        return oct_err(OCT_E_DTYPE, "Where: X and Y dtypes differ (%s vs %s)", oct_dtype_name(in[1]->dtype),
                       oct_dtype_name(in[2]->dtype));
    if (!oct_dtype_supported(in[1]->dtype)) return oct_op_bad_dtype(n, in[1]->dtype);
    int rank;
    int64_t dims[OCT_MAX_RANK];
    OCT_TRY(oct_bcast_shape(3, in, &rank, dims));
    return oct_out_shape(out[0], in[1]->dtype, rank, dims);
}

#define WHERE_ROW(fname, T)                                                              \
    static void fname(void *ctx, void *y_, const void *const *x, const int *s, int64_t n) \
    {                                                                                    \
        (void)ctx;                                                                       \
        const uint8_t *c = x[0];                                                         \
        const T *a = x[1], *b = x[2];                                                    \
        T *y = y_;                                                                       \
        if (s[0] && s[1] && s[2]) {                                                      \
            for (int64_t i = 0; i < n; i++) y[i] = c[i] ? a[i] : b[i];                   \
        } else if (!s[0]) {                                                              \
            const T *src = c[0] ? a : b;                                                 \
            int ss = c[0] ? s[1] : s[2];                                                 \
            if (ss) memmove(y, src, (size_t)n * sizeof(T));                              \
            else for (int64_t i = 0; i < n; i++) y[i] = src[0];                          \
        } else {                                                                         \
            int64_t sa = s[1], sb = s[2];                                                \
            for (int64_t i = 0; i < n; i++) y[i] = c[i] ? a[i * sa] : b[i * sb];         \
        }                                                                                \
    }

WHERE_ROW(where_1, uint8_t)
WHERE_ROW(where_2, uint16_t)
WHERE_ROW(where_4, uint32_t)
WHERE_ROW(where_8, uint64_t)

static oct_status where_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                const oct_exec *ex)
{
    (void)n;
    oct_bcast_fn fn;
    switch (oct_dtype_size(in[1]->dtype)) {
    case 1: fn = where_1; break;
    case 2: fn = where_2; break;
    case 4: fn = where_4; break;
    case 8: fn = where_8; break;
    default: return oct_err(OCT_E_INTERNAL, "Where: unexpected element size");
    }
    oct_bcast_run(ex ? ex->pool : NULL, 3, in, out[0], fn, NULL);
    return OCT_OK;
}

const oct_op_impl oct_op_Where = {
    .infer = where_infer,
    .compute = where_compute,
};
