/* octet — shared engine for binary elementwise ops with broadcasting.
 *
 * An op is a table of row kernels indexed by the input dtype (both inputs
 * have that dtype); each kernel handles one broadcast run in one of three
 * modes (OCT_BIN_VV / VS / SV, see ew_kernels.h). f16 inputs run through the
 * f32 kernel in chunks when the table has no f16 kernel. The OCT_BIN_*
 * macros below generate typed kernels from an expression over `x` (left)
 * and `w` (right). */
#ifndef OCT_OPS_BINARY_H
#define OCT_OPS_BINARY_H

#include <stdint.h>

#include "ops/ew_opt.h"
#include "ops/ew_kernels.h"
#include "ops/op.h"

#define OCT_EW_NDT 17 /* dtype enum values 0..16 */

typedef void (*oct_bin_kernel)(const void *a, const void *b, void *y, int64_t n, int mode);

typedef struct oct_binop {
    oct_bin_kernel k[OCT_EW_NDT]; /* by input dtype; NULL = unsupported */
    int out_bool;                 /* output dtype is bool (comparisons) */
    int ewk;                      /* 1 + OCT_EWK_* when the f32 kernel is in ew_kernels */
} oct_binop;

/* Opsets < 7 with broadcast=1: a view of b whose dims line up with a's from
 * `axis` (default: right-aligned). Otherwise (or later opsets) view = *b. */
oct_status oct_binop_legacy_view(const oct_node *n, const oct_tensor *a, const oct_tensor *b,
                                 oct_tensor *view);
/* Infer for a two-input op: both inputs present with equal dtypes that the
 * table supports; output = broadcast shape, dtype = input or bool. */
oct_status oct_binop_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                           const oct_binop *op);
/* y = op(a, b) with broadcasting (y already shaped). y may be a or b when it
 * has the same shape (in place). */
void oct_binop_run(const oct_binop *op, const oct_tensor *a, const oct_tensor *b, oct_tensor *y,
                   oct_pool *pool);
oct_status oct_binop_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex, const oct_binop *op);

static inline oct_pool *oct_ex_pool(const oct_exec *ex) { return ex ? ex->pool : (oct_pool *)0; }

/* Typed row kernel: y[i] = EXPR with x = a[.], w = b[.] of type TA, y of TY. */
#define OCT_BIN_KERNEL(fname, TA, TY, EXPR) OCT_BIN_KERNEL_U(fname, TA, uint32_t, EXPR, TY)

/* One kernel per integer dtype, named prefix_<type>; EXPR may use the
 * unsigned working type U (uint32_t or uint64_t) to wrap without UB. */
#define OCT_BIN_INT_KERNELS(prefix, EXPR_S, EXPR_U, TYOUT_SAME)                      \
    OCT_BIN_KERNEL_U(prefix##_i8, int8_t, uint32_t, EXPR_S, TYOUT_SAME(int8_t))        \
    OCT_BIN_KERNEL_U(prefix##_i16, int16_t, uint32_t, EXPR_S, TYOUT_SAME(int16_t))     \
    OCT_BIN_KERNEL_U(prefix##_i32, int32_t, uint32_t, EXPR_S, TYOUT_SAME(int32_t))     \
    OCT_BIN_KERNEL_U(prefix##_i64, int64_t, uint64_t, EXPR_S, TYOUT_SAME(int64_t))     \
    OCT_BIN_KERNEL_U(prefix##_u8, uint8_t, uint32_t, EXPR_U, TYOUT_SAME(uint8_t))      \
    OCT_BIN_KERNEL_U(prefix##_u16, uint16_t, uint32_t, EXPR_U, TYOUT_SAME(uint16_t))   \
    OCT_BIN_KERNEL_U(prefix##_u32, uint32_t, uint32_t, EXPR_U, TYOUT_SAME(uint32_t))   \
    OCT_BIN_KERNEL_U(prefix##_u64, uint64_t, uint64_t, EXPR_U, TYOUT_SAME(uint64_t))

#define OCT_BIN_KERNEL_U(fname, TA, UT, EXPR, TY)                                   \
    static void fname(const void *a_, const void *b_, void *y_, int64_t n, int mode) \
    {                                                                              \
        typedef UT U;                                                              \
        (void)(U)0;                                                                \
        const TA *a = (const TA *)a_;                                              \
        const TA *b = (const TA *)b_;                                              \
        TY *y = (TY *)y_;                                                          \
        if (mode == OCT_BIN_VV) {                                                  \
            for (int64_t i = 0; i < n; i++) { TA x = a[i], w = b[i]; y[i] = (TY)(EXPR); } \
        } else if (mode == OCT_BIN_VS) {                                           \
            const TA w = b[0];                                                     \
            for (int64_t i = 0; i < n; i++) { TA x = a[i]; y[i] = (TY)(EXPR); }    \
        } else {                                                                   \
            const TA x = a[0];                                                     \
            for (int64_t i = 0; i < n; i++) { TA w = b[i]; y[i] = (TY)(EXPR); }    \
        }                                                                          \
    }

#define OCT_BIN_SAME(T) T
#define OCT_BIN_BOOL(T) uint8_t

/* Table initialiser entries for the integer kernels made above. */
#define OCT_BIN_INT_ENTRIES(prefix)                                                 \
    [OCT_DT_I8] = prefix##_i8, [OCT_DT_I16] = prefix##_i16, [OCT_DT_I32] = prefix##_i32, \
    [OCT_DT_I64] = prefix##_i64, [OCT_DT_U8] = prefix##_u8, [OCT_DT_U16] = prefix##_u16, \
    [OCT_DT_U32] = prefix##_u32, [OCT_DT_U64] = prefix##_u64

/* Define oct_op_<Name> from a table (infer + compute through the engine). */
#define OCT_BINOP_IMPL(Name, table)                                                 \
    static oct_status Name##_infer(const oct_node *n, const oct_tensor *const *in,   \
                                   oct_tensor *const *out)                          \
    {                                                                              \
        return oct_binop_infer(n, in, out, &(table));                              \
    }                                                                              \
    static oct_status Name##_compute(const oct_node *n, const oct_tensor *const *in, \
                                     oct_tensor *const *out, const oct_exec *ex)    \
    {                                                                              \
        return oct_binop_compute(n, in, out, ex, &(table));                        \
    }                                                                              \
    const oct_op_impl oct_op_##Name = {.infer = Name##_infer, .compute = Name##_compute};

/* Tables shared with other ops (Sum/Mean reuse Add; Max/Min are variadic). */
extern const oct_binop oct_binop_add, oct_binop_mul, oct_binop_max, oct_binop_min;

#endif
