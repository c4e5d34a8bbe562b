/* octet — helpers shared by the shape / data-movement / reduction ops.
 * Data movement is byte-generic: every function takes the element size, so
 * any dtype octet can hold (oct_dtype_size > 0) moves the same way. */
#ifndef OCT_OPS_SHAPE_UTIL_H
#define OCT_OPS_SHAPE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "ops/op.h"

/* Strided views may have up to twice OCT_MAX_RANK dims (Tile splits each axis). */
#define OCT_OPS_VIEW_RANK (2 * OCT_MAX_RANK)

/* Input i when the node has it and it is present, else NULL. */
static inline const oct_tensor *oct_ops_input(const oct_node *n, const oct_tensor *const *in, int i)
{
    return i < n->n_in ? in[i] : NULL;
}

/* dst (contiguous, row-major over dims[rank]) receives the elements of src
 * viewed with element strides sstride[] (may be 0 or negative; src points at
 * the view's first element). rank <= OCT_OPS_VIEW_RANK. Adjacent dims are
 * coalesced; contiguous inner runs are copied with memcpy, a transposed inner
 * pair is copied in cache blocks. pool may be NULL. */
void oct_ops_strided_copy(void *dst, const void *src, size_t esize, int rank, const int64_t *dims,
                          const int64_t *sstride, oct_pool *pool);

/* dst = src transposed: dst dim i is src dim perm[i]. */
void oct_ops_permute(void *dst, const void *src, size_t esize, int rank, const int64_t *src_dims,
                     const int *perm, oct_pool *pool);

/* Copy t's bytes into out (same byte size) unless they share data. */
void oct_ops_copy_data(oct_tensor *out, const oct_tensor *t);

/* Normalise `count` axes against rank: negatives wrap, out-of-range and
 * duplicates are OCT_E_INVALID (message names the op). *mask gets bit per axis;
 * out (may be NULL) the normalised axes in the given order. */
oct_status oct_ops_norm_axes(const oct_node *n, const int64_t *axes, int count, int rank, int *out,
                             uint32_t *mask);

/* Integer list from attribute `name` (opset < attr_until) or from input
 * `input` (otherwise). *count = -1 when absent either way. max bounds the count. */
oct_status oct_ops_ints_attr_or_input(const oct_node *n, const oct_tensor *const *in, const char *name,
                                      int attr_until, int input, int64_t *v, int max, int *count);

/* Element i of an integer or bool buffer as int64 (floats are truncated). */
int64_t oct_ops_get_i64(oct_dtype t, const void *data, size_t i);
void oct_ops_set_i64(oct_dtype t, void *data, size_t i, int64_t v);
/* 1 for u8..u64, i8..i64 and bool. */
int oct_ops_dtype_is_int(oct_dtype t);
/* 1 for f16, bf16, f32, f64. */
int oct_ops_dtype_is_float(oct_dtype t);

/* Check the dtype is one octet can store (size > 0), else OCT_E_UNSUPPORTED. */
oct_status oct_ops_check_storable(const oct_node *n, oct_dtype dt);

#endif
