/* BitShift: y = x << s or x >> s (direction "LEFT"/"RIGHT"), unsigned
 * integers; shifting by the bit width or more gives 0. */
#include <string.h>

#include "ops/binary.h"

#define SHL(T) (w >= sizeof(T) * 8 ? (T)0 : (T)(x << w))
#define SHR(T) (w >= sizeof(T) * 8 ? (T)0 : (T)(x >> w))
OCT_BIN_KERNEL(shl_u8, uint8_t, uint8_t, SHL(uint8_t))
OCT_BIN_KERNEL(shl_u16, uint16_t, uint16_t, SHL(uint16_t))
OCT_BIN_KERNEL(shl_u32, uint32_t, uint32_t, SHL(uint32_t))
OCT_BIN_KERNEL(shl_u64, uint64_t, uint64_t, SHL(uint64_t))
OCT_BIN_KERNEL(shr_u8, uint8_t, uint8_t, SHR(uint8_t))
OCT_BIN_KERNEL(shr_u16, uint16_t, uint16_t, SHR(uint16_t))
OCT_BIN_KERNEL(shr_u32, uint32_t, uint32_t, SHR(uint32_t))
OCT_BIN_KERNEL(shr_u64, uint64_t, uint64_t, SHR(uint64_t))

static const oct_binop shl_op = {
    .k = {[OCT_DT_U8] = shl_u8, [OCT_DT_U16] = shl_u16, [OCT_DT_U32] = shl_u32, [OCT_DT_U64] = shl_u64},
};
static const oct_binop shr_op = {
    .k = {[OCT_DT_U8] = shr_u8, [OCT_DT_U16] = shr_u16, [OCT_DT_U32] = shr_u32, [OCT_DT_U64] = shr_u64},
};

static const oct_binop *shift_table(const oct_node *n)
{
    const char *d = oct_attr_str(n, "direction", "");
    return !strcmp(d, "LEFT") ? &shl_op : !strcmp(d, "RIGHT") ? &shr_op : NULL;
}

static oct_status bitshift_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    const oct_binop *op = shift_table(n);
    if (!op)
        return oct_err(OCT_E_INVALID, "BitShift: direction must be \"LEFT\" or \"RIGHT\", got \"%s\"",
                       oct_attr_str(n, "direction", ""));
    return oct_binop_infer(n, in, out, op);
}

static oct_status bitshift_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                   const oct_exec *ex)
{
    return oct_binop_compute(n, in, out, ex, shift_table(n));
}

const oct_op_impl oct_op_BitShift = {
    .infer = bitshift_infer,
    .compute = bitshift_compute,
};
