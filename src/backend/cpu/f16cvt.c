/* octet — fp16 -> fp32 widening: dispatch, scalar path, scratch (f16cvt.h). */
#include "backend/cpu/f16cvt.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/dtype.h"
#include "core/status.h"

void oct_f16cvt_to_f32(const uint16_t *src, float *dst, int64_t n, oct_cpu_level lvl)
{
    if (n <= 0) return;
    if (lvl == OCT_CPU_AVX512) oct_f16cvt_to_f32_avx512(src, dst, n);
    else if (lvl == OCT_CPU_AVX2) oct_f16cvt_to_f32_avx2(src, dst, n);
    else oct_f16_to_f32_n(src, dst, (size_t)n);
}

typedef struct f16_scratch {
    float *p[OCT_F16CVT_SLOTS];
    size_t cap[OCT_F16CVT_SLOTS];
} f16_scratch;

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int key_ok;

static void scratch_destroy(void *v)
{
    f16_scratch *s = v;
    if (!s) return;
    for (int i = 0; i < OCT_F16CVT_SLOTS; i++) free(s->p[i]);
    free(s);
}

static void key_init(void) { key_ok = pthread_key_create(&key, scratch_destroy) == 0; }

static f16_scratch *scratch_self(int create)
{
    pthread_once(&once, key_init);
    if (!key_ok) return NULL;
    f16_scratch *s = pthread_getspecific(key);
    if (!s && create) {
        s = calloc(1, sizeof *s);
        if (!s) return NULL;
        if (pthread_setspecific(key, s) != 0) {
            free(s);
            return NULL;
        }
    }
    return s;
}

float *oct_f16cvt_scratch(oct_f16cvt_slot slot, size_t n_floats)
{
    if ((int)slot < 0 || slot >= OCT_F16CVT_SLOTS) return NULL;
    f16_scratch *s = scratch_self(1);
    if (!s) return NULL;
    size_t bytes = (n_floats * sizeof(float) + 63) & ~(size_t)63;
    if (bytes == 0) bytes = 64;
    if (bytes > s->cap[slot]) {
        free(s->p[slot]);
        s->p[slot] = aligned_alloc(64, bytes);
        s->cap[slot] = s->p[slot] ? bytes : 0;
    }
    return s->p[slot];
}

void oct_f16cvt_scratch_release(void)
{
    f16_scratch *s = scratch_self(0);
    if (!s) return;
    for (int i = 0; i < OCT_F16CVT_SLOTS; i++) {
        free(s->p[i]);
        s->p[i] = NULL;
        s->cap[i] = 0;
    }
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
