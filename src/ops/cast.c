/* Cast (attribute `to`) and CastLike (dtype of input 1): every pair of
 * dtypes octet holds; strings are not supported. Common pairs have typed
 * loops; the rest go through double (floats) or int64 (integers). */
#include <string.h>

#include "ops/ew_opt.h"
#include "ops/broadcast.h"
#include "ops/cast.h"
#include "ops/ew_kernels.h"
#include "ops/ew_util.h"
#include "ops/op.h"

static int is_floaty(oct_dtype t)
{
    return t == OCT_DT_F32 || t == OCT_DT_F64 || t == OCT_DT_F16 || t == OCT_DT_BF16;
}

/* typed loops for the frequent pairs; returns 0 when the pair has none */
static int cast_fast(oct_dtype st, const void *x, oct_dtype dt, void *y, int64_t n)
{
#define PAIR(S, D) (st == (S) && dt == (D))
#define LOOP(TS, TD, EXPR)                                               \
    do {                                                                 \
        const TS *xs = x;                                                \
        TD *yd = y;                                                      \
        for (int64_t i = 0; i < n; i++) { TS v = xs[i]; yd[i] = (EXPR); } \
        return 1;                                                        \
    } while (0)
    if (PAIR(OCT_DT_F32, OCT_DT_F16)) { oct_ew_kernels_get()->f32_to_f16(x, y, n); return 1; }
    if (PAIR(OCT_DT_F16, OCT_DT_F32)) { oct_ew_kernels_get()->f16_to_f32(x, y, n); return 1; }
    if (PAIR(OCT_DT_F32, OCT_DT_F64)) LOOP(float, double, v);
    if (PAIR(OCT_DT_F64, OCT_DT_F32)) LOOP(double, float, (float)v);
    if (PAIR(OCT_DT_I64, OCT_DT_F32)) LOOP(int64_t, float, (float)v);
    if (PAIR(OCT_DT_I32, OCT_DT_F32)) LOOP(int32_t, float, (float)v);
    if (PAIR(OCT_DT_U8, OCT_DT_F32)) LOOP(uint8_t, float, (float)v);
    if (PAIR(OCT_DT_I8, OCT_DT_F32)) LOOP(int8_t, float, (float)v);
    if (PAIR(OCT_DT_BOOL, OCT_DT_F32)) LOOP(uint8_t, float, v ? 1.0f : 0.0f);
    if (PAIR(OCT_DT_F32, OCT_DT_BOOL)) LOOP(float, uint8_t, v != 0.0f);
    if (PAIR(OCT_DT_I64, OCT_DT_I32)) LOOP(int64_t, int32_t, (int32_t)(uint32_t)(uint64_t)v);
    if (PAIR(OCT_DT_I32, OCT_DT_I64)) LOOP(int32_t, int64_t, v);
    if (PAIR(OCT_DT_BOOL, OCT_DT_I64)) LOOP(uint8_t, int64_t, v != 0);
    if (PAIR(OCT_DT_I64, OCT_DT_BOOL)) LOOP(int64_t, uint8_t, v != 0);
    if (PAIR(OCT_DT_F32, OCT_DT_I64))
        LOOP(float, int64_t, v != v ? 0 : v <= -9.2233720368547758e18f ? INT64_MIN
                                        : v >= 9.2233720368547758e18f ? INT64_MAX : (int64_t)v);
    if (PAIR(OCT_DT_F32, OCT_DT_I32))
        LOOP(float, int32_t, v != v ? 0 : v <= -2147483648.0f ? INT32_MIN
                                        : v >= 2147483648.0f ? INT32_MAX : (int32_t)v);
#undef LOOP
#undef PAIR
    return 0;
}

static void cast_generic(oct_dtype st, const void *x, oct_dtype dt, void *y, int64_t n)
{
    if (is_floaty(st)) {
        for (int64_t i = 0; i < n; i++) oct_ew_set_f64(dt, y, (size_t)i, oct_dtype_get(st, x, (size_t)i));
    } else if (!is_floaty(dt)) {
        for (int64_t i = 0; i < n; i++) oct_ew_set_i64(dt, y, (size_t)i, oct_ew_get_i64(st, x, (size_t)i));
    } else {
        for (int64_t i = 0; i < n; i++) {
            int64_t v = oct_ew_get_i64(st, x, (size_t)i);
            double d = st == OCT_DT_U64 ? (double)(uint64_t)v : (double)v;
            oct_ew_set_f64(dt, y, (size_t)i, d);
        }
    }
}

