/* octet — 16 x 16 in-register transpose for AVX-512 kernel files (include
 * only from *_avx512.c). */
#ifndef OCT_BACKEND_CPU_TRANSPOSE_AVX512_H
#define OCT_BACKEND_CPU_TRANSPOSE_AVX512_H

#include <immintrin.h>

/* Transpose a 16 x 16 block held in r[0..15] (row i = r[i]) in place. */
static inline void transpose16(__m512 r[16])
{
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
        r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
    }
    /* r[4q + s] now holds, for each 128-bit lane L, element s of rows 4q..4q+3
     * of columns 4L..4L+3; gather lanes across quads */
    for (int s = 0; s < 4; s++) {
        __m512 a0 = _mm512_shuffle_f32x4(r[s], r[4 + s], 0x44);     /* lanes 0,1 | 0,1 */
        __m512 a1 = _mm512_shuffle_f32x4(r[s], r[4 + s], 0xee);     /* lanes 2,3 | 2,3 */
        __m512 a2 = _mm512_shuffle_f32x4(r[8 + s], r[12 + s], 0x44);
        __m512 a3 = _mm512_shuffle_f32x4(r[8 + s], r[12 + s], 0xee);
        t[s] = _mm512_shuffle_f32x4(a0, a2, 0x88);      /* lane 0 of each quad */
        t[4 + s] = _mm512_shuffle_f32x4(a0, a2, 0xdd);  /* lane 1 */
        t[8 + s] = _mm512_shuffle_f32x4(a1, a3, 0x88);  /* lane 2 */
        t[12 + s] = _mm512_shuffle_f32x4(a1, a3, 0xdd); /* lane 3 */
    }
    for (int i = 0; i < 16; i++) r[i] = t[i];
}

#endif
