/* octet — the read-only JSON document (see jdoc.h). */
#include "io/jdoc.h"

#include <stdlib.h>
#include <string.h>

typedef struct block {
    struct block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} block;

struct oct_jdoc {
    block *blocks;
    oct_jval root;
};

typedef struct parser {
    const char *s, *p, *end;
    oct_jdoc *doc;
    oct_jval *stack; /* children of the open containers */
    size_t top, cap;
    const char *err;
    const char *err_at;
} parser;

static void *arena(oct_jdoc *d, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    block *b = d->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        block *nb = malloc(sizeof *nb + cap);
        if (!nb) return NULL;
        nb->next = b, nb->used = 0, nb->cap = cap;
        d->blocks = b = nb;
    }
    void *r = b->data + b->used;
    b->used += n;
    return r;
}

static int fail(parser *ps, const char *at, const char *what)
{
    if (!ps->err) ps->err = what, ps->err_at = at;
    return -1;
}

static int grow(parser *ps)
{
    size_t cap = ps->cap ? ps->cap * 2 : 1024;
    oct_jval *st = realloc(ps->stack, cap * sizeof *st);
    if (!st) return fail(ps, ps->p, "out of memory");
    ps->stack = st, ps->cap = cap;
    return 0;
}

static int push(parser *ps, const oct_jval *v)
{
    if (ps->top == ps->cap && grow(ps)) return -1;
    ps->stack[ps->top++] = *v;
    return 0;
}

static inline void skip_ws(parser *ps)
{
    const char *p = ps->p;
    while (p < ps->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    ps->p = p;
}

/* ---- numbers ---- */

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* 8 ASCII digits at p as a number (SWAR), or -1 when they are not all digits. */
static inline int64_t eight_digits(const char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    if ((x & 0xF0F0F0F0F0F0F0F0ull) != 0x3030303030303030ull ||
        ((x + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) != 0x3030303030303030ull)
        return -1;
    x &= 0x0F0F0F0F0F0F0F0Full;
    x = (x * 10 + (x >> 8)) & 0x00FF00FF00FF00FFull;
    x = (x * 100 + (x >> 16)) & 0x0000FFFF0000FFFFull;
    return (int64_t)((x * 10000 + (x >> 32)) & 0xFFFFFFFFull);
}

/* Digits at *pp into m (while fewer than 19 significant digits have been kept); their count. */
static inline int digit_run(const char **pp, const char *end, uint64_t *m, int kept)
{
    const char *p = *pp;
    int n = 0;
    while (end - p >= 8 && kept + n + 8 <= 19) {
        int64_t e = eight_digits(p);
        if (e < 0) break;
        *m = *m * 100000000u + (uint64_t)e;
        p += 8, n += 8;
    }
    while (p < end && *p >= '0' && *p <= '9') {
        if (kept + n < 19) *m = *m * 10 + (uint64_t)(*p - '0');
        p++, n++;
    }
    *pp = p;
    return n;
}

/* Numbers off the fast path: strtod on a NUL-terminated copy (strtod must not read past the
 * document: binary data may follow it). Out of line: its buffer would cost every number a
 * stack frame and a stack-protector check. */
__attribute__((noinline)) static int number_slow(parser *ps, oct_jval *v, const char *start, size_t n)
{
    char buf[512], *e;
    if (n < sizeof buf) {
        memcpy(buf, start, n);
        buf[n] = 0;
        v->u.num = strtod(buf, &e);
        return 0;
    }
    char *big = malloc(n + 1);
    if (!big) return fail(ps, start, "out of memory");
    memcpy(big, start, n);
    big[n] = 0;
    v->u.num = strtod(big, &e);
    free(big);
    return 0;
}

static inline int parse_number(parser *ps, oct_jval *v)
{
    const char *p = ps->p, *start = p, *end = ps->end;
    int neg = 0, digits = 0, frac_digits = 0, is_int = 1;
    uint64_t m = 0;
    if (p < end && *p == '-') neg = 1, p++;
    if (p >= end || *p < '0' || *p > '9') return fail(ps, p, "a number needs digits");
    if (*p == '0') {
        p++;
        if (p < end && *p >= '0' && *p <= '9') return fail(ps, p, "numbers do not start with 0");
        digits = 0;
    } else {
        digits = digit_run(&p, end, &m, 0);
    }
    if (p < end && *p == '.') {
        p++, is_int = 0;
        if (p >= end || *p < '0' || *p > '9') return fail(ps, p, "digits must follow the decimal point");
        frac_digits = digit_run(&p, end, &m, digits);
    }
    int exp = 0, exp_ok = 1;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++, is_int = 0;
        int eneg = 0;
        if (p < end && (*p == '+' || *p == '-')) eneg = *p == '-', p++;
        if (p >= end || *p < '0' || *p > '9') return fail(ps, p, "digits must follow the exponent");
        while (p < end && *p >= '0' && *p <= '9') {
            if (exp < 100000) exp = exp * 10 + (*p - '0');
            else exp_ok = 0;
            p++;
        }
        if (eneg) exp = -exp;
    }
    ps->p = p;
    v->type = OCT_J_NUM;
    v->is_int = (uint8_t)is_int;
    v->n = (uint32_t)(p - start);
    v->raw = start;
    /* exact fast path: at most 19 significant digits (all kept in m), m < 2^53, |scale| <= 22 */
    int scale = exp - frac_digits;
    v->scale_ = 0;
    if (exp_ok && digits + frac_digits <= 19 && m < ((uint64_t)1 << 53) && scale >= -22 && scale <= 22) {
        double d = (double)m;
        v->u.num = neg ? -d : d;
        v->scale_ = (int16_t)scale; /* applied by finish_numbers: a loop of independent divisions pipelines */
        return 0;
    }
    return number_slow(ps, v, start, (size_t)(p - start));
}

/* ---- strings ---- */

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* Length of the valid UTF-8 sequence at p (0: invalid). */
static int utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    int n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    if (!n || end - p < n) return 0;
    for (int i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80) return 0;
    if (n == 3 && ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F))) return 0; /* overlong, surrogates */
    if (n == 4 && ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))) return 0;
    return n;
}

