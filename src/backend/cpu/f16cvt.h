/* octet — fp16 -> fp32 widening for kernels that keep fp16 weights (FP16
 * mode): F16C / AVX-512 conversion by CPU level (exact: every fp16 value is
 * an fp32 value, so all levels give the same floats), per-thread scratch
 * buffers the kernels widen packed fp16 panels into, and a widened copy of a
 * whole tensor for the unpacked fallbacks. */
#ifndef OCT_BACKEND_CPU_F16CVT_H
#define OCT_BACKEND_CPU_F16CVT_H

#include <stddef.h>
#include <stdint.h>

#include "core/cpu.h"

/* dst[i] = fp32(src[i]) for i < n, with the conversion of level lvl. */
void oct_f16cvt_to_f32(const uint16_t *src, float *dst, int64_t n, oct_cpu_level lvl);
void oct_f16cvt_to_f32_avx2(const uint16_t *src, float *dst, int64_t n);
void oct_f16cvt_to_f32_avx512(const uint16_t *src, float *dst, int64_t n);

/* Per-thread scratch slots (64-byte aligned, grown on demand, freed at thread
 * exit or by oct_f16cvt_scratch_release). NULL when out of memory. */
typedef enum oct_f16cvt_slot {
    OCT_F16CVT_SLOT_A = 0,     /* sgemm: a widened A block (MC x KC) */
    OCT_F16CVT_SLOT_B = 1,     /* sgemm: a widened B micro-panel (KC x NR) */
    OCT_F16CVT_SLOT_DFLAT = 2, /* direct conv: one widened 8-row weight tile */
    OCT_F16CVT_SLOTS = 3
} oct_f16cvt_slot;

float *oct_f16cvt_scratch(oct_f16cvt_slot slot, size_t n_floats);
void oct_f16cvt_scratch_release(void);

/* A malloc'ed fp32 copy of n fp16 values (free with free()); NULL with the
 * message set (naming `what`) when out of memory. */
float *oct_f16cvt_widen_alloc(const uint16_t *src, int64_t n, const char *what);

#endif
