/* octet — branch-free float math that compilers vectorise when inlined in a
 * loop (no libm calls). Accuracy: oct_vexpf ~2 ulp (Cephes polynomial),
 * oct_vtanhf / oct_vsigmoidf a few ulp. Used by ew_kernels.inc. */
#ifndef OCT_OPS_EW_VMATH_H
#define OCT_OPS_EW_VMATH_H

#include <stdint.h>
#include <string.h>

static inline float oct_vbits2f(int32_t i)
{
    float f;
    memcpy(&f, &i, 4);
    return f;
}

static inline int32_t oct_vf2bits(float f)
{
    int32_t i;
    memcpy(&i, &f, 4);
    return i;
}

/* Branch-free select (c ? a : b). A plain ?: on computed floats makes gcc
 * keep control flow (it may not speculate FP ops that could trap), which
 * blocks vectorisation; so does a ?: clamp followed by arithmetic (gcc
 * threads the constant arm into a branch). */
static inline float oct_vsel(int c, float a, float b)
{
    int32_t m = -(int32_t)(c != 0);
    return oct_vbits2f((oct_vf2bits(a) & m) | (oct_vf2bits(b) & ~m));
}

/* clamp to [lo, hi]; NaN stays NaN */
static inline float oct_vclampf(float x, float lo, float hi)
{
    x = oct_vsel(x < lo, lo, x);
    return oct_vsel(x > hi, hi, x);
}

static inline float oct_vabsf(float x) { return oct_vbits2f(oct_vf2bits(x) & 0x7fffffff); }

/* exp(x): overflows to inf above ~88.72, flushes to 0 below ~-103.9, NaN kept. */
static inline float oct_vexpf(float x)
{
    float xc = oct_vclampf(x, -104.0f, 100.0f);
    /* n = round(x / ln2) with the 1.5 * 2^23 trick */
    float t = xc * 1.44269504088896341f + 12582912.0f;
    /* integer math wraps (unsigned) so a NaN input cannot cause UB */
    int32_t n = (int32_t)((uint32_t)oct_vf2bits(t) - 0x4B400000u);
    float fn = t - 12582912.0f;
    float g = xc - fn * 0.693359375f;
    g = g - fn * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * g + 1.3981999507e-3f;
    p = p * g + 8.3334519073e-3f;
    p = p * g + 4.1665795894e-2f;
    p = p * g + 1.6666665459e-1f;
    p = p * g + 5.0000001201e-1f;
    float r = p * g * g + g + 1.0f;
    /* scale by 2^n in two steps: n in [-150, 145] keeps each factor a normal
     * float, and the product rounds to 0 / inf as it should */
    int32_t n1 = n >> 1, n2 = n - n1;
    return r * oct_vbits2f((int32_t)((uint32_t)(n1 + 127) << 23)) *
           oct_vbits2f((int32_t)((uint32_t)(n2 + 127) << 23));
}

static inline float oct_vsigmoidf(float x)
{
    return 1.0f / (1.0f + oct_vexpf(-x));
}

static inline float oct_vtanhf(float x)
{
    float ax = oct_vabsf(x);
    /* small |x|: odd polynomial (Cephes tanhf) */
    float z = x * x;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    float small = x + x * z * p;
    /* larger |x|: 1 - 2 / (exp(2|x|) + 1), saturating to 1, sign of x */
    float a2 = 2.0f * ax;
    a2 = oct_vsel(a2 > 40.0f, 40.0f, a2);
    float big = 1.0f - 2.0f / (oct_vexpf(a2) + 1.0f);
    big = oct_vbits2f(oct_vf2bits(big) | (oct_vf2bits(x) & (int32_t)0x80000000u));
    return oct_vsel(ax < 0.625f, small, big);
}

/* erf(x), branch-free, max abs error ~1e-7 (float rounding on top of fits
 * within 7e-9): |x| in [0,1): x * P0(2x^2 - 1); [1,2), [2,3), [3,3.92):
 * P_i(2(|x| - a_i) / (b_i - a_i) - 1); above 3.92 erf rounds to 1. The P_i
 * are Chebyshev interpolants of erf fitted with numpy for octet (degrees 6,
 * 10, 8, 6), written as power series in the interval variable. NaN kept. */
static const float oct_verf_c[11][4] = {
    {9.654687387e-01f, 9.661051465e-01f, 9.995930480e-01f, 9.999990078e-01f},
    {-1.405360973e-01f, 5.946514334e-02f, 1.089159037e-03f, 3.317499167e-06f},
    {1.985249714e-02f, -4.459885828e-02f, -1.361430079e-03f, -5.231293030e-06f},
    {-2.285419545e-03f, 1.734402592e-02f, 1.043535432e-03f, 5.019756558e-06f},
    {2.175135417e-04f, -2.787432252e-03f, -5.388658532e-04f, -3.783884394e-06f},
    {-1.766906803e-05f, -4.647140636e-04f, 1.919811320e-04f, 2.687731538e-06f},
    {1.230605481e-06f, 3.019917149e-04f, -4.384489546e-05f, -1.051336309e-06f},
    {0.0f, -3.672752580e-05f, 3.148504246e-06f, 0.0f},
    {0.0f, -9.276130675e-06f, 1.179848865e-06f, 0.0f},
    {0.0f, 3.008476245e-06f, 0.0f, 0.0f},
    {0.0f, -4.255892091e-08f, 0.0f, 0.0f},
};

static inline float oct_verff(float x)
{
    float ax = oct_vabsf(x);
    int i1 = ax >= 1.0f, i2 = ax >= 2.0f, i3 = ax >= 3.0f;
    float a = oct_vsel(i3, 3.0f, oct_vsel(i2, 2.0f, 1.0f));
    float w2 = oct_vsel(i3, 2.0f / 0.92f, 2.0f); /* 2 / (b - a) */
    float u = oct_vsel(i1, (ax - a) * w2 - 1.0f, 2.0f * ax * ax - 1.0f);
    float p = 0.0f;
    for (int k = 10; k >= 0; k--) {
        float c = oct_vsel(i3, oct_verf_c[k][3], oct_vsel(i2, oct_verf_c[k][2], oct_vsel(i1, oct_verf_c[k][1], oct_verf_c[k][0])));
        p = p * u + c;
    }
    float r = oct_vsel(i1, p, ax * p);
    r = oct_vsel(ax >= 3.92f, 1.0f, r);
    /* sign of x back (erf is odd) */
    return oct_vbits2f(oct_vf2bits(r) | (oct_vf2bits(x) & (int32_t)0x80000000u));
}

#endif
