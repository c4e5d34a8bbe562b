/* octet — INT8 GEMM microkernels (internal to src/backend/cpu).
 *
 * Packed operands hold 32-bit "k-groups": VNNI and scalar paths group 4
 * consecutive k as 4 bytes (uint8 A, int8 B); the AVX2 path groups 2 k as 2
 * int16 (A zero-extended, B sign-extended). For a tile:
 *   a: nkg steps of mr words (a[g * mr + r]), mr <= MR of the path
 *   b: nkg steps of NR words (b[g * NR + c]), columns >= nr are zero
 * K is padded with zero k-groups on both sides (products are 0, so the
 * zero-point correction with the column sums over the real K stays exact).
 *
 * The microkernel adds the per-column term colterm = bias - za * colsum and
 * applies the epilogue of qgemm.h to rows < mr, columns < nr of C. The driver
 * fills oct_qgemm_tile per column panel, so per-tensor and per-channel
 * parameters look the same to the kernels.
 */
#ifndef OCT_BACKEND_CPU_QGEMM_KERNELS_H
#define OCT_BACKEND_CPU_QGEMM_KERNELS_H

#include <stdint.h>

#include "backend/cpu/qgemm.h"

#define OCT_QGEMM_MAX_NR 32

#define OCT_QGEMM_AVX512_MR 14
#define OCT_QGEMM_AVX512_NR 32
#define OCT_QGEMM_AMX_MR 32
#define OCT_QGEMM_AMX_NR 32
#define OCT_QGEMM_AVXVNNI_MR 6
#define OCT_QGEMM_AVXVNNI_NR 16
#define OCT_QGEMM_AVX2_MR 6
#define OCT_QGEMM_AVX2_NR 16
#define OCT_QGEMM_SCALAR_MR 4
#define OCT_QGEMM_SCALAR_NR 16

typedef struct oct_qgemm_tile {
    int out;      /* oct_qgemm_out */
    int has_fbias, clamp;
    int any_left; /* some column has a left shift (lsh > 0) */
    float f_lo, f_hi;
    int32_t zo, q_lo, q_hi; /* q_lo, q_hi already minus zo */
    /* one entry per column of the panel (NR; zero past nr) */
    _Alignas(64) int32_t colterm[OCT_QGEMM_MAX_NR];
    _Alignas(64) float scale[OCT_QGEMM_MAX_NR];
    _Alignas(64) float fbias[OCT_QGEMM_MAX_NR];
    _Alignas(64) int32_t m0[OCT_QGEMM_MAX_NR];
    _Alignas(64) int32_t lsh[OCT_QGEMM_MAX_NR]; /* left shift, 0..31 */
    _Alignas(64) int32_t rsh[OCT_QGEMM_MAX_NR]; /* right shift, 0..31 */
} oct_qgemm_tile;

typedef void (*oct_qgemm_ukr_fn)(int64_t nkg, const void *a, const void *b, void *c, int64_t ldc,
                                 int mr, int nr, const oct_qgemm_tile *t);

void oct_qgemm_ukr_scalar(int64_t nkg, const void *a, const void *b, void *c, int64_t ldc, int mr,
                          int nr, const oct_qgemm_tile *t);
void oct_qgemm_ukr_avx2(int64_t nkg, const void *a, const void *b, void *c, int64_t ldc, int mr,
                        int nr, const oct_qgemm_tile *t);
void oct_qgemm_ukr_avxvnni(int64_t nkg, const void *a, const void *b, void *c, int64_t ldc, int mr,
                           int nr, const oct_qgemm_tile *t);
void oct_qgemm_ukr_avx512vnni(int64_t nkg, const void *a, const void *b, void *c, int64_t ldc, int mr,
                              int nr, const oct_qgemm_tile *t);

/* AMX (qgemm_amx.c): A panels row-major with rows of K rounded up to 64
 * bytes (16 k-groups); B panels as the VNNI ones, with the k-groups rounded up
 * to 16. begin / end load and release the tile configuration on this thread. */
