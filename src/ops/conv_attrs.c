#include "ops/conv_attrs.h"

#include <string.h>

/* Read an INTS attribute of `want` values (absent: def for all). */
static oct_status ints_attr(const oct_node *n, const char *name, int want, int64_t def, int64_t min,
                            int64_t *out)
{
    const int64_t *v;
    int cnt = oct_attr_ints(n, name, &v);
    if (cnt < 0) {
        for (int i = 0; i < want; i++) out[i] = def;
        return OCT_OK;
    }
    if (cnt != want)
        return oct_err(OCT_E_INVALID, "%s: attribute %s has %d values, expected %d", n->op_type, name, cnt, want);
    for (int i = 0; i < want; i++) {
        if (v[i] < min)
            return oct_err(OCT_E_INVALID, "%s: attribute %s value %lld is out of range", n->op_type, name,
                           (long long)v[i]);
        out[i] = v[i];
    }
    return OCT_OK;
}

static int64_t floor_div2(int64_t v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); }

typedef enum { PAD_NOTSET, PAD_SAME_UPPER, PAD_SAME_LOWER, PAD_VALID } pad_mode;

static oct_status pad_mode_of(const oct_node *n, pad_mode *m)
{
    const char *s = oct_attr_str(n, "auto_pad", "NOTSET");
    if (!strcmp(s, "NOTSET") || !*s) *m = PAD_NOTSET;
    else if (!strcmp(s, "SAME_UPPER")) *m = PAD_SAME_UPPER;
    else if (!strcmp(s, "SAME_LOWER")) *m = PAD_SAME_LOWER;
    else if (!strcmp(s, "VALID")) *m = PAD_VALID;
    else return oct_err(OCT_E_INVALID, "%s: unknown auto_pad '%s'", n->op_type, s);
    return OCT_OK;
}

