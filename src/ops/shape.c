/* Shape: the input's dims as a 1-D int64 tensor; opset 15 `start`/`end`
 * (negative counts from the back, clamped to [0, rank]). */
#include "ops/shape_util.h"

static void shape_range(const oct_node *n, int rank, int *b, int *e)
{
    int64_t s = n->opset >= 15 ? oct_attr_int(n, "start", 0) : 0;
    int64_t t = rank;
    if (n->opset >= 15 && oct_node_attr(n, "end")) t = oct_attr_int(n, "end", rank);
    if (s < 0) s += rank;
    if (t < 0) t += rank;
    s = s < 0 ? 0 : s > rank ? rank : s;
    t = t < 0 ? 0 : t > rank ? rank : t;
    *b = (int)s;
    *e = t > s ? (int)t : (int)s;
}

static oct_status shape_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    int b, e;
    shape_range(n, in[0]->rank, &b, &e);
    int64_t d = e - b;
    return oct_out_shape(out[0], OCT_DT_I64, 1, &d);
}

static oct_status shape_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                const oct_exec *ex)
{
    (void)ex;
    int b, e;
    shape_range(n, in[0]->rank, &b, &e);
    int64_t *y = out[0]->data;
    for (int i = b; i < e; i++) y[i - b] = in[0]->dims[i];
    return OCT_OK;
}

const oct_op_impl oct_op_Shape = {
    .infer = shape_infer,
    .compute = shape_compute,
};
