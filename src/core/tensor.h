/* octet — dense tensors (row-major, 64-byte aligned data). */
#ifndef OCT_CORE_TENSOR_H
#define OCT_CORE_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "core/dtype.h"
#include "core/status.h"

#define OCT_MAX_RANK 8
#define OCT_ALIGN 64

typedef struct oct_tensor {
    oct_dtype dtype;
    int rank;                    /* 0 = scalar */
    int64_t dims[OCT_MAX_RANK];
    void *data;                  /* NULL until allocated; may be borrowed */
    int owns_data;               /* 1: freed with the tensor */
} oct_tensor;

int64_t oct_shape_numel(int rank, const int64_t *dims);
int64_t oct_tensor_numel(const oct_tensor *t);
size_t oct_tensor_nbytes(const oct_tensor *t);

/* Checked size: numel * elem size with overflow and negative-dim checks. */
oct_status oct_shape_bytes(oct_dtype dt, int rank, const int64_t *dims, size_t *out);

void *oct_aligned_alloc(size_t nbytes); /* zeroed, OCT_ALIGN-aligned; NULL on failure */
void oct_aligned_free(void *p);

/* Heap tensor with zeroed, owned data. NULL (and oct_errmsg set) on failure. */
oct_tensor *oct_tensor_new(oct_dtype dt, int rank, const int64_t *dims);
/* Heap tensor header borrowing data (not freed with the tensor). */
oct_tensor *oct_tensor_wrap(oct_dtype dt, int rank, const int64_t *dims, void *data);
oct_tensor *oct_tensor_clone(const oct_tensor *t);
void oct_tensor_free(oct_tensor *t);

/* Set shape on an existing header (does not touch data). */
oct_status oct_tensor_set_shape(oct_tensor *t, oct_dtype dt, int rank, const int64_t *dims);
/* (Re)allocate owned data for the current shape (zeroed). */
oct_status oct_tensor_alloc(oct_tensor *t);

int oct_shape_equal(int ra, const int64_t *a, int rb, const int64_t *b);
/* Numpy-style multidirectional broadcast of two shapes. */
oct_status oct_shape_broadcast(int ra, const int64_t *a, int rb, const int64_t *b,
                               int *rout, int64_t *out);
/* Row-major strides (in elements) of a shape. */
void oct_shape_strides(int rank, const int64_t *dims, int64_t *strides);
/* Format "[2,3,?]" into buf (dims < 0 print as '?'). Returns buf. */
char *oct_shape_str(int rank, const int64_t *dims, char *buf, size_t n);

/* Normalise a possibly negative axis against rank; OCT_E_INVALID if out of range. */
oct_status oct_axis_norm(int64_t axis, int rank, int *out);

#endif
