/* octet — fp16 -> fp32 widening: dispatch, scalar path, scratch (f16cvt.h). */
#include "backend/cpu/f16cvt.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/dtype.h"
#include "core/status.h"
#include "core/tscratch.h"

void oct_f16cvt_to_f32(const uint16_t *src, float *dst, int64_t n, oct_cpu_level lvl)
{
    if (n <= 0) return;
    if (lvl == OCT_CPU_AVX512) oct_f16cvt_to_f32_avx512(src, dst, n);
    else if (lvl == OCT_CPU_AVX2) oct_f16cvt_to_f32_avx2(src, dst, n);
    else oct_f16_to_f32_n(src, dst, (size_t)n);
}

static oct_tscratch f16_ws[OCT_F16CVT_SLOTS]; /* zero = OCT_TSCRATCH_INIT */

float *oct_f16cvt_scratch(oct_f16cvt_slot slot, size_t n_floats)
{
    if ((int)slot < 0 || slot >= OCT_F16CVT_SLOTS) return NULL;
    return oct_tscratch_get(&f16_ws[slot], n_floats * sizeof(float));
}

void oct_f16cvt_scratch_release(void)
{
    for (int i = 0; i < OCT_F16CVT_SLOTS; i++) oct_tscratch_release(&f16_ws[i]);
}

float *oct_f16cvt_widen_alloc(const uint16_t *src, int64_t n, const char *what)
{
    float *d = malloc((size_t)(n > 0 ? n : 1) * sizeof(float));
    if (!d) {
        oct_err(OCT_E_NOMEM, "%s: cannot allocate %lld floats to widen fp16 weights", what, (long long)n);
        return NULL;
    }
    oct_f16cvt_to_f32(src, d, n, oct_cpu_level_get());
    return d;
}
