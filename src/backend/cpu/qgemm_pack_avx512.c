/* octet — AVX-512 packing of A for the VNNI kernel (k-groups of 4 bytes):
 * a panel [g][r][4] is the transpose of the rows' 32-bit words (A as M x K),
 * or a byte interleave of 4 consecutive rows (A stored K x M). Same contract
 * as oct_qgemm_pack_a_panel (qgemm_kernels.h), mr <= 16. */
#include <immintrin.h>

#include "backend/cpu/qgemm_kernels.h"
#include "backend/cpu/transpose_avx512.h"

/* the k range [k0, K) of rows i0..i0+mr-1, scalar, zero-padded group */
static void pack_tail(const uint8_t *A, int64_t lda, int transA, uint8_t flip, int64_t i0, int mr, int64_t k0,
                      int64_t K, uint8_t *dst)
{
    for (int64_t g = k0 / 4; g < (K + 3) / 4; g++)
        for (int r = 0; r < mr; r++)
            for (int q = 0; q < 4; q++) {
                int64_t k = 4 * g + q;
                uint8_t v = 0;
                if (k < K) v = (transA ? A[k * lda + i0 + r] : A[(i0 + r) * lda + k]) ^ flip;
                dst[(g * mr + r) * 4 + q] = v;
            }
}

void oct_qgemm_pack_a_avx512(const void *A_, int64_t lda, int transA, int a_signed, int64_t i0, int mr,
                             int64_t K, int kg, void *dst_)
{
    const uint8_t *A = A_;
    uint8_t *dst = dst_;
    uint8_t flip = a_signed ? 0x80 : 0;
    if (kg != 4 || mr > 16) {
        oct_qgemm_pack_a_panel(A_, lda, transA, a_signed, i0, mr, K, kg, dst_);
        return;
    }
    __mmask16 rmask = (__mmask16)((1u << mr) - 1u);
    const __m512i flip64 = _mm512_set1_epi8((char)flip);
    int64_t k = 0;
    if (!transA) {
        /* 16 groups (64 bytes of each row) per 16 x 16 word transpose */
        for (; k + 64 <= K; k += 64) {
            __m512 r[16];
            for (int i = 0; i < 16; i++)
                r[i] = _mm512_castsi512_ps(
                    i < mr ? _mm512_xor_si512(_mm512_loadu_si512(A + (i0 + i) * lda + k), flip64)
                           : _mm512_setzero_si512());
            transpose16(r);
            uint8_t *d = dst + (k / 4) * mr * 4;
            for (int j = 0; j < 16; j++) _mm512_mask_storeu_epi32(d + j * mr * 4, rmask, _mm512_castps_si512(r[j]));
        }
        if (k < K) { /* the last K - k < 64 bytes of each row: masked loads, zero-padded groups */
            int64_t rem = K - k;
            __mmask64 bm = (__mmask64)((1ull << rem) - 1u);
            __m512 r[16];
            for (int i = 0; i < 16; i++)
                r[i] = _mm512_castsi512_ps(
                    i < mr ? _mm512_maskz_mov_epi8(bm, _mm512_xor_si512(_mm512_maskz_loadu_epi8(bm, A + (i0 + i) * lda + k),
                                                                        flip64))
                           : _mm512_setzero_si512());
            transpose16(r);
            uint8_t *d = dst + (k / 4) * mr * 4;
            for (int j = 0; j < (rem + 3) / 4; j++)
                _mm512_mask_storeu_epi32(d + j * mr * 4, rmask, _mm512_castps_si512(r[j]));
            k = K;
        }
    } else {
        const __m128i flip16 = _mm512_castsi512_si128(flip64);
        for (; k + 4 <= K; k += 4) {
            const uint8_t *s = A + k * lda + i0;
            __m128i r0 = _mm_xor_si128(_mm_maskz_loadu_epi8(rmask, s), flip16);
            __m128i r1 = _mm_xor_si128(_mm_maskz_loadu_epi8(rmask, s + lda), flip16);
            __m128i r2 = _mm_xor_si128(_mm_maskz_loadu_epi8(rmask, s + 2 * lda), flip16);
            __m128i r3 = _mm_xor_si128(_mm_maskz_loadu_epi8(rmask, s + 3 * lda), flip16);
            __m128i t0 = _mm_unpacklo_epi8(r0, r1), t1 = _mm_unpackhi_epi8(r0, r1);
            __m128i t2 = _mm_unpacklo_epi8(r2, r3), t3 = _mm_unpackhi_epi8(r2, r3);
            __m512i w = _mm512_castsi128_si512(_mm_unpacklo_epi16(t0, t2));
            w = _mm512_inserti32x4(w, _mm_unpackhi_epi16(t0, t2), 1);
            w = _mm512_inserti32x4(w, _mm_unpacklo_epi16(t1, t3), 2);
            w = _mm512_inserti32x4(w, _mm_unpackhi_epi16(t1, t3), 3);
            _mm512_mask_storeu_epi32(dst + k * mr, rmask, w);
        }
    }
    if (k < K) pack_tail(A, lda, transA, flip, i0, mr, k, K, dst);
}
