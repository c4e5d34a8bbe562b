/* Resize (opsets 10..22; newest schema 19): nearest / linear / cubic over any
 * axes, with every coordinate_transformation_mode (half_pixel,
 * pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn (11),
 * tf_crop_and_resize, half_pixel_symmetric (19)), the four nearest_modes,
 * cubic_coeff_a, exclude_outside, extrapolation_value, and opset 18's axes and
 * keep_aspect_ratio_policy. antialias = 1 is unsupported. Resize-10 is
 * asymmetric with Upsample's nearest rounding. scales or sizes must be known
 * at plan time. Nearest works on any dtype; linear/cubic on f32/f16. */
#include <math.h>
#include <string.h>

#include "ops/op.h"
#include "ops/resize_common.h"

static int pick(const char *v, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(v, names[i])) return i;
    return -1;
}

static oct_status rs_attrs(const oct_node *n, oct_resize_spec *s)
{
    memset(s, 0, sizeof *s);
    static const char *const modes[] = {"nearest", "linear", "cubic"};
    const char *m = oct_attr_str(n, "mode", "nearest");
    int mi = pick(m, modes, n->opset < 11 ? 2 : 3);
    if (mi < 0) return oct_err(OCT_E_INVALID, "Resize '%s': unknown mode '%s'", n->name, m);
    s->mode = (oct_rs_mode)mi;
    if (n->opset < 11) {
        s->ctm = OCT_RS_ASYMMETRIC;
        s->nearest = OCT_RS_SIMPLE;
        return OCT_OK;
    }
    if (n->opset >= 18 && oct_attr_int(n, "antialias", 0) != 0)
        return oct_err(OCT_E_UNSUPPORTED, "Resize '%s': antialias is not supported", n->name);
    static const char *const ctms[] = {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                                       "tf_half_pixel_for_nn", "tf_crop_and_resize", "half_pixel_symmetric"};
    const char *c = oct_attr_str(n, "coordinate_transformation_mode", "half_pixel");
    int ci = pick(c, ctms, n->opset >= 19 ? 7 : 6);
    if (ci < 0 || (ci == OCT_RS_TF_HALF_PIXEL_FOR_NN && n->opset >= 13))
        return oct_err(ci < 0 ? OCT_E_INVALID : OCT_E_UNSUPPORTED,
                       "Resize '%s': coordinate_transformation_mode '%s' is not known at opset %d", n->name, c,
                       n->opset);
    s->ctm = (oct_rs_ctm)ci;
    static const char *const nms[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
    const char *nm = oct_attr_str(n, "nearest_mode", "round_prefer_floor");
    int ni = pick(nm, nms, 4);
    if (ni < 0) return oct_err(OCT_E_INVALID, "Resize '%s': unknown nearest_mode '%s'", n->name, nm);
    s->nearest = (oct_rs_nearest)ni;
    s->cubic_a = oct_attr_float(n, "cubic_coeff_a", -0.75f);
    s->exclude_outside = oct_attr_int(n, "exclude_outside", 0) != 0;
    s->extrapolation = oct_attr_float(n, "extrapolation_value", 0.f);
    return OCT_OK;
}

/* Axes the scales/sizes/roi refer to (opset 18: attribute axes). */
static oct_status rs_axes(const oct_node *n, int rank, int *axes, int *na)
{
    const int64_t *ax;
    int cnt = n->opset >= 18 ? oct_attr_ints(n, "axes", &ax) : -1;
    if (cnt < 0) {
        for (int i = 0; i < rank; i++) axes[i] = i;
        *na = rank;
        return OCT_OK;
    }
    if (cnt > rank) return oct_err(OCT_E_INVALID, "Resize '%s': %d axes for an input of rank %d", n->name, cnt, rank);
    int seen[OCT_MAX_RANK] = {0};
    for (int i = 0; i < cnt; i++) {
        oct_status st = oct_axis_norm(ax[i], rank, &axes[i]);
        if (st != OCT_OK) return oct_err_ctx(st, "Resize '%s': axes: ", n->name);
        if (seen[axes[i]]++) return oct_err(OCT_E_INVALID, "Resize '%s': axis %d repeated", n->name, axes[i]);
    }
    *na = cnt;
    return OCT_OK;
}

/* need_roi: roi data is required (compute, or infer when it decides the shape) */
static oct_status rs_spec(const oct_node *n, const oct_tensor *const *in, oct_resize_spec *s, int need_roi)
{
    OCT_TRY(rs_attrs(n, s));
    const oct_tensor *x = in[0];
    const oct_tensor *sc = n->opset < 11 ? in[1] : n->n_in > 2 ? in[2] : NULL;
    const oct_tensor *sz = n->opset >= 11 && n->n_in > 3 ? in[3] : NULL;
    const oct_tensor *roi = n->opset >= 11 && n->n_in > 1 ? in[1] : NULL;
    if (sc && oct_tensor_numel(sc) == 0) sc = NULL;
    if (sz && oct_tensor_numel(sz) == 0) sz = NULL;
    if (roi && oct_tensor_numel(roi) == 0) roi = NULL;
    if (!sc == !sz)
        return oct_err(OCT_E_INVALID, "Resize '%s': exactly one of scales and sizes must be given", n->name);
    int axes[OCT_MAX_RANK], na = 0;
    OCT_TRY(rs_axes(n, x->rank, axes, &na));
    /* full-rank scales / sizes / roi */
    float scales[OCT_MAX_RANK], roiv[2 * OCT_MAX_RANK];
    int64_t sizes[OCT_MAX_RANK], part[OCT_MAX_RANK];
    for (int i = 0; i < x->rank; i++) {
        scales[i] = 1.f;
        sizes[i] = x->dims[i];
        roiv[i] = 0.f;
        roiv[x->rank + i] = 1.f;
    }
    const oct_tensor *t = sc ? sc : sz;
    if (!t->data) return oct_err(OCT_E_UNSUPPORTED, "Resize '%s': scales/sizes must be known", n->name);
    if (oct_tensor_numel(t) != na)
        return oct_err(OCT_E_INVALID, "Resize '%s': %s has %lld values, expected %d", n->name,
                       sc ? "scales" : "sizes", (long long)oct_tensor_numel(t), na);
    if (sc) {
        if (sc->dtype != OCT_DT_F32) return oct_err(OCT_E_DTYPE, "Resize '%s': scales must be float", n->name);
        for (int i = 0; i < na; i++) scales[axes[i]] = ((const float *)sc->data)[i];
    } else {
        int cnt;
        oct_status st = oct_tensor_read_ints(sz, part, OCT_MAX_RANK, &cnt);
        if (st != OCT_OK) return oct_err_ctx(st, "Resize '%s': sizes: ", n->name);
        for (int i = 0; i < na; i++) sizes[axes[i]] = part[i];
    }
    int use_roi = s->ctm == OCT_RS_TF_CROP_AND_RESIZE && roi;
    if (use_roi) {
        if (oct_tensor_numel(roi) != 2 * na)
            return oct_err(OCT_E_INVALID, "Resize '%s': roi has %lld values, expected %d", n->name,
                           (long long)oct_tensor_numel(roi), 2 * na);
        if (!roi->data) {
            if (need_roi || sc)
                return oct_err(OCT_E_UNSUPPORTED, "Resize '%s': roi must be known at plan time", n->name);
            use_roi = 0;
        } else {
            for (int i = 0; i < na; i++) {
                roiv[axes[i]] = (float)oct_dtype_get(roi->dtype, roi->data, (size_t)i);
                roiv[x->rank + axes[i]] = (float)oct_dtype_get(roi->dtype, roi->data, (size_t)(na + i));
            }
        }
    }
    OCT_TRY(oct_resize_spec_shape(n, s, x, sc ? scales : NULL, sc ? NULL : sizes, use_roi ? roiv : NULL));
    const char *kp = n->opset >= 18 ? oct_attr_str(n, "keep_aspect_ratio_policy", "stretch") : "stretch";
    if (strcmp(kp, "stretch") && sz) {
        int larger = !strcmp(kp, "not_smaller");
        if (!larger && strcmp(kp, "not_larger"))
            return oct_err(OCT_E_INVALID, "Resize '%s': unknown keep_aspect_ratio_policy '%s'", n->name, kp);
        double r = larger ? 0 : 1e300;
        for (int i = 0; i < na; i++) {
            int a = axes[i];
            double q = x->dims[a] > 0 ? (double)sizes[a] / (double)x->dims[a] : 1.0;
            r = larger ? (q > r ? q : r) : (q < r ? q : r);
        }
        for (int i = 0; i < na; i++) {
            int a = axes[i];
            s->scale[a] = r;
            s->out[a] = (int64_t)floor(r * (double)x->dims[a] + 0.5);
            s->len_out[a] = r * (double)x->dims[a];
        }
    }
    return OCT_OK;
}

static oct_status rs_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    if (n->opset < 11) OCT_TRY(oct_op_check_arity(n, in, 2, 2, 2));
    else OCT_TRY(oct_op_check_arity(n, in, n->opset < 13 ? 3 : 1, 4, 1));
    oct_resize_spec s;
    OCT_TRY(rs_spec(n, in, &s, 0));
    OCT_TRY(oct_resize_check_dtype(n, &s, in[0]->dtype));
    return oct_out_shape(out[0], in[0]->dtype, in[0]->rank, s.out);
}

static oct_status rs_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex)
{
    oct_resize_spec s;
    OCT_TRY(rs_spec(n, in, &s, 1));
    return oct_resize_run(&s, in[0], out[0], ex ? ex->pool : NULL);
}

const oct_op_impl oct_op_Resize10 = {
    .shape_inputs = 1u << 1,
    .infer = rs_infer,
    .compute = rs_compute,
};

const oct_op_impl oct_op_Resize = {
    .shape_inputs = (1u << 2) | (1u << 3),
    .infer = rs_infer,
    .compute = rs_compute,
};
