/* octet — hot loops of the quantization ops: the integer Conv engine
 * (quant_conv.c), the requantization passes (quant_util.c, quant_matmul.c),
 * Quantize / DequantizeLinear; compiled
 * portable (quant_kernels.c) and with AVX2 at -O3 (quant_kernels_avx2.c);
 * oct_quant_kernels() picks by oct_cpu_level_get(). All variants give the
 * same bits (rounding as oct_quant_rne in quant_util.h). */
#ifndef OCT_OPS_QUANT_KERNELS_H
#define OCT_OPS_QUANT_KERNELS_H

#include <stdint.h>

typedef struct oct_quant_kernels {
    /* acc[i] += w * (x[i * stride] - zx), i < n (sums wrap) */
    void (*mac_u8)(uint32_t *acc, const uint8_t *x, int64_t n, int64_t stride, int32_t w, int32_t zx);
    void (*mac_s8)(uint32_t *acc, const uint8_t *x, int64_t n, int64_t stride, int32_t w, int32_t zx);
    /* dst[m * ldd + p] = saturate(rne(src[p * ld + m]) + zo) for p < P, m < Mg;
     * [lo, hi] = the output range minus zo; u8 or i8 (is_signed) bytes */
    void (*scatter_q)(const float *src, int64_t ld, int64_t P, int64_t Mg, uint8_t *dst, int64_t ldd, float lo,
                      float hi, int32_t zo, int is_signed);
    /* dst[m * ldd + p] = src[p * ld + m] */
    void (*scatter_i32)(const int32_t *src, int64_t ld, int64_t P, int64_t Mg, int32_t *dst, int64_t ldd);
    /* dst[i] = saturate(rne((float)(int32)(acc[i] + bias) * mult) + zo) as u8 / i8 bytes */
    void (*finish_q)(const uint32_t *acc, int64_t n, uint32_t bias, float mult, float lo, float hi, int32_t zo,
                     int is_signed, uint8_t *dst);
    /* dst[i] = acc[i] + bias */
    void (*finish_i32)(const uint32_t *acc, int64_t n, uint32_t bias, int32_t *dst);
    /* dst[i] = saturate(rne(src[i]) + zo) as u8 / i8 bytes */
    void (*round_q)(const float *src, int64_t n, float lo, float hi, int32_t zo, int is_signed, uint8_t *dst);
    /* QuantizeLinear: dst[i] = saturate(rne(x[i] / scale) + zo) as u8 / i8 bytes */
    void (*quantize)(const float *x, int64_t n, float scale, float lo, float hi, int32_t zo, int is_signed,
                     uint8_t *dst);
    /* DequantizeLinear: y[i] = (float)(x[i] - zp) * scale, x u8 / i8 */
    void (*dequantize)(const uint8_t *x, int64_t n, int is_signed, int32_t zp, float scale, float *y);
    /* *lo = min(*lo, x[i]), *hi = max(*hi, x[i]) over i (NaN ignored) */
    void (*minmax)(const float *x, int64_t n, float *lo, float *hi);
} oct_quant_kernels;

extern const oct_quant_kernels oct_quant_kernels_portable;
extern const oct_quant_kernels oct_quant_kernels_avx2;
const oct_quant_kernels *oct_quant_kernels_get(void);

/* Scalar pieces shared by both builds (tails). */
void oct_quant_scatter_q_scalar(const float *src, int64_t ld, int64_t P, int64_t Mg, uint8_t *dst, int64_t ldd,
                                float lo, float hi, int32_t zo, int is_signed);
void oct_quant_scatter_i32_scalar(const int32_t *src, int64_t ld, int64_t P, int64_t Mg, int32_t *dst, int64_t ldd);
void oct_quant_finish_q_scalar(const uint32_t *acc, int64_t n, uint32_t bias, float mult, float lo, float hi,
                               int32_t zo, int is_signed, uint8_t *dst);
void oct_quant_finish_i32_scalar(const uint32_t *acc, int64_t n, uint32_t bias, int32_t *dst);
void oct_quant_round_q_scalar(const float *src, int64_t n, float lo, float hi, int32_t zo, int is_signed,
                              uint8_t *dst);
void oct_quant_quantize_scalar(const float *x, int64_t n, float scale, float lo, float hi, int32_t zo, int is_signed,
                               uint8_t *dst);
void oct_quant_dequantize_scalar(const uint8_t *x, int64_t n, int is_signed, int32_t zp, float scale, float *y);
void oct_quant_minmax_scalar(const float *x, int64_t n, float *lo, float *hi);
/* AVX-512 quantize / minmax (quant_kernels_avx512.c; the table from
 * oct_quant_kernels_get() uses them on AVX-512 CPUs). */
void oct_quant_quantize_avx512(const float *x, int64_t n, float scale, float lo, float hi, int32_t zo, int is_signed,
                               uint8_t *dst);
void oct_quant_minmax_avx512(const float *x, int64_t n, float *lo, float *hi);

#endif
