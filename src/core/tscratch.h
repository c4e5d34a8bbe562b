/* octet — per-thread scratch buffers (kernel workspaces), 64-byte aligned,
 * grow-only, freed when the thread exits. One static instance per use:
 *     static oct_tscratch ws = OCT_TSCRATCH_INIT;
 *     void *p = oct_tscratch_get(&ws, bytes);   // NULL when out of memory
 * The contents do not survive a call that asks for more bytes. */
#ifndef OCT_CORE_TSCRATCH_H
#define OCT_CORE_TSCRATCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

typedef struct oct_tscratch {
    pthread_key_t key;
    atomic_int state; /* 0 new, 1 creating the key, 2 ready, 3 no key (every get fails) */
} oct_tscratch;

#define OCT_TSCRATCH_INIT {0, 0}

void *oct_tscratch_get(oct_tscratch *t, size_t bytes);
/* Free this thread's buffer now (it is also freed at thread exit). */
void oct_tscratch_release(oct_tscratch *t);

#endif
