/* octet — AMX INT8 GEMM microkernel (Intel AMX-TILE + AMX-INT8: tdpbusd).
 *
 * Tile: 32 rows x 32 columns of C in four 16 x 16 int32 tiles (tmm0..3),
 * two A tiles (tmm4, 5: 16 rows x 64 bytes = 16 k-groups) and two B tiles
 * (tmm6, 7: 16 k-groups x 16 columns x 4 bytes). One tdpbusd is 16 x 16 x 64
 * u8 x s8 products summed into int32 without saturation, so the result is
 * bit-exact with the other paths. Operands:
 *   a: the A panel row-major, row r at a + r * (nkg * 4); 32 rows readable
 *      (the driver pads the last panel with zero rows), nkg a multiple of 16;
 *   b: the VNNI B panel [g][32 columns][4 bytes] (one k-group row = 128
 *      bytes; B's tiles are its two 64-byte halves, stride 128); k-groups
 *      past K are zero.
 * The int32 tile goes through a 4 KiB buffer to the AVX-512 epilogue. Panels
 * of <= 16 rows or <= 16 columns skip the tiles they do not need.
 * oct_qgemm_amx_begin() loads the tile configuration on the calling thread
 * (once per work unit); oct_qgemm_amx_end() releases the tile state. */
#include <immintrin.h>
#include <string.h>

#include "backend/cpu/qgemm_epi_avx512.h"

#define MR OCT_QGEMM_AMX_MR
#define NR OCT_QGEMM_AMX_NR

#if MR != 32 || NR != 32
#error "the AMX kernel is written for 32 x 32"
#endif

typedef struct tilecfg {
    uint8_t palette, start_row;
    uint8_t reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tilecfg;

/* Palette 1, tiles 0..7 all 16 rows x 64 bytes. A constant in memory: gcc's
 * ldtilecfg builtin does not tell the optimiser it reads its operand, so a
 * configuration built on the stack can lose its stores. */
static _Alignas(64) const tilecfg cfg_16x64 = {
    .palette = 1,
    .colsb = {64, 64, 64, 64, 64, 64, 64, 64},
    .rows = {16, 16, 16, 16, 16, 16, 16, 16},
};

void oct_qgemm_amx_begin(void) { _tile_loadconfig(&cfg_16x64); }

void oct_qgemm_amx_end(void) { _tile_release(); }

static void epi_rows(const int32_t *acc, int rows, int two_cols, void *c, int64_t ldc, int nr, const oct_qgemm_tile *t)
{
    epi_v ev;
    epi_init(&ev, nr, t);
    size_t es = t->out == OCT_QGEMM_OUT_U8 || t->out == OCT_QGEMM_OUT_S8 ? 1 : 4;
    for (int r = 0; r < rows; r++)
        epi_row(&ev, t, _mm512_load_si512(acc + r * NR),
                two_cols ? _mm512_load_si512(acc + r * NR + 16) : _mm512_setzero_si512(),
                (char *)c + (size_t)((int64_t)r * ldc) * es);
}

void oct_qgemm_ukr_amx(int64_t nkg, const void *a_, const void *b_, void *c, int64_t ldc, int mr, int nr,
                       const oct_qgemm_tile *t)
{
    const uint8_t *a = a_, *b = b_;
    int64_t lda = nkg * 4;
    _Alignas(64) int32_t acc[MR * NR];
    int two_rows = mr > 16, two_cols = nr > 16;
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    if (two_rows && two_cols) {
        for (int64_t g = 0; g < nkg; g += 16) {
            _tile_loadd(4, a + g * 4, lda);
            _tile_loadd(6, b + g * NR * 4, NR * 4);
            _tile_loadd(7, b + g * NR * 4 + 64, NR * 4);
            _tile_dpbusd(0, 4, 6);
            _tile_dpbusd(1, 4, 7);
            _tile_loadd(5, a + 16 * lda + g * 4, lda);
            _tile_dpbusd(2, 5, 6);
            _tile_dpbusd(3, 5, 7);
        }
    } else if (two_rows) {
        for (int64_t g = 0; g < nkg; g += 16) {
            _tile_loadd(4, a + g * 4, lda);
            _tile_loadd(6, b + g * NR * 4, NR * 4);
            _tile_dpbusd(0, 4, 6);
            _tile_loadd(5, a + 16 * lda + g * 4, lda);
            _tile_dpbusd(2, 5, 6);
        }
    } else if (two_cols) {
        for (int64_t g = 0; g < nkg; g += 16) {
            _tile_loadd(4, a + g * 4, lda);
            _tile_loadd(6, b + g * NR * 4, NR * 4);
            _tile_loadd(7, b + g * NR * 4 + 64, NR * 4);
            _tile_dpbusd(0, 4, 6);
            _tile_dpbusd(1, 4, 7);
        }
    } else {
        for (int64_t g = 0; g < nkg; g += 16) {
            _tile_loadd(4, a + g * 4, lda);
            _tile_loadd(6, b + g * NR * 4, NR * 4);
            _tile_dpbusd(0, 4, 6);
        }
    }
    _tile_stored(0, acc, NR * 4);
    if (two_cols) _tile_stored(1, acc + 16, NR * 4);
    if (two_rows) {
        _tile_stored(2, acc + 16 * NR, NR * 4);
        if (two_cols) _tile_stored(3, acc + 16 * NR + 16, NR * 4);
    }
    epi_rows(acc, mr, two_cols, c, ldc, nr, t);
}

/* A rows i0 .. i0 + mr - 1 of op(A) as rows of nkg * 4 bytes (K, then zeros),
 * uint8 (a_signed: + 128), followed by zero rows up to MR. */
void oct_qgemm_pack_a_rows_amx(const void *A_, int64_t lda, int transA, int a_signed, int64_t i0, int mr,
                               int64_t K, int kg, void *dst)
{
    (void)kg;
    const uint8_t *A = A_;
    int64_t row = oct_qgemm_amx_row_bytes(K);
    if (!row) return; /* K = 0: nothing to pack (and dst may be NULL) */
    uint8_t *d = dst;
    __m512i flip = _mm512_set1_epi8(a_signed ? (char)0x80 : 0);
    for (int r = 0; r < mr; r++, d += row) {
        if (!transA) {
            const uint8_t *s = A + (i0 + r) * lda;
            for (int64_t k = 0; k < row; k += 64) {
                int64_t n = K - k < 64 ? (K - k > 0 ? K - k : 0) : 64;
                __mmask64 m = n >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1);
                __m512i v = _mm512_maskz_loadu_epi8(m, s + k);
                _mm512_storeu_si512(d + k, _mm512_maskz_mov_epi8(m, _mm512_xor_si512(v, flip)));
            }
        } else {
            uint8_t fb = a_signed ? 0x80 : 0;
            for (int64_t k = 0; k < K; k++) d[k] = A[k * lda + i0 + r] ^ fb;
            if (row > K) memset(d + K, 0, (size_t)(row - K));
        }
    }
    if (mr < MR) memset(d, 0, (size_t)((MR - mr) * row));
}

