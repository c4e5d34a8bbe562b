/* octet — ONNX backend test cases: <case>/model.onnx + test_data_set_N/{input,output}_K.pb */
#ifndef OCT_SERVER_CONFORMANCE_H
#define OCT_SERVER_CONFORMANCE_H

#include "core/tensor.h"

typedef enum { OCT_CASE_PASS, OCT_CASE_FAIL, OCT_CASE_SKIP } oct_case_result;

typedef struct oct_case_opts {
    int n_threads;
    int optimize;
    double rtol, atol;
    const char *device; /* --device (NULL: the CPU) */
    int *on_device;     /* out: set to 1 when some node of the case ran on the device */
} oct_case_opts;

/* Run one case directory. msg receives the failure / skip reason. */
oct_case_result oct_conformance_case(const char *dir, const oct_case_opts *o, char *msg, size_t msg_len);

/* Compare got vs expected: dtype and shape exact; floats |g-e| <= atol + rtol*|e|
 * (NaN matches NaN); others exact. Returns 1 when equal, else 0 with a reason. */
int oct_tensor_compare(const oct_tensor *got, const oct_tensor *exp, double rtol, double atol,
                       char *msg, size_t msg_len);

#endif
