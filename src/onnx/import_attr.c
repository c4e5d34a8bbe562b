/* octet — ONNX AttributeProto -> oct_attr. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx/import_internal.h"

/* Attributes written before the `type` field existed (IR v1): infer it from
 * the field that is set. */
static Onnx__AttributeProto__AttributeType infer_type(const Onnx__AttributeProto *ap)
{
    if (ap->has_f) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
    if (ap->has_i) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    if (ap->has_s) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
    if (ap->t) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
    if (ap->g) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
    if (ap->sparse_tensor) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR;
    if (ap->tp) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTO;
    if (ap->n_floats) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
    if (ap->n_ints) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
    if (ap->n_strings) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS;
    if (ap->n_tensors) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS;
    if (ap->n_graphs) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS;
    if (ap->n_sparse_tensors) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSORS;
    if (ap->n_type_protos) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTOS;
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED;
}

static oct_status nomem(void) { return oct_err(OCT_E_NOMEM, "out of memory"); }

static oct_status convert(const Onnx__AttributeProto *ap, const char *ad, oct_attr *a)
{
    Onnx__AttributeProto__AttributeType type =
        ap->has_type && ap->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED ? ap->type : infer_type(ap);
    switch (type) {
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
        a->type = OCT_ATTR_FLOAT;
        a->f = ap->f;
        return OCT_OK;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
        a->type = OCT_ATTR_INT;
        a->i = ap->i;
        return OCT_OK;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
        a->type = OCT_ATTR_STRING;
        a->s = oct_onnx_bytesdup(&ap->s);
        return a->s ? OCT_OK : nomem();
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR:
        a->type = OCT_ATTR_TENSOR;
        if (!ap->t) return oct_err(OCT_E_PARSE, "%s: TENSOR attribute without a tensor", ad);
        return oct_onnx_tensor_convert(ap->t, ad, &a->t);
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH:
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS:
        a->type = OCT_ATTR_GRAPH; /* marker only: subgraphs are not imported */
        return OCT_OK;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS: {
        size_t n = ap->floats ? ap->n_floats : 0;
        if (n > INT_MAX) return oct_err(OCT_E_PARSE, "%s: too many values", ad);
        a->type = OCT_ATTR_FLOATS;
        a->floats = malloc((n ? n : 1) * sizeof *a->floats);
        if (!a->floats) return nomem();
        if (n) memcpy(a->floats, ap->floats, n * sizeof *a->floats);
        a->n = (int)n;
        return OCT_OK;
    }
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS: {
        size_t n = ap->ints ? ap->n_ints : 0;
        if (n > INT_MAX) return oct_err(OCT_E_PARSE, "%s: too many values", ad);
        a->type = OCT_ATTR_INTS;
        a->ints = malloc((n ? n : 1) * sizeof *a->ints);
        if (!a->ints) return nomem();
        if (n) memcpy(a->ints, ap->ints, n * sizeof *a->ints);
        a->n = (int)n;
        return OCT_OK;
    }
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS: {
        size_t n = ap->strings ? ap->n_strings : 0;
        if (n > INT_MAX) return oct_err(OCT_E_PARSE, "%s: too many values", ad);
        a->type = OCT_ATTR_STRINGS;
        a->strings = calloc(n ? n : 1, sizeof *a->strings);
        if (!a->strings) return nomem();
        for (size_t i = 0; i < n; i++) {
            a->strings[i] = oct_onnx_bytesdup(&ap->strings[i]);
            if (!a->strings[i]) return nomem();
            a->n = (int)i + 1; /* oct_attr_clear frees what was copied so far */
        }
        return OCT_OK;
    }
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS:
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR:
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSORS:
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTO:
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTOS:
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED: /* no type and no value (e.g. an empty list) */
        a->type = OCT_ATTR_UNDEFINED; /* present (name kept) but not representable */
        return OCT_OK;
    default:
        break;
    }
    return oct_err(OCT_E_PARSE, "%s: unknown attribute type %d", ad, (int)type);
}

oct_status oct_onnx_attr_convert(const Onnx__AttributeProto *ap, const char *node_desc, oct_attr *a)
{
    memset(a, 0, sizeof *a);
    if (!ap) return oct_err(OCT_E_PARSE, "%s: missing attribute", node_desc);
    if (!ap->name || !ap->name[0]) return oct_err(OCT_E_PARSE, "%s: attribute without a name", node_desc);
    char ad[600];
    snprintf(ad, sizeof ad, "%s: attribute '%.200s'", node_desc, ap->name);
    if (ap->ref_attr_name && ap->ref_attr_name[0])
        return oct_err(OCT_E_UNSUPPORTED, "%s: reference to function attribute '%.200s' is not supported", ad,
                       ap->ref_attr_name);
    a->name = oct_onnx_strdup(ap->name);
    if (!a->name) return nomem();
    oct_status st = convert(ap, ad, a);
    if (st != OCT_OK) oct_attr_clear(a);
    return st;
}
