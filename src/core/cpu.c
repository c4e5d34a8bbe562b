#include "core/cpu.h"

#include <stdlib.h>
#include <string.h>

#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#define OCT_ARCH_REQ_XCOMP_PERM 0x1023
#define OCT_XFEATURE_XTILEDATA 18
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
static unsigned long long xgetbv0(void)
{
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}
#endif

/* AMX-TILE and AMX-INT8 (CPUID.7.0:EDX bits 24, 25), tile state enabled in
 * XCR0 (bits 17, 18) and, on Linux, this process allowed to use the 8 KiB of
 * tile data (arch_prctl ARCH_REQ_XCOMP_PERM; Linux >= 5.16). */
#if defined(__x86_64__) || defined(__i386__)
static int amx_usable(unsigned long long xcr0)
{
#if defined(__linux__) && defined(__x86_64__)
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !((d >> 24) & 1) || !((d >> 25) & 1)) return 0;
    if ((xcr0 & (3ull << 17)) != (3ull << 17)) return 0;
    return syscall(SYS_arch_prctl, OCT_ARCH_REQ_XCOMP_PERM, OCT_XFEATURE_XTILEDATA) == 0;
#else
    (void)xcr0;
    return 0;
#endif
}
#endif

static oct_cpu_features feats;
static int detected;
static int level_override = -1;

const oct_cpu_features *oct_cpu_detect(void)
{
    if (detected) return &feats;
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        int osxsave = (c >> 27) & 1;
        unsigned long long xcr0 = osxsave ? xgetbv0() : 0;
        int ymm_os = (xcr0 & 6) == 6;
        int zmm_os = (xcr0 & 0xe6) == 0xe6;
        feats.fma = ((c >> 12) & 1) && ymm_os;
        feats.f16c = ((c >> 29) & 1) && ymm_os;
        if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
            feats.avx2 = ((b >> 5) & 1) && ymm_os;
            feats.avx512f = ((b >> 16) & 1) && zmm_os;
            feats.avx512dq = ((b >> 17) & 1) && zmm_os;
            feats.avx512bw = ((b >> 30) & 1) && zmm_os;
            feats.avx512vl = ((b >> 31) & 1) && zmm_os;
            feats.avx512vnni = ((c >> 11) & 1) && zmm_os;
        }
        if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) feats.avxvnni = ((a >> 4) & 1) && ymm_os;
        feats.amx_int8 = amx_usable(xcr0);
    }
#endif
    detected = 1;
    return &feats;
}

static oct_cpu_level hw_level(void)
{
    const oct_cpu_features *f = oct_cpu_detect();
    if (f->avx512f && f->avx512bw && f->avx512dq && f->avx512vl && f->avx2 && f->fma && f->f16c)
        return OCT_CPU_AVX512;
    if (f->avx2 && f->fma && f->f16c) return OCT_CPU_AVX2;
    return OCT_CPU_SCALAR;
}

oct_cpu_level oct_cpu_level_get(void)
{
    oct_cpu_level hw = hw_level();
    if (level_override < 0) {
        const char *e = getenv("OCTET_CPU");
        level_override = (int)hw;
        if (e) {
            if (!strcmp(e, "scalar")) level_override = OCT_CPU_SCALAR;
            else if (!strcmp(e, "avx2")) level_override = OCT_CPU_AVX2;
            else if (!strcmp(e, "avx512")) level_override = OCT_CPU_AVX512;
        }
    }
    return level_override < (int)hw ? (oct_cpu_level)level_override : hw;
}

void oct_cpu_level_set(oct_cpu_level lvl) { level_override = (int)lvl; }

const char *oct_cpu_level_name(oct_cpu_level lvl)
{
    switch (lvl) {
    case OCT_CPU_SCALAR: return "scalar";
    case OCT_CPU_AVX2: return "avx2";
    case OCT_CPU_AVX512: return "avx512";
    }
    return "?";
}
