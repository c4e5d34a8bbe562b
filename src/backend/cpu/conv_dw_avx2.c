/* octet — depthwise row kernel, AVX2/FMA. */
#include <immintrin.h>

#include "backend/cpu/conv.h"

void oct_conv_axpy_avx2(float *y, const float *x, int64_t n, int64_t stride, float w)
{
    int64_t i = 0;
    if (stride == 1) {
        __m256 vw = _mm256_set1_ps(w);
        for (; i + 8 <= n; i += 8)
            _mm256_storeu_ps(y + i, _mm256_fmadd_ps(vw, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
        for (; i < n; i++) y[i] += w * x[i];
        return;
    }
    for (; i < n; i++) y[i] += w * x[i * stride];
}
