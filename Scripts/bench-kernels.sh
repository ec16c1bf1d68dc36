#!/usr/bin/env bash
# adapt-top's native AVX-512 convolution (Sources/CKernels) against XNNPACK's convolution operator, one layer
# at a time, 1 thread: the measurements behind XNNPACKLowering.prefersNativeConvolution. Needs cc, the CKernels
# sources, clang (the Swift toolchain's, which SwiftPM also builds them with: the kernels rely on clang's loop
# pragmas to keep their accumulators in registers) and Debian's libxnnpack-dev; prints a Markdown table
# (p50 µs of each, ratio, max |difference|).
#
#   Scripts/bench-kernels.sh             # the shapes below
#   Scripts/bench-kernels.sh 1 28 28 32 32 3 3 1 1 1 1 1 1    # one shape: N H W CIN COUT KH KW STRIDE DIL PADS(T L B R)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/conv_vs_xnnpack
trap 'rm -rf "$(dirname "$bin")"' EXIT
command -v clang >/dev/null || { echo "bench-kernels.sh: needs clang (it comes with the Swift toolchain)" >&2; exit 1; }
clang -O3 -ISources/CKernels/include Scripts/bench-kernels/conv_vs_xnnpack.c Sources/CKernels/*.c \
    -o "$bin" -lXNNPACK -lpthreadpool -lm

shapes=(
    # N H W CIN COUT KH KW STRIDE DIL  T L B R   what
    "1 28 28 32 32 3 3 1 1 1 1 1 1"            # demo CNN, second layer
    "1 14 14 64 64 3 3 1 1 1 1 1 1"            # demo CNN, fourth layer
    "1 28 28 16 32 3 3 1 1 1 1 1 1"            # fmnist_cnn3, second layer
    "1 56 56 64 64 3 3 1 1 1 1 1 1"            # ResNet-18 layer1
    "1 7 7 512 512 3 3 1 1 1 1 1 1"            # ResNet-18 layer4
    "1 224 224 3 64 7 7 2 1 3 3 3 3"           # ResNet stem
    "1 224 224 3 64 3 3 2 1 0 0 0 0"           # SqueezeNet 1.1 stem
    "1 27 27 32 128 1 1 1 1 0 0 0 0"           # SqueezeNet expand 1x1
    "1 56 56 64 256 1 1 1 1 0 0 0 0"           # ResNet-50 bottleneck 1x1
    "1 14 14 24 48 3 3 1 2 2 2 2 2"            # dilated, 48 outputs
    "1 28 28 1 32 3 3 1 1 1 1 1 1"             # 1 input channel, 32 outputs: stays on XNNPACK
    "1 28 28 8 16 3 3 1 1 1 1 1 1"             # 16 outputs: stays on XNNPACK
    "1 28 28 96 16 1 1 1 1 0 0 0 0"            # 1x1 to 16 outputs: stays on XNNPACK
)
[ $# -gt 0 ] && shapes=("$*")

echo "| N H W Cin Cout KH KW stride dilation pads (T L B R) | XNNPACK p50 µs | native p50 µs | native / XNNPACK | max abs diff |"
echo "|---|---:|---:|---:|---:|"
for shape in "${shapes[@]}"; do
    # shellcheck disable=SC2086
    read -r xnn own ratio diff < <("$bin" $shape)
    echo "| $shape | $xnn | $own | $ratio | $diff |"
done
