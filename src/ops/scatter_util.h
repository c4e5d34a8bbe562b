/* octet — the reduction of ScatterND / ScatterElements: dst[di] = dst[di] (op) src[si]. */
#ifndef OCT_OPS_SCATTER_UTIL_H
#define OCT_OPS_SCATTER_UTIL_H

#include <string.h>

#include "ops/ew_util.h"
#include "ops/op.h"

typedef enum oct_scatter_red {
    OCT_SCATTER_NONE,
    OCT_SCATTER_ADD,
    OCT_SCATTER_MUL,
    OCT_SCATTER_MAX,
    OCT_SCATTER_MIN
} oct_scatter_red;

/* `reduction` attribute: none (default) / add / mul from opset 16, max / min
 * from 18; validates the data dtype (reductions need a number type). */
static inline oct_status oct_scatter_reduction(const oct_node *n, oct_dtype dt, oct_scatter_red *r)
{
    const char *s = oct_attr_str(n, "reduction", "none");
    if (!strcmp(s, "none")) *r = OCT_SCATTER_NONE;
    else if (!strcmp(s, "add")) *r = OCT_SCATTER_ADD;
    else if (!strcmp(s, "mul")) *r = OCT_SCATTER_MUL;
    else if (!strcmp(s, "max") && n->opset >= 18) *r = OCT_SCATTER_MAX;
    else if (!strcmp(s, "min") && n->opset >= 18) *r = OCT_SCATTER_MIN;
    else
        return oct_err(OCT_E_INVALID, "%s: reduction '%s' is not valid at opset %d (none, add, mul%s)", n->op_type, s,
                       n->opset, n->opset >= 18 ? ", max, min" : "");
    if (*r != OCT_SCATTER_NONE && n->opset < 16)
        return oct_err(OCT_E_INVALID, "%s: the reduction attribute needs opset 16, the model has %d", n->op_type,
                       n->opset);
    if (*r != OCT_SCATTER_NONE && !oct_dt_in(dt, OCT_DTS_NUM | OCT_DTB(OCT_DT_BF16)))
        return oct_err(OCT_E_UNSUPPORTED, "%s: reduction '%s' on dtype %s is not supported", n->op_type, s,
                       oct_dtype_name(dt));
    return OCT_OK;
}

/* dst[di] = red(dst[di], src[si]) for elements of dtype dt (size es). */
static inline void oct_scatter_apply(oct_scatter_red r, oct_dtype dt, size_t es, void *dst, size_t di,
                                     const void *src, size_t si)
{
    if (r == OCT_SCATTER_NONE) {
        memcpy((char *)dst + di * es, (const char *)src + si * es, es);
        return;
    }
    if (dt == OCT_DT_F32) {
        float *d = (float *)dst + di, s = ((const float *)src)[si];
        *d = r == OCT_SCATTER_ADD ? *d + s : r == OCT_SCATTER_MUL ? *d * s : r == OCT_SCATTER_MAX ? (s > *d ? s : *d)
                                                                                                  : (s < *d ? s : *d);
    } else if (oct_dt_in(dt, OCT_DTS_INT)) {
        int64_t a = oct_ew_get_i64(dt, dst, di), b = oct_ew_get_i64(dt, src, si), v;
        int uns = oct_dt_in(dt, OCT_DTS_UINT);
        /* add / mul in unsigned arithmetic: wrap-around, never UB */
        if (r == OCT_SCATTER_ADD) v = (int64_t)((uint64_t)a + (uint64_t)b);
        else if (r == OCT_SCATTER_MUL) v = (int64_t)((uint64_t)a * (uint64_t)b);
        else {
            int b_gt = uns ? (uint64_t)b > (uint64_t)a : b > a;
            v = (r == OCT_SCATTER_MAX) == b_gt ? b : a;
        }
        oct_ew_set_i64(dt, dst, di, v);
    } else {
        double a = oct_dtype_get(dt, dst, di), b = oct_dtype_get(dt, src, si);
        double v = r == OCT_SCATTER_ADD ? a + b : r == OCT_SCATTER_MUL ? a * b : r == OCT_SCATTER_MAX ? (b > a ? b : a)
                                                                                                   : (b < a ? b : a);
        oct_dtype_set(dt, dst, di, v);
    }
}

#endif
