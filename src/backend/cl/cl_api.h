/* octet — the OpenCL headers as octet uses them: the 1.2 API (available on
 * every driver from 1.2 to 3.0) plus the 3.0 feature queries where the
 * headers have them. Include this instead of <CL/cl.h>. */
#ifndef OCT_BACKEND_CL_API_H
#define OCT_BACKEND_CL_API_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 300
#endif
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#include <CL/cl.h>
#include <CL/cl_ext.h>

#ifndef CL_PLATFORM_NOT_FOUND_KHR
#define CL_PLATFORM_NOT_FOUND_KHR -1001
#endif

#ifndef CL_DEVICE_OPENCL_C_FEATURES
#define CL_DEVICE_OPENCL_C_FEATURES 0x106F
#endif

#include "core/status.h"

/* A status for an OpenCL error code, with `what` and the code's name in the message. */
oct_status oct_cl_fail(cl_int err, const char *what);
const char *oct_cl_errname(cl_int err);

#endif
