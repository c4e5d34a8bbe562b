/* HannWindow, HammingWindow, BlackmanWindow (opset 17): a window of `size`
 * (a scalar int input, a shape input) samples of a generalised cosine window
 *   w[n] = a0 - a1 cos(2 pi n / M) + a2 cos(4 pi n / M),
 * M = size when periodic (default), size - 1 when symmetric. Computed in
 * double, stored as output_datatype (default f32; number types). */
#include <math.h>

#include "ops/ew_util.h"
#include "ops/shape_util.h"

#define WIN_PI 3.14159265358979323846

static oct_status win_size(const oct_node *n, const oct_tensor *const *in, int64_t *size, oct_dtype *dt)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    const oct_tensor *s = in[0];
    if (s->dtype != OCT_DT_I32 && s->dtype != OCT_DT_I64)
        return oct_err(OCT_E_DTYPE, "%s: size must be int32/int64, got %s", n->op_type, oct_dtype_name(s->dtype));
    if (oct_tensor_numel(s) != 1 || s->rank > 1)
        return oct_err(OCT_E_SHAPE, "%s: size must be a scalar", n->op_type);
    int64_t odt = oct_attr_int(n, "output_datatype", OCT_DT_F32);
    if (odt < 0 || odt > 31 || !oct_dt_in((oct_dtype)odt, OCT_DTS_NUM | OCT_DTB(OCT_DT_BF16)))
        return oct_err(OCT_E_UNSUPPORTED, "%s: output_datatype %lld is not supported", n->op_type, (long long)odt);
    *dt = (oct_dtype)odt;
    if (!s->data) return oct_err(OCT_E_UNSUPPORTED, "%s: size must be known when planning", n->op_type);
    *size = oct_ew_get_i64(s->dtype, s->data, 0);
    if (*size < 0) return oct_err(OCT_E_INVALID, "%s: size %lld is negative", n->op_type, (long long)*size);
    return OCT_OK;
}

static oct_status win_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    int64_t size;
    oct_dtype dt;
    OCT_TRY(win_size(n, in, &size, &dt));
    return oct_out_shape(out[0], dt, 1, &size);
}

static oct_status win_run(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out, double a0,
                          double a1, double a2)
{
    int64_t size;
    oct_dtype dt;
    OCT_TRY(win_size(n, in, &size, &dt));
    double M = (double)(oct_attr_int(n, "periodic", 1) ? size : size - 1);
    for (int64_t i = 0; i < size; i++) {
        double t = 2 * WIN_PI * (double)i / M;
        double v = M > 0 ? a0 - a1 * cos(t) + a2 * cos(2 * t) : 1.0; /* one-point symmetric window: 1 */
        oct_ew_set_f64(dt, out[0]->data, (size_t)i, v);
    }
    return OCT_OK;
}

static oct_status hann_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                               const oct_exec *ex)
{
    (void)ex;
    return win_run(n, in, out, 0.5, 0.5, 0.0);
}

static oct_status hamming_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                  const oct_exec *ex)
{
    (void)ex;
    return win_run(n, in, out, 25.0 / 46.0, 21.0 / 46.0, 0.0);
}

static oct_status blackman_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                   const oct_exec *ex)
{
    (void)ex;
    return win_run(n, in, out, 0.42, 0.5, 0.08);
}

const oct_op_impl oct_op_HannWindow = {.shape_inputs = 1u, .infer = win_infer, .compute = hann_compute};
const oct_op_impl oct_op_HammingWindow = {.shape_inputs = 1u, .infer = win_infer, .compute = hamming_compute};
const oct_op_impl oct_op_BlackmanWindow = {.shape_inputs = 1u, .infer = win_infer, .compute = blackman_compute};
