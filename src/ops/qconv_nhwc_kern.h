/* octet — ISA-specific pieces of the NHWC integer convolution (qconv_nhwc.c). */
#ifndef OCT_OPS_QCONV_NHWC_KERN_H
#define OCT_OPS_QCONV_NHWC_KERN_H

#include <stdint.h>

/* d[ky * rowb .. +rowb) = rows[ky] + off (rowb bytes; off may be negative),
 * for ky < KH, with the pad byte where rows[ky] is NULL and at bytes outside
 * [b0, b1) of each row (the window's part beyond the left / right border:
 * those bytes are not read); then `tail` zero bytes. rowb <= 64. AVX-512BW. */
void oct_nhwc_window_avx512(uint8_t *d, const uint8_t *const *rows, int64_t KH, int64_t off, int64_t rowb,
                            int64_t b0, int64_t b1, uint8_t pad, int64_t tail);

#endif
