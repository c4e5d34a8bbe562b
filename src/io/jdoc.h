/* octet — a read-only JSON document (the server's request bodies). Inference
 * requests are mostly long arrays of numbers; a general-purpose DOM that
 * allocates an object per number and parses it with strtod spends several
 * times the inference's CPU on them (jansson: ~0.4 ms for a 9 KB image).
 * Here values live in one arena, 24 bytes each, containers point at their
 * children's contiguous run, and numbers are parsed by the exact fast path
 * (Clinger: an integer mantissa below 2^53 scaled by an exact power of ten
 * is correctly rounded) with strtod as the fallback, so every number reads
 * back exactly as strtod would read it.
 *
 * Strict RFC 8259: one value, no trailing commas or garbage, strings must be
 * valid UTF-8 with legal escapes, nesting at most OCT_JDOC_MAX_DEPTH, an
 * object at most OCT_JDOC_MAX_KEYS keys and no duplicate keys. */
#ifndef OCT_IO_JDOC_H
#define OCT_IO_JDOC_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define OCT_JDOC_MAX_DEPTH 64
#define OCT_JDOC_MAX_KEYS 1024

typedef enum oct_jtype {
    OCT_J_NULL = 0, OCT_J_FALSE, OCT_J_TRUE, OCT_J_NUM, OCT_J_STR, OCT_J_ARR, OCT_J_OBJ
} oct_jtype;

typedef struct oct_jval {
    uint8_t type;   /* oct_jtype */
    uint8_t is_int; /* a number written without fraction or exponent */
    int16_t scale_; /* internal to the parser (a power of ten still to apply; 0 once parsed) */
    uint32_t n;     /* string: bytes; array: values; object: keys */
    union {
        double num;
        const char *str;              /* NUL-terminated, unescaped */
        const struct oct_jval *items; /* array: n values; object: n (key, value) pairs */
    } u;
    const char *raw; /* a number's text in the document (for exact 64-bit integers) */
} oct_jval;

typedef struct oct_jdoc oct_jdoc;

/* Parse text[0..len) (text[len] must be readable: a NUL or any byte). On
 * error: OCT_E_PARSE with "line L, column C: what" (or OCT_E_NOMEM). */
oct_status oct_jdoc_parse(const char *text, size_t len, oct_jdoc **out);
const oct_jval *oct_jdoc_root(const oct_jdoc *d);
void oct_jdoc_free(oct_jdoc *d);

/* Object member by key (NULL when v is not an object or has no such key). */
const oct_jval *oct_jget(const oct_jval *v, const char *key);
/* Object member i: key and value. */
static inline const char *oct_jkey(const oct_jval *obj, uint32_t i) { return obj->u.items[2 * i].u.str; }
static inline const oct_jval *oct_jmember(const oct_jval *obj, uint32_t i) { return &obj->u.items[2 * i + 1]; }
/* Array element i. */
static inline const oct_jval *oct_jat(const oct_jval *arr, uint32_t i) { return &arr->u.items[i]; }

static inline int oct_jis(const oct_jval *v, oct_jtype t) { return v && v->type == t; }
static inline int oct_jis_bool(const oct_jval *v) { return v && (v->type == OCT_J_TRUE || v->type == OCT_J_FALSE); }
/* An integral number (written without fraction / exponent) within int64: 1 and *out. */
int oct_jint(const oct_jval *v, int64_t *out);

#endif
