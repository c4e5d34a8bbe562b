#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

void oct_cli_progress(const char *label, int64_t done, int64_t total)
{
    static int tty = -1;
    if (tty < 0) tty = isatty(2);
    if (!tty || total <= 0) return;
    int width = 30, fill = (int)(done * width / total);
    fprintf(stderr, "\r%s [", label);
    for (int i = 0; i < width; i++) fputc(i < fill ? '#' : '.', stderr);
    fprintf(stderr, "] %lld/%lld", (long long)done, (long long)total);
    if (done >= total) fputc('\n', stderr);
    fflush(stderr);
}

int oct_cli_int(const char *opt, const char *val, int lo, int hi)
{
    char *end;
    long v = strtol(val, &end, 10);
    if (*val == '\0' || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "octet: %s expects an integer in [%d, %d], got '%s'\n", opt, lo, hi, val);
        return -1;
    }
    return (int)v;
}

double oct_cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
