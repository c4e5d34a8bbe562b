/* octet — ONNX importer internals shared by src/onnx/import_*.c.
 * Inner functions set messages without the source name; the public entry
 * points prefix "<what>: " once. */
#ifndef OCT_ONNX_IMPORT_INTERNAL_H
#define OCT_ONNX_IMPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "core/tensor.h"
#include "graph/ir.h"
#include "onnx/onnx.pb-c.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "octet's ONNX importer reads raw_data as little-endian and needs a little-endian host"
#endif

/* Read a whole file into a malloc'd buffer (at least 1 byte allocated).
 * OCT_E_IO with the path and the reason on failure. */
oct_status oct_onnx_read_file(const char *path, uint8_t **buf, size_t *len);

/* malloc'd copy of s ("" for NULL); NULL only when out of memory. */
char *oct_onnx_strdup(const char *s);
/* malloc'd NUL-terminated copy of protobuf bytes; NULL only when out of memory. */
char *oct_onnx_bytesdup(const ProtobufCBinaryData *b);
/* s, or "" for NULL. */
const char *oct_onnx_str(const char *s);
/* A name occurring twice among names[0..n) (NULL entries skipped), or NULL.
 * O(n log n); OCT_E_NOMEM sets *st (else *st = OCT_OK). */
const char *oct_onnx_find_dup(const char *const *names, size_t n, oct_status *st);

/* Convert a TensorProto. `desc` names it in messages ("initializer 'w'"). */
oct_status oct_onnx_tensor_convert(const Onnx__TensorProto *tp, const char *desc, oct_tensor **out);

/* Convert attribute ap into *a (zeroed by the caller; cleared here on failure). */
oct_status oct_onnx_attr_convert(const Onnx__AttributeProto *ap, const char *node_desc, oct_attr *a);

/* Record a ValueInfo's tensor type on value v. strict = 1 (graph inputs and
 * outputs): non-tensor types, bad dims and unknown element types are errors;
 * strict = 0 (value_info): such entries are ignored. Existing dtype / shape
 * on the value are kept (only unknown ones are filled). */
oct_status oct_onnx_value_type(oct_graph *g, int v, const Onnx__ValueInfoProto *vi,
                               const char *kind, int strict);

/* Model -> graph (the protobuf is not freed here). */
oct_status oct_onnx_model_convert(const Onnx__ModelProto *m, oct_graph **out);

#endif
