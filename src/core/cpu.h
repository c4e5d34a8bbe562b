/* octet — CPU feature detection for run-time kernel dispatch. */
#ifndef OCT_CORE_CPU_H
#define OCT_CORE_CPU_H

typedef enum oct_cpu_level {
    OCT_CPU_SCALAR = 0,
    OCT_CPU_AVX2 = 1,    /* AVX2 + FMA + F16C */
    OCT_CPU_AVX512 = 2   /* AVX-512 F/BW/DQ/VL */
} oct_cpu_level;

typedef struct oct_cpu_features {
    int avx2, fma, f16c;
    int avx512f, avx512bw, avx512dq, avx512vl;
    int avx512vnni; /* vpdpbusd on zmm */
    int avxvnni;    /* vpdpbusd on ymm (VEX) */
    int amx_int8;   /* AMX tiles + tdpbusd, enabled by the OS and permitted for this process */
} oct_cpu_features;

/* What the CPU and OS support (cached after the first call). */
const oct_cpu_features *oct_cpu_detect(void);
/* The level kernels should use: the best supported, capped by the
 * environment variable OCTET_CPU=scalar|avx2|avx512 (for tests and A/B runs). */
oct_cpu_level oct_cpu_level_get(void);
/* Override at run time (tests). Values above what the CPU has are capped. */
void oct_cpu_level_set(oct_cpu_level lvl);
const char *oct_cpu_level_name(oct_cpu_level lvl);

#endif
