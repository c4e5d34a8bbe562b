/* octet — requantization parameters of an integer convolution (see qconv_params.h). */
#include "ops/qconv_params.h"

#include <stdlib.h>
#include <string.h>

#include "backend/cpu/qgemm.h"
#include "ops/quant_util.h"

static const oct_tensor *cval(const oct_graph *g, const oct_node *n, int i)
{
    return i < n->n_in && n->in[i] >= 0 ? g->val[n->in[i]].constant : NULL;
}

void oct_qconv_params_free(oct_qconv_params *p)
{
    free(p->m0);
    free(p->shift);
    memset(p, 0, sizeof *p);
}

oct_status oct_qconv_params_make(const oct_node *n, const oct_graph *g, oct_qconv_params *p)
{
    memset(p, 0, sizeof *p);
    const oct_tensor *xs = cval(g, n, 1), *xz = cval(g, n, 2), *w = cval(g, n, 3), *ws = cval(g, n, 4);
    const oct_tensor *wz = cval(g, n, 5), *ys = cval(g, n, 6), *yz = cval(g, n, 7);
    if (!xs || !xz || !w || !ws || !ys || !yz || w->dtype != OCT_DT_I8 || w->rank < 3)
        return oct_err(OCT_E_INVALID, "%s: constant int8 weights and constant scales / zero points required",
                       n->op_type);
    int64_t M = w->dims[0], nws = oct_tensor_numel(ws);
    if (nws != 1 && nws != M) return oct_err(OCT_E_SHAPE, "%s: w_scale must have 1 or %lld values", n->op_type, (long long)M);
    if (wz)
        for (int64_t i = 0; i < oct_tensor_numel(wz); i++)
            if (oct_dtype_get(wz->dtype, wz->data, (size_t)i) != 0)
                return oct_err(OCT_E_INVALID, "%s: weight zero points must be 0", n->op_type);
    p->m0 = malloc((size_t)(M > 0 ? M : 1) * sizeof *p->m0);
    p->shift = malloc((size_t)(M > 0 ? M : 1) * sizeof *p->shift);
    if (!p->m0 || !p->shift) {
        oct_qconv_params_free(p);
        return oct_err(OCT_E_NOMEM, "%s: out of memory", n->op_type);
    }
    float x_scale, y_scale;
    oct_quant_read_scale(xs, 1, &x_scale);
    oct_quant_read_scale(ys, 1, &y_scale);
    oct_quant_read_zp(xz, 1, &p->zx);
    oct_quant_read_zp(yz, 1, &p->zo);
    for (int64_t m = 0; m < M; m++) {
        float wsc = ((const float *)ws->data)[nws == 1 ? 0 : m];
        int sh = 0;
        double real = (double)oct_quant_mult(x_scale, wsc, y_scale);
        oct_status st = !(real > 0) || real >= 2147483648.0
                            ? oct_err(OCT_E_INVALID, "%s: bad requantization scale %g for channel %lld", n->op_type,
                                      real, (long long)m)
                            : oct_quant_multiplier(real, &p->m0[m], &sh);
        if (st != OCT_OK) {
            oct_qconv_params_free(p);
            return st;
        }
        p->shift[m] = sh;
    }
    p->M = M;
    p->xdt = xz->dtype;
    p->ydt = yz->dtype;
    int32_t clamp[2];
    if (oct_quant_act_clamp(n, y_scale, p->zo, p->ydt, clamp)) {
        p->q_lo = clamp[0];
        p->q_hi = clamp[1];
    } else {
        p->q_lo = oct_quant_lo(p->ydt);
        p->q_hi = oct_quant_hi(p->ydt);
    }
    return OCT_OK;
}
