/* libFuzzer target: ONNX import (protobuf, tensors, attributes), then op
 * resolution and shape inference: clear errors, never a crash. */
#include <stdint.h>

#include "graph/ir.h"
#include "ops/op.h"
#include "onnx/onnx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    oct_graph *g = NULL;
    if (oct_onnx_load_buffer(data, size, "fuzz.onnx", &g) == OCT_OK) {
        (void)oct_graph_resolve_ops(g);
        oct_graph_free(g);
    }
    return 0;
}
