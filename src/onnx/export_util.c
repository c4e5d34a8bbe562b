/* octet — ONNX exporter helpers: the arena the ModelProto is built in, pointer
 * lists, and names made up by the writer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx/export_internal.h"

static void *nomem(void)
{
    oct_err(OCT_E_NOMEM, "out of memory");
    return NULL;
}

void *oct_onnx_arena_alloc(oct_onnx_arena *a, size_t n)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 256;
        void **b = realloc(a->blocks, cap * sizeof *b);
        if (!b) return nomem();
        a->blocks = b;
        a->cap = cap;
    }
    void *p = calloc(1, n ? n : 1);
    if (!p) return nomem();
    a->blocks[a->n++] = p;
    return p;
}

void *oct_onnx_arena_array(oct_onnx_arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) return nomem();
    return oct_onnx_arena_alloc(a, count * size);
}

char *oct_onnx_arena_printf(oct_onnx_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return nomem();
    char *s = oct_onnx_arena_alloc(a, (size_t)n + 1);
    if (!s) return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

void oct_onnx_arena_free(oct_onnx_arena *a)
{
    for (size_t i = 0; i < a->n; i++) free(a->blocks[i]);
    free(a->blocks);
    memset(a, 0, sizeof *a);
}

oct_status oct_onnx_list_push(oct_onnx_arena *a, oct_onnx_list *l, void *item)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        void **items = oct_onnx_arena_array(a, cap, sizeof *items);
        if (!items) return OCT_E_NOMEM;
        if (l->n) memcpy(items, l->items, l->n * sizeof *items);
        l->items = items; /* the old array stays in the arena until the end */
        l->cap = cap;
    }
    l->items[l->n++] = item;
    return OCT_OK;
}

/* The suffix "__oct<k>" carries a counter that is never reused, so two made-up
 * names never collide; the graph lookup rules out collisions with its names. */
char *oct_onnx_fresh_name(oct_onnx_writer *w, const char *base)
{
    for (;;) {
        char *s = oct_onnx_arena_printf(&w->ar, "%s__oct%lu", base, w->fresh++);
        if (!s || oct_graph_find_value(w->g, s) < 0) return s;
    }
}
