/* tdpbusd throughput on this core: four independent 16x16x64 tile products
 * per iteration, no loads (the tile unit's own rate, for the AMX rows of
 * qgemm_bench). Uses the library's tile configuration (16 x 64-byte tiles).
 * Built with AMX flags only when the compiler has them. */
#include <immintrin.h>
#include <time.h>

#include "backend/cpu/qgemm_kernels.h"

/* Seconds per tdpbusd over `iters` x 4 instructions (the CPU must have AMX). */
double bench_amx_tdpbusd_seconds(long iters)
{
    struct timespec t0, t1;
    oct_qgemm_amx_begin();
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    _tile_zero(4);
    _tile_zero(5);
    _tile_zero(6);
    _tile_zero(7);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < iters; i++) {
        _tile_dpbusd(0, 4, 6);
        _tile_dpbusd(1, 4, 7);
        _tile_dpbusd(2, 5, 6);
        _tile_dpbusd(3, 5, 7);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    oct_qgemm_amx_end();
    return ((double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec)) / (4.0 * (double)iters);
}
