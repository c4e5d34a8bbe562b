/* octet — ISA-specific pieces of the NHWC integer convolution (qconv_nhwc.c). */
#ifndef OCT_OPS_QCONV_NHWC_KERN_H
#define OCT_OPS_QCONV_NHWC_KERN_H

#include <stdint.h>

/* d[ky * rowb .. +rowb) = rows[ky] + off (rowb bytes), or the pad byte where
 * rows[ky] is NULL, for ky < KH; rowb <= 64. AVX-512BW. */
void oct_nhwc_window_avx512(uint8_t *d, const uint8_t *const *rows, int64_t KH, int64_t off, int64_t rowb,
                            uint8_t pad);

#endif
