/* octet — shared engine of Resize and Upsample: separable N-D resampling
 * (nearest / linear / cubic) with ONNX's coordinate transformation modes.
 * One 1-D pass per axis whose mapping is not the identity; each output index
 * gets up to 4 taps (index, weight) computed once per axis. */
#ifndef OCT_OPS_RESIZE_COMMON_H
#define OCT_OPS_RESIZE_COMMON_H

#include <stdint.h>

#include "ops/op.h"

typedef enum { OCT_RS_NEAREST = 0, OCT_RS_LINEAR, OCT_RS_CUBIC } oct_rs_mode;

typedef enum {
    OCT_RS_HALF_PIXEL = 0,
    OCT_RS_PYTORCH_HALF_PIXEL,
    OCT_RS_ALIGN_CORNERS,
    OCT_RS_ASYMMETRIC,
    OCT_RS_TF_HALF_PIXEL_FOR_NN,
    OCT_RS_TF_CROP_AND_RESIZE,
    OCT_RS_HALF_PIXEL_SYMMETRIC /* opset 19 */
} oct_rs_ctm;

typedef enum {
    OCT_RS_ROUND_PREFER_FLOOR = 0,
    OCT_RS_ROUND_PREFER_CEIL,
    OCT_RS_FLOOR,
    OCT_RS_CEIL,
    OCT_RS_SIMPLE /* Upsample / Resize-10: floor when upsampling, ceil when downsampling */
} oct_rs_nearest;

typedef struct oct_resize_spec {
    oct_rs_mode mode;
    oct_rs_ctm ctm;
    oct_rs_nearest nearest;
    float cubic_a, extrapolation;
    int exclude_outside;
    int rank;
    int64_t in[OCT_MAX_RANK], out[OCT_MAX_RANK];
    double scale[OCT_MAX_RANK];   /* coordinate scale per axis */
    double len_out[OCT_MAX_RANK]; /* "resized length" used by align_corners / crop (in * scale or out) */
    double roi_s[OCT_MAX_RANK], roi_e[OCT_MAX_RANK];
} oct_resize_spec;

/* Fill in/out/scale/len_out from either scales (float per axis) or sizes.
 * roi (2*rank values, may be NULL) is used by tf_crop_and_resize. */
oct_status oct_resize_spec_shape(const oct_node *n, oct_resize_spec *s, const oct_tensor *x, const float *scales,
                                 const int64_t *sizes, const float *roi);

/* dtypes: nearest: any fixed-size dtype; linear/cubic: f32, f16. */
oct_status oct_resize_check_dtype(const oct_node *n, const oct_resize_spec *s, oct_dtype dt);

oct_status oct_resize_run(const oct_resize_spec *s, const oct_tensor *x, oct_tensor *y, oct_pool *pool);

#endif
