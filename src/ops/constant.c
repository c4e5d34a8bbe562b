/* Constant: `value` (tensor), and from opset 12 `value_float(s)` /
 * `value_int(s)`. Strings and sparse tensors are not supported. */
#include <string.h>

#include "ops/shape_util.h"

static oct_status constant_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    (void)in;
    if (n->n_in != 0) return oct_err(OCT_E_INVALID, "Constant: takes no inputs, got %d", n->n_in);
    const oct_attr *a;
    if ((a = oct_node_attr(n, "value"))) {
        if (a->type != OCT_ATTR_TENSOR || !a->t)
            return oct_err(OCT_E_INVALID, "Constant: attribute 'value' is not a tensor");
        OCT_TRY(oct_ops_check_storable(n, a->t->dtype));
        return oct_out_shape(out[0], a->t->dtype, a->t->rank, a->t->dims);
    }
    if ((a = oct_node_attr(n, "value_float"))) return oct_out_shape(out[0], OCT_DT_F32, 0, NULL);
    if ((a = oct_node_attr(n, "value_int"))) return oct_out_shape(out[0], OCT_DT_I64, 0, NULL);
    if ((a = oct_node_attr(n, "value_floats")) || (a = oct_node_attr(n, "value_ints"))) {
        int64_t d = a->n;
        return oct_out_shape(out[0], a->type == OCT_ATTR_FLOATS ? OCT_DT_F32 : OCT_DT_I64, 1, &d);
    }
    if (oct_node_attr(n, "sparse_value"))
        return oct_err(OCT_E_UNSUPPORTED, "Constant: 'sparse_value' is not supported");
    if (oct_node_attr(n, "value_string") || oct_node_attr(n, "value_strings"))
        return oct_err(OCT_E_UNSUPPORTED, "Constant: string values are not supported");
    return oct_err(OCT_E_INVALID, "Constant: no value attribute");
}

static oct_status constant_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                   const oct_exec *ex)
{
    (void)in; (void)ex;
    const oct_attr *a;
    if ((a = oct_node_attr(n, "value"))) oct_ops_copy_data(out[0], a->t);
    else if ((a = oct_node_attr(n, "value_float"))) *(float *)out[0]->data = a->f;
    else if ((a = oct_node_attr(n, "value_int"))) *(int64_t *)out[0]->data = a->i;
    else if ((a = oct_node_attr(n, "value_floats"))) {
        if (a->n) memcpy(out[0]->data, a->floats, (size_t)a->n * sizeof(float));
    } else if ((a = oct_node_attr(n, "value_ints"))) {
        if (a->n) memcpy(out[0]->data, a->ints, (size_t)a->n * sizeof(int64_t));
    }
    return OCT_OK;
}

const oct_op_impl oct_op_Constant = {
    .infer = constant_infer,
    .compute = constant_compute,
};
