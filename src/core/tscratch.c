#include "core/tscratch.h"

#include <sched.h>
#include <stdlib.h>

typedef struct buf {
    void *p;
    size_t cap;
} buf;

static void buf_free(void *b)
{
    buf *x = b;
    if (x) free(x->p);
    free(x);
}

static int ready(oct_tscratch *t)
{
    int s = atomic_load(&t->state);
    if (s == 0) {
        int expect = 0;
        if (atomic_compare_exchange_strong(&t->state, &expect, 1)) {
            atomic_store(&t->state, pthread_key_create(&t->key, buf_free) == 0 ? 2 : 3);
        }
    }
    while ((s = atomic_load(&t->state)) == 1) sched_yield();
    return s == 2;
}

void *oct_tscratch_get(oct_tscratch *t, size_t bytes)
{
    if (!ready(t)) return NULL;
    buf *b = pthread_getspecific(t->key);
    if (!b) {
        b = calloc(1, sizeof *b);
        if (!b) return NULL;
        if (pthread_setspecific(t->key, b) != 0) {
            free(b);
            return NULL;
        }
    }
    size_t need = (bytes + 63) & ~(size_t)63;
    if (need == 0) need = 64;
    if (need > b->cap) {
        free(b->p);
        b->p = aligned_alloc(64, need);
        b->cap = b->p ? need : 0;
    }
    return b->p;
}

void oct_tscratch_release(oct_tscratch *t)
{
    if (atomic_load(&t->state) != 2) return;
    buf *b = pthread_getspecific(t->key);
    if (!b) return;
    free(b->p);
    b->p = NULL;
    b->cap = 0;
}
