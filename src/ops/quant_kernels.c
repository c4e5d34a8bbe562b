/* octet — portable integer Conv kernels (see quant_kernels.h). */
#include "ops/quant_kernels.h"

#include <pthread.h>

#include "core/cpu.h"
#include "ops/quant_util.h"

static void mac_u8(uint32_t *acc, const uint8_t *x, int64_t n, int64_t stride, int32_t w, int32_t zx)
{
    if (stride == 1)
        for (int64_t i = 0; i < n; i++) acc[i] += (uint32_t)(w * ((int32_t)x[i] - zx));
    else
        for (int64_t i = 0; i < n; i++) acc[i] += (uint32_t)(w * ((int32_t)x[i * stride] - zx));
}

static void mac_s8(uint32_t *acc, const uint8_t *x_, int64_t n, int64_t stride, int32_t w, int32_t zx)
{
    const int8_t *x = (const int8_t *)x_;
    if (stride == 1)
        for (int64_t i = 0; i < n; i++) acc[i] += (uint32_t)(w * ((int32_t)x[i] - zx));
    else
        for (int64_t i = 0; i < n; i++) acc[i] += (uint32_t)(w * ((int32_t)x[i * stride] - zx));
}

void oct_quant_scatter_q_scalar(const float *src, int64_t ld, int64_t P, int64_t Mg, uint8_t *dst, int64_t ldd,
                                float lo, float hi, int32_t zo, int is_signed)
{
    (void)is_signed; /* u8 and i8 results have the same low byte */
    const int64_t PB = 64;
    for (int64_t p0 = 0; p0 < P; p0 += PB) {
        int64_t p1 = p0 + PB < P ? p0 + PB : P;
        for (int64_t m = 0; m < Mg; m++)
            for (int64_t p = p0; p < p1; p++) dst[m * ldd + p] = (uint8_t)(oct_quant_rne(src[p * ld + m], lo, hi) + zo);
    }
}

void oct_quant_scatter_i32_scalar(const int32_t *src, int64_t ld, int64_t P, int64_t Mg, int32_t *dst, int64_t ldd)
{
    const int64_t PB = 64;
    for (int64_t p0 = 0; p0 < P; p0 += PB) {
        int64_t p1 = p0 + PB < P ? p0 + PB : P;
        for (int64_t m = 0; m < Mg; m++)
            for (int64_t p = p0; p < p1; p++) dst[m * ldd + p] = src[p * ld + m];
    }
}

void oct_quant_finish_q_scalar(const uint32_t *acc, int64_t n, uint32_t bias, float mult, float lo, float hi,
                               int32_t zo, int is_signed, uint8_t *dst)
{
    (void)is_signed;
    for (int64_t i = 0; i < n; i++)
        dst[i] = (uint8_t)(oct_quant_rne((float)(int32_t)(acc[i] + bias) * mult, lo, hi) + zo);
}

void oct_quant_finish_i32_scalar(const uint32_t *acc, int64_t n, uint32_t bias, int32_t *dst)
{
    for (int64_t i = 0; i < n; i++) dst[i] = (int32_t)(acc[i] + bias);
}

void oct_quant_round_q_scalar(const float *src, int64_t n, float lo, float hi, int32_t zo, int is_signed,
                              uint8_t *dst)
{
    (void)is_signed;
    for (int64_t i = 0; i < n; i++) dst[i] = (uint8_t)(oct_quant_rne(src[i], lo, hi) + zo);
}

void oct_quant_quantize_scalar(const float *x, int64_t n, float scale, float lo, float hi, int32_t zo, int is_signed,
                               uint8_t *dst)
{
    (void)is_signed;
    for (int64_t i = 0; i < n; i++) dst[i] = (uint8_t)(oct_quant_rne(x[i] / scale, lo, hi) + zo);
}

void oct_quant_dequantize_scalar(const uint8_t *x, int64_t n, int is_signed, int32_t zp, float scale, float *y)
{
    if (is_signed)
        for (int64_t i = 0; i < n; i++) y[i] = (float)((int32_t)(int8_t)x[i] - zp) * scale;
    else
        for (int64_t i = 0; i < n; i++) y[i] = (float)((int32_t)x[i] - zp) * scale;
}

void oct_quant_minmax_scalar(const float *x, int64_t n, float *lo, float *hi)
{
    float a = *lo, b = *hi;
    for (int64_t i = 0; i < n; i++) {
        a = x[i] < a ? x[i] : a;
        b = x[i] > b ? x[i] : b;
    }
    *lo = a;
    *hi = b;
}

const oct_quant_kernels oct_quant_kernels_portable = {
    mac_u8, mac_s8, oct_quant_scatter_q_scalar, oct_quant_scatter_i32_scalar, oct_quant_finish_q_scalar,
    oct_quant_finish_i32_scalar, oct_quant_round_q_scalar, oct_quant_quantize_scalar, oct_quant_dequantize_scalar,
    oct_quant_minmax_scalar,
};

static oct_quant_kernels kernels_avx512;
static pthread_once_t avx512_once = PTHREAD_ONCE_INIT;

static void init_avx512(void)
{
    kernels_avx512 = oct_quant_kernels_avx2;
    kernels_avx512.quantize = oct_quant_quantize_avx512;
    kernels_avx512.minmax = oct_quant_minmax_avx512;
}

const oct_quant_kernels *oct_quant_kernels_get(void)
{
    oct_cpu_level lvl = oct_cpu_level_get();
    if (lvl >= OCT_CPU_AVX512) {
        pthread_once(&avx512_once, init_avx512);
        return &kernels_avx512;
    }
    return lvl >= OCT_CPU_AVX2 ? &oct_quant_kernels_avx2 : &oct_quant_kernels_portable;
}
