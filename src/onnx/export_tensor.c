/* octet — oct_tensor -> ONNX TensorProto (raw_data, little-endian) and
 * oct_value -> ValueInfoProto (element type and shape). */
#include <string.h>

#include "onnx/export_internal.h"

oct_status oct_onnx_export_raw(oct_onnx_writer *w, const char *name, oct_dtype dt, int rank, const int64_t *dims,
                               const void *data, const char *desc, Onnx__TensorProto **out)
{
    *out = NULL;
    /* octet's dtype codes are ONNX's TensorProto.DataType values; every type an
     * octet tensor can hold has a fixed element size and goes into raw_data. */
    if (!oct_dtype_supported(dt))
        return oct_err(OCT_E_DTYPE, "%s: dtype %s (%d) cannot be written as an ONNX tensor", desc,
                       oct_dtype_name(dt), (int)dt);
    if (rank < 0 || rank > OCT_MAX_RANK) return oct_err(OCT_E_SHAPE, "%s: invalid rank %d", desc, rank);
    size_t nbytes;
    oct_status st = oct_shape_bytes(dt, rank, dims, &nbytes);
    if (st != OCT_OK) return oct_err_ctx(st, "%s: ", desc);
    if (nbytes && !data) return oct_err(OCT_E_INVALID, "%s: tensor has no data", desc);
    Onnx__TensorProto *tp = oct_onnx_arena_alloc(&w->ar, sizeof *tp);
    int64_t *d = oct_onnx_arena_array(&w->ar, (size_t)rank, sizeof *d);
    if (!tp || !d) return OCT_E_NOMEM;
    onnx__tensor_proto__init(tp);
    if (rank) memcpy(d, dims, (size_t)rank * sizeof *d);
    tp->n_dims = (size_t)rank;
    tp->dims = d;
    tp->has_data_type = 1;
    tp->data_type = (int32_t)dt;
    tp->name = (char *)(name ? name : "");
    tp->has_raw_data = 1;
    tp->raw_data.len = nbytes;
    tp->raw_data.data = (uint8_t *)data; /* borrowed: packing only reads it */
    *out = tp;
    return OCT_OK;
}

oct_status oct_onnx_export_tensor(oct_onnx_writer *w, const char *name, const oct_tensor *t, const char *desc,
                                  Onnx__TensorProto **out)
{
    *out = NULL;
    if (!t) return oct_err(OCT_E_INVALID, "%s: missing tensor", desc);
    return oct_onnx_export_raw(w, name, t->dtype, t->rank, t->dims, t->data, desc, out);
}

int oct_onnx_value_known(const oct_value *v) { return v->dtype != OCT_DT_UNDEFINED; }

static oct_status export_shape(oct_onnx_writer *w, const oct_value *v, Onnx__TensorShapeProto **out)
{
    Onnx__TensorShapeProto *sh = oct_onnx_arena_alloc(&w->ar, sizeof *sh);
    Onnx__TensorShapeProto__Dimension **dims = oct_onnx_arena_array(&w->ar, (size_t)v->rank, sizeof *dims);
    if (!sh || !dims) return OCT_E_NOMEM;
    onnx__tensor_shape_proto__init(sh);
    for (int i = 0; i < v->rank; i++) {
        Onnx__TensorShapeProto__Dimension *d = oct_onnx_arena_alloc(&w->ar, sizeof *d);
        if (!d) return OCT_E_NOMEM;
        onnx__tensor_shape_proto__dimension__init(d);
        if (v->dims[i] >= 0) {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            d->dim_value = v->dims[i];
        } else if (v->dim_param[i] && v->dim_param[i][0]) {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            d->dim_param = v->dim_param[i];
        } /* else: an unknown dim, neither value nor parameter */
        dims[i] = d;
    }
    sh->n_dim = (size_t)v->rank;
    sh->dim = dims;
    *out = sh;
    return OCT_OK;
}

oct_status oct_onnx_export_value_info(oct_onnx_writer *w, const char *name, const oct_value *v,
                                      Onnx__ValueInfoProto **out)
{
    *out = NULL;
    Onnx__ValueInfoProto *vi = oct_onnx_arena_alloc(&w->ar, sizeof *vi);
    Onnx__TypeProto *tp = oct_onnx_arena_alloc(&w->ar, sizeof *tp);
    Onnx__TypeProto__Tensor *tt = oct_onnx_arena_alloc(&w->ar, sizeof *tt);
    if (!vi || !tp || !tt) return OCT_E_NOMEM;
    onnx__value_info_proto__init(vi);
    onnx__type_proto__init(tp);
    onnx__type_proto__tensor__init(tt);
    if (v->dtype != OCT_DT_UNDEFINED) {
        tt->has_elem_type = 1;
        tt->elem_type = (int32_t)v->dtype;
    }
    if (v->rank > OCT_MAX_RANK) return oct_err(OCT_E_SHAPE, "value '%.200s': invalid rank %d", v->name, v->rank);
    if (v->rank >= 0) OCT_TRY(export_shape(w, v, &tt->shape));
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    vi->name = (char *)name;
    vi->type = tp;
    *out = vi;
    return OCT_OK;
}
