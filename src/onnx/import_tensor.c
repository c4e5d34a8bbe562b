/* octet — ONNX TensorProto -> oct_tensor, and the test-data tensor loaders. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx/import_internal.h"
#include "onnx/onnx.h"

/* The typed repeated field that carries each dtype when raw_data is absent. */
typedef enum { F_FLOAT, F_DOUBLE, F_INT32, F_INT64, F_UINT64 } field_kind;

static field_kind field_for(oct_dtype dt)
{
    switch (dt) {
    case OCT_DT_F32: return F_FLOAT;
    case OCT_DT_F64: return F_DOUBLE;
    case OCT_DT_I64: return F_INT64;
    case OCT_DT_U32: case OCT_DT_U64: return F_UINT64;
    default: return F_INT32; /* i32 i16 i8 u16 u8 bool f16 bf16 */
    }
}

static const char *field_name(field_kind k)
{
    switch (k) {
    case F_FLOAT: return "float_data";
    case F_DOUBLE: return "double_data";
    case F_INT64: return "int64_data";
    case F_UINT64: return "uint64_data";
    default: return "int32_data";
    }
}

static size_t field_count(const Onnx__TensorProto *tp, field_kind k)
{
    switch (k) {
    case F_FLOAT: return tp->float_data ? tp->n_float_data : 0;
    case F_DOUBLE: return tp->double_data ? tp->n_double_data : 0;
    case F_INT64: return tp->int64_data ? tp->n_int64_data : 0;
    case F_UINT64: return tp->uint64_data ? tp->n_uint64_data : 0;
    default: return tp->int32_data ? tp->n_int32_data : 0;
    }
}

/* Copy n elements from the typed field into data (dtype dt). */
static void copy_typed(const Onnx__TensorProto *tp, oct_dtype dt, void *data, size_t n)
{
    switch (dt) {
    case OCT_DT_F32: memcpy(data, tp->float_data, n * sizeof(float)); break;
    case OCT_DT_F64: memcpy(data, tp->double_data, n * sizeof(double)); break;
    case OCT_DT_I64: memcpy(data, tp->int64_data, n * sizeof(int64_t)); break;
    case OCT_DT_U64: memcpy(data, tp->uint64_data, n * sizeof(uint64_t)); break;
    case OCT_DT_U32:
        for (size_t i = 0; i < n; i++) ((uint32_t *)data)[i] = (uint32_t)tp->uint64_data[i];
        break;
    case OCT_DT_I32: memcpy(data, tp->int32_data, n * sizeof(int32_t)); break;
    case OCT_DT_I16:
        for (size_t i = 0; i < n; i++) ((int16_t *)data)[i] = (int16_t)tp->int32_data[i];
        break;
    case OCT_DT_U16: case OCT_DT_F16: case OCT_DT_BF16:
        for (size_t i = 0; i < n; i++) ((uint16_t *)data)[i] = (uint16_t)tp->int32_data[i];
        break;
    case OCT_DT_I8:
        for (size_t i = 0; i < n; i++) ((int8_t *)data)[i] = (int8_t)tp->int32_data[i];
        break;
    case OCT_DT_U8:
        for (size_t i = 0; i < n; i++) ((uint8_t *)data)[i] = (uint8_t)tp->int32_data[i];
        break;
    case OCT_DT_BOOL:
        for (size_t i = 0; i < n; i++) ((uint8_t *)data)[i] = tp->int32_data[i] != 0;
        break;
    default: break;
    }
}

static int is_external(const Onnx__TensorProto *tp)
{
    return (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) ||
           tp->n_external_data > 0;
}

