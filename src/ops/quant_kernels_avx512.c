/* octet — AVX-512 versions of the two float-side quantization loops that
 * dynamic quantization runs on every activation (QuantizeLinear's divide and
 * the range scan); the rest of the table is the AVX2 one (quant_kernels.c).
 * Same results as the scalar loops: IEEE division, round half to even, NaN
 * ignored by the range. */
#include <immintrin.h>

#include "ops/quant_kernels.h"

void oct_quant_quantize_avx512(const float *x, int64_t n, float scale, float lo, float hi, int32_t zo, int is_signed,
                               uint8_t *dst)
{
    const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi), vs = _mm512_set1_ps(scale);
    const __m512i vzo = _mm512_set1_epi32(zo);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_div_ps(_mm512_loadu_ps(x + i), vs);
        v = _mm512_min_ps(_mm512_max_ps(v, vlo), vhi);
        __m512i q = _mm512_add_epi32(_mm512_cvt_roundps_epi32(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), vzo);
        __m128i b = is_signed ? _mm512_cvtsepi32_epi8(q) : _mm512_cvtusepi32_epi8(_mm512_max_epi32(q, _mm512_setzero_si512()));
        _mm_storeu_si128((__m128i *)(dst + i), b);
    }
    oct_quant_quantize_scalar(x + i, n - i, scale, lo, hi, zo, is_signed, dst + i);
}

/* minps(x, acc) returns acc when x is NaN: NaN is ignored as in the scalar loop. */
void oct_quant_minmax_avx512(const float *x, int64_t n, float *lo, float *hi)
{
    __m512 a0 = _mm512_set1_ps(*lo), a1 = a0, b0 = _mm512_set1_ps(*hi), b1 = b0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512 v0 = _mm512_loadu_ps(x + i), v1 = _mm512_loadu_ps(x + i + 16);
        a0 = _mm512_min_ps(v0, a0);
        a1 = _mm512_min_ps(v1, a1);
        b0 = _mm512_max_ps(v0, b0);
        b1 = _mm512_max_ps(v1, b1);
    }
    float l = _mm512_reduce_min_ps(_mm512_min_ps(a0, a1)), h = _mm512_reduce_max_ps(_mm512_max_ps(b0, b1));
    oct_quant_minmax_scalar(x + i, n - i, &l, &h);
    *lo = l;
    *hi = h;
}
