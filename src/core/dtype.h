/* octet — element types. Values equal ONNX TensorProto.DataType. */
#ifndef OCT_CORE_DTYPE_H
#define OCT_CORE_DTYPE_H

#include <stddef.h>
#include <stdint.h>

typedef enum oct_dtype {
    OCT_DT_UNDEFINED = 0,
    OCT_DT_F32 = 1,
    OCT_DT_U8 = 2,
    OCT_DT_I8 = 3,
    OCT_DT_U16 = 4,
    OCT_DT_I16 = 5,
    OCT_DT_I32 = 6,
    OCT_DT_I64 = 7,
    OCT_DT_STRING = 8,
    OCT_DT_BOOL = 9,
    OCT_DT_F16 = 10,
    OCT_DT_F64 = 11,
    OCT_DT_U32 = 12,
    OCT_DT_U64 = 13,
    OCT_DT_COMPLEX64 = 14,
    OCT_DT_COMPLEX128 = 15,
    OCT_DT_BF16 = 16
} oct_dtype;

/* Bytes per element; 0 for types octet cannot hold (string, complex, undefined). */
size_t oct_dtype_size(oct_dtype t);
/* Short lowercase name: "f32", "i64", "bool", ...; "dtype(N)" style for unknown. */
const char *oct_dtype_name(oct_dtype t);
/* 1 when octet can store tensors of this type. */
int oct_dtype_supported(oct_dtype t);

float oct_f16_to_f32(uint16_t h);
uint16_t oct_f32_to_f16(float f); /* round to nearest even, inf/nan kept */
void oct_f16_to_f32_n(const uint16_t *src, float *dst, size_t n);
void oct_f32_to_f16_n(const float *src, uint16_t *dst, size_t n);
float oct_bf16_to_f32(uint16_t h);
uint16_t oct_f32_to_bf16(float f); /* round to nearest even */

/* Read element i of a buffer of type t as double / write a double into it
 * (saturating casts are NOT done here: plain C conversion, used by generic code). */
double oct_dtype_get(oct_dtype t, const void *data, size_t i);
void oct_dtype_set(oct_dtype t, void *data, size_t i, double v);

#endif
