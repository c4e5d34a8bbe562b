/* libFuzzer target: a model's config.json (serving, preprocess, labels and
 * quantization sections). */
#include <stdint.h>

#include "runtime/model_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    oct_model_config c;
    if (oct_model_config_parse((const char *)data, size, "/nonexistent/fuzz/config.json", &c) == OCT_OK)
        oct_model_config_free(&c);
    return 0;
}
