/* libFuzzer target: io/jdoc, the request-body JSON reader. Every input either
 * parses or fails with OCT_E_PARSE / OCT_E_NOMEM and a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/jdoc.h"

static void walk(const oct_jval *v, int depth)
{
    if (depth > OCT_JDOC_MAX_DEPTH + 1) abort(); /* the parser must have refused it */
    if (v->type == OCT_J_ARR)
        for (uint32_t i = 0; i < v->n; i++) walk(oct_jat(v, i), depth + 1);
    if (v->type == OCT_J_OBJ)
        for (uint32_t i = 0; i < v->n; i++) {
            if (strlen(oct_jkey(v, i)) > v->u.items[2 * i].n) abort();
            walk(oct_jmember(v, i), depth + 1);
        }
    int64_t x;
    if (v->type == OCT_J_NUM) (void)oct_jint(v, &x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1); /* the reader may look at text[len] */
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    oct_jdoc *d = NULL;
    oct_status st = oct_jdoc_parse(buf, size, &d);
    if (st == OCT_OK) walk(oct_jdoc_root(d), 0);
    else if (st != OCT_E_PARSE && st != OCT_E_NOMEM) abort();
    oct_jdoc_free(d);
    free(buf);
    return 0;
}
