/* octet — numpy-style multidirectional broadcasting for elementwise kernels.
 *
 * oct_bcast_run() walks the output in row-major order and hands a row kernel
 * runs of elements in which every input either advances by one element
 * (s[k] == 1) or stays on one element (s[k] == 0, broadcast). Adjacent
 * dimensions that broadcast alike are merged first, so the common cases
 * become long runs: same shape -> one run over everything, tensor + scalar ->
 * one run with s = {1, 0}, [N,C,H,W] + [C,1,1] -> runs of H*W with s = {1, 0},
 * [B,T,D] + [D] -> runs of D with s = {1, 1}. Large outputs are split over
 * the thread pool (chunks may start inside a run).
 */
#ifndef OCT_OPS_BROADCAST_H
#define OCT_OPS_BROADCAST_H

#include <stdint.h>

#include "core/pool.h"
#include "core/status.h"
#include "core/tensor.h"

#define OCT_BCAST_MAX_IN 4
/* Outputs with fewer elements than this run on the calling thread. */
#define OCT_EW_GRAIN 32768

/* Broadcast output shape of n (1..OCT_BCAST_MAX_IN) tensors; NULL entries are
 * skipped. OCT_E_SHAPE names the shapes that do not fit. */
oct_status oct_bcast_shape(int n, const oct_tensor *const *in, int *rank, int64_t *dims);

/* Row kernel: for i in [0, n): y[i] = f(x[0][i * s[0]], x[1][i * s[1]], ...),
 * s[k] in {0, 1}. Pointers already point at the run's first elements. */
typedef void (*oct_bcast_fn)(void *ctx, void *y, const void *const *x, const int *s, int64_t n);

/* Apply fn over all of out's elements, broadcasting the n_in (1..OCT_BCAST_MAX_IN) inputs to out's
 * shape (each input's shape must broadcast to it; element sizes come from each
 * tensor's dtype, so inputs and output may have different dtypes). */
void oct_bcast_run(oct_pool *pool, int n_in, const oct_tensor *const *in, oct_tensor *out,
                   oct_bcast_fn fn, void *ctx);

/* Same on raw buffers: in_data[k] with shape (in_rank[k], in_dims[k]) and
 * element size in_esz[k]; output y with shape (rank, dims) and size y_esz. */
void oct_bcast_run_raw(oct_pool *pool, int n_in, const void *const *in_data, const int *in_rank,
                       const int64_t *const *in_dims, const size_t *in_esz, void *y, int rank,
                       const int64_t *dims, size_t y_esz, oct_bcast_fn fn, void *ctx);

#endif
