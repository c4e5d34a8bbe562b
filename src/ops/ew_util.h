/* octet — small dtype helpers for the generic (non-f32) elementwise paths. */
#ifndef OCT_OPS_EW_UTIL_H
#define OCT_OPS_EW_UTIL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/dtype.h"

/* dtype bit sets */
#define OCT_DTB(t) (1u << (t))
#define OCT_DTS_FLOAT (OCT_DTB(OCT_DT_F16) | OCT_DTB(OCT_DT_F32) | OCT_DTB(OCT_DT_F64))
#define OCT_DTS_SINT (OCT_DTB(OCT_DT_I8) | OCT_DTB(OCT_DT_I16) | OCT_DTB(OCT_DT_I32) | OCT_DTB(OCT_DT_I64))
#define OCT_DTS_UINT (OCT_DTB(OCT_DT_U8) | OCT_DTB(OCT_DT_U16) | OCT_DTB(OCT_DT_U32) | OCT_DTB(OCT_DT_U64))
#define OCT_DTS_INT (OCT_DTS_SINT | OCT_DTS_UINT)
#define OCT_DTS_NUM (OCT_DTS_FLOAT | OCT_DTS_INT)

static inline int oct_dt_in(oct_dtype t, uint32_t set)
{
    return (unsigned)t < 32 && (set & OCT_DTB(t)) != 0;
}

/* Integer element as int64 (u64 values above INT64_MAX come back wrapped;
 * oct_ew_set_i64 undoes that). Bool reads as 0/1. */
static inline int64_t oct_ew_get_i64(oct_dtype t, const void *p, size_t i)
{
    switch (t) {
    case OCT_DT_I8: return ((const int8_t *)p)[i];
    case OCT_DT_I16: return ((const int16_t *)p)[i];
    case OCT_DT_I32: return ((const int32_t *)p)[i];
    case OCT_DT_I64: return ((const int64_t *)p)[i];
    case OCT_DT_U8: return ((const uint8_t *)p)[i];
    case OCT_DT_U16: return ((const uint16_t *)p)[i];
    case OCT_DT_U32: return ((const uint32_t *)p)[i];
    case OCT_DT_U64: return (int64_t)((const uint64_t *)p)[i];
    case OCT_DT_BOOL: return ((const uint8_t *)p)[i] != 0;
    default: return 0;
    }
}

/* Store with two's-complement wrap-around (plain C conversion of the low bits). */
static inline void oct_ew_set_i64(oct_dtype t, void *p, size_t i, int64_t v)
{
    uint64_t u = (uint64_t)v;
    switch (t) {
    case OCT_DT_I8: ((int8_t *)p)[i] = (int8_t)(uint8_t)u; break;
    case OCT_DT_I16: ((int16_t *)p)[i] = (int16_t)(uint16_t)u; break;
    case OCT_DT_I32: ((int32_t *)p)[i] = (int32_t)(uint32_t)u; break;
    case OCT_DT_I64: ((int64_t *)p)[i] = v; break;
    case OCT_DT_U8: ((uint8_t *)p)[i] = (uint8_t)u; break;
    case OCT_DT_U16: ((uint16_t *)p)[i] = (uint16_t)u; break;
    case OCT_DT_U32: ((uint32_t *)p)[i] = (uint32_t)u; break;
    case OCT_DT_U64: ((uint64_t *)p)[i] = u; break;
    case OCT_DT_BOOL: ((uint8_t *)p)[i] = v != 0; break;
    default: break;
    }
}

/* Store a double, saturating for integer types (NaN -> 0) so that the
 * conversion is never undefined behaviour. */
static inline void oct_ew_set_f64(oct_dtype t, void *p, size_t i, double v)
{
    double lo, hi;
    switch (t) {
    case OCT_DT_I8: lo = -128.0; hi = 127.0; break;
    case OCT_DT_I16: lo = -32768.0; hi = 32767.0; break;
    case OCT_DT_I32: lo = -2147483648.0; hi = 2147483647.0; break;
    case OCT_DT_I64: lo = -9223372036854775808.0; hi = 9223372036854774784.0; break;
    case OCT_DT_U8: lo = 0; hi = 255.0; break;
    case OCT_DT_U16: lo = 0; hi = 65535.0; break;
    case OCT_DT_U32: lo = 0; hi = 4294967295.0; break;
    case OCT_DT_U64: lo = 0; hi = 18446744073709549568.0; break;
    case OCT_DT_BF16: {
        float f = (float)v;
        uint32_t b;
        memcpy(&b, &f, 4);
        /* truncation, as the ONNX (1.12) reference and its test data do */
        if ((b & 0x7fffffffu) > 0x7f800000u) b |= 0x00400000u; /* keep NaN a NaN */
        ((uint16_t *)p)[i] = (uint16_t)(b >> 16);
        return;
    }
    default: oct_dtype_set(t, p, i, v); return;
    }
    if (v != v) v = 0;
    v = v < lo ? lo : v > hi ? hi : v;
    oct_dtype_set(t, p, i, v);
}

#endif
