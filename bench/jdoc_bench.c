/* Request-body parsing: octet's io/jdoc against jansson (json_loadb, what the
 * server used first) on the same file, interleaved round by round.
 *   build/bench/jdoc_bench BODY.json [rounds]
 * (bodies: python3 deploy/wrk/make_bodies.py --out DIR). Prints the best and
 * median microseconds per parse of each. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/jdoc.h"

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: jdoc_bench BODY.json [rounds]\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) return 1;
    b[n] = 0;
    fclose(f);
    int rounds = argc > 2 ? atoi(argv[2]) : 15, per = 200;
    double *tj = malloc(sizeof *tj * (size_t)rounds), *tn = malloc(sizeof *tn * (size_t)rounds);
    for (int r = 0; r < rounds; r++) {
        double t0 = now_us();
        for (int i = 0; i < per; i++) {
            oct_jdoc *d = NULL;
            if (oct_jdoc_parse(b, (size_t)n, &d) != OCT_OK) {
                fprintf(stderr, "jdoc: %s\n", oct_errmsg());
                return 1;
            }
            oct_jdoc_free(d);
        }
        double t1 = now_us();
        for (int i = 0; i < per; i++) {
            json_error_t e;
            json_t *j = json_loadb(b, (size_t)n, JSON_REJECT_DUPLICATES, &e);
            if (!j) return 1;
            json_decref(j);
        }
        double t2 = now_us();
        tj[r] = (t1 - t0) / per, tn[r] = (t2 - t1) / per;
    }
    qsort(tj, (size_t)rounds, sizeof *tj, cmp);
    qsort(tn, (size_t)rounds, sizeof *tn, cmp);
    printf("%s (%ld bytes): jdoc %.1f us (median %.1f) | jansson %.1f us (median %.1f) | jansson / jdoc %.1fx\n",
           argv[1], n, tj[0], tj[rounds / 2], tn[0], tn[rounds / 2], tn[rounds / 2] / tj[rounds / 2]);
    return 0;
}