static char *put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) *o++ = (char)cp;
    else if (cp < 0x800) *o++ = (char)(0xC0 | cp >> 6), *o++ = (char)(0x80 | (cp & 0x3F));
    else if (cp < 0x10000)
        *o++ = (char)(0xE0 | cp >> 12), *o++ = (char)(0x80 | ((cp >> 6) & 0x3F)), *o++ = (char)(0x80 | (cp & 0x3F));
    else
        *o++ = (char)(0xF0 | cp >> 18), *o++ = (char)(0x80 | ((cp >> 12) & 0x3F)),
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F)), *o++ = (char)(0x80 | (cp & 0x3F));
    return o;
}

static int parse_string(parser *ps, oct_jval *v)
{
    const char *p = ps->p + 1, *end = ps->end; /* past the quote */
    const char *q = p;
    while (q < end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20 && (unsigned char)*q < 0x80) q++;
    /* the unescaped text is never longer than the source */
    size_t room = (size_t)(q - p);
    const char *scan = q;
    if (scan < end && *scan != '"') { /* escapes or non-ASCII: find the end first */
        while (scan < end && *scan != '"') scan += *scan == '\\' && scan + 1 < end ? 2 : 1;
        room = (size_t)(scan - p);
    }
    char *out = arena(ps->doc, room + 1), *o = out;
    if (!out) return fail(ps, p, "out of memory");
    memcpy(o, p, (size_t)(q - p));
    o += q - p;
    p = q;
    for (;;) {
        if (p >= end) return fail(ps, ps->p, "unterminated string");
        unsigned char c = (unsigned char)*p;
        if (c == '"') break;
        if (c < 0x20) return fail(ps, p, "control character in a string");
        if (c >= 0x80) {
            int n = utf8_len((const unsigned char *)p, (const unsigned char *)end);
            if (!n) return fail(ps, p, "invalid UTF-8 in a string");
            memcpy(o, p, (size_t)n);
            o += n, p += n;
            continue;
        }
        if (c != '\\') {
            *o++ = (char)c, p++;
            continue;
        }
        if (p + 1 >= end) return fail(ps, p, "unterminated string");
        char e = p[1];
        p += 2;
        switch (e) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (end - p < 4 || hex4(p, &cp)) return fail(ps, p, "\\u needs four hex digits");
            p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    return fail(ps, p, "a high surrogate needs a low surrogate");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return fail(ps, p, "a lone low surrogate");
            }
            if (cp == 0) return fail(ps, p, "\\u0000 is not allowed in names and values here");
            o = put_utf8(o, cp);
            break;
        }
        default: return fail(ps, p - 1, "invalid escape");
        }
    }
    *o = 0;
    ps->p = p + 1;
    v->type = OCT_J_STR;
    v->is_int = 0;
    v->scale_ = 0;
    v->n = (uint32_t)(o - out);
    v->u.str = out;
    v->raw = NULL;
    return 0;
}

