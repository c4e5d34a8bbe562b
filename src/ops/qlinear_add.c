/* QLinearAdd (com.microsoft, opset 1): C = (A_scale * (A - A_zp) + B_scale *
 * (B - B_zp)) / C_scale + C_zp with numpy broadcasting; A, B, C and the zero
 * points uint8 or int8 (all the same), scales float32 scalars, zero points
 * optional (0).
 *
 * Computed in float32 exactly as onnxruntime's x86 (AVX2) kernel does it,
 * which is not the correctly rounded formula above: with rA = A_scale /
 * C_scale and rB = B_scale / C_scale (float32),
 *   fixed = C_zp - fma(P_zp, rP, rQ * Q_zp)
 *   C     = saturate(round_half_to_even(fma(P, rP, fma(Q, rQ, fixed))))
 * where (P, Q) = (A, B), or (B, A) in the broadcast runs where A is one
 * repeated value (onnxruntime swaps the operands for its scalar-A case).
 * Matched against onnxruntime 1.31 on every (A, B) byte pair for random
 * scales and zero points (scripts/qcontrib_reference.py, tests/data/qcontrib).
 * A fused activation (node->act) clamps the output (quant_util.h). */
#include <math.h>
#include <string.h>

#include "ops/broadcast.h"
#include "ops/qcontrib_kernels.h"
#include "ops/quant_util.h"

static oct_status qadd_param(const oct_node *n, const char *what, const oct_tensor *t, int is_zp, oct_dtype want)
{
    if (!t) return OCT_OK;
    if (is_zp && t->dtype != want)
        return oct_err(OCT_E_DTYPE, "%s '%s': %s has dtype %s, expected %s (the dtype of A and B)", n->op_type,
                       n->name, what, oct_dtype_name(t->dtype), oct_dtype_name(want));
    if (!is_zp && t->dtype != OCT_DT_F32)
        return oct_err(OCT_E_UNSUPPORTED, "%s '%s': %s of dtype %s is not supported (float32)", n->op_type, n->name,
                       what, oct_dtype_name(t->dtype));
    int64_t c;
    return oct_quant_param_count(n, what, t, 0, &c);
}

static oct_status qadd_check(const oct_node *n, const oct_tensor *const *in, int *rank, int64_t *dims)
{
    OCT_TRY(oct_op_check_arity(n, in, 7, 8, 2));
    static const char *const req[] = {"A", "A_scale", NULL, "B", "B_scale", NULL, "C_scale"};
    for (int i = 0; i < 7; i++)
        if (req[i] && !in[i]) return oct_err(OCT_E_INVALID, "%s '%s': input %s is required", n->op_type, n->name, req[i]);
    OCT_TRY(oct_quant_act_check(n));
    const oct_tensor *a = in[0], *b = in[3];
    if (a->dtype != OCT_DT_U8 && a->dtype != OCT_DT_I8) return oct_op_bad_dtype(n, a->dtype);
    if (b->dtype != a->dtype)
        return oct_err(OCT_E_DTYPE, "%s '%s': A is %s but B is %s (both must be uint8 or both int8)", n->op_type,
                       n->name, oct_dtype_name(a->dtype), oct_dtype_name(b->dtype));
    OCT_TRY(qadd_param(n, "A_scale", in[1], 0, a->dtype));
    OCT_TRY(qadd_param(n, "A_zero_point", in[2], 1, a->dtype));
    OCT_TRY(qadd_param(n, "B_scale", in[4], 0, a->dtype));
    OCT_TRY(qadd_param(n, "B_zero_point", in[5], 1, a->dtype));
    OCT_TRY(qadd_param(n, "C_scale", in[6], 0, a->dtype));
    OCT_TRY(qadd_param(n, "C_zero_point", oct_quant_in(n, in, 7), 1, a->dtype));
    const oct_tensor *ab[2] = {a, b};
    if (oct_bcast_shape(2, ab, rank, dims) != OCT_OK) {
        char b1[96], b2[96];
        return oct_err(OCT_E_SHAPE, "%s '%s': A %s and B %s cannot be broadcast", n->op_type, n->name,
                       oct_shape_str(a->rank, a->dims, b1, sizeof b1), oct_shape_str(b->rank, b->dims, b2, sizeof b2));
    }
    return OCT_OK;
}

static oct_status qadd_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    int rank;
    int64_t dims[OCT_MAX_RANK];
    OCT_TRY(qadd_check(n, in, &rank, dims));
    return oct_out_shape(out[0], in[0]->dtype, rank, dims);
}

typedef struct qadd_ctx {
    const oct_qc_kernels *k;
    float ra, rb, fixed_a, fixed_b, lo, hi;
    int is_signed;
} qadd_ctx;

static void qadd_run(void *ctx_, void *y_, const void *const *x, const int *s, int64_t n)
{
    const qadd_ctx *c = ctx_;
    const uint8_t *a = x[0], *b = x[1];
    uint8_t *y = y_;
    int sg = c->is_signed;
    if (!s[0]) { /* A repeated: P = B, Q = A */
        float t = fmaf((float)oct_quant_at(a, sg ? OCT_DT_I8 : OCT_DT_U8, 0), c->ra, c->fixed_b);
        if (s[1]) {
            c->k->add_vs(b, n, c->rb, t, c->lo, c->hi, sg, y);
        } else { /* both repeated */
            uint8_t v;
            c->k->add_vs(b, 1, c->rb, t, c->lo, c->hi, sg, &v);
            memset(y, v, (size_t)n);
        }
    } else if (!s[1]) { /* B repeated: P = A, Q = B */
        float t = fmaf((float)oct_quant_at(b, sg ? OCT_DT_I8 : OCT_DT_U8, 0), c->rb, c->fixed_a);
        c->k->add_vs(a, n, c->ra, t, c->lo, c->hi, sg, y);
    } else {
        c->k->add_vv(a, b, n, c->ra, c->rb, c->fixed_a, c->lo, c->hi, sg, y);
    }
}

static oct_status qadd_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                               const oct_exec *ex)
{
    int rank;
    int64_t dims[OCT_MAX_RANK];
    OCT_TRY(qadd_check(n, in, &rank, dims));
    oct_dtype dt = in[0]->dtype;
    float sa, sb, sc;
    int32_t za, zb, zc;
    oct_quant_read_scale(in[1], 1, &sa);
    oct_quant_read_scale(in[4], 1, &sb);
    oct_quant_read_scale(in[6], 1, &sc);
    oct_quant_read_zp(in[2], 1, &za);
    oct_quant_read_zp(in[5], 1, &zb);
    oct_quant_read_zp(oct_quant_in(n, in, 7), 1, &zc);
    qadd_ctx c;
    c.k = oct_qc_kernels_get();
    c.is_signed = dt == OCT_DT_I8;
    c.ra = sa / sc;
    c.rb = sb / sc;
    c.fixed_a = (float)zc - fmaf((float)za, c.ra, c.rb * (float)zb);
    c.fixed_b = (float)zc - fmaf((float)zb, c.rb, c.ra * (float)za);
    int32_t clamp[2];
    int has = oct_quant_act_clamp(n, sc, zc, dt, clamp);
    c.lo = (float)(has ? clamp[0] : oct_quant_lo(dt));
    c.hi = (float)(has ? clamp[1] : oct_quant_hi(dt));
    const oct_tensor *ab[2] = {in[0], in[3]};
    oct_bcast_run(ex ? ex->pool : NULL, 2, ab, out[0], qadd_run, &c);
    return OCT_OK;
}

const oct_op_impl oct_op_QLinearAdd = {
    .infer = qadd_infer,
    .compute = qadd_compute,
};
