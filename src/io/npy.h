/* octet — NumPy .npy files (format 1.0/2.0/3.0, C order, little-endian):
 * f32, f64, f16, u8, i8, u16, i16, i32, u32, i64, u64, bool. */
#ifndef OCT_IO_NPY_H
#define OCT_IO_NPY_H

#include <stddef.h>

#include "core/tensor.h"

oct_status oct_npy_read(const char *path, oct_tensor **out);
oct_status oct_npy_parse(const void *buf, size_t len, const char *what, oct_tensor **out);
oct_status oct_npy_write(const char *path, const oct_tensor *t);

#endif