/* ---- values ---- */

static int parse_value(parser *ps, oct_jval *v, int depth);

/* The exact scaling of the fast path (m and 10^|scale| are exact doubles, so one correctly rounded
 * division or multiplication is the correctly rounded value). */
static void finish_numbers(oct_jval *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int s = v[i].scale_;
        if (!s) continue;
        v[i].u.num = s < 0 ? v[i].u.num / pow10_exact[-s] : v[i].u.num * pow10_exact[s];
        v[i].scale_ = 0;
    }
}

static int close_container(parser *ps, oct_jval *v, size_t base, oct_jtype t)
{
    size_t n = ps->top - base;
    oct_jval *items = NULL;
    if (n) {
        if (!(items = arena(ps->doc, n * sizeof *items))) return fail(ps, ps->p, "out of memory");
        finish_numbers(ps->stack + base, n);
        memcpy(items, ps->stack + base, n * sizeof *items);
    }
    ps->top = base;
    v->type = (uint8_t)t;
    v->is_int = 0;
    v->scale_ = 0;
    v->n = (uint32_t)(t == OCT_J_OBJ ? n / 2 : n);
    v->u.items = items;
    v->raw = NULL;
    return 0;
}

static int parse_array(parser *ps, oct_jval *v, int depth)
{
    size_t base = ps->top;
    ps->p++; /* [ */
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return close_container(ps, v, base, OCT_J_ARR);
    }
    for (;;) {
        char c = ps->p < ps->end ? *ps->p : 0;
        if (c == '-' || (c >= '0' && c <= '9')) { /* the common case: straight into the stack */
            if (ps->top == ps->cap && grow(ps)) return -1;
            if (parse_number(ps, &ps->stack[ps->top])) return -1;
            ps->top++;
        } else {
            oct_jval e;
            if (parse_value(ps, &e, depth + 1) || push(ps, &e)) return -1;
        }
        skip_ws(ps);
        if (ps->p >= ps->end) return fail(ps, ps->p, "unterminated array");
        if (*ps->p == ',') {
            ps->p++;
            skip_ws(ps);
            continue;
        }
        if (*ps->p != ']') return fail(ps, ps->p, "expected ',' or ']' in an array");
        ps->p++;
        if (ps->top - base > UINT32_MAX) return fail(ps, ps->p, "array too long");
        return close_container(ps, v, base, OCT_J_ARR);
    }
}

