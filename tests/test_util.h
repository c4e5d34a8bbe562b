/* octet — minimal test harness: CHECK records a failure and goes on;
 * TEST_MAIN's exit status is the number of failures (capped). */
#ifndef OCT_TEST_UTIL_H
#define OCT_TEST_UTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int oct_test_failures;
static int oct_test_checks;

#define CHECK(cond)                                                              \
    do {                                                                         \
        oct_test_checks++;                                                       \
        if (!(cond)) {                                                           \
            oct_test_failures++;                                                 \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

#define CHECK_MSG(cond, ...)                                                     \
    do {                                                                         \
        oct_test_checks++;                                                       \
        if (!(cond)) {                                                           \
            oct_test_failures++;                                                 \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                        \
            fputc('\n', stderr);                                                 \
        }                                                                        \
    } while (0)

#define CHECK_NEAR(a, b, tol) CHECK_MSG(fabs((double)(a) - (double)(b)) <= (tol), "%g vs %g", (double)(a), (double)(b))

#define TEST_DONE()                                                              \
    do {                                                                         \
        printf("%d checks, %d failed\n", oct_test_checks, oct_test_failures);    \
        return oct_test_failures ? 1 : 0;                                        \
    } while (0)

#endif
