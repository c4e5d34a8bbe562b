/* Helpers shared by the normalization ops (see norm_common.h). */
#include "ops/norm_common.h"

#include <stdlib.h>
#include <string.h>

static int param_bcast_ok(const oct_tensor *t, int rank, const int64_t *dims)
{
    if (t->rank > rank) {
        /* extra leading dims must be 1 */
        for (int i = 0; i < t->rank - rank; i++)
            if (t->dims[i] != 1) return 0;
    }
    for (int i = 1; i <= rank && i <= t->rank; i++) {
        int64_t a = t->dims[t->rank - i], b = dims[rank - i];
        if (a != b && a != 1) return 0;
    }
    return 1;
}

oct_status oct_norm_param_check(const oct_node *n, const char *what, const oct_tensor *t, int rank,
                                const int64_t *dims)
{
    if (t->dtype != OCT_DT_F32 && t->dtype != OCT_DT_F16 && t->dtype != OCT_DT_F64)
        return oct_op_bad_dtype(n, t->dtype);
    if (!param_bcast_ok(t, rank, dims)) {
        char a[64], b[64];
        return oct_err(OCT_E_SHAPE, "%s '%s': %s of shape %s does not broadcast to %s", n->op_type, n->name,
                       what, oct_shape_str(t->rank, t->dims, a, sizeof a), oct_shape_str(rank, dims, b, sizeof b));
    }
    return OCT_OK;
}

oct_status oct_norm_param_f32(const oct_node *n, const char *what, const oct_tensor *t, int rank,
                              const int64_t *dims, const float **out, float **owned)
{
    *owned = NULL;
    OCT_TRY(oct_norm_param_check(n, what, t, rank, dims));
    int64_t count = oct_shape_numel(rank, dims), tn = oct_tensor_numel(t);
    if (t->dtype == OCT_DT_F32 && tn == count) {
        *out = t->data;
        return OCT_OK;
    }
    float *buf = malloc((size_t)(count > 0 ? count : 1) * sizeof *buf);
    if (!buf) return oct_err(OCT_E_NOMEM, "%s '%s': out of memory", n->op_type, n->name);
    /* right-aligned broadcast strides of t over the target shape */
    int64_t st[OCT_MAX_RANK], idx[OCT_MAX_RANK] = {0};
    int64_t acc = 1;
    for (int i = rank - 1; i >= 0; i--) {
        int ti = t->rank - (rank - i);
        int64_t td = ti >= 0 ? t->dims[ti] : 1;
        st[i] = td == 1 ? 0 : acc;
        acc *= td;
    }
    for (int64_t k = 0; k < count; k++) {
        int64_t off = 0;
        for (int i = 0; i < rank; i++) off += idx[i] * st[i];
        buf[k] = (float)oct_dtype_get(t->dtype, t->data, (size_t)off);
        for (int i = rank - 1; i >= 0; i--) {
            if (++idx[i] < dims[i]) break;
            idx[i] = 0;
        }
    }
    *out = buf;
    *owned = buf;
    return OCT_OK;
}

void oct_norm_load(oct_dtype dt, const void *src, int64_t off, float *dst, int64_t n)
{
    if (dt == OCT_DT_F16) oct_f16_to_f32_n((const uint16_t *)src + off, dst, (size_t)n);
    else memcpy(dst, (const float *)src + off, (size_t)n * sizeof *dst);
}

void oct_norm_store(oct_dtype dt, const float *src, void *dst, int64_t off, int64_t n)
{
    if (dt == OCT_DT_F16) oct_f32_to_f16_n(src, (uint16_t *)dst + off, (size_t)n);
    else memcpy((float *)dst + off, src, (size_t)n * sizeof *src);
}
