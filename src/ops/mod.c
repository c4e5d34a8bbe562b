/* Mod: fmod=0 -> remainder with the divisor's sign (Python %), integers only
 * per spec (floats get the same floor-mod); fmod=1 -> C fmod / truncating %.
 * x % 0 gives 0 and INT_MIN % -1 gives 0 (never traps). */
#include <math.h>

#include "ops/binary.h"

#define MOD_TRUNC(T) (w == 0 || w == (T)-1 ? (T)0 : (T)(x % w))
#define MOD_FLOOR(T) \
    (w == 0 || w == (T)-1 ? (T)0 : (T)(x % w) != 0 && (((T)(x % w) < 0) != (w < 0)) ? (T)((T)(x % w) + w) : (T)(x % w))
#define UMOD (w == 0 ? 0 : x % w)

#define MOD_SIGNED(prefix, KIND)                                        \
    OCT_BIN_KERNEL(prefix##_i8, int8_t, int8_t, KIND(int8_t))           \
    OCT_BIN_KERNEL(prefix##_i16, int16_t, int16_t, KIND(int16_t))       \
    OCT_BIN_KERNEL(prefix##_i32, int32_t, int32_t, KIND(int32_t))       \
    OCT_BIN_KERNEL(prefix##_i64, int64_t, int64_t, KIND(int64_t))
MOD_SIGNED(modt, MOD_TRUNC)
MOD_SIGNED(modf, MOD_FLOOR)
OCT_BIN_KERNEL(modu_u8, uint8_t, uint8_t, UMOD)
OCT_BIN_KERNEL(modu_u16, uint16_t, uint16_t, UMOD)
OCT_BIN_KERNEL(modu_u32, uint32_t, uint32_t, UMOD)
OCT_BIN_KERNEL(modu_u64, uint64_t, uint64_t, UMOD)

static inline double floor_mod(double x, double w)
{
    double r = fmod(x, w);
    return r != 0 && ((r < 0) != (w < 0)) ? r + w : r;
}
static inline float floor_modf(float x, float w)
{
    float r = fmodf(x, w);
    return r != 0 && ((r < 0) != (w < 0)) ? r + w : r;
}
OCT_BIN_KERNEL(modt_f32, float, float, fmodf(x, w))
OCT_BIN_KERNEL(modt_f64, double, double, fmod(x, w))
OCT_BIN_KERNEL(modf_f32, float, float, floor_modf(x, w))
OCT_BIN_KERNEL(modf_f64, double, double, floor_mod(x, w))

#define MOD_UNSIGNED_ENTRIES \
    [OCT_DT_U8] = modu_u8, [OCT_DT_U16] = modu_u16, [OCT_DT_U32] = modu_u32, [OCT_DT_U64] = modu_u64

static const oct_binop mod_trunc = {
    .k = {[OCT_DT_F32] = modt_f32, [OCT_DT_F64] = modt_f64, [OCT_DT_I8] = modt_i8,
          [OCT_DT_I16] = modt_i16, [OCT_DT_I32] = modt_i32, [OCT_DT_I64] = modt_i64, MOD_UNSIGNED_ENTRIES},
};
static const oct_binop mod_floor = {
    .k = {[OCT_DT_F32] = modf_f32, [OCT_DT_F64] = modf_f64, [OCT_DT_I8] = modf_i8,
          [OCT_DT_I16] = modf_i16, [OCT_DT_I32] = modf_i32, [OCT_DT_I64] = modf_i64, MOD_UNSIGNED_ENTRIES},
};

static const oct_binop *mod_table(const oct_node *n)
{
    return oct_attr_int(n, "fmod", 0) ? &mod_trunc : &mod_floor;
}

static oct_status mod_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    int64_t f = oct_attr_int(n, "fmod", 0);
    if (f != 0 && f != 1) return oct_err(OCT_E_INVALID, "Mod: fmod must be 0 or 1, got %lld", (long long)f);
    return oct_binop_infer(n, in, out, mod_table(n));
}

static oct_status mod_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    return oct_binop_compute(n, in, out, ex, mod_table(n));
}

const oct_op_impl oct_op_Mod = {
    .infer = mod_infer,
    .compute = mod_compute,
};
