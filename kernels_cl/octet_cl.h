/* octet — shared definitions of the OpenCL kernels (the .cl files in kernels_cl/).
 * Embedded in the binary ahead of every kernel file (scripts/embed_cl.cmake);
 * the .cl files also #include it so that each compiles on its own
 * (tests/cl_compile.cmake builds every file for spir64 with clang, with and
 * without the feature macros below).
 *
 * Feature macros (defined by the OpenCL C 3.0 compiler for the device, or by
 * octet's build options from the device's extension string):
 *   __opencl_c_integer_dot_product_input_4x8bit_packed  -> dot_4x8packed_us_int
 *   cl_khr_fp16 / __opencl_c_fp16                        -> half arithmetic
 * Without them every kernel has a portable path: the 4-way dot product on
 * widened integers, fp16 as storage only (vload_half / vstore_half). */
#ifndef OCTET_CL_H
#define OCTET_CL_H

/* ---- 4-way u8 x s8 dot product on packed words ------------------------------ */
#if defined(__opencl_c_integer_dot_product_input_4x8bit_packed)
#define OCT_DOT4_IS_NATIVE 1
#define OCT_DOT4(a, b) dot_4x8packed_us_int((a), (b))
#elif defined(cl_khr_integer_dot_product)
#pragma OPENCL EXTENSION cl_khr_integer_dot_product : enable
#define OCT_DOT4_IS_NATIVE 1
#define OCT_DOT4(a, b) dot_4x8packed_us_int((a), (b))
#else
#define OCT_DOT4_IS_NATIVE 0
/* a: 4 uint8 (A, activations), b: 4 int8 (B, weights), little-endian bytes */
inline int oct_dot4_portable(uint a, uint b)
{
    int4 x = convert_int4(as_uchar4(a));
    int4 y = convert_int4(as_char4(b));
    int4 p = x * y;
    return p.s0 + p.s1 + p.s2 + p.s3;
}
#define OCT_DOT4(a, b) oct_dot4_portable((a), (b))
#endif

/* The same on 16 columns at once: acc[c] += dot4(a, b[c]) (sums wrap mod 2^32).
 * Portable: the 4 bytes of each b word are sign-extended by shifts, so each
 * product is one multiply-add on 16 lanes. */
#if OCT_DOT4_IS_NATIVE
#define OCT_DOT4_ACC16(acc, a, b)                                                                        \
    (acc) = as_int16(as_uint16(acc) +                                                                    \
                     as_uint16((int16)(OCT_DOT4(a, (b).s0), OCT_DOT4(a, (b).s1), OCT_DOT4(a, (b).s2),     \
                                       OCT_DOT4(a, (b).s3), OCT_DOT4(a, (b).s4), OCT_DOT4(a, (b).s5),     \
                                       OCT_DOT4(a, (b).s6), OCT_DOT4(a, (b).s7), OCT_DOT4(a, (b).s8),     \
                                       OCT_DOT4(a, (b).s9), OCT_DOT4(a, (b).sa), OCT_DOT4(a, (b).sb),     \
                                       OCT_DOT4(a, (b).sc), OCT_DOT4(a, (b).sd), OCT_DOT4(a, (b).se),     \
                                       OCT_DOT4(a, (b).sf))))
#else
#define OCT_DOT4_ACC16(acc, a, b)                                                                        \
    do {                                                                                                 \
        const int16 b_ = as_int16(b);                                                                    \
        int16 s_ = ((b_ << 24) >> 24) * (int)((a) & 0xffu);                                               \
        s_ += ((b_ << 16) >> 24) * (int)(((a) >> 8) & 0xffu);                                            \
        s_ += ((b_ << 8) >> 24) * (int)(((a) >> 16) & 0xffu);                                            \
        s_ += (b_ >> 24) * (int)((a) >> 24);                                                             \
        (acc) = as_int16(as_uint16(acc) + as_uint16(s_));                                                \
    } while (0)
#endif

/* ---- fp16 ------------------------------------------------------------------------ */
#if defined(cl_khr_fp16) || defined(__opencl_c_fp16)
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#define OCT_HAVE_HALF 1
#else
#define OCT_HAVE_HALF 0
#endif

/* ---- requantization, exactly as the CPU kernels (backend/cpu/qgemm.h) ------------ *
 * y = clamp(requant(acc, m0, shift) + zo, lo, hi); requant = x * m0 * 2^(-31-shift)
 * with gemmlowp's rounding: saturating left shift for shift < 0,
 * SaturatingRoundingDoublingHighMul, RoundingDivideByPOT for shift > 0. */
inline int oct_requant(int x, int m0, int shift)
{
    if (shift < 0) {
        long v = (long)x << (-shift);
        x = (int)clamp(v, (long)INT_MIN, (long)INT_MAX);
    }
    long p = (long)x * (long)m0 + (1L << 30);
    x = (int)(p >> 31);
    if (shift > 0) {
        int mask = (int)((1u << shift) - 1u);
        int rem = x & mask, thr = (mask >> 1) + (x < 0 ? 1 : 0);
        x = (x >> shift) + (rem > thr ? 1 : 0);
    }
    return x;
}

/* Activations fused into float epilogues (node act kinds). */
#define OCT_ACT_NONE 0
#define OCT_ACT_RELU 1
#define OCT_ACT_CLIP 2
#define OCT_ACT_LEAKY 3
inline float oct_act(float v, int kind, float a, float b)
{
    if (kind == OCT_ACT_RELU) return fmax(v, 0.0f);
    if (kind == OCT_ACT_CLIP) return fmin(fmax(v, a), b);
    if (kind == OCT_ACT_LEAKY) return v < 0.0f ? v * a : v;
    return v;
}

/* The same on vectors (the GEMM epilogues): OCT_ACT_VEC(float8) defines oct_act_float8. */
#define OCT_ACT_VEC(T)                                                                                   \
    inline T oct_act_##T(T v, int kind, float a, float b)                                                \
    {                                                                                                    \
        if (kind == OCT_ACT_RELU) return fmax(v, (T)(0.0f));                                             \
        if (kind == OCT_ACT_CLIP) return fmin(fmax(v, (T)(a)), (T)(b));                                  \
        if (kind == OCT_ACT_LEAKY) return select(v, v * a, v < (T)(0.0f));                               \
        return v;                                                                                        \
    }
OCT_ACT_VEC(float8)
OCT_ACT_VEC(float16)

#endif
