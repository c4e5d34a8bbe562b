/* octet — oct_attr -> ONNX AttributeProto (every type the IR holds). */
#include <string.h>

#include "onnx/export_internal.h"

static ProtobufCBinaryData bytes_of(const char *s)
{
    ProtobufCBinaryData b;
    b.data = (uint8_t *)(s ? s : "");
    b.len = s ? strlen(s) : 0;
    return b;
}

static oct_status convert(oct_onnx_writer *w, const oct_attr *a, const char *ad, Onnx__AttributeProto *ap)
{
    size_t n = a->n > 0 ? (size_t)a->n : 0;
    switch (a->type) {
    case OCT_ATTR_FLOAT:
        ap->has_type = 1;
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
        ap->has_f = 1;
        ap->f = a->f;
        return OCT_OK;
    case OCT_ATTR_INT:
        ap->has_type = 1;
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
        ap->has_i = 1;
        ap->i = a->i;
        return OCT_OK;
    case OCT_ATTR_STRING:
        ap->has_type = 1;
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
        ap->has_s = 1;
        ap->s = bytes_of(a->s);
        return OCT_OK;
    case OCT_ATTR_TENSOR:
        ap->has_type = 1;
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
        return oct_onnx_export_tensor(w, "", a->t, ad, &ap->t);
    case OCT_ATTR_FLOATS:
        if (n && !a->floats) return oct_err(OCT_E_INVALID, "%s: no values", ad);
        ap->has_type = 1;
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
        ap->n_floats = n;
        ap->floats = a->floats; /* borrowed */
        return OCT_OK;
    case OCT_ATTR_INTS:
        if (n && !a->ints) return oct_err(OCT_E_INVALID, "%s: no values", ad);
        ap->has_type = 1;
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
        ap->n_ints = n;
        ap->ints = a->ints;
        return OCT_OK;
    case OCT_ATTR_STRINGS: {
        if (n && !a->strings) return oct_err(OCT_E_INVALID, "%s: no values", ad);
        ProtobufCBinaryData *s = oct_onnx_arena_array(&w->ar, n, sizeof *s);
        if (!s) return OCT_E_NOMEM;
        for (size_t i = 0; i < n; i++) s[i] = bytes_of(a->strings[i]);
        ap->has_type = 1;
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS;
        ap->n_strings = n;
        ap->strings = s;
        return OCT_OK;
    }
    case OCT_ATTR_GRAPH:
        return oct_err(OCT_E_UNSUPPORTED, "%s: subgraph attributes are not kept by the importer and cannot be written",
                       ad);
    case OCT_ATTR_UNDEFINED:
        /* imported from an attribute without type and value (an empty list written
         * without its type, or a kind the IR does not hold): written the same way */
        return OCT_OK;
    }
    return oct_err(OCT_E_INVALID, "%s: unknown attribute type %d", ad, (int)a->type);
}

oct_status oct_onnx_export_attr(oct_onnx_writer *w, const oct_attr *a, const char *node_desc,
                                Onnx__AttributeProto **out)
{
    *out = NULL;
    if (!a->name || !a->name[0]) return oct_err(OCT_E_INVALID, "%s: attribute without a name", node_desc);
    char *ad = oct_onnx_arena_printf(&w->ar, "%s: attribute '%.200s'", node_desc, a->name);
    Onnx__AttributeProto *ap = oct_onnx_arena_alloc(&w->ar, sizeof *ap);
    if (!ad || !ap) return OCT_E_NOMEM;
    onnx__attribute_proto__init(ap);
    ap->name = a->name;
    OCT_TRY(convert(w, a, ad, ap));
    *out = ap;
    return OCT_OK;
}
