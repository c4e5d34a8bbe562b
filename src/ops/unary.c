/* Shared unary elementwise engine (see unary.h). */
#include "ops/unary.h"

#include "ops/broadcast.h"
#include "ops/ew_kernels.h"

oct_status oct_unop_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                          const oct_unop *op)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    oct_dtype dt = in[0]->dtype;
    if (!oct_dt_in(dt, op->types)) return oct_op_bad_dtype(n, dt);
    if (op->params) {
        oct_unparams p = {0};
        OCT_TRY(op->params(n, &p));
    }
    return oct_out_shape(out[0], op->f32b ? OCT_DT_BOOL : dt, in[0]->rank, in[0]->dims);
}

typedef struct un_ctx {
    const oct_unop *op;
    const oct_unparams *p;
    oct_dtype dt;
    const char *x;
    char *y;
} un_ctx;

#define UN_CHUNK 512

static void un_range(void *vc, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const un_ctx *c = vc;
    const oct_unop *op = c->op;
    int outb = op->f32b != NULL;
    size_t ysz = outb ? 1 : oct_dtype_size(c->dt);
    size_t xsz = oct_dtype_size(c->dt);
    const void *x = c->x + (size_t)b * xsz;
    void *y = c->y + (size_t)b * ysz;
    int64_t n = e - b;
    switch (c->dt) {
    case OCT_DT_F32:
        if (outb) op->f32b(x, y, n, c->p);
        else op->f32(x, y, n, c->p);
        return;
    case OCT_DT_F16: {
        const oct_ew_kernels *ek = oct_ew_kernels_get();
        float t[UN_CHUNK];
        for (int64_t off = 0; off < n; off += UN_CHUNK) {
            int64_t m = n - off < UN_CHUNK ? n - off : UN_CHUNK;
            ek->f16_to_f32((const uint16_t *)x + off, t, m);
            if (outb) {
                op->f32b(t, (uint8_t *)y + off, m, c->p);
            } else {
                op->f32(t, t, m, c->p);
                ek->f32_to_f16(t, (uint16_t *)y + off, m);
            }
        }
        return;
    }
    case OCT_DT_F64: {
        const double *xd = x;
        if (outb) {
            uint8_t *yb = y;
            for (int64_t i = 0; i < n; i++) yb[i] = (uint8_t)(op->f64b(xd[i], c->p) != 0);
        } else {
            double *yd = y;
            for (int64_t i = 0; i < n; i++) yd[i] = op->f64(xd[i], c->p);
        }
        return;
    }
    default: /* integers */
        if (op->i64) {
            int uns = oct_dt_in(c->dt, OCT_DTS_UINT);
            for (int64_t i = 0; i < n; i++)
                oct_ew_set_i64(c->dt, y, (size_t)i, op->i64(oct_ew_get_i64(c->dt, x, (size_t)i), uns, c->p));
        } else {
            for (int64_t i = 0; i < n; i++)
                oct_ew_set_f64(c->dt, y, (size_t)i, op->f64(oct_dtype_get(c->dt, x, (size_t)i), c->p));
        }
        return;
    }
}

void oct_unop_run(const oct_unop *op, const oct_unparams *p, oct_dtype dt, const void *x, void *y,
                  int64_t n, oct_pool *pool)
{
    un_ctx c = {op, p, dt, x, y};
    oct_pool_for(pool, n, OCT_EW_GRAIN, un_range, &c);
}

oct_status oct_unop_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                            const oct_exec *ex, const oct_unop *op)
{
    oct_unparams p = {0};
    if (op->params) OCT_TRY(op->params(n, &p));
    oct_unop_run(op, &p, in[0]->dtype, in[0]->data, out[0]->data, oct_tensor_numel(in[0]),
                 ex ? ex->pool : NULL);
    return OCT_OK;
}
