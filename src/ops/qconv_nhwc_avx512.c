/* octet — AVX-512 piece of the NHWC integer convolution's im2col
 * (qconv_nhwc.c): one pixel's window rows of at most 64 bytes, each a masked
 * 64-byte load and store (no call, no over-read: masked-off bytes are neither
 * read nor faulted on, so windows over the left / right border need no
 * special case). Called only after run-time detection of AVX-512. */
#include <immintrin.h>

#include "ops/qconv_nhwc_kern.h"

static inline __mmask64 low_bits(int64_t n)
{
    return n >= 64 ? ~(__mmask64)0 : n <= 0 ? 0 : (((__mmask64)1 << n) - 1);
}

void oct_nhwc_window_avx512(uint8_t *d, const uint8_t *const *rows, int64_t KH, int64_t off, int64_t rowb,
                            int64_t b0, int64_t b1, uint8_t pad, int64_t tail)
{
    __mmask64 m = low_bits(rowb), valid = low_bits(b1) & ~low_bits(b0);
    const __m512i pv = _mm512_set1_epi8((char)pad);
    for (int64_t ky = 0; ky < KH; ky++, d += rowb) {
        __m512i v = pv;
        if (rows[ky]) v = _mm512_mask_loadu_epi8(pv, valid, (const void *)((uintptr_t)rows[ky] + (uintptr_t)off));
        _mm512_mask_storeu_epi8(d, m, v);
    }
    for (; tail > 0; tail -= 64, d += 64) _mm512_mask_storeu_epi8(d, low_bits(tail), _mm512_setzero_si512());
}
