/* octet — shared geometry and kernels of the windowed pooling ops
 * (MaxPool, AveragePool, LpPool) and the global pools.
 *
 * Spatial ranks 1..3 are handled; shapes are stored right-aligned in 3 slots
 * (a 1-D pool is a 3-D pool over [1, 1, W] with unit kernel/stride on the
 * leading slots), so kernels only need one layout. */
#ifndef OCT_OPS_POOL_COMMON_H
#define OCT_OPS_POOL_COMMON_H

#include <stdint.h>

#include "ops/op.h"

typedef enum oct_pooling_kind {
    OCT_POOLING_MAX = 0,
    OCT_POOLING_AVG,
    OCT_POOLING_LP
} oct_pooling_kind;

typedef struct oct_pooling_geom {
    int nsp;                  /* spatial rank of the input (1..3) */
    int64_t n, c;             /* batch and channels */
    int64_t in[3], out[3];    /* spatial sizes, right-aligned (leading slots are 1) */
    int64_t k[3], s[3], d[3]; /* kernel, stride, dilation */
    int64_t pb[3], pe[3];     /* padding at the beginning / end of each axis */
    int64_t in_plane, out_plane; /* elements per (n, c) plane */
} oct_pooling_geom;

typedef struct oct_pooling_opts {
    int allow_dilations; /* MaxPool (>= 10), AveragePool (>= 19) */
    int allow_ceil;      /* ceil_mode attribute exists */
} oct_pooling_opts;

/* Read kernel_shape / strides / pads / dilations / auto_pad / ceil_mode from
 * the node and compute the output geometry for input x (rank 3..5). */
oct_status oct_pooling_geom_init(const oct_node *n, const oct_tensor *x, const oct_pooling_opts *o,
                                 oct_pooling_geom *g);

/* Output dims [N, C, out...] of a geometry (rank = nsp + 2). */
void oct_pooling_out_dims(const oct_pooling_geom *g, int64_t *dims);

/* Parameters for one plane kernel call. */
typedef struct oct_pooling_args {
    oct_pooling_kind kind;
    int count_include_pad; /* AVG */
    float p;               /* LP: exponent */
    int storage_order;     /* MAX indices: 0 row-major, 1 column-major */
} oct_pooling_args;

/* Generic kernel on one f32 plane (any geometry, any kind). If idx != NULL
 * (MAX only), writes the argmax index of each output, offset by idx_base. */
void oct_pooling_plane_ref(const oct_pooling_geom *g, const oct_pooling_args *a, const float *x,
                           float *y, int64_t *idx, int64_t idx_base);

/* Fast kernel for 1-D/2-D MAX/AVG planes (separable: reduce the window rows
 * into a padded row, then across columns). scratch: oct_pooling_scratch2d()
 * floats. Returns 0 (does nothing) when the geometry is not 1-D/2-D. */
int64_t oct_pooling_scratch2d(const oct_pooling_geom *g);
int oct_pooling_plane_2d(const oct_pooling_geom *g, const oct_pooling_args *a, const float *x, float *y,
                         float *scratch);

/* Run a pool over all N*C planes of x (dtype f32, f16, u8 or i8) into y (same
 * dtype), optionally with MAX indices, threaded over planes. */
oct_status oct_pooling_run(const oct_pooling_geom *g, const oct_pooling_args *a, const oct_tensor *x,
                           oct_tensor *y, oct_tensor *indices, const oct_exec *ex);

/* Global pools: reduce each N*C plane of x (f32 or f16, rank >= 3) to one
 * value in y. p is the LP exponent. Threaded over planes. */
oct_status oct_pooling_global_run(oct_pooling_kind kind, float p, const oct_tensor *x, oct_tensor *y,
                                  const oct_exec *ex);
/* Shared infer of the global pools: rank >= 3, f32/f16, out [N, C, 1, ...]. */
oct_status oct_pooling_global_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out);

/* dtype check shared by the pools: f32, f16 always; u8/i8 when allow_int. */
oct_status oct_pooling_check_dtype(const oct_node *n, oct_dtype dt, int allow_int);

#endif
