/* octet — INT8 NHWC convolution as an implicit GEMM on AMX (no im2col).
 *
 * The input is copied once into a zero-point-padded NHWC buffer. With unit
 * dilation in x, one window row of an output pixel is KW * C contiguous bytes
 * of that buffer, and the same row of the next pixel starts sx * C bytes
 * later: an AMX tile load with that stride reads 16 pixels' window rows
 * straight from the image, 64 bytes (a "chunk") at a time. The weights are
 * packed once as a GEMM B of KH x nchunk x 64 rows, zero where a chunk runs
 * past the window row (those over-read bytes meet zero weights), so
 *   y[pixel][m] = epilogue(sum_ky sum_chunk A_tile(ky, chunk) . B(ky, chunk))
 * with the zero point removed by B's column sums, exactly as qgemm does. */
#ifndef OCT_BACKEND_CPU_QCONV_AMX_H
#define OCT_BACKEND_CPU_QCONV_AMX_H

#include <stddef.h>
#include <stdint.h>

#include "backend/cpu/qgemm.h"
#include "core/pool.h"
#include "core/status.h"

typedef struct oct_qconv_amx oct_qconv_amx;

typedef struct oct_qconv_amx_geom {
    int64_t N, H, W, C;       /* input, NHWC */
    int64_t OH, OW;           /* output N x OH x OW x M */
    int64_t sy, sx, dy;       /* strides, dilation in y (x: 1) */
    int64_t pt, pl, pb, pr;   /* pads: top, left, bottom, right */
} oct_qconv_amx_geom;

/* Pack weights w [M][C][KH][KW] (int8, zero point 0). NULL when the AMX path
 * is not in use on this CPU (no error set) or out of memory (error set). */
oct_qconv_amx *oct_qconv_amx_new(int64_t M, int64_t C, int64_t KH, int64_t KW, const int8_t *w);
void oct_qconv_amx_free(oct_qconv_amx *p);
size_t oct_qconv_amx_bytes(const oct_qconv_amx *p);

/* y (NHWC, element type by e->out) = conv(x) for uint8 x with zero point za;
 * e supplies the epilogue as for oct_qgemm_run (out, bias, per_channel, m0,
 * shift or scales, zo, q_lo, q_hi, clamp); its sizes and operands are ignored. */
oct_status oct_qconv_amx_run(const oct_qconv_amx *p, const oct_qconv_amx_geom *g, const uint8_t *x, int32_t za,
                             void *y, const oct_qgemm_args *e, oct_pool *pool);

#endif
