/* io/jdoc: the request-body JSON reader. Numbers read back exactly as strtod
 * reads them (random doubles and floats printed with 6-17 digits, integers,
 * exponents, the fast path's edges); 64-bit integers are exact; strings with
 * escapes, surrogate pairs and UTF-8; every malformed document is rejected
 * with its line and column (ONNX-free: RFC 8259's rules). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/jdoc.h"
#include "test_util.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

static void bad(const char *text, const char *why)
{
    oct_jdoc *d = NULL;
    oct_status st = oct_jdoc_parse(text, strlen(text), &d);
    CHECK_MSG(st == OCT_E_PARSE && strstr(oct_errmsg(), why), "'%s': %s (expected '%s')", text,
              st == OCT_OK ? "accepted" : oct_errmsg(), why);
    oct_jdoc_free(d);
}

static void numbers(void)
{
    /* 20000 numbers in one array, printed in many ways; each must equal strtod's reading */
    int n = 20000;
    char *text = malloc((size_t)n * 40 + 16), *p = text;
    double *want = malloc(sizeof *want * (size_t)n);
    *p++ = '[';
    for (int i = 0; i < n; i++) {
        char num[64];
        uint64_t r = next();
        switch (i % 6) {
        case 0: snprintf(num, sizeof num, "%.9g", (double)(float)((double)(int64_t)r / 9.2e18 * 10.0)); break;
        case 1: snprintf(num, sizeof num, "%.17g", (double)(int64_t)r / 3.3e12); break;
        case 2: snprintf(num, sizeof num, "%lld", (long long)(int64_t)(r >> (r % 60))); break;
        case 3: snprintf(num, sizeof num, "%.6e", ldexp((double)(r >> 11), (int)(r % 200) - 150)); break;
        case 4: snprintf(num, sizeof num, "%.4f", (double)(int32_t)r / 1e4); break;
        default: snprintf(num, sizeof num, "%.15g", (double)(r >> 11) * 1e-15); break;
        }
        want[i] = strtod(num, NULL);
        p += sprintf(p, "%s%s", i ? ", " : "", num);
    }
    *p++ = ']';
    *p = 0;
    oct_jdoc *d = NULL;
    CHECK_MSG(oct_jdoc_parse(text, (size_t)(p - text), &d) == OCT_OK, "%s", oct_errmsg());
    int wrong = 0;
    const oct_jval *root = d ? oct_jdoc_root(d) : NULL;
    CHECK(root && root->type == OCT_J_ARR && root->n == (uint32_t)n);
    for (int i = 0; root && i < n; i++) wrong += memcmp(&oct_jat(root, i)->u.num, &want[i], sizeof(double)) != 0;
    CHECK_MSG(wrong == 0, "%d of %d numbers differ from strtod", wrong, n);
    oct_jdoc_free(d);
    free(text);
    free(want);

    const char *edge = "[0, -0, 1e22, 1e23, 9007199254740993, 9007199254740992, 123456789012345678901234567890, "
                       "2.2250738585072014e-308, 4.9e-324, 1.7976931348623157e308, 0.1, -1E+2, 3.0e0, 1e-400]";
    CHECK(oct_jdoc_parse(edge, strlen(edge), &d) == OCT_OK);
    int off = 0;
    const char *q = edge + 1;
    for (uint32_t i = 0; d && i < oct_jdoc_root(d)->n; i++) {
        char *e;
        double w = strtod(q, &e);
        off += memcmp(&oct_jat(oct_jdoc_root(d), i)->u.num, &w, sizeof w) != 0;
        q = e + 2;
    }
    CHECK_MSG(off == 0, "%d edge numbers differ from strtod", off);
    oct_jdoc_free(d);

    const char *ints = "[9223372036854775807, -9223372036854775808, 9223372036854775808, 1.0, 12]";
    CHECK(oct_jdoc_parse(ints, strlen(ints), &d) == OCT_OK);
    int64_t v;
    const oct_jval *a = oct_jdoc_root(d);
    CHECK(oct_jint(oct_jat(a, 0), &v) && v == INT64_MAX);
    CHECK(oct_jint(oct_jat(a, 1), &v) && v == INT64_MIN);
    CHECK(!oct_jint(oct_jat(a, 2), &v)); /* out of int64 */
    CHECK(!oct_jint(oct_jat(a, 3), &v)); /* not written as an integer */
    CHECK(oct_jint(oct_jat(a, 4), &v) && v == 12);
    oct_jdoc_free(d);
}

static void structure(void)
{
    const char *t = " {\"a\": [true, false, null], \"s\": \"x\\ty\\u00e9\\ud83d\\ude00\\\"\\\\/\", "
                    "\"n\": {}, \"e\": [], \"\xc3\xa9t\xc3\xa9\": 1}\n";
    oct_jdoc *d = NULL;
    CHECK_MSG(oct_jdoc_parse(t, strlen(t), &d) == OCT_OK, "%s", oct_errmsg());
    const oct_jval *r = oct_jdoc_root(d);
    CHECK(r->type == OCT_J_OBJ && r->n == 5);
    const oct_jval *a = oct_jget(r, "a"), *s = oct_jget(r, "s");
    CHECK(a && a->n == 3 && oct_jat(a, 0)->type == OCT_J_TRUE && oct_jat(a, 2)->type == OCT_J_NULL);
    CHECK(s && !strcmp(s->u.str, "x\ty\xc3\xa9\xf0\x9f\x98\x80\"\\/") && s->n == 12);
    CHECK(oct_jget(r, "n")->type == OCT_J_OBJ && oct_jget(r, "e")->n == 0);
    CHECK(oct_jget(r, "\xc3\xa9t\xc3\xa9") && !oct_jget(r, "missing") && !oct_jget(a, "a"));
    oct_jdoc_free(d);

    bad("", "missing");
    bad("[1, 2", "unterminated array");
    bad("[1, 2,]", "unexpected character");
    bad("{\"a\": 1,}", "expected a key");
    bad("{\"a\" 1}", "expected ':'");
    bad("{\"a\": 1, \"a\": 2}", "duplicate key");
    bad("[01]", "do not start with 0");
    bad("[1.]", "decimal point");
    bad("[1e]", "exponent");
    bad("[-]", "digits");
    bad("[+1]", "unexpected character");
    bad("[NaN]", "unexpected character");
    bad("[tru]", "invalid literal");
    bad("\"abc", "unterminated string");
    bad("\"a\\qb\"", "invalid escape");
    bad("\"a\\u12G4\"", "four hex digits");
    bad("\"\\ud800\"", "low surrogate");
    bad("\"\\udc00\"", "lone low surrogate");
    bad("\"a\x01\"", "control character");
    bad("\"\xc3\x28\"", "invalid UTF-8");
    bad("\"\xed\xa0\x80\"", "invalid UTF-8"); /* an encoded surrogate */
    bad("\"\xe0\x80\xaf\"", "invalid UTF-8"); /* overlong */
    bad("[1] x", "text after");
    bad("{\"a\": 1}\n{", "line 2, column 1");
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    deep[0] = '[';
    char nested[300];
    snprintf(nested, sizeof nested, "%.*s", 200, deep);
    bad(nested, "nested too deeply");
}

int main(void)
{
    numbers();
    structure();
    TEST_DONE();
}
