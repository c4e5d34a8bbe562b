/* STFT (opset 17): signal [batch, length, 1 | 2]; frames of frame_length
 * samples every frame_step (scalar inputs, shape inputs) are multiplied by
 * the optional window [frame_length] and transformed: output [batch, frames,
 * bins, 2] with frames = 1 + (length - frame_length) / frame_step and
 * bins = frame_length / 2 + 1 when onesided (default 1, real signals only),
 * else frame_length. frame_length defaults to the window's length.
 * f16/f32/f64, computed in double through fft_util. */
#include <stdlib.h>

#include "ops/ew_util.h"
#include "ops/fft_util.h"
#include "ops/shape_util.h"

typedef struct stft_geom {
    int64_t step, flen, frames, bins;
} stft_geom;

static oct_status stft_scalar(const oct_node *n, const oct_tensor *t, const char *what, int64_t *v)
{
    if (t->dtype != OCT_DT_I32 && t->dtype != OCT_DT_I64)
        return oct_err(OCT_E_DTYPE, "STFT: %s must be int32/int64, got %s", what, oct_dtype_name(t->dtype));
    if (oct_tensor_numel(t) != 1 || t->rank > 1) return oct_err(OCT_E_SHAPE, "STFT: %s must be a scalar", what);
    if (!t->data) return oct_err(OCT_E_UNSUPPORTED, "STFT: %s must be known when planning", what);
    *v = oct_ew_get_i64(t->dtype, t->data, 0);
    (void)n;
    return OCT_OK;
}

static oct_status stft_geometry(const oct_node *n, const oct_tensor *const *in, stft_geom *g)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 4, 2));
    const oct_tensor *x = in[0], *win = oct_ops_input(n, in, 2), *fl = oct_ops_input(n, in, 3);
    if (!oct_dt_in(x->dtype, OCT_DTS_FLOAT)) return oct_op_bad_dtype(n, x->dtype);
    if (x->rank != 3 || (x->dims[2] != 1 && x->dims[2] != 2)) {
        char a[160];
        return oct_err(OCT_E_SHAPE, "STFT: signal must be [batch, length, 1 | 2], got %s",
                       oct_shape_str(x->rank, x->dims, a, sizeof a));
    }
    OCT_TRY(stft_scalar(n, in[1], "frame_step", &g->step));
    if (g->step < 1) return oct_err(OCT_E_INVALID, "STFT: frame_step %lld must be positive", (long long)g->step);
    g->flen = -1;
    if (win) {
        if (win->dtype != x->dtype)
            return oct_err(OCT_E_DTYPE, "STFT: window dtype %s differs from signal dtype %s", oct_dtype_name(win->dtype),
                           oct_dtype_name(x->dtype));
        if (win->rank != 1) return oct_err(OCT_E_SHAPE, "STFT: window must be 1-D, got rank %d", win->rank);
        g->flen = win->dims[0];
    }
    if (fl) {
        int64_t v;
        OCT_TRY(stft_scalar(n, fl, "frame_length", &v));
        if (win && v != g->flen)
            return oct_err(OCT_E_SHAPE, "STFT: frame_length %lld differs from the window length %lld", (long long)v,
                           (long long)g->flen);
        g->flen = v;
    }
    if (g->flen < 0) return oct_err(OCT_E_INVALID, "STFT: needs a window or a frame_length");
    if (g->flen < 1 || g->flen > x->dims[1])
        return oct_err(OCT_E_INVALID, "STFT: frame_length %lld must be in [1, signal length %lld]", (long long)g->flen,
                       (long long)x->dims[1]);
    int onesided = (int)oct_attr_int(n, "onesided", 1);
    if (onesided && x->dims[2] == 2)
        return oct_err(OCT_E_INVALID, "STFT: onesided output needs a real signal (last dim 1)");
    g->frames = 1 + (x->dims[1] - g->flen) / g->step;
    g->bins = onesided ? g->flen / 2 + 1 : g->flen;
    return OCT_OK;
}

static oct_status stft_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    stft_geom g;
    OCT_TRY(stft_geometry(n, in, &g));
    int64_t d[4] = {in[0]->dims[0], g.frames, g.bins, 2};
    return oct_out_shape(out[0], in[0]->dtype, 4, d);
}

static oct_status stft_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                               const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0], *win = oct_ops_input(n, in, 2);
    stft_geom g;
    OCT_TRY(stft_geometry(n, in, &g));
    int64_t B = x->dims[0], L = x->dims[1], c = x->dims[2];
    oct_fft f;
    OCT_TRY(oct_fft_init(&f, g.flen));
    double *buf = malloc((size_t)(2 * g.flen) * sizeof *buf);
    if (!buf) {
        oct_fft_free(&f);
        return oct_err(OCT_E_NOMEM, "STFT: out of memory");
    }
    for (int64_t b = 0; b < B; b++)
        for (int64_t fr = 0; fr < g.frames; fr++) {
            for (int64_t j = 0; j < g.flen; j++) {
                size_t src = (size_t)((b * L + fr * g.step + j) * c);
                double w = win ? oct_dtype_get(win->dtype, win->data, (size_t)j) : 1.0;
                buf[2 * j] = oct_dtype_get(x->dtype, x->data, src) * w;
                buf[2 * j + 1] = c == 2 ? oct_dtype_get(x->dtype, x->data, src + 1) * w : 0.0;
            }
            oct_fft_run(&f, buf, 0);
            for (int64_t k = 0; k < g.bins; k++) {
                size_t dst = (size_t)(((b * g.frames + fr) * g.bins + k) * 2);
                oct_dtype_set(out[0]->dtype, out[0]->data, dst, buf[2 * k]);
                oct_dtype_set(out[0]->dtype, out[0]->data, dst + 1, buf[2 * k + 1]);
            }
        }
    free(buf);
    oct_fft_free(&f);
    return OCT_OK;
}

const oct_op_impl oct_op_STFT = {
    .shape_inputs = (1u << 1) | (1u << 3),
    .infer = stft_infer,
    .compute = stft_compute,
};