typedef struct cast_ctx {
    oct_dtype st, dt;
    const char *x;
    char *y;
} cast_ctx;

static void cast_range(void *vc, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const cast_ctx *c = vc;
    const void *x = c->x + (size_t)b * oct_dtype_size(c->st);
    void *y = c->y + (size_t)b * oct_dtype_size(c->dt);
    if (!cast_fast(c->st, x, c->dt, y, e - b)) cast_generic(c->st, x, c->dt, y, e - b);
}

void oct_cast_run(oct_dtype st, const void *x, oct_dtype dt, void *y, int64_t n, oct_pool *pool)
{
    if (st == dt) {
        if (x != y) memcpy(y, x, (size_t)n * oct_dtype_size(st));
        return;
    }
    cast_ctx c = {st, dt, x, y};
    oct_pool_for(pool, n, OCT_EW_GRAIN, cast_range, &c);
}

static oct_status cast_check(const oct_node *n, oct_dtype st, oct_dtype dt)
{
    if (!oct_dtype_supported(st)) return oct_op_bad_dtype(n, st);
    if (!oct_dtype_supported(dt))
        return oct_err(OCT_E_UNSUPPORTED, "%s: target dtype %s is not supported", n->op_type, oct_dtype_name(dt));
    return OCT_OK;
}

/* opset 1-5 spell `to` as a TensorProto type name */
static oct_dtype cast_type_name(const char *s)
{
    static const struct { const char *name; oct_dtype t; } names[] = {
        {"FLOAT", OCT_DT_F32}, {"UINT8", OCT_DT_U8}, {"INT8", OCT_DT_I8}, {"UINT16", OCT_DT_U16},
        {"INT16", OCT_DT_I16}, {"INT32", OCT_DT_I32}, {"INT64", OCT_DT_I64}, {"STRING", OCT_DT_STRING},
        {"BOOL", OCT_DT_BOOL}, {"FLOAT16", OCT_DT_F16}, {"DOUBLE", OCT_DT_F64}, {"UINT32", OCT_DT_U32},
        {"UINT64", OCT_DT_U64}, {"BFLOAT16", OCT_DT_BF16},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(s, names[i].name)) return names[i].t;
    return OCT_DT_UNDEFINED;
}

static oct_dtype cast_target(const oct_node *n)
{
    const oct_attr *to = oct_node_attr(n, "to");
    if (!to) return OCT_DT_UNDEFINED;
    if (to->type == OCT_ATTR_STRING) return to->s ? cast_type_name(to->s) : OCT_DT_UNDEFINED;
    return to->i > 0 && to->i < 64 ? (oct_dtype)to->i : OCT_DT_UNDEFINED;
}

static oct_status cast_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    oct_dtype dt = cast_target(n);
    if (dt == OCT_DT_UNDEFINED) return oct_err(OCT_E_INVALID, "Cast: attribute 'to' is missing or invalid");
    OCT_TRY(cast_check(n, in[0]->dtype, dt));
    return oct_out_shape(out[0], dt, in[0]->rank, in[0]->dims);
}

static oct_status castlike_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 2, 2));
    OCT_TRY(cast_check(n, in[0]->dtype, in[1]->dtype));
    return oct_out_shape(out[0], in[1]->dtype, in[0]->rank, in[0]->dims);
}

static oct_status cast_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                               const oct_exec *ex)
{
    (void)n;
    oct_cast_run(in[0]->dtype, in[0]->data, out[0]->dtype, out[0]->data, oct_tensor_numel(in[0]),
                 ex ? ex->pool : NULL);
    return OCT_OK;
}

const oct_op_impl oct_op_Cast = {
    .infer = cast_infer,
    .compute = cast_compute,
};

const oct_op_impl oct_op_CastLike = {
    .infer = castlike_infer,
    .compute = cast_compute,
};