void oct_qgemm_ukr_amx(int64_t nkg, const void *a, const void *b, void *c, int64_t ldc, int mr, int nr,
                       const oct_qgemm_tile *t);
void oct_qgemm_pack_a_rows_amx(const void *A, int64_t lda, int transA, int a_signed, int64_t i0, int mr,
                               int64_t K, int kg, void *dst);
void oct_qgemm_amx_begin(void);
void oct_qgemm_amx_end(void);
static inline int64_t oct_qgemm_amx_row_bytes(int64_t K) { return (K + 63) / 64 * 64; }

/* Packing (qgemm_pack.c). kg = k per group (4: bytes, 2: int16).
 * A rows i0..i0+mr-1 of op(A), all K, written [g][r][kg]; a_signed: add 128. */
void oct_qgemm_pack_a_panel(const void *A, int64_t lda, int transA, int a_signed, int64_t i0, int mr,
                            int64_t K, int kg, void *dst);
typedef void (*oct_qgemm_pack_a_fn)(const void *A, int64_t lda, int transA, int a_signed, int64_t i0, int mr,
                                    int64_t K, int kg, void *dst);
/* The same for kg == 4, mr <= 16 with AVX-512 (qgemm_pack_avx512.c). */
void oct_qgemm_pack_a_avx512(const void *A, int64_t lda, int transA, int a_signed, int64_t i0, int mr,
                             int64_t K, int kg, void *dst);
/* B columns j0..j0+nrv-1 of op(B), all K, written [g][c][kg] padded to nr
 * columns; colsum[c] = sum over k of column j0 + c (c < nrv). */
void oct_qgemm_pack_b_panel(const int8_t *B, int64_t ldb, int transB, int64_t j0, int nrv, int nr,
                            int64_t K, int kg, void *dst, int32_t *colsum);

/* The epilogue parameters of a tile: those shared by all columns, and those
 * of columns j0 .. j0 + nrv - 1 (zero up to nr); za_u8 = A's zero point in
 * the uint8 domain, colsum = B's column sums. */
void oct_qgemm_tile_common(const oct_qgemm_args *a, oct_qgemm_tile *t);
void oct_qgemm_tile_columns(const oct_qgemm_args *a, int32_t za_u8, const int32_t *colsum, int64_t j0, int nrv,
                            int nr, oct_qgemm_tile *t);
/* A packed B's panels (panel of column j0 at data + j0 * groups * 4) and its
 * k-groups per panel. */
const void *oct_qgemm_packed_data(const oct_qgemm_packed *p);
int64_t oct_qgemm_packed_groups(const oct_qgemm_packed *p);

/* AMX implicit-GEMM convolution tile (qgemm_amx.c): up to 2 x 16 output
 * pixels (two runs of 16 along x) x up to 32 channels. Pixel r of run i
 * reads, for window row ky and 64-byte chunk q, the 64 bytes at
 *   a[i] + r * a_stride + ky * row_step + q * 64
 * (k-group order of b: [ky][q][16]); rows[i] of the 16 are written to
 * c[i] + r * ldc with the epilogue t (rows[1] == 0: one run). */
typedef struct oct_qgemm_amx_conv {
    const uint8_t *a[2];
    int64_t a_stride, row_step;
    int kh, nchunk;
    const void *b;
    void *c[2];
    int rows[2];
    int64_t ldc;
    int nr;
    const oct_qgemm_tile *t;
} oct_qgemm_amx_conv;
void oct_qgemm_amx_conv_tile(const oct_qgemm_amx_conv *j);

/* Scalar epilogue of one value (qgemm_scalar.c), for tails of SIMD paths. */
void oct_qgemm_epi_scalar(int32_t acc, int c, const oct_qgemm_tile *t, void *dst);

#endif
