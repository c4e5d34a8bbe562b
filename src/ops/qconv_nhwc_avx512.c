/* octet — AVX-512 piece of the NHWC integer convolution's im2col
 * (qconv_nhwc.c): one pixel's window rows of at most 64 bytes, each a masked
 * 64-byte load and store (no call, no over-read). Called only after run-time
 * detection of AVX-512. */
#include <immintrin.h>

#include "ops/qconv_nhwc_kern.h"

void oct_nhwc_window_avx512(uint8_t *d, const uint8_t *const *rows, int64_t KH, int64_t off, int64_t rowb,
                            uint8_t pad)
{
    __mmask64 m = rowb >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << rowb) - 1);
    const __m512i pv = _mm512_set1_epi8((char)pad);
    for (int64_t ky = 0; ky < KH; ky++, d += rowb) {
        __m512i v = rows[ky] ? _mm512_maskz_loadu_epi8(m, rows[ky] + off) : pv;
        _mm512_mask_storeu_epi8(d, m, v);
    }
}
