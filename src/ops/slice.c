/* Slice: opset 1-9 `starts`/`ends`/`axes` attributes; opset >= 10 inputs
 * starts, ends, axes, steps (negative steps, clamping as the ONNX spec). Any dtype. */
#include "ops/shape_util.h"

typedef struct {
    int64_t start[OCT_MAX_RANK], step[OCT_MAX_RANK], count[OCT_MAX_RANK];
} slice_params;

static oct_status slice_params_get(const oct_node *n, const oct_tensor *const *in, slice_params *p)
{
    const oct_tensor *x = in[0];
    int r = x->rank;
    int64_t st[OCT_MAX_RANK], en[OCT_MAX_RANK], ax[OCT_MAX_RANK], sp[OCT_MAX_RANK];
    int ns, ne, na, np = -1;
    OCT_TRY(oct_ops_ints_attr_or_input(n, in, "starts", 10, 1, st, OCT_MAX_RANK, &ns));
    OCT_TRY(oct_ops_ints_attr_or_input(n, in, "ends", 10, 2, en, OCT_MAX_RANK, &ne));
    OCT_TRY(oct_ops_ints_attr_or_input(n, in, "axes", 10, 3, ax, OCT_MAX_RANK, &na));
    if (n->opset >= 10) OCT_TRY(oct_ops_ints_attr_or_input(n, in, "steps", 10, 4, sp, OCT_MAX_RANK, &np));
    if (ns < 0 || ne < 0) return oct_err(OCT_E_INVALID, "Slice: 'starts' and 'ends' are required");
    if (ns != ne) return oct_err(OCT_E_INVALID, "Slice: %d starts but %d ends", ns, ne);
    if (na >= 0 && na != ns) return oct_err(OCT_E_INVALID, "Slice: %d axes for %d starts", na, ns);
    if (np >= 0 && np != ns) return oct_err(OCT_E_INVALID, "Slice: %d steps for %d starts", np, ns);
    int axes[OCT_MAX_RANK];
    if (na < 0) {
        if (ns > r) return oct_err(OCT_E_INVALID, "Slice: %d starts for a rank-%d input", ns, r);
        for (int i = 0; i < ns; i++) axes[i] = i;
    } else {
        uint32_t mask;
        OCT_TRY(oct_ops_norm_axes(n, ax, na, r, axes, &mask));
    }
    for (int i = 0; i < r; i++) {
        p->start[i] = 0;
        p->step[i] = 1;
        p->count[i] = x->dims[i];
    }
    for (int i = 0; i < ns; i++) {
        int a = axes[i];
        int64_t d = x->dims[a], step = np >= 0 ? sp[i] : 1, s = st[i], e = en[i];
        if (step == 0) return oct_err(OCT_E_INVALID, "Slice: step for axis %d is 0", a);
        if (s < 0) s += d;
        if (e < 0) e += d;
        int64_t cnt;
        if (step > 0) {
            s = s < 0 ? 0 : s > d ? d : s;
            e = e < 0 ? 0 : e > d ? d : e;
            cnt = e > s ? (e - s - 1) / step + 1 : 0;
        } else {
            s = s < 0 ? 0 : s > d - 1 ? d - 1 : s;
            e = e < -1 ? -1 : e > d - 1 ? d - 1 : e;
            if (step < -INT64_MAX) step = -INT64_MAX;
            cnt = s > e ? (s - e - 1) / (-step) + 1 : 0;
        }
        if (d == 0) cnt = 0;
        p->start[a] = cnt ? s : 0;
        p->step[a] = step;
        p->count[a] = cnt;
    }
    return OCT_OK;
}

static oct_status slice_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    if (n->opset < 10) OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    else OCT_TRY(oct_op_check_arity(n, in, 3, 5, 3));
    OCT_TRY(oct_ops_check_storable(n, in[0]->dtype));
    slice_params p;
    OCT_TRY(slice_params_get(n, in, &p));
    return oct_out_shape(out[0], in[0]->dtype, in[0]->rank, p.count);
}

static oct_status slice_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                const oct_exec *ex)
{
    const oct_tensor *x = in[0];
    slice_params p;
    OCT_TRY(slice_params_get(n, in, &p));
    if (oct_tensor_numel(out[0]) == 0) return OCT_OK;
    size_t es = oct_dtype_size(x->dtype);
    int64_t str[OCT_MAX_RANK], s[OCT_MAX_RANK], off = 0;
    oct_shape_strides(x->rank, x->dims, str);
    for (int i = 0; i < x->rank; i++) {
        off += p.start[i] * str[i];
        s[i] = p.step[i] * str[i];
    }
    oct_ops_strided_copy(out[0]->data, (const char *)x->data + off * (int64_t)es, es, x->rank, p.count, s,
                         ex->pool);
    return OCT_OK;
}

const oct_op_impl oct_op_Slice = {
    .shape_inputs = (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4),
    .infer = slice_infer,
    .compute = slice_compute,
};
