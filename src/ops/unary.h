/* octet — shared engine for unary elementwise ops (math and activations).
 *
 * An op supplies a contiguous f32 row kernel (the fast path, also used for
 * f16 through chunked conversion), a double function for f64, and
 * optionally an integer function; attributes are read once per call into
 * oct_unparams. Outputs have the input's shape and dtype (or bool). Large
 * tensors are split over the pool. */
#ifndef OCT_OPS_UNARY_H
#define OCT_OPS_UNARY_H

#include <stdint.h>

#include "ops/ew_opt.h"
#include "ops/ew_util.h"
#include "ops/op.h"

typedef struct oct_unparams {
    float alpha, beta, gamma;
    int64_t i0, i1;
    double d0, d1;
} oct_unparams;

typedef struct oct_unop {
    uint32_t types; /* accepted input dtypes (OCT_DTS_*) */
    /* y[i] = f(x[i]); x may equal y */
    void (*f32)(const float *x, float *y, int64_t n, const oct_unparams *p);
    double (*f64)(double x, const oct_unparams *p);
    /* integer dtypes: exact function (uns: the dtype is unsigned), else f64 is used */
    int64_t (*i64)(int64_t x, int uns, const oct_unparams *p);
    /* bool-output ops (IsNaN, IsInf) use these instead */
    void (*f32b)(const float *x, uint8_t *y, int64_t n, const oct_unparams *p);
    int (*f64b)(double x, const oct_unparams *p);
    /* read and validate attributes (optional) */
    oct_status (*params)(const oct_node *n, oct_unparams *p);
} oct_unop;

oct_status oct_unop_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                          const oct_unop *op);
oct_status oct_unop_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                            const oct_exec *ex, const oct_unop *op);
/* Run on raw data (x and y may be equal). */
void oct_unop_run(const oct_unop *op, const oct_unparams *p, oct_dtype dt, const void *x, void *y,
                  int64_t n, oct_pool *pool);

#define OCT_UNOP_IMPL(Name, table)                                                    \
    static oct_status Name##_infer(const oct_node *n, const oct_tensor *const *in,     \
                                   oct_tensor *const *out)                            \
    {                                                                                \
        return oct_unop_infer(n, in, out, &(table));                                 \
    }                                                                                \
    static oct_status Name##_compute(const oct_node *n, const oct_tensor *const *in,   \
                                     oct_tensor *const *out, const oct_exec *ex)      \
    {                                                                                \
        return oct_unop_compute(n, in, out, ex, &(table));                           \
    }                                                                                \
    const oct_op_impl oct_op_##Name = {.infer = Name##_infer, .compute = Name##_compute};

/* f32 row kernel / f64 function from an expression over x (and p). */
#define OCT_UN_F32(fname, EXPR)                                                        \
    static void fname(const float *x_, float *y, int64_t n, const oct_unparams *p)    \
    {                                                                                \
        (void)p;                                                                     \
        for (int64_t i = 0; i < n; i++) {                                            \
            float x = x_[i];                                                         \
            y[i] = (EXPR);                                                           \
        }                                                                            \
    }
#define OCT_UN_F64(fname, EXPR)                                                        \
    static double fname(double x, const oct_unparams *p)                              \
    {                                                                                \
        (void)p;                                                                     \
        return (EXPR);                                                               \
    }

#endif
