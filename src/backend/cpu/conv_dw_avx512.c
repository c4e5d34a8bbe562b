/* octet — depthwise row kernel, AVX-512 (stride 1: masked tail; stride 2:
 * even lanes of two vectors with one permute). */
#include <immintrin.h>

#include "backend/cpu/conv.h"

void oct_conv_axpy_avx512(float *y, const float *x, int64_t n, int64_t stride, float w)
{
    __m512 vw = _mm512_set1_ps(w);
    int64_t i = 0;
    if (stride == 1) {
        for (; i + 16 <= n; i += 16)
            _mm512_storeu_ps(y + i, _mm512_fmadd_ps(vw, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
        if (i < n) {
            __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
            __m512 v = _mm512_fmadd_ps(vw, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i));
            _mm512_mask_storeu_ps(y + i, m, v);
        }
        return;
    }
    if (stride == 2) {
        const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
        /* x[2i] for i < n reads up to x[2n - 2]: full vectors while 2i + 31 < 2n - 1 + 1 */
        for (; i + 16 <= n - 1; i += 16) {
            __m512 lo = _mm512_loadu_ps(x + 2 * i), hi = _mm512_loadu_ps(x + 2 * i + 16);
            __m512 v = _mm512_permutex2var_ps(lo, even, hi);
            _mm512_storeu_ps(y + i, _mm512_fmadd_ps(vw, v, _mm512_loadu_ps(y + i)));
        }
    }
    for (; i < n; i++) y[i] += w * x[i * stride];
}
