/* octet — ONNX import into the graph IR and export from it (protobuf-c code
 * generated at build time from the system's onnx.proto). Nothing of the
 * protobuf outlives a call. */
#ifndef OCT_ONNX_ONNX_H
#define OCT_ONNX_ONNX_H

#include <stddef.h>

#include "core/status.h"
#include "core/tensor.h"
#include "graph/ir.h"

/* Parse a model file. Errors name the file and the problem: I/O, truncated or
 * corrupt protobuf, unsupported dtype, external data, bad graph structure
 * (duplicate outputs, inputs never produced, cycles). On success *out holds a
 * topologically sorted graph; initializers are values with `constant` set;
 * graph inputs listed in initializers are constants, not inputs. */
oct_status oct_onnx_load_file(const char *path, oct_graph **out);
/* Same from memory; `what` names the source in messages. */
oct_status oct_onnx_load_buffer(const void *buf, size_t len, const char *what, oct_graph **out);

/* Parse a serialized TensorProto (ONNX test data input_N.pb / output_N.pb).
 * *name (may be NULL) gets a malloc'd copy of the tensor's name ("" if none). */
oct_status oct_onnx_load_tensor_file(const char *path, oct_tensor **out, char **name);
oct_status oct_onnx_load_tensor_buffer(const void *buf, size_t len, const char *what,
                                       oct_tensor **out, char **name);

/* Write a graph as an ONNX model (ModelProto, protobuf-c generated code).
 * Standard ONNX only: a node's fused activation (node->act) is written as an
 * explicit Relu / Clip / LeakyRelu node after it, a fused residual sum as an
 * explicit Add; constants become initializers (raw_data, little-endian), graph
 * inputs and outputs get their dtype and dims (dim_param for symbolic dims),
 * opset imports are kept (domains used by nodes are added when missing).
 * Dead nodes are skipped. Errors (I/O, a dtype ONNX cannot hold) name the file. */
oct_status oct_onnx_save_file(const oct_graph *g, const char *path);
/* Same into memory: *buf is malloc'd (free() it), *len its size. */
oct_status oct_onnx_save_buffer(const oct_graph *g, void **buf, size_t *len);

#endif
