/* octet — ONNX ValueInfoProto (graph inputs, outputs, value_info) -> value type. */
#include <stdlib.h>
#include <string.h>

#include "onnx/import_internal.h"

static const char *type_kind(const Onnx__TypeProto *t)
{
    switch (t->value_case) {
    case ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE: return "tensor";
    case ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE: return "sequence";
    case ONNX__TYPE_PROTO__VALUE_MAP_TYPE: return "map";
    case ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE: return "optional";
    case ONNX__TYPE_PROTO__VALUE_SPARSE_TENSOR_TYPE: return "sparse tensor";
    default: return "unknown";
    }
}

oct_status oct_onnx_value_type(oct_graph *g, int v, const Onnx__ValueInfoProto *vi, const char *kind,
                               int strict)
{
    const char *name = g->val[v].name;
    const Onnx__TypeProto *t = vi->type;
    if (!t || t->value_case == ONNX__TYPE_PROTO__VALUE__NOT_SET) return OCT_OK; /* type unknown */
    if (t->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !t->tensor_type) {
        if (!strict) return OCT_OK;
        return oct_err(OCT_E_UNSUPPORTED, "%s '%.200s': %s types are not supported (only tensors)", kind, name,
                       type_kind(t));
    }
    const Onnx__TypeProto__Tensor *tt = t->tensor_type;
    int32_t et = tt->has_elem_type ? tt->elem_type : 0;
    if (et < 0 || et > OCT_DT_BF16) {
        if (!strict) return OCT_OK;
        return oct_err(OCT_E_UNSUPPORTED, "%s '%.200s': element type %d is not supported", kind, name, (int)et);
    }
    oct_value *val = &g->val[v];
    if (val->constant) return OCT_OK; /* the initializer's own type wins */
    if (et != 0 && val->dtype == OCT_DT_UNDEFINED) val->dtype = (oct_dtype)et;

    /* Validate the shape completely before touching the value's shape. */
    const Onnx__TensorShapeProto *sh = tt->shape;
    if (!sh || val->rank >= 0) return OCT_OK;
    size_t nd = sh->dim ? sh->n_dim : 0;
    if (nd > OCT_MAX_RANK) {
        if (!strict) return OCT_OK;
        return oct_err(OCT_E_UNSUPPORTED, "%s '%.200s': rank %zu exceeds the maximum %d", kind, name, nd,
                       OCT_MAX_RANK);
    }
    int rank = (int)nd;
    int64_t dims[OCT_MAX_RANK];
    const char *params[OCT_MAX_RANK] = {0};
    for (int i = 0; i < rank; i++) {
        const Onnx__TensorShapeProto__Dimension *d = sh->dim[i];
        dims[i] = -1;
        if (!d) continue;
        if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
            if (d->dim_value < 0) {
                if (!strict) return OCT_OK;
                return oct_err(OCT_E_PARSE, "%s '%.200s': negative dimension %lld", kind, name,
                               (long long)d->dim_value);
            }
            dims[i] = d->dim_value;
        } else if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM && d->dim_param &&
                   d->dim_param[0]) {
            params[i] = d->dim_param;
        }
    }
    char *copies[OCT_MAX_RANK] = {0};
    for (int i = 0; i < rank; i++)
        if (params[i] && !(copies[i] = oct_onnx_strdup(params[i]))) {
            for (int j = 0; j < i; j++) free(copies[j]);
            return oct_err(OCT_E_NOMEM, "out of memory");
        }
    val->rank = rank;
    for (int i = 0; i < rank; i++) {
        val->dims[i] = dims[i];
        free(val->dim_param[i]);
        val->dim_param[i] = copies[i];
    }
    return OCT_OK;
}
