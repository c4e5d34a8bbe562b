/* octet benchmarks — the machine facts both GEMM benchmarks report. */
#ifndef OCT_BENCH_UTIL_H
#define OCT_BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Core clock from a chain of dependent imul (3 cycles latency on every Intel
 * core since Nehalem; add-immediate chains are not used: Golden Cove folds
 * them). Returns GHz, best of 5. */
static inline double bench_measure_ghz(void)
{
    double best = 0;
    for (int rep = 0; rep < 5; rep++) {
        uint64_t x = 3, n = 20000000;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (uint64_t i = 0; i < n; i++)
            __asm__ volatile("imul %0, %0\n\timul %0, %0\n\timul %0, %0\n\timul %0, %0\n\t"
                             "imul %0, %0\n\timul %0, %0\n\timul %0, %0\n\timul %0, %0"
                             : "+r"(x));
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double t = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        double ghz = (double)n * 8 * 3 / t * 1e-9;
        if (ghz > best) best = ghz;
    }
    return best;
}

/* The "cpu MHz" line of /proc/cpuinfo (0 if absent). */
static inline double bench_cpuinfo_mhz(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return 0;
    char line[256];
    double mhz = 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "cpu MHz", 7)) {
            const char *c = strchr(line, ':');
            if (c) mhz = atof(c + 1);
            break;
        }
    fclose(f);
    return mhz;
}

#endif
