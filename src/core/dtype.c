#include "core/dtype.h"

#include <math.h>
#include <string.h>

size_t oct_dtype_size(oct_dtype t)
{
    switch (t) {
    case OCT_DT_F32: case OCT_DT_I32: case OCT_DT_U32: return 4;
    case OCT_DT_U8: case OCT_DT_I8: case OCT_DT_BOOL: return 1;
    case OCT_DT_U16: case OCT_DT_I16: case OCT_DT_F16: case OCT_DT_BF16: return 2;
    case OCT_DT_I64: case OCT_DT_U64: case OCT_DT_F64: return 8;
    default: return 0;
    }
}

const char *oct_dtype_name(oct_dtype t)
{
    switch (t) {
    case OCT_DT_F32: return "f32";
    case OCT_DT_U8: return "u8";
    case OCT_DT_I8: return "i8";
    case OCT_DT_U16: return "u16";
    case OCT_DT_I16: return "i16";
    case OCT_DT_I32: return "i32";
    case OCT_DT_I64: return "i64";
    case OCT_DT_STRING: return "string";
    case OCT_DT_BOOL: return "bool";
    case OCT_DT_F16: return "f16";
    case OCT_DT_F64: return "f64";
    case OCT_DT_U32: return "u32";
    case OCT_DT_U64: return "u64";
    case OCT_DT_COMPLEX64: return "complex64";
    case OCT_DT_COMPLEX128: return "complex128";
    case OCT_DT_BF16: return "bf16";
    default: return "undefined";
    }
}

int oct_dtype_supported(oct_dtype t) { return oct_dtype_size(t) != 0; }

float oct_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: normalise */
            int e = -1;
            do { e++; man <<= 1; } while (!(man & 0x400u));
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ffu) << 13);
        }
    } else if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t oct_f32_to_f16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t absx = x & 0x7fffffffu;
    if (absx >= 0x7f800000u) /* inf or nan */
        return (uint16_t)(sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u | ((absx >> 13) & 0x3ffu) : 0));
    if (absx >= 0x477ff000u) /* rounds to >= 65520: overflow to inf */
        return (uint16_t)(sign | 0x7c00u);
    if (absx < 0x38800000u) { /* below smallest normal half: subnormal or zero */
        if (absx < 0x33000000u) return (uint16_t)sign; /* < 2^-25 rounds to 0 */
        uint32_t e = absx >> 23;
        uint32_t m = (absx & 0x7fffffu) | 0x800000u;
        int shift = (int)(126 - e); /* bits to drop so that ulp = 2^-24 */
        uint32_t half = m >> shift;
        uint32_t rem = m & ((1u << shift) - 1);
        uint32_t mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1))) half++;
        return (uint16_t)(sign | half);
    }
    uint32_t h = ((absx - 0x38000000u) >> 13);
    uint32_t rem = absx & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) h++;
    return (uint16_t)(sign | h);
}

void oct_f16_to_f32_n(const uint16_t *src, float *dst, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] = oct_f16_to_f32(src[i]);
}

void oct_f32_to_f16_n(const float *src, uint16_t *dst, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] = oct_f32_to_f16(src[i]);
}

float oct_bf16_to_f32(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t oct_f32_to_bf16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u); /* quiet nan */
    x += 0x7fffu + ((x >> 16) & 1u); /* round to nearest even */
    return (uint16_t)(x >> 16);
}

double oct_dtype_get(oct_dtype t, const void *data, size_t i)
{
    switch (t) {
    case OCT_DT_F32: return ((const float *)data)[i];
    case OCT_DT_F64: return ((const double *)data)[i];
    case OCT_DT_F16: return oct_f16_to_f32(((const uint16_t *)data)[i]);
    case OCT_DT_BF16: return oct_bf16_to_f32(((const uint16_t *)data)[i]);
    case OCT_DT_U8: return ((const uint8_t *)data)[i];
    case OCT_DT_I8: return ((const int8_t *)data)[i];
    case OCT_DT_U16: return ((const uint16_t *)data)[i];
    case OCT_DT_I16: return ((const int16_t *)data)[i];
    case OCT_DT_I32: return ((const int32_t *)data)[i];
    case OCT_DT_U32: return ((const uint32_t *)data)[i];
    case OCT_DT_I64: return (double)((const int64_t *)data)[i];
    case OCT_DT_U64: return (double)((const uint64_t *)data)[i];
    case OCT_DT_BOOL: return ((const uint8_t *)data)[i] ? 1.0 : 0.0;
    default: return 0.0;
    }
}

static int64_t to_i64(double v)
{
    if (!(v == v)) return 0;
    if (v >= 9223372036854775807.0) return INT64_MAX;
    if (v <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)v;
}

void oct_dtype_set(oct_dtype t, void *data, size_t i, double v)
{
    switch (t) {
    case OCT_DT_F32: ((float *)data)[i] = (float)v; break;
    case OCT_DT_F64: ((double *)data)[i] = v; break;
    case OCT_DT_F16: ((uint16_t *)data)[i] = oct_f32_to_f16((float)v); break;
    case OCT_DT_BF16: ((uint16_t *)data)[i] = oct_f32_to_bf16((float)v); break;
    /* integers: truncate toward zero, saturate to int64 (NaN: 0), then wrap to the width (two's
     * complement), as C's out-of-range float -> integer conversion is undefined */
    case OCT_DT_U8: ((uint8_t *)data)[i] = (uint8_t)to_i64(v); break;
    case OCT_DT_I8: ((int8_t *)data)[i] = (int8_t)(uint8_t)to_i64(v); break;
    case OCT_DT_U16: ((uint16_t *)data)[i] = (uint16_t)to_i64(v); break;
    case OCT_DT_I16: ((int16_t *)data)[i] = (int16_t)(uint16_t)to_i64(v); break;
    case OCT_DT_I32: ((int32_t *)data)[i] = (int32_t)(uint32_t)to_i64(v); break;
    case OCT_DT_U32: ((uint32_t *)data)[i] = (uint32_t)to_i64(v); break;
    case OCT_DT_I64: ((int64_t *)data)[i] = to_i64(v); break;
    case OCT_DT_U64: ((uint64_t *)data)[i] = v >= 9223372036854775808.0 ? (v < 18446744073709551616.0 ? (uint64_t)v : UINT64_MAX)
                                                                        : (uint64_t)to_i64(v); break;
    case OCT_DT_BOOL: ((uint8_t *)data)[i] = v != 0.0; break;
    default: break;
    }
}