static int parse_object(parser *ps, oct_jval *v, int depth)
{
    size_t base = ps->top;
    ps->p++; /* { */
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return close_container(ps, v, base, OCT_J_OBJ);
    }
    for (;;) {
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != '"') return fail(ps, ps->p, "expected a key (a string)");
        const char *key_at = ps->p;
        oct_jval k, e;
        if (parse_string(ps, &k)) return -1;
        for (size_t i = base; i < ps->top; i += 2)
            if (ps->stack[i].n == k.n && !memcmp(ps->stack[i].u.str, k.u.str, k.n))
                return fail(ps, key_at, "duplicate key");
        if ((ps->top - base) / 2 >= OCT_JDOC_MAX_KEYS) return fail(ps, key_at, "too many keys in an object");
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':') return fail(ps, ps->p, "expected ':' after a key");
        ps->p++;
        if (push(ps, &k) || parse_value(ps, &e, depth + 1) || push(ps, &e)) return -1;
        skip_ws(ps);
        if (ps->p >= ps->end) return fail(ps, ps->p, "unterminated object");
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p != '}') return fail(ps, ps->p, "expected ',' or '}' in an object");
        ps->p++;
        return close_container(ps, v, base, OCT_J_OBJ);
    }
}

static int literal(parser *ps, oct_jval *v, const char *word, oct_jtype t)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n)) return fail(ps, ps->p, "invalid literal");
    ps->p += n;
    memset(v, 0, sizeof *v);
    v->type = (uint8_t)t;
    return 0;
}

static int parse_value(parser *ps, oct_jval *v, int depth)
{
    if (depth > OCT_JDOC_MAX_DEPTH) return fail(ps, ps->p, "nested too deeply");
    skip_ws(ps);
    if (ps->p >= ps->end) return fail(ps, ps->p, "a value is missing");
    switch (*ps->p) {
    case '{': return parse_object(ps, v, depth);
    case '[': return parse_array(ps, v, depth);
    case '"': return parse_string(ps, v);
    case 't': return literal(ps, v, "true", OCT_J_TRUE);
    case 'f': return literal(ps, v, "false", OCT_J_FALSE);
    case 'n': return literal(ps, v, "null", OCT_J_NULL);
    default:
        if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) return parse_number(ps, v);
        return fail(ps, ps->p, "unexpected character");
    }
}

oct_status oct_jdoc_parse(const char *text, size_t len, oct_jdoc **out)
{
    *out = NULL;
    oct_jdoc *d = calloc(1, sizeof *d);
    if (!d) return oct_err(OCT_E_NOMEM, "out of memory");
    parser ps = {.s = text, .p = text, .end = text + len, .doc = d};
    int r = parse_value(&ps, &d->root, 0);
    finish_numbers(&d->root, 1);
    if (!r) {
        skip_ws(&ps);
        if (ps.p != ps.end) r = fail(&ps, ps.p, "text after the JSON value");
    }
    free(ps.stack);
    if (r) {
        int line = 1, col = 1;
        for (const char *c = text; c < ps.err_at && c < text + len; c++)
            if (*c == '\n') line++, col = 1;
            else col++;
        oct_status st = strcmp(ps.err, "out of memory") ? OCT_E_PARSE : OCT_E_NOMEM;
        oct_jdoc_free(d);
        return oct_err(st, "line %d, column %d: %s", line, col, ps.err);
    }
    *out = d;
    return OCT_OK;
}

const oct_jval *oct_jdoc_root(const oct_jdoc *d) { return &d->root; }

void oct_jdoc_free(oct_jdoc *d)
{
    if (!d) return;
    for (block *b = d->blocks, *n; b; b = n) {
        n = b->next;
        free(b);
    }
    free(d);
}

const oct_jval *oct_jget(const oct_jval *v, const char *key)
{
    if (!oct_jis(v, OCT_J_OBJ)) return NULL;
    for (uint32_t i = 0; i < v->n; i++)
        if (!strcmp(oct_jkey(v, i), key)) return oct_jmember(v, i);
    return NULL;
}

int oct_jint(const oct_jval *v, int64_t *out)
{
    if (!oct_jis(v, OCT_J_NUM) || !v->is_int) return 0;
    const char *p = v->raw, *end = v->raw + v->n;
    int neg = *p == '-';
    p += neg;
    uint64_t m = 0, lim = neg ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1;
    for (; p < end; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (m > (lim - d) / 10) return 0;
        m = m * 10 + d;
    }
    *out = neg ? (int64_t)(0 - m) : (int64_t)m;
    return 1;
}
