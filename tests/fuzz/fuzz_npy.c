/* libFuzzer target: the .npy reader (calibration and `octet run` inputs). */
#include <stdint.h>

#include "io/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    oct_tensor *t = NULL;
    if (oct_npy_parse(data, size, "fuzz.npy", &t) == OCT_OK) oct_tensor_free(t);
    return 0;
}
