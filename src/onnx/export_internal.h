/* octet — ONNX exporter internals shared by src/onnx/export_*.c.
 * The ModelProto is built from protobuf-c structs allocated in one arena and
 * freed together after packing; tensor data, names and attribute arrays are
 * borrowed from the graph (packing only reads them). Inner functions set
 * messages without the destination name; the public entry points prefix it. */
#ifndef OCT_ONNX_EXPORT_INTERNAL_H
#define OCT_ONNX_EXPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "core/tensor.h"
#include "graph/ir.h"
#include "onnx/onnx.pb-c.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "octet's ONNX exporter writes raw_data as little-endian and needs a little-endian host"
#endif

/* Default-domain opset written when the graph imports none and no node says. */
#define OCT_ONNX_EXPORT_OPSET 17
/* ir_version written when the graph has none. */
#define OCT_ONNX_EXPORT_IR_VERSION 8

/* Every allocation made while building one model; freed at once. */
typedef struct oct_onnx_arena {
    void **blocks;
    size_t n, cap;
} oct_onnx_arena;

/* Zeroed block of n bytes owned by the arena; NULL (message set) on failure. */
void *oct_onnx_arena_alloc(oct_onnx_arena *a, size_t n);
/* Zeroed array of count elements of size bytes (overflow-checked). */
void *oct_onnx_arena_array(oct_onnx_arena *a, size_t count, size_t size);
/* printf into an arena string. */
char *oct_onnx_arena_printf(oct_onnx_arena *a, const char *fmt, ...) OCT_PRINTF(2, 3);
void oct_onnx_arena_free(oct_onnx_arena *a);

/* Growing list of pointers (protos) kept in the arena. */
typedef struct oct_onnx_list {
    void **items;
    size_t n, cap;
} oct_onnx_list;

oct_status oct_onnx_list_push(oct_onnx_arena *a, oct_onnx_list *l, void *item);

/* The state of one export. */
typedef struct oct_onnx_writer {
    const oct_graph *g;
    oct_onnx_arena ar;
    int64_t opset;           /* default-domain opset of the written model */
    oct_onnx_list nodes;     /* Onnx__NodeProto * */
    oct_onnx_list inits;     /* Onnx__TensorProto * */
    oct_onnx_list vinfo;     /* Onnx__ValueInfoProto * (intermediate values) */
    unsigned long fresh;     /* counter for names made up by the writer */
} oct_onnx_writer;

/* A value name not used in the graph nor made before: "<base>__oct<k>". */
char *oct_onnx_fresh_name(oct_onnx_writer *w, const char *base);

/* TensorProto with raw_data borrowing `data` (nbytes = numel * dtype size).
 * OCT_E_DTYPE for a dtype ONNX tensors cannot hold here; `desc` names it. */
oct_status oct_onnx_export_raw(oct_onnx_writer *w, const char *name, oct_dtype dt, int rank, const int64_t *dims,
                               const void *data, const char *desc, Onnx__TensorProto **out);
/* TensorProto of an oct_tensor (data borrowed). */
oct_status oct_onnx_export_tensor(oct_onnx_writer *w, const char *name, const oct_tensor *t, const char *desc,
                                  Onnx__TensorProto **out);
/* ValueInfoProto named `name` with value v's dtype and shape (what is known:
 * no elem_type when undefined, no shape when the rank is unknown, dim_param
 * for symbolic dims, an empty dim for unknown ones). */
oct_status oct_onnx_export_value_info(oct_onnx_writer *w, const char *name, const oct_value *v,
                                      Onnx__ValueInfoProto **out);
/* 1 when value info is worth writing for v (dtype known). */
int oct_onnx_value_known(const oct_value *v);

/* AttributeProto of a. GRAPH attributes cannot be written (OCT_E_UNSUPPORTED);
 * `node_desc` names the node in messages. */
oct_status oct_onnx_export_attr(oct_onnx_writer *w, const oct_attr *a, const char *node_desc,
                                Onnx__AttributeProto **out);

/* Append node n (a live node of w->g) to w->nodes, followed by an explicit Add
 * for a fused residual sum and an explicit activation node for node->act. */
oct_status oct_onnx_export_node(oct_onnx_writer *w, const oct_node *n);
/* com.octet LayerNormalization / Gelu as standard ONNX (export_expand.c);
 * *handled = 0 for any other node. */
oct_status oct_onnx_export_fused_float(oct_onnx_writer *w, const oct_node *n, int *handled);

#endif
