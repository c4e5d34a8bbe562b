/* octet — the INT8 GEMM epilogue of qgemm.h on 16 int32 lanes (AVX-512),
 * shared by the AVX-512 VNNI and AMX kernels: column term, then int32 out,
 * float out (scale, bias, clamp) or requantized uint8/int8 out. Include from
 * files compiled with AVX-512 F/BW/VL flags only. */
#ifndef OCT_BACKEND_CPU_QGEMM_EPI_AVX512_H
#define OCT_BACKEND_CPU_QGEMM_EPI_AVX512_H

#include <immintrin.h>

#include "backend/cpu/qgemm_kernels.h"


typedef struct epi_v {
    __mmask16 m[2];
    int out, has_fbias, clamp, any_left;
    __m512i ct[2], mul[2], mulo[2], ls[2], rs[2], rmask[2], rthr[2], qlo, qhi, zo;
    __m512 sc[2], fb[2];
} epi_v;

static inline void epi_init(epi_v *v, int nr, const oct_qgemm_tile *t)
{
    v->m[0] = nr >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << nr) - 1u);
    v->m[1] = nr >= 32 ? (__mmask16)0xffff : nr > 16 ? (__mmask16)((1u << (nr - 16)) - 1u) : (__mmask16)0;
    v->out = t->out;
    v->has_fbias = t->has_fbias;
    v->clamp = t->clamp;
    v->any_left = t->any_left;
    v->qlo = _mm512_set1_epi32(t->q_lo);
    v->qhi = _mm512_set1_epi32(t->q_hi);
    v->zo = _mm512_set1_epi32(t->zo);
    for (int h = 0; h < 2; h++) {
        v->ct[h] = _mm512_load_si512(t->colterm + 16 * h);
        v->sc[h] = _mm512_load_ps(t->scale + 16 * h);
        v->fb[h] = _mm512_load_ps(t->fbias + 16 * h);
        v->mul[h] = _mm512_load_si512(t->m0 + 16 * h);
        v->mulo[h] = _mm512_srli_epi64(v->mul[h], 32);
        v->ls[h] = _mm512_load_si512(t->lsh + 16 * h);
        v->rs[h] = _mm512_load_si512(t->rsh + 16 * h);
        v->rmask[h] = _mm512_sub_epi32(_mm512_sllv_epi32(_mm512_set1_epi32(1), v->rs[h]), _mm512_set1_epi32(1));
        v->rthr[h] = _mm512_srli_epi32(v->rmask[h], 1);
    }
}

/* oct_qgemm_requant on 16 lanes (see qgemm_scalar.c). */
static inline __m512i requant(const epi_v *v, int h, __m512i x)
{
    if (v->any_left) {
        __m512i s = _mm512_sllv_epi32(x, v->ls[h]);
        __mmask16 ovf = _mm512_cmpneq_epi32_mask(_mm512_srav_epi32(s, v->ls[h]), x);
        __m512i sat = _mm512_xor_si512(_mm512_srai_epi32(x, 31), _mm512_set1_epi32(INT32_MAX));
        x = _mm512_mask_mov_epi32(s, ovf, sat);
    }
    const __m512i half = _mm512_set1_epi64((long long)1 << 30);
    __m512i pe = _mm512_add_epi64(_mm512_mul_epi32(x, v->mul[h]), half);
    __m512i po = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), v->mulo[h]), half);
    /* bits 31..62 of each product: to the low dword (even) / high dword (odd) */
    __m512i y = _mm512_mask_blend_epi32((__mmask16)0xAAAA, _mm512_srli_epi64(pe, 31), _mm512_slli_epi64(po, 1));
    __m512i q = _mm512_srav_epi32(y, v->rs[h]);
    __m512i rem = _mm512_and_si512(y, v->rmask[h]);
    __m512i thr = _mm512_sub_epi32(v->rthr[h], _mm512_srai_epi32(y, 31));
    return _mm512_mask_add_epi32(q, _mm512_cmpgt_epi32_mask(rem, thr), q, _mm512_set1_epi32(1));
}

static inline void epi_half(const epi_v *v, const oct_qgemm_tile *t, int h, __m512i acc, void *dst)
{
    __mmask16 m = v->m[h];
    __m512i x = _mm512_add_epi32(acc, v->ct[h]);
    switch (v->out) {
    case OCT_QGEMM_OUT_S32: _mm512_mask_storeu_epi32(dst, m, x); break;
    case OCT_QGEMM_OUT_F32: {
        __m512 y = _mm512_mul_ps(_mm512_cvtepi32_ps(x), v->sc[h]);
        if (v->has_fbias) y = _mm512_add_ps(y, v->fb[h]);
        if (v->clamp) {
            y = _mm512_max_ps(y, _mm512_set1_ps(t->f_lo));
            y = _mm512_min_ps(y, _mm512_set1_ps(t->f_hi));
        }
        _mm512_mask_storeu_ps(dst, m, y);
        break;
    }
    default: {
        __m512i q = requant(v, h, x);
        q = _mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(q, v->qlo), v->qhi), v->zo);
        _mm_mask_storeu_epi8(dst, m, _mm512_cvtepi32_epi8(q));
        break;
    }
    }
}

static inline void epi_row(const epi_v *v, const oct_qgemm_tile *t, __m512i x0, __m512i x1, char *cr)
{
    size_t es = v->out == OCT_QGEMM_OUT_U8 || v->out == OCT_QGEMM_OUT_S8 ? 1 : 4;
    epi_half(v, t, 0, x0, cr);
    if (v->m[1]) epi_half(v, t, 1, x1, cr + 16 * es);
}

#endif
