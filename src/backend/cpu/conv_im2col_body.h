/* octet — the body of an im2col B-panel writer, shared by the portable and
 * SIMD builds (included once per ISA file). Before including, define
 *   IM2COL_FN        the function name
 *   IM2COL_COPY_RUN  static inline void (float *o, const float *row,
 *                    int64_t ix0, int64_t sx, int len, int64_t IW):
 *                    o[c] = row[ix0 + c * sx] when inside [0, IW), else 0
 *   IM2COL_ZERO      static inline void (float *o, int len): o[0..len) = 0
 */
typedef struct im2col_run {
    int64_t oz, oy, ox0; /* output position of the run's first column */
    int c0, len;         /* panel columns [c0, c0 + len) */
} im2col_run;

void IM2COL_FN(void *ctx, int64_t k0, int64_t kc, int64_t j0, int nrv, int nr, float *dst)
{
    const oct_im2col_ctx *ic = ctx;
    const oct_conv_geom *g = ic->g;
    const int64_t OH = g->out[1], OW = g->out[2];
    const int64_t ID = g->in[0], IH = g->in[1], IW = g->in[2];
    const int64_t KD = g->k[0], KH = g->k[1], KW = g->k[2];

    /* split the panel's columns into runs along output rows (nrv <= 32) */
    im2col_run runs[64];
    int n_runs = 0;
    int64_t p = j0;
    for (int c = 0; c < nrv && n_runs < 64;) {
        int64_t ox = p % OW, t = p / OW, oy = t % OH, oz = t / OH;
        int len = (int)(OW - ox < nrv - c ? OW - ox : nrv - c);
        runs[n_runs++] = (im2col_run){oz, oy, ox, c, len};
        c += len;
        p += len;
    }

    /* decompose k0 into (ci, kz, ky, kx) once, then step */
    int64_t kx = k0 % KW, t = k0 / KW;
    int64_t ky = t % KH;
    t /= KH;
    int64_t kz = t % KD, ci = t / KD;
    const int64_t sz = g->s[0], sy = g->s[1], sx = g->s[2];
    for (int64_t kk = 0; kk < kc; kk++) {
        float *d = dst + kk * nr;
        const float *xc = ic->x + ci * g->in_sp;
        int64_t offz = kz * g->d[0] - g->pb[0], offy = ky * g->d[1] - g->pb[1], offx = kx * g->d[2] - g->pb[2];
        for (int r = 0; r < n_runs; r++) {
            const im2col_run *u = &runs[r];
            int64_t iz = u->oz * sz + offz, iy = u->oy * sy + offy;
            if (iz < 0 || iz >= ID || iy < 0 || iy >= IH) IM2COL_ZERO(d + u->c0, u->len);
            else IM2COL_COPY_RUN(d + u->c0, xc + (iz * IH + iy) * IW, u->ox0 * sx + offx, sx, u->len, IW);
        }
        if (nrv < nr) IM2COL_ZERO(d + nrv, nr - nrv);
        if (++kx == KW) {
            kx = 0;
            if (++ky == KH) {
                ky = 0;
                if (++kz == KD) {
                    kz = 0;
                    ci++;
                }
            }
        }
    }
}