void oct_qgemm_amx_conv_tile(const oct_qgemm_amx_conv *j)
{
    _Alignas(64) int32_t acc[MR * NR];
    const uint8_t *b = j->b;
    const uint8_t *a0 = j->a[0], *a1 = j->rows[1] > 0 ? j->a[1] : NULL;
    int64_t as = j->a_stride;
    int two_cols = j->nr > 16;
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    for (int ky = 0; ky < j->kh; ky++) {
        const uint8_t *r0 = a0 + ky * j->row_step, *r1 = a1 ? a1 + ky * j->row_step : NULL;
        for (int q = 0; q < j->nchunk; q++, b += 16 * NR * 4) {
            _tile_loadd(4, r0 + q * 64, as);
            _tile_loadd(6, b, NR * 4);
            _tile_dpbusd(0, 4, 6);
            if (two_cols) {
                _tile_loadd(7, b + 64, NR * 4);
                _tile_dpbusd(1, 4, 7);
            }
            if (r1) {
                _tile_loadd(5, r1 + q * 64, as);
                _tile_dpbusd(2, 5, 6);
                if (two_cols) _tile_dpbusd(3, 5, 7);
            }
        }
    }
    _tile_stored(0, acc, NR * 4);
    if (two_cols) _tile_stored(1, acc + 16, NR * 4);
    epi_rows(acc, j->rows[0], two_cols, j->c[0], j->ldc, j->nr, j->t);
    if (a1) {
        _tile_stored(2, acc, NR * 4);
        if (two_cols) _tile_stored(3, acc + 16, NR * 4);
        epi_rows(acc, j->rows[1], two_cols, j->c[1], j->ldc, j->nr, j->t);
    }
}
