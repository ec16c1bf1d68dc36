// One dense convolution, NHWC fp32, 1 thread: adapt-top's native kernel (Sources/CKernels) against XNNPACK's
// convolution operator on the same input and weights. Each timed iteration runs both, back to back, so a
// machine whose speed drifts disturbs both alike; prints both p50s, their ratio and max |difference|.
// Built and run by Scripts/bench-kernels.sh.
//
//   conv_vs_xnnpack N H W CIN COUT KH KW STRIDE DILATION PAD_TOP PAD_LEFT PAD_BOTTOM PAD_RIGHT [ITERATIONS]
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xnnpack.h>

#include "CKernels.h"
#include "bench_common.h"

static float *floats(size_t count) {
    float *p = aligned_alloc(64, (count * sizeof(float) + 64 + 63) / 64 * 64);  // XNNPACK may read 16 B past
    if (!p) { perror("aligned_alloc"); exit(1); }
    return p;
}

int main(int argc, char **argv) {
    if (argc < 14) {
        fprintf(stderr, "usage: %s N H W CIN COUT KH KW STRIDE DILATION PAD_TOP PAD_LEFT PAD_BOTTOM PAD_RIGHT [ITERATIONS]\n", argv[0]);
        return 2;
    }
    size_t a[13];
    for (int i = 0; i < 13; i++) a[i] = (size_t)atol(argv[i + 1]);
    size_t n = a[0], h = a[1], w = a[2], cin = a[3], cout = a[4], kh = a[5], kw = a[6], stride = a[7], dilation = a[8];
    size_t pad_top = a[9], pad_left = a[10], pad_bottom = a[11], pad_right = a[12];
    int iterations = argc > 14 ? atoi(argv[14]) : 300;
    size_t oh = (h + pad_top + pad_bottom - ((kh - 1) * dilation + 1)) / stride + 1;
    size_t ow = (w + pad_left + pad_right - ((kw - 1) * dilation + 1)) / stride + 1;

    float *input = floats(n * h * w * cin), *weights = floats(cout * kh * kw * cin), *bias = floats(cout);
    float *expected = floats(n * oh * ow * cout), *actual = floats(n * oh * ow * cout);
    srand(3);
    for (size_t i = 0; i < n * h * w * cin; i++) input[i] = rand() / (float)RAND_MAX - 0.5f;
    for (size_t i = 0; i < cout * kh * kw * cin; i++) weights[i] = rand() / (float)RAND_MAX - 0.5f;
    for (size_t i = 0; i < cout; i++) bias[i] = 0.01f * (float)i;

    xnn_operator_t op = NULL;
    if (xnn_initialize(NULL) != xnn_status_success ||
        xnn_create_convolution2d_nhwc_f32(pad_top, pad_right, pad_bottom, pad_left, kh, kw, stride, stride, dilation,
                                          dilation, 1, cin, cout, cin, cout, weights, bias, 0, INFINITY, 0, &op) !=
            xnn_status_success ||
        xnn_setup_convolution2d_nhwc_f32(op, n, h, w, input, expected, NULL) != xnn_status_success) {
        fprintf(stderr, "XNNPACK rejected the convolution\n");
        return 1;
    }
    if (!adapt_kernels_available()) {
        fprintf(stderr, "this CPU cannot run the native kernels (no AVX-512F)\n");
        return 1;
    }
    float *packed = floats(adapt_conv2d_f32_packed_count(cout, kh, kw, cin));
    adapt_conv2d_f32_pack(weights, bias, cout, kh, kw, cin, packed);
    float *zero = calloc(cin * kw + 16, sizeof(float));
    adapt_conv2d_f32 conv = {
        .batch = n, .in_height = h, .in_width = w, .in_channels = cin,
        .out_height = oh, .out_width = ow, .out_channels = cout,
        .kernel_height = kh, .kernel_width = kw, .stride_height = stride, .stride_width = stride,
        .dilation_height = dilation, .dilation_width = dilation, .pad_top = pad_top, .pad_left = pad_left,
        .input = input, .output = actual, .out_pixel_stride = cout, .packed = packed, .zero = zero,
        .output_min = 0, .output_max = INFINITY,
    };
    size_t tiles = adapt_conv2d_f32_tile_count(&conv);

    double *xnn = malloc(sizeof(double) * (size_t)iterations), *own = malloc(sizeof(double) * (size_t)iterations);
    for (int r = 0; r < 20; r++) {
        xnn_run_operator(op, NULL);
        adapt_conv2d_f32_run_tiles(&conv, 0, tiles);
    }
    for (int r = 0; r < iterations; r++) {
        double t0 = now_us();
        xnn_run_operator(op, NULL);
        double t1 = now_us();
        adapt_conv2d_f32_run_tiles(&conv, 0, tiles);
        double t2 = now_us();
        xnn[r] = t1 - t0;
        own[r] = t2 - t1;
    }
    qsort(xnn, (size_t)iterations, sizeof(double), by_value);
    qsort(own, (size_t)iterations, sizeof(double), by_value);
    float worst = 0;
    for (size_t i = 0; i < n * oh * ow * cout; i++) {
        float d = fabsf(expected[i] - actual[i]);
        if (!(d <= worst)) worst = d;
    }
    printf("%9.1f %9.1f %6.2f %10.2g\n", xnn[iterations / 2], own[iterations / 2],
           own[iterations / 2] / xnn[iterations / 2], worst);
    return worst <= 1e-4f ? 0 : 1;
}
