/* octet — IDX files (MNIST / Fashion-MNIST), optionally gzip-compressed. */
#ifndef OCT_IO_IDX_H
#define OCT_IO_IDX_H

#include "core/tensor.h"

/* Reads an IDX file: u8 data ([N,H,W] images or [N] labels); other IDX types
 * (i8, i16, i32, f32, f64) are read into their dtype (big-endian converted). */
oct_status oct_idx_read(const char *path, oct_tensor **out);

/* Images [N,H,W] u8 -> f32 [N,1,H,W] with x = (p*scale - mean) / std. */
oct_status oct_idx_images_to_f32(const oct_tensor *img, float scale, float mean, float std, oct_tensor **out);

#endif
