#!/usr/bin/env bash
# adapt-top's native int8 (qc8) convolution for AVX-512 VNNI (Sources/CKernels) against XNNPACK's, one layer at
# a time, 1 thread: the measurements behind XNNPACKLowering.prefersNativeQuantizedConvolution. Needs clang (the
# Swift toolchain's), the CKernels sources and Debian's libxnnpack-dev; prints a Markdown table (p50 µs of each,
# ratio, largest output code difference: 0 when the kernel matches XNNPACK bit for bit).
#
#   Scripts/bench-kernels-qc8.sh             # every dense layer of the demo models
#   Scripts/bench-kernels-qc8.sh 1 28 28 32 32 3 3 1 1 1 1 1 1    # one shape: N H W CIN COUT KH KW STRIDE DIL PADS(T L B R)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/qc8_vs_xnnpack
trap 'rm -rf "$(dirname "$bin")"' EXIT
command -v clang >/dev/null || { echo "bench-kernels-qc8.sh: needs clang (it comes with the Swift toolchain)" >&2; exit 1; }
clang -O3 -ISources/CKernels/include Scripts/bench-kernels/qc8_vs_xnnpack.c Sources/CKernels/*.c \
    -o "$bin" -lXNNPACK -lpthreadpool -lm
clang -O3 -ISources/CKernels/include Scripts/bench-kernels/dwconv_qc8_vs_xnnpack.c Sources/CKernels/*.c \
    -o "$bin-dw" -lXNNPACK -lpthreadpool -lm

shapes=(
    # N H W CIN COUT KH KW STRIDE DIL  T L B R   where (Fashion-MNIST demo models)
    "1 28 28 1 16 3 3 1 1 1 1 1 1"             # resnet-8 stem (window rows gathered per position)
    "1 28 28 16 16 3 3 1 1 1 1 1 1"            # resnet-8 stage 1
    "1 28 28 16 32 3 3 2 1 1 1 1 1"            # resnet-8 stage 2, first
    "1 14 14 32 32 3 3 1 1 1 1 1 1"            # resnet-8 stage 2
    "1 28 28 16 32 1 1 2 1 0 0 0 0"            # resnet-8 shortcut
    "1 7 7 64 64 3 3 1 1 1 1 1 1"              # resnet-8 stage 3
    "1 28 28 1 16 3 3 2 1 1 1 1 1"             # mobilenet-v2 stem
    "1 14 14 16 16 1 1 1 1 0 0 0 0"            # mobilenet-v2 smallest 1x1
    "1 14 14 24 96 1 1 1 1 0 0 0 0"            # mobilenet-v2 expand
    "1 7 7 256 64 1 1 1 1 0 0 0 0"             # mobilenet-v2 project
    "1 28 28 32 32 3 3 1 1 1 1 1 1"            # cnn-w100 second layer
    "1 14 14 64 64 3 3 1 1 1 1 1 1"            # cnn-w100 fourth layer
    "1 1 1 784 256 1 1 1 1 0 0 0 0"            # mlp hidden layer (one row)
    "1 1 1 3136 10 1 1 1 1 0 0 0 0"            # cnn-w100 classifier head
    "1 1 1 64 10 1 1 1 1 0 0 0 0"              # resnet-8 classifier head
)
# Depthwise (group = channels), the dwconv kernel:  N H W C KH KW STRIDE DIL  T L B R
dw_shapes=(
    "1 14 14 16 3 3 1 1 1 1 1 1"               # mobilenet-v2 depthwise layers
    "1 14 14 64 3 3 1 1 1 1 1 1"
    "1 14 14 96 3 3 2 1 1 1 1 1"
    "1 7 7 128 3 3 1 1 1 1 1 1"
    "1 7 7 256 3 3 1 1 1 1 1 1"
)
[ $# -gt 0 ] && { shapes=("$*"); dw_shapes=(); }
[ -n "${DEPTHWISE:-}" ] && [ $# -gt 0 ] && { dw_shapes=("$*"); shapes=(); }   # DEPTHWISE=1 with one depthwise shape

echo "| N H W Cin Cout KH KW stride dilation pads (T L B R) | XNNPACK p50 µs | native p50 µs | native / XNNPACK | max code diff |"
echo "|---|---:|---:|---:|---:|"
for shape in "${shapes[@]}"; do
    # shellcheck disable=SC2086
    read -r xnn own ratio diff _ < <("$bin" $shape)
    echo "| $shape | $xnn | $own | $ratio | $diff |"
done
for shape in "${dw_shapes[@]}"; do
    # shellcheck disable=SC2086
    read -r xnn own ratio diff _ < <("$bin-dw" $shape)
    echo "| depthwise $shape | $xnn | $own | $ratio | $diff |"
done
