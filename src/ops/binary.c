/* Shared binary elementwise engine (see binary.h). */
#include "ops/binary.h"

#include "ops/broadcast.h"

oct_status oct_binop_legacy_view(const oct_node *n, const oct_tensor *a, const oct_tensor *b,
                                  oct_tensor *view)
{
    *view = *b;
    if (n->opset >= 7 || !oct_attr_int(n, "broadcast", 0)) return OCT_OK;
    int64_t axis = oct_attr_int(n, "axis", a->rank - b->rank);
    if (axis < 0) axis += a->rank;
    if (axis < 0 || axis + b->rank > a->rank)
        return oct_err(OCT_E_SHAPE, "%s: axis %lld does not fit ranks %d and %d", n->op_type,
                       (long long)oct_attr_int(n, "axis", 0), a->rank, b->rank);
    view->rank = a->rank - (int)axis;
    for (int i = b->rank; i < view->rank; i++) view->dims[i] = 1;
    return OCT_OK;
}

oct_status oct_binop_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                           const oct_binop *op)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 2, 2));
    oct_dtype dt = in[0]->dtype;
    if (in[1]->dtype != dt)
        return oct_err(OCT_E_DTYPE, "%s: input dtypes differ (%s vs %s)", n->op_type,
                       oct_dtype_name(dt), oct_dtype_name(in[1]->dtype));
    if ((unsigned)dt >= OCT_EW_NDT || !(op->k[dt] || (dt == OCT_DT_F16 && op->k[OCT_DT_F32])))
        return oct_op_bad_dtype(n, dt);
    oct_tensor bv;
    OCT_TRY(oct_binop_legacy_view(n, in[0], in[1], &bv));
    const oct_tensor *ab[2] = {in[0], &bv};
    int rank;
    int64_t dims[OCT_MAX_RANK];
    OCT_TRY(oct_bcast_shape(2, ab, &rank, dims));
    return oct_out_shape(out[0], op->out_bool ? OCT_DT_BOOL : dt, rank, dims);
}

typedef struct bin_ctx {
    oct_bin_kernel k;
    oct_ewk_bin_fn kf;  /* f32 kernel resolved once (ew_kernels), or NULL */
    const oct_ew_kernels *ek;
    int f16;            /* inputs are f16, k is the f32 kernel */
    int out_bool;
} bin_ctx;

#define BIN_CHUNK 256

static void bin_row(void *vc, void *y, const void *const *x, const int *s, int64_t n)
{
    const bin_ctx *c = vc;
    int mode = s[0] ? (s[1] ? OCT_BIN_VV : OCT_BIN_VS) : (s[1] ? OCT_BIN_SV : OCT_BIN_VS);
    if (c->kf) {
        c->kf(x[0], x[1], y, n, mode);
        return;
    }
    if (!c->f16) {
        c->k(x[0], x[1], y, n, mode);
        return;
    }
    const uint16_t *a = x[0], *b = x[1];
    float ta[BIN_CHUNK], tb[BIN_CHUNK], ty[BIN_CHUNK];
    if (!s[0]) ta[0] = oct_f16_to_f32(a[0]);
    if (!s[1]) tb[0] = oct_f16_to_f32(b[0]);
    for (int64_t off = 0; off < n; off += BIN_CHUNK) {
        int64_t m = n - off < BIN_CHUNK ? n - off : BIN_CHUNK;
        if (s[0]) c->ek->f16_to_f32(a + off, ta, m);
        if (s[1]) c->ek->f16_to_f32(b + off, tb, m);
        if (c->out_bool) {
            c->k(ta, tb, (uint8_t *)y + off, m, mode);
        } else {
            c->k(ta, tb, ty, m, mode);
            c->ek->f32_to_f16(ty, (uint16_t *)y + off, m);
        }
    }
}

void oct_binop_run(const oct_binop *op, const oct_tensor *a, const oct_tensor *b, oct_tensor *y,
                   oct_pool *pool)
{
    const oct_ew_kernels *ek = oct_ew_kernels_get();
    bin_ctx c = {op->k[a->dtype], NULL, ek, 0, op->out_bool};
    if (a->dtype == OCT_DT_F32 && op->ewk) c.kf = ek->bin[op->ewk - 1];
    if (!c.k && a->dtype == OCT_DT_F16) {
        c.k = op->k[OCT_DT_F32];
        c.f16 = 1;
    }
    const oct_tensor *in[2] = {a, b};
    oct_bcast_run(pool, 2, in, y, bin_row, &c);
}

oct_status oct_binop_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex, const oct_binop *op)
{
    oct_tensor bv;
    OCT_TRY(oct_binop_legacy_view(n, in[0], in[1], &bv));
    oct_binop_run(op, in[0], &bv, out[0], oct_ex_pool(ex));
    return OCT_OK;
}
