/* Upsample (opsets 7..10, deprecated at 10): nearest or linear with the
 * asymmetric transform; output = floor(input * scale). Scales are an
 * attribute at opset 7-8 and an input (known at plan time) from opset 9.
 * Nearest works on any dtype; linear on f32/f16. */
#include <string.h>

#include "ops/op.h"
#include "ops/resize_common.h"

static oct_status up_spec(const oct_node *n, const oct_tensor *const *in, oct_resize_spec *s)
{
    memset(s, 0, sizeof *s);
    const char *m = oct_attr_str(n, "mode", "nearest");
    if (!strcmp(m, "nearest")) s->mode = OCT_RS_NEAREST;
    else if (!strcmp(m, "linear") || !strcmp(m, "bilinear")) s->mode = OCT_RS_LINEAR;
    else return oct_err(OCT_E_INVALID, "Upsample '%s': unknown mode '%s'", n->name, m);
    s->ctm = OCT_RS_ASYMMETRIC;
    s->nearest = OCT_RS_SIMPLE;
    const oct_tensor *x = in[0];
    float scales[OCT_MAX_RANK];
    if (n->opset < 9) {
        const float *f;
        int cnt = oct_attr_floats(n, "scales", &f);
        if (cnt < 0) return oct_err(OCT_E_INVALID, "Upsample '%s': attribute scales is required", n->name);
        if (cnt != x->rank)
            return oct_err(OCT_E_INVALID, "Upsample '%s': scales has %d values for an input of rank %d", n->name, cnt,
                           x->rank);
        memcpy(scales, f, (size_t)cnt * sizeof *f);
    } else {
        const oct_tensor *sc = in[1];
        if (!sc->data) return oct_err(OCT_E_UNSUPPORTED, "Upsample '%s': scales must be known", n->name);
        if (sc->dtype != OCT_DT_F32) return oct_err(OCT_E_DTYPE, "Upsample '%s': scales must be float", n->name);
        if (oct_tensor_numel(sc) != x->rank)
            return oct_err(OCT_E_INVALID, "Upsample '%s': scales has %lld values for an input of rank %d", n->name,
                           (long long)oct_tensor_numel(sc), x->rank);
        memcpy(scales, sc->data, (size_t)x->rank * sizeof(float));
    }
    return oct_resize_spec_shape(n, s, x, scales, NULL, NULL);
}

static oct_status up_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    int k = n->opset < 9 ? 1 : 2;
    OCT_TRY(oct_op_check_arity(n, in, k, k, k));
    oct_resize_spec s;
    OCT_TRY(up_spec(n, in, &s));
    OCT_TRY(oct_resize_check_dtype(n, &s, in[0]->dtype));
    return oct_out_shape(out[0], in[0]->dtype, in[0]->rank, s.out);
}

static oct_status up_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex)
{
    oct_resize_spec s;
    OCT_TRY(up_spec(n, in, &s));
    return oct_resize_run(&s, in[0], out[0], ex ? ex->pool : NULL);
}

const oct_op_impl oct_op_Upsample7 = {
    .infer = up_infer,
    .compute = up_compute,
};

const oct_op_impl oct_op_Upsample = {
    .shape_inputs = 1u << 1,
    .infer = up_infer,
    .compute = up_compute,
};
