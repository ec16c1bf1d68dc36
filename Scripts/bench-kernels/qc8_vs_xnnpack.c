// One dense int8 (qc8) convolution, NHWC, 1 thread: adapt-top's native VNNI kernel (Sources/CKernels) against
// XNNPACK's convolution2d_nhwc_qc8 on the same int8 input, weights, bias and scales. Each timed iteration runs
// both, back to back, so a machine whose speed drifts disturbs both alike; prints both p50s, their ratio, the
// largest difference in output codes and how many codes differ. Built and run by Scripts/bench-kernels-qc8.sh.
//
//   qc8_vs_xnnpack N H W CIN COUT KH KW STRIDE DILATION PAD_TOP PAD_LEFT PAD_BOTTOM PAD_RIGHT [ITERATIONS]
// RELU=1 in the environment gives the output a ReLU's zero point (-128).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xnnpack.h>
#include "CKernels.h"
#include "bench_common.h"


int main(int argc, char **argv) {
    if (argc < 14) {
        fprintf(stderr, "usage: %s N H W CIN COUT KH KW STRIDE DILATION PAD_TOP PAD_LEFT PAD_BOTTOM PAD_RIGHT [ITERATIONS]\n", argv[0]);
        return 2;
    }
    size_t a[13];
    for (int i = 0; i < 13; i++) a[i] = (size_t)atol(argv[i + 1]);
    size_t n = a[0], h = a[1], w = a[2], cin = a[3], cout = a[4], kh = a[5], kw = a[6], stride = a[7], dilation = a[8];
    size_t pt = a[9], pl = a[10], pb = a[11], pr = a[12];
    int iterations = argc > 14 ? atoi(argv[14]) : 300;
    size_t oh = (h + pt + pb - ((kh - 1) * dilation + 1)) / stride + 1;
    size_t ow = (w + pl + pr - ((kw - 1) * dilation + 1)) / stride + 1;
    size_t in_count = n * h * w * cin, out_count = n * oh * ow * cout, wcount = cout * kh * kw * cin;
    int8_t *input = bench_bytes(in_count), *weights = bench_bytes(wcount), *expected = bench_bytes(out_count), *actual = bench_bytes(out_count);
    int32_t *bias = bench_bytes(cout * 4);
    float *scales = bench_bytes(cout * 4);
    qc8_fill(input, in_count, weights, wcount, bias, scales, cout);
    int8_t izp = -7, ozp = 5; float is = 0.05f, os = 0.4f; int8_t omin = -128, omax = 127;
    if (getenv("RELU")) { ozp = -128; omin = -128; }
    xnn_operator_t op = NULL;
    if (xnn_initialize(NULL) != xnn_status_success ||
        xnn_create_convolution2d_nhwc_qc8(pt, pr, pb, pl, kh, kw, stride, stride, dilation, dilation, 1, cin, cout, cin, cout,
            izp, is, scales, weights, bias, ozp, os, omin, omax, 0, &op) != xnn_status_success ||
        xnn_setup_convolution2d_nhwc_qc8(op, n, h, w, input, expected, NULL) != xnn_status_success) {
        fprintf(stderr, "XNNPACK rejected the convolution\n"); return 1;
    }
    if (!adapt_kernels_vnni_available()) { fprintf(stderr, "this CPU cannot run the native int8 kernel (no AVX-512 VNNI)\n"); return 1; }
    adapt_conv2d_qc8 conv = {
        .batch = n, .in_height = h, .in_width = w, .in_channels = cin, .out_height = oh, .out_width = ow, .out_channels = cout,
        .kernel_height = kh, .kernel_width = kw, .stride_height = stride, .stride_width = stride,
        .dilation_height = dilation, .dilation_width = dilation, .pad_top = pt, .pad_left = pl, .pad_bottom = pb, .pad_right = pr,
        .input = input, .output = actual, .out_pixel_stride = cout,
        .input_zero_point = izp, .output_zero_point = ozp, .output_min = omin, .output_max = omax,
    };
    void *packed = bench_bytes(adapt_conv2d_qc8_packed_bytes(&conv));
    adapt_conv2d_qc8_pack(&conv, weights, bias, is, scales, os, packed);
    conv.packed = packed;
    conv.flipped = bench_bytes(adapt_conv2d_qc8_flipped_bytes(&conv));
    adapt_conv2d_qc8_fill_padding(&conv);
    size_t tiles = adapt_conv2d_qc8_tile_count(&conv), chunks = adapt_conv2d_qc8_flip_count(&conv);
    double *xnn = malloc(sizeof(double) * iterations), *own = malloc(sizeof(double) * iterations);
    for (int r = 0; r < 20; r++) { xnn_run_operator(op, NULL); adapt_conv2d_qc8_flip_chunks(&conv, 0, chunks); adapt_conv2d_qc8_run_tiles(&conv, 0, tiles); }
    for (int r = 0; r < iterations; r++) {
        double t0 = now_us(); xnn_run_operator(op, NULL); double t1 = now_us();
        adapt_conv2d_qc8_flip_chunks(&conv, 0, chunks); adapt_conv2d_qc8_run_tiles(&conv, 0, tiles); double t2 = now_us();
        xnn[r] = t1 - t0; own[r] = t2 - t1;
    }
    return qc8_report(xnn, own, iterations, expected, actual, out_count);
}
