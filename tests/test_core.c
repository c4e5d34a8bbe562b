/* core: fp16 conversion (exhaustive), shapes, broadcasting, size overflow, thread pool, errors. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/cpu.h"
#include "core/dtype.h"
#include "core/pool.h"
#include "core/status.h"
#include "core/tensor.h"
#include "test_util.h"

static void test_fp16(void)
{
    int bad = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = oct_f16_to_f32((uint16_t)h);
        uint16_t back = oct_f32_to_f16(f);
        int is_nan = ((h >> 10) & 0x1f) == 0x1f && (h & 0x3ff);
        if (is_nan ? !isnan(f) : back != h) bad++;
    }
    CHECK_MSG(bad == 0, "%d halves do not round-trip", bad);
    /* known values */
    CHECK(oct_f32_to_f16(1.0f) == 0x3c00);
    CHECK(oct_f32_to_f16(-2.0f) == 0xc000);
    CHECK(oct_f32_to_f16(65504.0f) == 0x7bff);
    CHECK(oct_f32_to_f16(65520.0f) == 0x7c00); /* rounds up to inf */
    CHECK(oct_f32_to_f16(5.960464477539063e-08f) == 0x0001); /* smallest subnormal */
    CHECK(oct_f32_to_f16(2.98e-08f) == 0x0000);
    CHECK(oct_f16_to_f32(0x3555) > 0.333f && oct_f16_to_f32(0x3555) < 0.3334f);
    /* ties round to even: midpoint between 1.0 (0x3c00) and next (0x3c01) */
    float mid = (oct_f16_to_f32(0x3c00) + oct_f16_to_f32(0x3c01)) / 2;
    CHECK(oct_f32_to_f16(mid) == 0x3c00);
    mid = (oct_f16_to_f32(0x3c01) + oct_f16_to_f32(0x3c02)) / 2;
    CHECK(oct_f32_to_f16(mid) == 0x3c02);
    /* every midpoint between consecutive positive finite halves rounds to even */
    int badmid = 0;
    for (uint32_t h = 0; h < 0x7bff; h++) {
        double a = oct_f16_to_f32((uint16_t)h), b = oct_f16_to_f32((uint16_t)(h + 1));
        float m = (float)((a + b) / 2);
        uint16_t want = (h & 1) ? (uint16_t)(h + 1) : (uint16_t)h;
        if ((double)m == (a + b) / 2 && oct_f32_to_f16(m) != want) badmid++;
    }
    CHECK_MSG(badmid == 0, "%d midpoints round wrongly", badmid);
}

static void test_shapes(void)
{
    int64_t a[] = {8, 1, 6, 1}, b[] = {7, 1, 5}, out[8];
    int r;
    CHECK(oct_shape_broadcast(4, a, 3, b, &r, out) == OCT_OK);
    CHECK(r == 4 && out[0] == 8 && out[1] == 7 && out[2] == 6 && out[3] == 5);
    int64_t c[] = {3}, d[] = {4};
    CHECK(oct_shape_broadcast(1, c, 1, d, &r, out) == OCT_E_SHAPE);
    CHECK(strstr(oct_errmsg(), "[3]") && strstr(oct_errmsg(), "[4]"));
    size_t nb;
    int64_t huge[] = {1 << 30, 1 << 30, 1 << 30};
    CHECK(oct_shape_bytes(OCT_DT_F32, 3, huge, &nb) == OCT_E_NOMEM);
    int64_t neg[] = {2, -1};
    CHECK(oct_shape_bytes(OCT_DT_F32, 2, neg, &nb) == OCT_E_SHAPE);
    int64_t ok[] = {2, 3};
    CHECK(oct_shape_bytes(OCT_DT_I64, 2, ok, &nb) == OCT_OK && nb == 48);
    CHECK(oct_shape_bytes(OCT_DT_STRING, 2, ok, &nb) == OCT_E_UNSUPPORTED);
    int ax;
    CHECK(oct_axis_norm(-1, 4, &ax) == OCT_OK && ax == 3);
    CHECK(oct_axis_norm(4, 4, &ax) == OCT_E_INVALID);
    oct_tensor *t = oct_tensor_new(OCT_DT_F32, 2, ok);
    CHECK(t && ((uintptr_t)t->data % OCT_ALIGN) == 0 && oct_tensor_numel(t) == 6);
    oct_tensor_free(t);
}

static void sum_range(void *ctx, int64_t b, int64_t e, int tid)
{
    (void)tid;
    int64_t *v = ctx;
    for (int64_t i = b; i < e; i++) __atomic_add_fetch(&v[i], i, __ATOMIC_RELAXED);
}

static void test_pool(void)
{
    oct_pool *p = oct_pool_new(2);
    CHECK(p && oct_pool_size(p) == 2);
    static int64_t v[100000];
    for (int round = 0; round < 200; round++) {
        int64_t n = 1 + (round * 7919) % 100000;
        memset(v, 0, sizeof v);
        oct_pool_for(p, n, 1 + round % 50, sum_range, v);
        int bad = 0;
        for (int64_t i = 0; i < n; i++) bad += v[i] != i;
        for (int64_t i = n; i < 100000; i++) bad += v[i] != 0;
        CHECK_MSG(bad == 0, "round %d: %d wrong", round, bad);
    }
    oct_pool_for(NULL, 10, 1, sum_range, v); /* serial path */
    oct_pool_free(p);
}

static void test_errors(void)
{
    CHECK(oct_err(OCT_E_PARSE, "bad %d", 7) == OCT_E_PARSE);
    CHECK(!strcmp(oct_errmsg(), "bad 7"));
    oct_err_ctx(OCT_E_PARSE, "file.onnx: ");
    CHECK(!strcmp(oct_errmsg(), "file.onnx: bad 7"));
    oct_err_clear();
    CHECK(oct_errmsg()[0] == '\0');
    CHECK(strcmp(oct_status_name(OCT_E_IO), "i/o error") == 0);
}

static void test_cpu(void)
{
    oct_cpu_level hw = oct_cpu_level_get();
    oct_cpu_level_set(OCT_CPU_SCALAR);
    CHECK(oct_cpu_level_get() == OCT_CPU_SCALAR);
    oct_cpu_level_set(OCT_CPU_AVX512);
    CHECK(oct_cpu_level_get() <= OCT_CPU_AVX512);
    oct_cpu_level_set(hw);
    printf("cpu level: %s\n", oct_cpu_level_name(hw));
}

int main(void)
{
    test_fp16();
    test_shapes();
    test_pool();
    test_errors();
    test_cpu();
    TEST_DONE();
}
