// What the kernel benchmarks share: a microsecond clock, sorting for medians, buffers XNNPACK may read past, and
// for the int8 ones the random data and the report line. Included by the *_vs_xnnpack.c programs.
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

// 64-byte aligned, with room for XNNPACK's reads past the end, filled with a sentinel byte.
static void *bench_bytes(size_t count) {
    size_t size = (count + 64 + 63) / 64 * 64;
    void *p = aligned_alloc(64, size);
    if (!p) { perror("aligned_alloc"); exit(1); }
    memset(p, 0x5a, size);
    return p;
}

// Seeded int8 input and weights, int32 biases and per-channel scales, the same in every int8 benchmark.
static void qc8_fill(int8_t *input, size_t in_count, int8_t *weights, size_t weight_count, int32_t *bias, float *scales,
                     size_t channels) {
    srand(3);
    for (size_t i = 0; i < in_count; i++) input[i] = (int8_t)(rand() % 256 - 128);
    for (size_t i = 0; i < weight_count; i++) weights[i] = (int8_t)(rand() % 255 - 127);
    for (size_t i = 0; i < channels; i++) { bias[i] = rand() % 20001 - 10000; scales[i] = 0.001f + 0.01f * (float)rand() / (float)RAND_MAX; }
}

// Prints "XNNPACK p50, native p50, ratio, largest code difference, codes differing"; exit status 0 when identical.
static int qc8_report(double *xnn, double *own, int iterations, const int8_t *expected, const int8_t *actual, size_t count) {
    qsort(xnn, iterations, sizeof(double), by_value);
    qsort(own, iterations, sizeof(double), by_value);
    size_t differ = 0;
    int worst = 0;
    for (size_t i = 0; i < count; i++) { int d = abs(expected[i] - actual[i]); if (d) differ++; if (d > worst) worst = d; }
    printf("%9.1f %9.1f %6.2f %6d %8zu\n", xnn[iterations / 2], own[iterations / 2], own[iterations / 2] / xnn[iterations / 2], worst, differ);
    return worst == 0 ? 0 : 1;
}
#endif