oct_status oct_onnx_tensor_convert(const Onnx__TensorProto *tp, const char *desc, oct_tensor **out)
{
    *out = NULL;
    if (!tp) return oct_err(OCT_E_PARSE, "%s: missing tensor", desc);
    if (is_external(tp))
        return oct_err(OCT_E_UNSUPPORTED, "%s: external data (tensor stored outside the model file) is not supported",
                       desc);
    if (tp->has_data_location && tp->data_location != ONNX__TENSOR_PROTO__DATA_LOCATION__DEFAULT)
        return oct_err(OCT_E_PARSE, "%s: unknown data_location %d", desc, (int)tp->data_location);
    if (tp->segment)
        return oct_err(OCT_E_UNSUPPORTED, "%s: segmented tensors are not supported", desc);

    int32_t raw_dt = tp->has_data_type ? tp->data_type : 0;
    if (raw_dt <= 0 || raw_dt > OCT_DT_BF16) {
        if (raw_dt == 0) return oct_err(OCT_E_PARSE, "%s: tensor has no data type", desc);
        return oct_err(OCT_E_UNSUPPORTED, "%s: data type %d is not supported", desc, (int)raw_dt);
    }
    oct_dtype dt = (oct_dtype)raw_dt;
    if (!oct_dtype_supported(dt))
        return oct_err(OCT_E_UNSUPPORTED, "%s: dtype %s is not supported", desc, oct_dtype_name(dt));

    if (tp->n_dims > OCT_MAX_RANK)
        return oct_err(OCT_E_UNSUPPORTED, "%s: rank %zu exceeds the maximum %d", desc, tp->n_dims, OCT_MAX_RANK);
    int rank = (int)tp->n_dims;
    int64_t dims[OCT_MAX_RANK] = {0};
    for (int i = 0; i < rank; i++) {
        dims[i] = tp->dims[i];
        if (dims[i] < 0)
            return oct_err(OCT_E_PARSE, "%s: negative dimension %lld", desc, (long long)dims[i]);
    }
    char shp[200];
    size_t nbytes;
    oct_status st = oct_shape_bytes(dt, rank, dims, &nbytes);
    if (st != OCT_OK) /* an overflowing size cannot match data held in the file */
        return oct_err_ctx(st == OCT_E_NOMEM ? OCT_E_PARSE : st, "%s: ", desc);
    size_t es = oct_dtype_size(dt);
    size_t numel = nbytes / es;

    field_kind fk = field_for(dt);
    size_t typed = field_count(tp, fk);
    int use_raw = tp->has_raw_data && (tp->raw_data.len > 0 || typed == 0);
    if (use_raw) {
        size_t rl = tp->raw_data.data ? tp->raw_data.len : 0;
        if (rl != nbytes)
            return oct_err(OCT_E_PARSE, "%s: %zu bytes of raw data for %s shape %s (expected %zu)", desc, rl,
                           oct_dtype_name(dt), oct_shape_str(rank, dims, shp, sizeof shp), nbytes);
    } else if (typed != numel) {
        return oct_err(OCT_E_PARSE, "%s: %zu values for shape %s (%s in %s)", desc, typed,
                       oct_shape_str(rank, dims, shp, sizeof shp), oct_dtype_name(dt), field_name(fk));
    }

    oct_tensor *t = oct_tensor_new(dt, rank, dims);
    if (!t) return oct_err_ctx(OCT_E_NOMEM, "%s: ", desc);
    if (numel > 0) {
        if (use_raw) {
            memcpy(t->data, tp->raw_data.data, nbytes);
            if (dt == OCT_DT_BOOL)
                for (size_t i = 0; i < numel; i++) ((uint8_t *)t->data)[i] = ((uint8_t *)t->data)[i] != 0;
        } else {
            copy_typed(tp, dt, t->data, numel);
        }
    }
    *out = t;
    return OCT_OK;
}

oct_status oct_onnx_load_tensor_buffer(const void *buf, size_t len, const char *what, oct_tensor **out,
                                       char **name)
{
    if (out) *out = NULL;
    if (name) *name = NULL;
    what = what ? what : "tensor";
    if (!out || (!buf && len)) return oct_err(OCT_E_INVALID, "%s: invalid arguments", what);
    Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, len, (const uint8_t *)buf);
    if (!tp) return oct_err(OCT_E_PARSE, "%s: truncated or corrupt protobuf (%zu bytes)", what, len);
    char desc[300];
    snprintf(desc, sizeof desc, "tensor '%.200s'", oct_onnx_str(tp->name));
    oct_tensor *t = NULL;
    oct_status st = oct_onnx_tensor_convert(tp, desc, &t);
    char *nm = NULL;
    if (st == OCT_OK && name) {
        nm = oct_onnx_strdup(tp->name);
        if (!nm) st = oct_err(OCT_E_NOMEM, "out of memory");
    }
    onnx__tensor_proto__free_unpacked(tp, NULL);
    if (st != OCT_OK) {
        oct_tensor_free(t);
        return oct_err_ctx(st, "%s: ", what);
    }
    *out = t;
    if (name) *name = nm;
    return OCT_OK;
}

oct_status oct_onnx_load_tensor_file(const char *path, oct_tensor **out, char **name)
{
    if (out) *out = NULL;
    if (name) *name = NULL;
    uint8_t *buf;
    size_t len;
    OCT_TRY(oct_onnx_read_file(path, &buf, &len));
    oct_status st = oct_onnx_load_tensor_buffer(buf, len, path, out, name);
    free(buf);
    return st;
}
