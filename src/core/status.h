/* octet — status codes and the thread-local error message.
 * Every function that can fail on user or file data returns an oct_status and,
 * on failure, leaves a human-readable message retrievable with oct_errmsg(). */
#ifndef OCT_CORE_STATUS_H
#define OCT_CORE_STATUS_H

typedef enum oct_status {
    OCT_OK = 0,
    OCT_E_INVALID,     /* bad argument or bad user data */
    OCT_E_PARSE,       /* malformed / truncated / corrupt file or message */
    OCT_E_IO,          /* open/read/write failed */
    OCT_E_UNSUPPORTED, /* op, dtype, attribute value or feature not supported */
    OCT_E_SHAPE,       /* shapes do not fit */
    OCT_E_DTYPE,       /* dtype does not fit */
    OCT_E_NOMEM,       /* allocation failed or size overflow */
    OCT_E_NOT_FOUND,   /* unknown name (model, input, file) */
    OCT_E_BUSY,        /* queue full, try later */
    OCT_E_TIMEOUT,     /* deadline passed */
    OCT_E_INTERNAL,    /* a bug in octet */
    OCT_E_DEVICE       /* an accelerator (OpenCL) failed: build, enqueue, map, device memory */
} oct_status;

const char *oct_status_name(oct_status s);

#if defined(__GNUC__)
#define OCT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define OCT_PRINTF(a, b)
#endif

/* Set the thread's error message (printf-style) and return s. */
oct_status oct_err(oct_status s, const char *fmt, ...) OCT_PRINTF(2, 3);
/* Prepend context to the current message ("node 'x': " + old) and return s. */
oct_status oct_err_ctx(oct_status s, const char *fmt, ...) OCT_PRINTF(2, 3);
/* The thread's last error message ("" when none). */
const char *oct_errmsg(void);
void oct_err_clear(void);

#define OCT_TRY(expr)                                                          \
    do {                                                                       \
        oct_status oct_try_s_ = (expr);                                        \
        if (oct_try_s_ != OCT_OK) return oct_try_s_;                           \
    } while (0)

#endif
