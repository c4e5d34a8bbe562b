/* octet — FNV-1a (64-bit): the cache keys of compiled OpenCL programs and of
 * quantized model artifacts. Not for anything an attacker picks. */
#ifndef OCT_CORE_HASH_H
#define OCT_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define OCT_FNV1A_INIT 1469598103934665603ull

static inline uint64_t oct_fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *b = data;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

#endif