oct_status oct_conv_attrs_geom(const oct_node *n, const oct_tensor *X, const oct_tensor *W, int transpose,
                               oct_conv_geom *g)
{
    memset(g, 0, sizeof *g);
    const char *op = n->op_type;
    if (X->rank < 3) return oct_err(OCT_E_SHAPE, "%s: input must have rank >= 3, got %d", op, X->rank);
    if (X->rank > 5) return oct_err(OCT_E_UNSUPPORTED, "%s: %d spatial dimensions are not supported", op, X->rank - 2);
    if (W->rank != X->rank)
        return oct_err(OCT_E_SHAPE, "%s: weight rank %d differs from input rank %d", op, W->rank, X->rank);
    int nsp = X->rank - 2, o = 3 - nsp;
    g->nsp = nsp;
    int64_t G = oct_attr_int(n, "group", 1);
    if (G < 1) return oct_err(OCT_E_INVALID, "%s: group must be >= 1", op);
    g->G = G;
    g->N = X->dims[0];
    int64_t cin = X->dims[1];
    if (cin % G != 0) return oct_err(OCT_E_SHAPE, "%s: %lld input channels are not divisible by group %lld", op,
                                     (long long)cin, (long long)G);
    if (!transpose) {
        if (W->dims[1] * G != cin)
            return oct_err(OCT_E_SHAPE, "%s: weight has %lld channels per group, input %lld / group %lld", op,
                           (long long)W->dims[1], (long long)cin, (long long)G);
        if (W->dims[0] % G != 0)
            return oct_err(OCT_E_SHAPE, "%s: %lld output channels are not divisible by group %lld", op,
                           (long long)W->dims[0], (long long)G);
        g->C = cin;
        g->M = W->dims[0];
    } else {
        if (W->dims[0] != cin)
            return oct_err(OCT_E_SHAPE, "%s: weight has %lld input channels, input %lld", op,
                           (long long)W->dims[0], (long long)cin);
        g->M = cin;              /* the forward conv's output = ConvTranspose input */
        g->C = W->dims[1] * G;   /* the forward conv's input = ConvTranspose output */
    }
    g->Cg = g->C / G;
    g->Mg = g->M / G;
    int64_t k[3], s[3], d[3], p[6];
    OCT_TRY(ints_attr(n, "strides", nsp, 1, 1, s));
    OCT_TRY(ints_attr(n, "dilations", nsp, 1, 1, d));
    OCT_TRY(ints_attr(n, "pads", 2 * nsp, 0, 0, p));
    const int64_t *ks;
    int kn = oct_attr_ints(n, "kernel_shape", &ks);
    if (kn >= 0 && kn != nsp) return oct_err(OCT_E_INVALID, "%s: kernel_shape has %d values", op, kn);
    for (int i = 0; i < nsp; i++) {
        k[i] = W->dims[2 + i];
        if (kn >= 0 && ks[i] != k[i])
            return oct_err(OCT_E_SHAPE, "%s: kernel_shape %lld differs from the weight's %lld", op,
                           (long long)ks[i], (long long)k[i]);
    }
    pad_mode pm = PAD_NOTSET;
    OCT_TRY(pad_mode_of(n, &pm));
    for (int i = 0; i < 3; i++) {
        g->in[i] = g->out[i] = g->k[i] = g->s[i] = g->d[i] = 1;
        g->pb[i] = g->pe[i] = 0;
    }
    int64_t op_pad[3] = {0, 0, 0}, oshape[3];
    int has_oshape = 0;
    if (transpose) {
        OCT_TRY(ints_attr(n, "output_padding", nsp, 0, 0, op_pad));
        const int64_t *os;
        int on = oct_attr_ints(n, "output_shape", &os);
        if (on >= 0) {
            if (on != nsp && on != nsp + 2)
                return oct_err(OCT_E_INVALID, "%s: output_shape has %d values", op, on);
            for (int i = 0; i < nsp; i++) oshape[i] = os[on - nsp + i];
            has_oshape = 1;
        }
    }
    for (int i = 0; i < nsp; i++) {
        int64_t dk = (k[i] - 1) * d[i] + 1;
        int64_t x = X->dims[2 + i], pb = p[i], pe = p[nsp + i], out;
        if (!transpose) {
            if (pm == PAD_VALID) pb = pe = 0;
            if (pm == PAD_SAME_UPPER || pm == PAD_SAME_LOWER) {
                out = (x + s[i] - 1) / s[i];
                int64_t total = (out - 1) * s[i] + dk - x;
                if (total < 0) total = 0;
                pb = pm == PAD_SAME_UPPER ? total / 2 : total - total / 2;
                pe = total - pb;
            }
            out = (x + pb + pe - dk) / s[i] + 1;
            if (x + pb + pe - dk < 0 || out < 1)
                return oct_err(OCT_E_SHAPE, "%s: kernel %lld (dilated) does not fit input %lld with pads", op,
                               (long long)dk, (long long)x);
            g->in[o + i] = x;
            g->out[o + i] = out;
        } else {
            /* ConvTranspose: y = s * (x - 1) + output_padding + dk - pb - pe.
             * With output_shape or SAME_*, the total padding follows from y and
             * is split with floor division (it may be negative: extra zero
             * outputs); the odd one goes to the end for SAME_UPPER, else first. */
            int64_t y;
            if (has_oshape || pm == PAD_SAME_UPPER || pm == PAD_SAME_LOWER) {
                y = has_oshape ? oshape[i] : x * s[i];
                int64_t total = s[i] * (x - 1) + op_pad[i] + dk - y;
                int64_t half = floor_div2(total);
                if (pm == PAD_SAME_UPPER) pb = half, pe = total - half;
                else pe = half, pb = total - half;
            } else {
                if (pm == PAD_VALID) pb = pe = 0;
                y = s[i] * (x - 1) + op_pad[i] + dk - pb - pe;
            }
            if (y < 1) return oct_err(OCT_E_SHAPE, "%s: output size %lld < 1", op, (long long)y);
            g->in[o + i] = y;
            g->out[o + i] = x;
        }
        g->k[o + i] = k[i];
        g->s[o + i] = s[i];
        g->d[o + i] = d[i];
        g->pb[o + i] = pb;
        g->pe[o + i] = pe;
    }
    g->in_sp = g->in[0] * g->in[1] * g->in[2];
    g->out_sp = g->out[0] * g->out[1] * g->out[2];
    g->k_sp = g->k[0] * g->k[1] * g->k[2];
    g->Kg = g->Cg * g->k_sp;
    return OCT_OK;
}
