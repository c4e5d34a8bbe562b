/* octet — the OpenCL operator table and helpers shared by the op files. */
#include "backend/cl/cl_ops.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern const oct_cl_op oct_cl_op_gemm, oct_cl_op_matmul, oct_cl_op_add, oct_cl_op_sub, oct_cl_op_mul,
    oct_cl_op_div, oct_cl_op_relu, oct_cl_op_conv, oct_cl_op_maxpool, oct_cl_op_avgpool, oct_cl_op_gap,
    oct_cl_op_softmax, oct_cl_op_layernorm, oct_cl_op_layernorm_octet, oct_cl_op_gelu, oct_cl_op_gelu_octet,
    oct_cl_op_transpose, oct_cl_op_bmm, oct_cl_op_reducemean, oct_cl_op_reducesum, oct_cl_op_dynq,
    oct_cl_op_qconv_nhwc, oct_cl_op_maxpool_nhwc, oct_cl_op_quantize, oct_cl_op_qgemm,
    oct_cl_op_qadd, oct_cl_op_qgap, oct_cl_op_concat, oct_cl_op_dequantize,
    oct_cl_op_gather, oct_cl_op_qlinear_conv;

static const oct_cl_op *const table[] = {
    &oct_cl_op_gemm,      &oct_cl_op_matmul,    &oct_cl_op_bmm,        &oct_cl_op_add,
    &oct_cl_op_sub,       &oct_cl_op_mul,       &oct_cl_op_div,        &oct_cl_op_relu,
    &oct_cl_op_conv,      &oct_cl_op_maxpool,   &oct_cl_op_avgpool,    &oct_cl_op_gap,
    &oct_cl_op_softmax,   &oct_cl_op_layernorm, &oct_cl_op_layernorm_octet, &oct_cl_op_gelu,
    &oct_cl_op_gelu_octet, &oct_cl_op_transpose, &oct_cl_op_reducemean, &oct_cl_op_reducesum, &oct_cl_op_dynq,
    &oct_cl_op_qconv_nhwc, &oct_cl_op_maxpool_nhwc, &oct_cl_op_quantize, &oct_cl_op_qgemm,
    &oct_cl_op_qadd, &oct_cl_op_qgap, &oct_cl_op_concat, &oct_cl_op_dequantize,
    &oct_cl_op_gather,    &oct_cl_op_qlinear_conv};

const oct_cl_op *oct_cl_op_find(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (!strcmp(table[i]->op_type, n->op_type) && !strcmp(table[i]->domain, n->domain ? n->domain : "") &&
            table[i]->supports(n, g, cl))
            return table[i];
    return NULL;
}

cl_mem oct_cl_upload(oct_cl *cl, const void *data, size_t bytes, oct_status *st)
{
    cl_int e = CL_SUCCESS;
    if (oct_cl_fault("alloc")) {
        *st = oct_err(OCT_E_DEVICE, "OpenCL: allocation failed (injected by OCTET_CL_FAIL)");
        return NULL;
    }
    cl_mem m = clCreateBuffer(cl->ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes ? bytes : 4, (void *)data, &e);
    if (!m || e != CL_SUCCESS) {
        *st = oct_cl_fail(e, "uploading a constant");
        if (m) clReleaseMemObject(m);
        return NULL;
    }
    return m;
}

oct_status oct_cl_launch_1d(oct_cl *cl, cl_kernel k, size_t n, const char *what)
{
    if (oct_cl_fault("enqueue")) return oct_err(OCT_E_DEVICE, "OpenCL: enqueue failed (injected by OCTET_CL_FAIL)");
    size_t local = cl->caps.is_gpu ? 64 : 0, global = local ? (n + local - 1) / local * local : n;
    cl_int e = clEnqueueNDRangeKernel(cl->queue, k, 1, NULL, &global, local ? &local : NULL, 0, NULL, NULL);
    return e == CL_SUCCESS ? OCT_OK : oct_cl_fail(e, what);
}

oct_status oct_cl_launch(oct_cl *cl, cl_kernel k, cl_uint dims, const size_t *gws, const char *what)
{
    if (oct_cl_fault("enqueue")) return oct_err(OCT_E_DEVICE, "OpenCL: enqueue failed (injected by OCTET_CL_FAIL)");
    size_t g[3] = {gws[0], dims > 1 ? gws[1] : 1, dims > 2 ? gws[2] : 1}, l[3] = {1, 1, 1};
    for (cl_uint d = 0; d < dims; d++)
        if (!g[d]) return OCT_OK;
    int local = 0;
    if (cl->caps.is_gpu) {
        size_t mult = 0, kmax = 0;
        if (clGetKernelWorkGroupInfo(k, cl->device, CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE, sizeof mult, &mult,
                                     NULL) != CL_SUCCESS || !mult)
            mult = 32;
        if (clGetKernelWorkGroupInfo(k, cl->device, CL_KERNEL_WORK_GROUP_SIZE, sizeof kmax, &kmax, NULL) != CL_SUCCESS)
            kmax = mult;
        l[0] = mult < kmax ? mult : kmax;
        g[0] = (g[0] + l[0] - 1) / l[0] * l[0];
        local = l[0] > 1;
    }
    cl_int e = clEnqueueNDRangeKernel(cl->queue, k, dims, NULL, g, local ? l : NULL, 0, NULL, NULL);
    return e == CL_SUCCESS ? OCT_OK : oct_cl_fail(e, what);
}

oct_status oct_cl_args(cl_kernel k, const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cl_int e = CL_SUCCESS;
    for (cl_uint i = 0; fmt[i] && e == CL_SUCCESS; i++) {
        switch (fmt[i]) {
        case 'm': {
            cl_mem m = va_arg(ap, cl_mem);
            e = clSetKernelArg(k, i, sizeof m, &m);
            break;
        }
        case 'i': {
            cl_int v = va_arg(ap, int);
            e = clSetKernelArg(k, i, sizeof v, &v);
            break;
        }
        case 'u': {
            cl_uint v = va_arg(ap, unsigned int);
            e = clSetKernelArg(k, i, sizeof v, &v);
            break;
        }
        case 'f': {
            cl_float v = (cl_float)va_arg(ap, double);
            e = clSetKernelArg(k, i, sizeof v, &v);
            break;
        }
        case 'l': {
            cl_long v = va_arg(ap, int64_t);
            e = clSetKernelArg(k, i, sizeof v, &v);
            break;
        }
        default:
            e = CL_INVALID_VALUE;
        }
    }
    va_end(ap);
    if (e != CL_SUCCESS) {
        char msg[96];
        snprintf(msg, sizeof msg, "setting the arguments of %s", what);
        return oct_cl_fail(e, msg);
    }
    return OCT_OK;
}
