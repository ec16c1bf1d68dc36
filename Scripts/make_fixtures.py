#!/usr/bin/env python3
"""Generate the ONNX parity fixtures in Tests/Fixtures/onnx/<case>/.

Each case directory holds:
  model.onnx    - a small model with random weights (one input, one output)
  input.npy     - float32 C-order input (batch 1, NCHW for image models)
  expected.npy  - onnxruntime CPUExecutionProvider output with
                  graph_optimization_level = ORT_DISABLE_ALL (plain reference)

Everything is deterministic: every case seeds its own RNG from a CRC32 of its
name, so adding or removing a case never changes the others. Versions used are
pinned in Scripts/requirements.txt. Run:

    python3 Scripts/make_fixtures.py            # regenerate everything
    python3 Scripts/make_fixtures.py conv_basic # only the named cases
    python3 Scripts/make_fixtures.py --list     # list the cases

Every generated model is checked with onnx.checker (full_check), must use only
the op types in ALLOWED_OPS, and its onnxruntime output is cross-checked with
onnxruntime ORT_ENABLE_ALL, with onnx.reference.ReferenceEvaluator and (for
torch-exported cases) with the PyTorch forward pass. The README is rewritten
from the results.
"""

from __future__ import annotations

import argparse
import io
import math
import re
import shutil
import sys
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent))
from onnx_macs import count_macs, format_macs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "Tests" / "Fixtures" / "onnx"

ALLOWED_OPS = {
    "Conv", "Gemm", "MatMul", "Relu", "Clip", "LeakyRelu", "Sigmoid",
    "HardSigmoid", "HardSwish", "Tanh", "MaxPool", "AveragePool",
    "GlobalAveragePool", "Add", "Sum", "Sub", "Mul", "Div", "Concat",
    "Flatten", "Reshape", "Transpose", "Softmax", "BatchNormalization", "Pad",
    "LRN", "Dropout", "Identity", "Constant", "ConstantOfShape", "Shape",
    "Gather", "Unsqueeze", "Squeeze",
}

# ONNX IR version that matches each default-domain opset (onnx VERSION_TABLE).
IR_FOR_OPSET = {9: 4, 10: 5, 11: 6, 12: 7, 13: 7, 14: 7, 15: 8, 16: 8, 17: 8}

MAX_MODEL_BYTES = 300 * 1024
MAX_TOTAL_BYTES = 6 * 1024 * 1024
PRODUCER = "adapt-top Scripts/make_fixtures.py"


def tolerance(expected: np.ndarray) -> float:
    """The Swift test tolerance: max|diff| <= 1e-4 * max(1, max|expected|)."""
    return 1e-4 * max(1.0, float(np.abs(expected).max()))


def case_rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode("utf-8")))


# ---------------------------------------------------------------------------
# Case registry
# ---------------------------------------------------------------------------

@dataclass
class Case:
    name: str
    covers: str
    build: Callable[["Case"], tuple[onnx.ModelProto, np.ndarray, np.ndarray | None]]
    group: str


CASES: dict[str, Case] = {}


def case(name: str, covers: str, group: str = "single-op"):
    def register(fn):
        assert name not in CASES, name
        CASES[name] = Case(name, covers, fn, group)
        return fn
    return register


# ---------------------------------------------------------------------------
# Graph builder for the hand-written single-op cases
# ---------------------------------------------------------------------------

class G:
    """Tiny helper around onnx.helper for one-input / one-output graphs."""

    def __init__(self, name: str, opset: int, input_shape: list[int]):
        self.name = name
        self.opset = opset
        self.rng = case_rng(name)
        self.input_shape = list(input_shape)
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self._n = 0

    def _fresh(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}_{self._n}"

    # -- inputs ------------------------------------------------------------
    def uniform_input(self, scale: float = 1.0) -> np.ndarray:
        return (self.rng.uniform(-1.0, 1.0, self.input_shape) * scale).astype(np.float32)

    def normal_input(self, scale: float = 1.0) -> np.ndarray:
        return (self.rng.standard_normal(self.input_shape) * scale).astype(np.float32)

    # -- initializers ------------------------------------------------------
    def const(self, arr, name: str | None = None, dtype=np.float32) -> str:
        name = name or self._fresh("const")
        self.inits.append(numpy_helper.from_array(np.asarray(arr, dtype=dtype), name))
        return name

    def ints(self, values, name: str | None = None) -> str:
        return self.const(np.asarray(values, dtype=np.int64), name or self._fresh("ints"), np.int64)

    def weight(self, shape, fan_in: int | None = None, name: str | None = None) -> str:
        fan_in = fan_in or int(np.prod(shape[1:]))
        w = self.rng.standard_normal(shape) / math.sqrt(fan_in)
        return self.const(w, name or self._fresh("W"))

    def bias(self, n: int, scale: float = 0.1, name: str | None = None) -> str:
        return self.const(self.rng.uniform(-scale, scale, [n]), name or self._fresh("B"))

    def rand(self, shape, lo=-1.0, hi=1.0, name: str | None = None) -> str:
        return self.const(self.rng.uniform(lo, hi, shape), name or self._fresh("C"))

    # -- nodes -------------------------------------------------------------
    def op(self, op_type: str, inputs: list[str], n_out: int = 1, **attrs):
        outs = [self._fresh(op_type.lower()) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op_type, inputs, outs,
                                           name=self._fresh(op_type), **attrs))
        return outs[0] if n_out == 1 else outs

    def conv(self, x: str, cin: int, cout: int, k, group: int = 1, bias: bool = True, **attrs) -> str:
        kh, kw = (k, k) if isinstance(k, int) else k
        w = self.weight([cout, cin // group, kh, kw])
        ins = [x, w] + ([self.bias(cout)] if bias else [])
        if group != 1:
            attrs["group"] = group
        return self.op("Conv", ins, **attrs)

    def model(self, output: str, x: np.ndarray) -> tuple[onnx.ModelProto, np.ndarray, None]:
        # The last tensor becomes the graph output called "output".
        for n in self.nodes:
            for i, o in enumerate(n.output):
                if o == output:
                    n.output[i] = "output"
            for i, v in enumerate(n.input):
                if v == output:
                    n.input[i] = "output"
        graph = helper.make_graph(
            self.nodes, self.name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, self.input_shape)],
            [helper.make_tensor_value_info("output", TensorProto.FLOAT, None)],
            initializer=self.inits,
        )
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)],
                              ir_version=IR_FOR_OPSET[self.opset], producer_name=PRODUCER)
        assert list(x.shape) == self.input_shape
        return m, x, None


# ---------------------------------------------------------------------------
# Conv
# ---------------------------------------------------------------------------

@case("conv_basic", "Conv 3x3, pads 1, with bias (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 3, 8, 8])
    y = g.conv("input", 3, 8, 3, kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    return g.model(y, g.uniform_input())


@case("conv_stride2_nobias", "Conv 3x3 stride 2 pads 1, no bias input (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 4, 9, 9])
    y = g.conv("input", 4, 6, 3, bias=False, kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    return g.model(y, g.uniform_input())


@case("conv_dilation2", "Conv 3x3 dilations 2, pads 2 (opset 9)")
def _(c):
    g = G(c.name, 9, [1, 3, 10, 10])
    y = g.conv("input", 3, 4, 3, kernel_shape=[3, 3], dilations=[2, 2], pads=[2, 2, 2, 2])
    return g.model(y, g.uniform_input())


@case("conv_groups", "Grouped Conv group=2 (8->6 channels), pads 1 (opset 12)")
def _(c):
    g = G(c.name, 12, [1, 8, 7, 7])
    y = g.conv("input", 8, 6, 3, group=2, kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    return g.model(y, g.uniform_input())


@case("conv_depthwise", "Depthwise Conv group=C=8, 3x3 pads 1, bias (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 8, 8, 8])
    y = g.conv("input", 8, 8, 3, group=8, kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    return g.model(y, g.uniform_input())


@case("conv_depthwise_multiplier", "Depthwise Conv with channel multiplier 2 (group=4, 4->8), stride 2 (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 4, 9, 9])
    y = g.conv("input", 4, 8, 3, group=4, kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    return g.model(y, g.uniform_input())


@case("conv_asym_pads", "Conv 3x3 asymmetric pads [top0,left1,bottom1,right2] (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 3, 7, 7])
    y = g.conv("input", 3, 4, 3, kernel_shape=[3, 3], pads=[0, 1, 1, 2])
    return g.model(y, g.uniform_input())


@case("conv_autopad_same_upper", "Conv auto_pad=SAME_UPPER stride 2 on even size (extra pad at end) (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 3, 8, 8])
    y = g.conv("input", 3, 4, 3, kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER")
    return g.model(y, g.uniform_input())


@case("conv_autopad_same_lower", "Conv auto_pad=SAME_LOWER stride 2 on even size (extra pad at start) (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 3, 8, 8])
    y = g.conv("input", 3, 4, 3, kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_LOWER")
    return g.model(y, g.uniform_input())


@case("conv_autopad_valid", "Conv auto_pad=VALID (no padding) (opset 9)")
def _(c):
    g = G(c.name, 9, [1, 3, 7, 7])
    y = g.conv("input", 3, 4, 3, kernel_shape=[3, 3], auto_pad="VALID")
    return g.model(y, g.uniform_input())


@case("conv_1x1", "Pointwise Conv 1x1 16->8 with bias, no kernel_shape attribute (inferred from W) (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 16, 6, 6])
    y = g.conv("input", 16, 8, 1)
    return g.model(y, g.uniform_input())


@case("conv_5x5_rect", "Conv rectangular kernel 5x3, strides [2,1], pads [2,1,2,1] on 11x9 input (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 3, 11, 9])
    y = g.conv("input", 3, 4, (5, 3), kernel_shape=[5, 3], strides=[2, 1], pads=[2, 1, 2, 1])
    return g.model(y, g.uniform_input())


# Dense convolutions large enough for the native AVX-512 kernel (XNNPACKLowering.prefersNativeConvolution):
# every channel-block width (64, 48, 32, 16 lanes), partial last vectors, batch 2, strides, dilations,
# asymmetric pads and fused clamps.
@case("conv_native_tails", "Conv 3x3 16->70 stride 2, asymmetric pads, batch 2, then Relu (blocks of 64 and 6 channels) (opset 13)")
def _(c):
    g = G(c.name, 13, [2, 16, 11, 13])
    y = g.conv("input", 16, 70, 3, kernel_shape=[3, 3], strides=[2, 2], pads=[1, 0, 0, 1])
    return g.model(g.op("Relu", [y]), g.uniform_input())


@case("conv_native_dilated", "Conv 3x3 8->40 dilations 2 pads 2, then Clip(0,6) (a block of 40 channels) (opset 9)")
def _(c):
    g = G(c.name, 9, [1, 8, 10, 10])
    y = g.conv("input", 8, 40, 3, kernel_shape=[3, 3], dilations=[2, 2], pads=[2, 2, 2, 2])
    return g.model(g.op("Clip", [y], min=0.0, max=6.0), g.uniform_input(2.0))


@case("conv_native_rect", "Conv 3x5 12->24 strides [1,2] pads [1,2,0,1], no bias (a block of 24 channels) (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 12, 9, 15])
    y = g.conv("input", 12, 24, (3, 5), bias=False, kernel_shape=[3, 5], strides=[1, 2], pads=[1, 2, 0, 1])
    return g.model(y, g.uniform_input())


@case("conv_native_stem", "Conv 7x7 3->64 stride 2 pads 3 (a ResNet stem), then Relu (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 3, 32, 32])
    y = g.conv("input", 3, 64, 7, kernel_shape=[7, 7], strides=[2, 2], pads=[3, 3, 3, 3])
    return g.model(g.op("Relu", [y]), g.normal_input())


@case("conv_native_wide", "Conv 3x3 40->136 pads 1 (blocks of 64, 64 and 8 channels) (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 40, 7, 6])
    y = g.conv("input", 40, 136, 3, kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    return g.model(y, g.uniform_input())


# ---------------------------------------------------------------------------
# Gemm / MatMul
# ---------------------------------------------------------------------------

@case("gemm_transb", "Gemm transB=1 with bias C[N] (PyTorch Linear), [1,32]x[16,32]^T (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 32])
    y = g.op("Gemm", ["input", g.weight([16, 32]), g.bias(16)], transB=1)
    return g.model(y, g.uniform_input())


@case("gemm_transa_alpha_beta", "Gemm transA=1 (input [K=24,1]), alpha=0.5, beta=2.0, C shape [N] (opset 13)")
def _(c):
    g = G(c.name, 13, [24, 1])
    y = g.op("Gemm", ["input", g.weight([24, 10], fan_in=24), g.bias(10, 0.5)],
             transA=1, alpha=0.5, beta=2.0)
    return g.model(y, g.uniform_input())


@case("gemm_c_scalar", "Gemm with C of shape [1] broadcast to [1,N], transB=1 (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 20])
    y = g.op("Gemm", ["input", g.weight([12, 20]), g.const([0.375])], transB=1)
    return g.model(y, g.uniform_input())


@case("gemm_c_2d", "Gemm with C of shape [1,N], no transpose (B is [K,N]), beta=0.5 (opset 9)")
def _(c):
    g = G(c.name, 9, [1, 20])
    y = g.op("Gemm", ["input", g.weight([20, 12], fan_in=20), g.rand([1, 12])], beta=0.5)
    return g.model(y, g.uniform_input())


@case("gemm_no_c", "Gemm without the optional C input, transB=1 (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 20])
    y = g.op("Gemm", ["input", g.weight([12, 20])], transB=1)
    return g.model(y, g.uniform_input())


@case("matmul_const", "MatMul input [1,K=32] @ const [K,N=16] (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 32])
    y = g.op("MatMul", ["input", g.weight([32, 16], fan_in=32)])
    return g.model(y, g.uniform_input())


@case("matmul_const_3d", "MatMul input [1,S=5,K=24] @ const [K,N=12] (batched left operand) (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 5, 24])
    y = g.op("MatMul", ["input", g.weight([24, 12], fan_in=24)])
    return g.model(y, g.uniform_input())


@case("matmul_add_linear", "MatMul + Add bias (PyTorch Linear on a >2-D tensor) on [1,4,16] (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 4, 16])
    y = g.op("MatMul", ["input", g.weight([16, 8], fan_in=16)])
    y = g.op("Add", [g.bias(8), y])
    return g.model(y, g.uniform_input())


# ---------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------

ACT_SHAPE = [1, 4, 6, 6]


@case("relu", "Relu (opset 14)")
def _(c):
    g = G(c.name, 14, ACT_SHAPE)
    return g.model(g.op("Relu", ["input"]), g.normal_input())


@case("clip_opset9", "Clip with min/max attributes (-0.5, 0.5) (opset 9)")
def _(c):
    g = G(c.name, 9, ACT_SHAPE)
    return g.model(g.op("Clip", ["input"], min=-0.5, max=0.5), g.normal_input())


@case("clip_opset11", "Clip with min/max as constant initializer inputs (-0.3, 0.8) (opset 11)")
def _(c):
    g = G(c.name, 11, ACT_SHAPE)
    y = g.op("Clip", ["input", g.const(np.float32(-0.3), "min"), g.const(np.float32(0.8), "max")])
    return g.model(y, g.normal_input())


@case("relu6", "Clip 0..6 via inputs (ReLU6), input scaled to exceed 6 (opset 11)")
def _(c):
    g = G(c.name, 11, ACT_SHAPE)
    y = g.op("Clip", ["input", g.const(np.float32(0.0), "min"), g.const(np.float32(6.0), "max")])
    return g.model(y, g.normal_input(4.0))


@case("clip_min_only", "Clip with only the min input (max omitted) (opset 13)")
def _(c):
    g = G(c.name, 13, ACT_SHAPE)
    y = g.op("Clip", ["input", g.const(np.float32(-0.25), "min")])
    return g.model(y, g.normal_input())


@case("clip_max_only", "Clip with empty min input name and only max (opset 12)")
def _(c):
    g = G(c.name, 12, ACT_SHAPE)
    y = g.op("Clip", ["input", "", g.const(np.float32(0.4), "max")])
    return g.model(y, g.normal_input())


@case("leaky_relu", "LeakyRelu alpha=0.1 (opset 16)")
def _(c):
    g = G(c.name, 16, ACT_SHAPE)
    return g.model(g.op("LeakyRelu", ["input"], alpha=0.1), g.normal_input())


@case("sigmoid", "Sigmoid (opset 13)")
def _(c):
    g = G(c.name, 13, ACT_SHAPE)
    return g.model(g.op("Sigmoid", ["input"]), g.normal_input(3.0))


@case("hard_sigmoid", "HardSigmoid with default attributes (alpha=0.2, beta=0.5 not written) (opset 9)")
def _(c):
    g = G(c.name, 9, ACT_SHAPE)
    return g.model(g.op("HardSigmoid", ["input"]), g.normal_input(4.0))


@case("hard_sigmoid_custom", "HardSigmoid alpha=0.3 beta=0.4 (opset 13)")
def _(c):
    g = G(c.name, 13, ACT_SHAPE)
    return g.model(g.op("HardSigmoid", ["input"], alpha=0.3, beta=0.4), g.normal_input(4.0))


@case("hard_swish", "HardSwish, input scaled to cover both saturation regions (opset 14)")
def _(c):
    g = G(c.name, 14, ACT_SHAPE)
    return g.model(g.op("HardSwish", ["input"]), g.normal_input(4.0))


@case("tanh", "Tanh (opset 13)")
def _(c):
    g = G(c.name, 13, ACT_SHAPE)
    return g.model(g.op("Tanh", ["input"]), g.normal_input(2.0))


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------

@case("maxpool_3x3_s2_p1", "MaxPool 3x3 stride 2 pads 1 (ResNet stem) (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 4, 10, 10])
    y = g.op("MaxPool", ["input"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    return g.model(y, g.normal_input())


@case("maxpool_2x2", "MaxPool 2x2 stride 2 (opset 9)")
def _(c):
    g = G(c.name, 9, [1, 4, 8, 8])
    y = g.op("MaxPool", ["input"], kernel_shape=[2, 2], strides=[2, 2])
    return g.model(y, g.normal_input())


@case("maxpool_ceil_mode", "MaxPool 3x3 stride 2 ceil_mode=1 on 8x8 (4x4 out instead of 3x3) (opset 10)")
def _(c):
    g = G(c.name, 10, [1, 4, 8, 8])
    y = g.op("MaxPool", ["input"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)
    return g.model(y, g.normal_input())


@case("maxpool_dilations", "MaxPool 2x2 dilations 2 stride 1 (opset 10)")
def _(c):
    g = G(c.name, 10, [1, 4, 7, 7])
    y = g.op("MaxPool", ["input"], kernel_shape=[2, 2], dilations=[2, 2], strides=[1, 1])
    return g.model(y, g.normal_input())


@case("maxpool_same_upper", "MaxPool 3x3 stride 2 auto_pad=SAME_UPPER (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 4, 8, 8])
    y = g.op("MaxPool", ["input"], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER")
    return g.model(y, g.normal_input())


@case("maxpool_pads_negative_input", "MaxPool 3x3 stride 1 pads 1 on all-negative input (padding must act as -inf, not 0) (opset 12)")
def _(c):
    g = G(c.name, 12, [1, 2, 5, 5])
    y = g.op("MaxPool", ["input"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    x = (-np.abs(g.normal_input()) - 0.1).astype(np.float32)
    return g.model(y, x)


@case("avgpool_count_include_pad0", "AveragePool 3x3 stride 1 pads 1, count_include_pad=0 (default) (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 4, 6, 6])
    y = g.op("AveragePool", ["input"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    return g.model(y, g.normal_input())


@case("avgpool_count_include_pad1", "AveragePool 3x3 stride 2 pads 1, count_include_pad=1 (opset 10)")
def _(c):
    g = G(c.name, 10, [1, 4, 7, 7])
    y = g.op("AveragePool", ["input"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
             count_include_pad=1)
    return g.model(y, g.normal_input())


@case("avgpool_2x2", "AveragePool 2x2 stride 2, no padding (opset 9)")
def _(c):
    g = G(c.name, 9, [1, 4, 8, 8])
    y = g.op("AveragePool", ["input"], kernel_shape=[2, 2], strides=[2, 2])
    return g.model(y, g.normal_input())


@case("pool_1x1_windows", "AveragePool 1x1 stride 1 (AlexNet's export), then MaxPool 1x1 stride 2 (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 5, 7, 6])
    y = g.op("AveragePool", ["input"], kernel_shape=[1, 1])
    y = g.op("MaxPool", [y], kernel_shape=[1, 1], strides=[2, 2])
    return g.model(y, g.normal_input())


@case("global_avgpool", "GlobalAveragePool on non-square 5x7 (opset 9)")
def _(c):
    g = G(c.name, 9, [1, 8, 5, 7])
    return g.model(g.op("GlobalAveragePool", ["input"]), g.normal_input())


# ---------------------------------------------------------------------------
# Element-wise binary / variadic
# ---------------------------------------------------------------------------

EW_SHAPE = [1, 4, 5, 6]


@case("add_same_shape", "Add of two computed same-shape tensors: x + Relu(x) (opset 13)")
def _(c):
    g = G(c.name, 13, EW_SHAPE)
    y = g.op("Add", ["input", g.op("Relu", ["input"])])
    return g.model(y, g.normal_input())


@case("add_broadcast_channel", "Add x[1,C,H,W] + const[C,1,1] (per-channel bias broadcast) (opset 11)")
def _(c):
    g = G(c.name, 11, EW_SHAPE)
    y = g.op("Add", ["input", g.rand([4, 1, 1])])
    return g.model(y, g.normal_input())


@case("add_broadcast_scalar", "Add x + rank-0 scalar constant (opset 13)")
def _(c):
    g = G(c.name, 13, EW_SHAPE)
    y = g.op("Add", ["input", g.const(np.float32(0.75))])
    return g.model(y, g.normal_input())


@case("sub_const_left", "Sub const[C,1,1] - x (constant on the left, broadcast) (opset 13)")
def _(c):
    g = G(c.name, 13, EW_SHAPE)
    y = g.op("Sub", [g.rand([4, 1, 1]), "input"])
    return g.model(y, g.normal_input())


@case("sub_const_right", "Sub x - const[1,C,H,W] (same shape constant) (opset 9)")
def _(c):
    g = G(c.name, 9, EW_SHAPE)
    y = g.op("Sub", ["input", g.rand(EW_SHAPE)])
    return g.model(y, g.normal_input())


@case("mul_broadcast", "Mul x * const[1,C,1,1] (opset 11)")
def _(c):
    g = G(c.name, 11, EW_SHAPE)
    y = g.op("Mul", ["input", g.rand([1, 4, 1, 1], -2.0, 2.0)])
    return g.model(y, g.normal_input())


@case("div_const", "Div x / const[C,1,1] (divisor magnitudes in [0.5,2]) (opset 13)")
def _(c):
    g = G(c.name, 13, EW_SHAPE)
    d = g.rng.uniform(0.5, 2.0, [4, 1, 1]) * g.rng.choice([-1.0, 1.0], [4, 1, 1])
    y = g.op("Div", ["input", g.const(d)])
    return g.model(y, g.normal_input())


@case("div_const_left", "Div const[1] / (Sigmoid(x) + 0.5): constant numerator broadcast over a computed tensor (opset 14)")
def _(c):
    g = G(c.name, 14, EW_SHAPE)
    s = g.op("Add", [g.op("Sigmoid", ["input"]), g.const([0.5])])
    y = g.op("Div", [g.const([1.5]), s])
    return g.model(y, g.normal_input())


@case("sum_three", "Sum of 3 same-shape tensors: x, Relu(x), Sigmoid(x) (opset 13)")
def _(c):
    g = G(c.name, 13, EW_SHAPE)
    y = g.op("Sum", ["input", g.op("Relu", ["input"]), g.op("Sigmoid", ["input"])])
    return g.model(y, g.normal_input())


@case("sum_broadcast", "Sum of x, Relu(x) and const[C,1,1] (multidirectional broadcast in Sum) (opset 9)")
def _(c):
    g = G(c.name, 9, EW_SHAPE)
    y = g.op("Sum", ["input", g.op("Relu", ["input"]), g.rand([4, 1, 1])])
    return g.model(y, g.normal_input())


@case("mul_two_branches", "Mul of two computed branches: Tanh(x) * Sigmoid(x) (opset 13)")
def _(c):
    g = G(c.name, 13, EW_SHAPE)
    y = g.op("Mul", [g.op("Tanh", ["input"]), g.op("Sigmoid", ["input"])])
    return g.model(y, g.normal_input())


@case("add_broadcast_rank_mismatch", "Add x[1,C,H,W] + const[W] (lower-rank right-aligned broadcast) (opset 13)")
def _(c):
    g = G(c.name, 13, EW_SHAPE)
    y = g.op("Add", ["input", g.rand([6])])
    return g.model(y, g.normal_input())


@case("add_broadcast_both", "Add x[1,C,H,1] + const[1,1,1,W] -> [1,C,H,W] (both operands broadcast) (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 4, 5, 1])
    y = g.op("Add", ["input", g.rand([1, 1, 1, 6])])
    return g.model(y, g.normal_input())


# ---------------------------------------------------------------------------
# Shape / layout ops
# ---------------------------------------------------------------------------

@case("concat_channels", "Concat axis=1 of two Conv branches (1x1 and 3x3) (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 4, 6, 6])
    a = g.conv("input", 4, 3, 1, kernel_shape=[1, 1])
    b = g.conv("input", 4, 5, 3, kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    return g.model(g.op("Concat", [a, b], axis=1), g.uniform_input())


@case("concat_three", "Concat axis=1 of x, Relu(x), Sigmoid(x) (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 3, 4, 5])
    y = g.op("Concat", ["input", g.op("Relu", ["input"]), g.op("Sigmoid", ["input"])], axis=1)
    return g.model(y, g.normal_input())


@case("concat_negative_axis", "Concat axis=-2 (height) of x and a constant [1,C,2,W] (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 3, 4, 5])
    y = g.op("Concat", ["input", g.rand([1, 3, 2, 5])], axis=-2)
    return g.model(y, g.normal_input())


@case("flatten_axis1", "Flatten axis=1 (default) [1,4,3,5] -> [1,60] (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 4, 3, 5])
    return g.model(g.op("Flatten", ["input"]), g.normal_input())


@case("flatten_axis2", "Flatten axis=2 [1,4,3,5] -> [4,15] (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 4, 3, 5])
    return g.model(g.op("Flatten", ["input"], axis=2), g.normal_input())


@case("flatten_axis0", "Flatten axis=0 [1,4,3,5] -> [1,60] (opset 9)")
def _(c):
    g = G(c.name, 9, [1, 4, 3, 5])
    return g.model(g.op("Flatten", ["input"], axis=0), g.normal_input())


@case("reshape_const", "Reshape with shape initializer [0,-1,6] (0 = copy dim, -1 = infer) [1,4,6,6]->[1,24,6] (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 4, 6, 6])
    y = g.op("Reshape", ["input", g.ints([0, -1, 6], "shape")])
    return g.model(y, g.normal_input())


@case("transpose_channel_shuffle", "ShuffleNet channel shuffle: Reshape [1,g,C/g,H,W] -> Transpose [0,2,1,3,4] -> Reshape [1,C,H,W] (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 8, 4, 4])
    y = g.op("Reshape", ["input", g.ints([1, 2, 4, 4, 4], "shape5d")])
    y = g.op("Transpose", [y], perm=[0, 2, 1, 3, 4])
    y = g.op("Reshape", [y, g.ints([1, 8, 4, 4], "shape4d")])
    return g.model(y, g.normal_input())


@case("transpose_general", "Transpose perm [0,2,3,1] (NCHW -> NHWC) (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 4, 3, 5])
    return g.model(g.op("Transpose", ["input"], perm=[0, 2, 3, 1]), g.normal_input())


@case("transpose_default_perm", "Transpose without perm attribute (reverses all axes) (opset 9)")
def _(c):
    g = G(c.name, 9, [1, 4, 3, 5])
    return g.model(g.op("Transpose", ["input"]), g.normal_input())


@case("softmax_opset11", "Softmax on [1,10] with default axis (=1 before opset 13) (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 10])
    return g.model(g.op("Softmax", ["input"]), g.normal_input(2.0))


@case("softmax_opset11_4d", "Softmax axis=1 on [1,C,H,W] at opset 11: coerced to 2-D, normalises over all C*H*W (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 4, 3, 3])
    return g.model(g.op("Softmax", ["input"], axis=1), g.normal_input(2.0))


@case("softmax_opset13", "Softmax on [1,10] with default axis (=-1 from opset 13) (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 10])
    return g.model(g.op("Softmax", ["input"]), g.normal_input(2.0))


@case("softmax_axis1_4d", "Softmax axis=1 on [1,C,H,W] at opset 13: per-pixel over channels only (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 4, 3, 3])
    return g.model(g.op("Softmax", ["input"], axis=1), g.normal_input(2.0))


@case("batchnorm_standalone", "BatchNormalization directly on the graph input (not after a Conv) (opset 9)")
def _(c):
    g = G(c.name, 9, [1, 4, 5, 5])
    scale = g.rand([4], 0.5, 1.5)
    b = g.rand([4], -0.2, 0.2)
    mean = g.rand([4], -0.3, 0.3)
    var = g.rand([4], 0.5, 2.0)
    y = g.op("BatchNormalization", ["input", scale, b, mean, var], epsilon=1e-5)
    return g.model(y, g.normal_input())


def _conv_bn(g: G, x: str, cin: int, cout: int) -> str:
    y = g.conv(x, cin, cout, 3, kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    return g.op("BatchNormalization", [y, g.rand([cout], 0.5, 1.5), g.rand([cout], -0.2, 0.2),
                                       g.rand([cout], -0.3, 0.3), g.rand([cout], 0.5, 2.0)],
                epsilon=1e-3)


@case("conv_bn", "Conv 3x3 followed by BatchNormalization (epsilon 1e-3) - foldable pattern (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 3, 6, 6])
    return g.model(_conv_bn(g, "input", 3, 8), g.uniform_input())


@case("conv_bn_relu", "Conv 3x3 + BatchNormalization + Relu (opset 15)")
def _(c):
    g = G(c.name, 15, [1, 3, 6, 6])
    return g.model(g.op("Relu", [_conv_bn(g, "input", 3, 8)]), g.uniform_input())


@case("pad_opset9_constant", "Pad with pads attribute [0,0,1,2,0,0,2,1], mode constant value=0.5 (opset 9)")
def _(c):
    g = G(c.name, 9, [1, 3, 4, 5])
    y = g.op("Pad", ["input"], pads=[0, 0, 1, 2, 0, 0, 2, 1], mode="constant", value=0.5)
    return g.model(y, g.normal_input())


@case("pad_opset11_constant", "Pad with pads input [0,0,2,1,0,0,1,2] and constant_value input 0.25 (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 3, 4, 5])
    y = g.op("Pad", ["input", g.ints([0, 0, 2, 1, 0, 0, 1, 2], "pads"),
                     g.const(np.float32(0.25), "constant_value")])
    return g.model(y, g.normal_input())


@case("pad_opset13_zero", "Pad with pads input only (constant_value omitted -> 0), mode attribute absent (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 3, 4, 5])
    y = g.op("Pad", ["input", g.ints([0, 0, 1, 1, 0, 0, 1, 1], "pads")])
    return g.model(y, g.normal_input())


@case("pad_reflect", "Pad mode=reflect, pads [0,0,2,1,0,0,1,2] (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 3, 4, 5])
    y = g.op("Pad", ["input", g.ints([0, 0, 2, 1, 0, 0, 1, 2], "pads")], mode="reflect")
    return g.model(y, g.normal_input())


@case("pad_edge", "Pad mode=edge, pads [0,0,1,2,0,0,2,1] (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 3, 4, 5])
    y = g.op("Pad", ["input", g.ints([0, 0, 1, 2, 0, 0, 2, 1], "pads")], mode="edge")
    return g.model(y, g.normal_input())


@case("pad_opset9_reflect", "Pad with pads attribute, mode=reflect (opset 9)")
def _(c):
    g = G(c.name, 9, [1, 3, 4, 5])
    y = g.op("Pad", ["input"], pads=[0, 0, 1, 1, 0, 0, 2, 2], mode="reflect")
    return g.model(y, g.normal_input())


@case("lrn", "LRN size=5 alpha=1e-4 beta=0.75 bias=2 (AlexNet/GoogLeNet settings) (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 8, 5, 5])
    y = g.op("LRN", ["input"], size=5, alpha=1e-4, beta=0.75, bias=2.0)
    return g.model(y, g.normal_input())


@case("lrn_size3_strong", "LRN size=3 alpha=1.0 beta=0.75 bias=1 (normalisation term dominates; edge channels) (opset 9)")
def _(c):
    g = G(c.name, 9, [1, 6, 4, 4])
    y = g.op("LRN", ["input"], size=3, alpha=1.0, beta=0.75, bias=1.0)
    return g.model(y, g.normal_input(2.0))


@case("dropout_identity_opset9", "Dropout (ratio attribute, inference = identity) + Identity + Relu (opset 9)")
def _(c):
    g = G(c.name, 9, EW_SHAPE)
    y = g.op("Dropout", ["input"], ratio=0.5)
    y = g.op("Identity", [y])
    return g.model(g.op("Relu", [y]), g.normal_input())


@case("dropout_identity_opset13", "Dropout with ratio input and both outputs (mask unused) + Identity + Relu (opset 13)")
def _(c):
    g = G(c.name, 13, EW_SHAPE)
    y, _mask = g.op("Dropout", ["input", g.const(np.float32(0.3), "ratio")], n_out=2)
    y = g.op("Identity", [y])
    return g.model(g.op("Relu", [y]), g.normal_input())


@case("constant_node", "Constant node (value tensor [C,1,1]) feeding Add (opset 11)")
def _(c):
    g = G(c.name, 11, EW_SHAPE)
    val = numpy_helper.from_array(g.rng.uniform(-1, 1, [4, 1, 1]).astype(np.float32), "cval")
    k = g.op("Constant", [], value=val)
    return g.model(g.op("Add", ["input", k]), g.normal_input())


@case("constant_node_value_float", "Constant node with value_float attribute (scalar) feeding Mul (opset 13)")
def _(c):
    g = G(c.name, 13, EW_SHAPE)
    k = g.op("Constant", [], value_float=1.75)
    return g.model(g.op("Mul", [k, "input"]), g.normal_input())


def _shape_gather_flatten(g: G, axes_as_input: bool) -> str:
    shp = g.op("Shape", ["input"])
    idx = g.op("Constant", [], value=numpy_helper.from_array(np.array(0, dtype=np.int64), "idx"))
    n = g.op("Gather", [shp, idx], axis=0)
    if axes_as_input:
        axes = g.op("Constant", [], value=numpy_helper.from_array(np.array([0], dtype=np.int64), "axes"))
        n1 = g.op("Unsqueeze", [n, axes])
    else:
        n1 = g.op("Unsqueeze", [n], axes=[0])
    minus1 = g.op("Constant", [], value=numpy_helper.from_array(np.array([-1], dtype=np.int64), "m1"))
    shape = g.op("Concat", [n1, minus1], axis=0)
    return g.op("Reshape", ["input", shape])


@case("shape_gather_flatten_opset11", "x.view(x.size(0), -1): Shape->Gather(0)->Unsqueeze(axes attr)->Concat[-1]->Reshape (opset 11)")
def _(c):
    g = G(c.name, 11, [1, 4, 3, 3])
    return g.model(_shape_gather_flatten(g, False), g.normal_input())


@case("shape_gather_flatten_opset13", "x.view(x.size(0), -1): Shape->Gather(0)->Unsqueeze(axes input)->Concat[-1]->Reshape (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 4, 3, 3])
    return g.model(_shape_gather_flatten(g, True), g.normal_input())


@case("constant_of_shape", "Shape(x) -> ConstantOfShape(value 0.5) -> Add with x (opset 11)")
def _(c):
    g = G(c.name, 11, EW_SHAPE)
    shp = g.op("Shape", ["input"])
    k = g.op("ConstantOfShape", [shp], value=numpy_helper.from_array(np.array([0.5], np.float32), "v"))
    return g.model(g.op("Add", ["input", k]), g.normal_input())


@case("unsqueeze_squeeze_opset11", "Constant folding: const[C] -Unsqueeze(axes=[1,2])-> [C,1,1] Add; const[1,C,1,1] -Squeeze(axes=[0])-> Mul (opset 11)")
def _(c):
    g = G(c.name, 11, EW_SHAPE)
    b = g.op("Unsqueeze", [g.rand([4])], axes=[1, 2])
    s = g.op("Squeeze", [g.rand([1, 4, 1, 1], 0.5, 1.5)], axes=[0])
    y = g.op("Add", ["input", b])
    return g.model(g.op("Mul", [y, s]), g.normal_input())


@case("unsqueeze_squeeze_opset13", "Constant folding with axes as inputs: Unsqueeze(const[C], [1,2]) Add; Squeeze(const[1,C,1,1], [0]) Mul (opset 13)")
def _(c):
    g = G(c.name, 13, EW_SHAPE)
    b = g.op("Unsqueeze", [g.rand([4]), g.ints([1, 2])])
    s = g.op("Squeeze", [g.rand([1, 4, 1, 1], 0.5, 1.5), g.ints([0])])
    y = g.op("Add", ["input", b])
    return g.model(g.op("Mul", [y, s]), g.normal_input())


@case("squeeze_runtime", "Unsqueeze/Squeeze on the activation: [1,C,W] -Unsqueeze(2)-> Relu -Squeeze(no axes: all 1-dims)-> [C,W] (opset 13)")
def _(c):
    g = G(c.name, 13, [1, 4, 6])
    y = g.op("Unsqueeze", ["input", g.ints([2])])
    y = g.op("Relu", [y])
    return g.model(g.op("Squeeze", [y]), g.normal_input())


@case("gap_flatten_gemm", "Classifier head: GlobalAveragePool -> Flatten -> Gemm(transB) (opset 9)")
def _(c):
    g = G(c.name, 9, [1, 16, 4, 4])
    y = g.op("Flatten", [g.op("GlobalAveragePool", ["input"])], axis=1)
    y = g.op("Gemm", [y, g.weight([10, 16]), g.bias(10)], transB=1)
    return g.model(y, g.normal_input())


# ---------------------------------------------------------------------------
# PyTorch-exported CNN families
# ---------------------------------------------------------------------------

def _torch():
    import torch  # noqa: F401  (imported lazily: single-op cases do not need it)
    return torch


def _torch_modules():
    torch = _torch()
    nn = torch.nn
    F = torch.nn.functional

    def cbr(cin, cout, k=3, s=1, g=1, act=nn.ReLU):
        return [nn.Conv2d(cin, cout, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(cout)] + \
            ([act()] if act else [])

    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.body = nn.Sequential(*cbr(cin, cout, 3, stride), *cbr(cout, cout, 3, 1, act=None))
            self.down = None
            if stride != 1 or cin != cout:
                self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
            self.relu = nn.ReLU()

        def forward(self, x):
            idt = x if self.down is None else self.down(x)
            return self.relu(self.body(x) + idt)

    class ResNetBlock(nn.Module):
        def __init__(self, num_classes=10):
            super().__init__()
            self.stem = nn.Sequential(*cbr(3, 16, 3, 1), nn.MaxPool2d(3, 2, 1))
            self.b1 = BasicBlock(16, 16, 1)
            self.b2 = BasicBlock(16, 32, 2)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(32, num_classes)

        def forward(self, x):
            x = self.b2(self.b1(self.stem(x)))
            return self.fc(torch.flatten(self.pool(x), 1))

    class InvertedResidual(nn.Module):
        def __init__(self, cin, cout, stride, t):
            super().__init__()
            hid = cin * t
            self.use_res = stride == 1 and cin == cout
            self.conv = nn.Sequential(*cbr(cin, hid, 1, act=nn.ReLU6), *cbr(hid, hid, 3, stride, g=hid, act=nn.ReLU6),
                                      *cbr(hid, cout, 1, act=None))

        def forward(self, x):
            return x + self.conv(x) if self.use_res else self.conv(x)

    class MobileNetV2Block(nn.Module):
        def __init__(self, num_classes=10):
            super().__init__()
            self.features = nn.Sequential(*cbr(3, 16, 3, 2, act=nn.ReLU6),
                                          InvertedResidual(16, 16, 1, 6),
                                          InvertedResidual(16, 24, 2, 6),
                                          InvertedResidual(24, 24, 1, 6),
                                          *cbr(24, 64, 1, act=nn.ReLU6))
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(64, num_classes))

        def forward(self, x):
            return self.classifier(torch.flatten(self.pool(self.features(x)), 1))

    class Fire(nn.Module):
        def __init__(self, cin, sq, e1, e3):
            super().__init__()
            self.squeeze = nn.Sequential(nn.Conv2d(cin, sq, 1), nn.ReLU(inplace=True))
            self.e1 = nn.Sequential(nn.Conv2d(sq, e1, 1), nn.ReLU(inplace=True))
            self.e3 = nn.Sequential(nn.Conv2d(sq, e3, 3, padding=1), nn.ReLU(inplace=True))

        def forward(self, x):
            x = self.squeeze(x)
            return torch.cat([self.e1(x), self.e3(x)], 1)

    class SqueezeNetFire(nn.Module):
        def __init__(self, num_classes=10):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(3, 32, 3, 2), nn.ReLU(inplace=True),
                                          nn.MaxPool2d(3, 2, ceil_mode=True),
                                          Fire(32, 8, 16, 16), Fire(32, 8, 16, 16),
                                          nn.MaxPool2d(3, 2, ceil_mode=True),
                                          Fire(32, 12, 24, 24))
            self.classifier = nn.Sequential(nn.Dropout(0.5), nn.Conv2d(48, num_classes, 1),
                                            nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1))

        def forward(self, x):
            return torch.flatten(self.classifier(self.features(x)), 1)

    def channel_shuffle(x, groups):
        b, c, h, w = x.size()
        x = x.view(b, groups, c // groups, h, w)
        x = torch.transpose(x, 1, 2).contiguous()
        return x.view(b, c, h, w)

    class ShuffleUnit(nn.Module):
        """ShuffleNet v1 unit: gconv1x1-BN-ReLU, shuffle, dw3x3-BN, gconv1x1-BN, add/concat."""

        def __init__(self, cin, cout, groups, stride):
            super().__init__()
            self.stride, self.groups = stride, groups
            branch_out = cout - cin if stride == 2 else cout
            mid = cout // 4
            self.g1 = nn.Sequential(*cbr(cin, mid, 1, g=groups))
            self.dw = nn.Sequential(*cbr(mid, mid, 3, stride, g=mid, act=None))
            self.g2 = nn.Sequential(*cbr(mid, branch_out, 1, g=groups, act=None))
            self.pool = nn.AvgPool2d(3, 2, 1) if stride == 2 else None
            self.relu = nn.ReLU()

        def forward(self, x):
            y = self.g2(self.dw(channel_shuffle(self.g1(x), self.groups)))
            if self.stride == 2:
                return self.relu(torch.cat([self.pool(x), y], 1))
            return self.relu(x + y)

    class ShuffleNetUnit(nn.Module):
        def __init__(self, num_classes=10):
            super().__init__()
            self.stem = nn.Sequential(*cbr(3, 24, 3, 2))
            self.u1 = ShuffleUnit(24, 48, 2, 2)
            self.u2 = ShuffleUnit(48, 48, 2, 1)
            self.fc = nn.Linear(48, num_classes)

        def forward(self, x):
            x = self.u2(self.u1(self.stem(x)))
            x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
            return self.fc(x)

    class DenseLayer(nn.Module):
        def __init__(self, cin, growth):
            super().__init__()
            self.net = nn.Sequential(nn.BatchNorm2d(cin), nn.ReLU(), nn.Conv2d(cin, growth, 3, padding=1, bias=False))

        def forward(self, x):
            return torch.cat([x, self.net(x)], 1)

    class DenseNetBlock(nn.Module):
        def __init__(self, num_classes=10):
            super().__init__()
            self.stem = nn.Conv2d(3, 16, 3, padding=1, bias=False)
            self.block = nn.Sequential(DenseLayer(16, 8), DenseLayer(24, 8), DenseLayer(32, 8))
            self.trans = nn.Sequential(nn.BatchNorm2d(40), nn.ReLU(), nn.Conv2d(40, 20, 1, bias=False),
                                       nn.AvgPool2d(2, 2))
            self.norm = nn.BatchNorm2d(20)
            self.fc = nn.Linear(20, num_classes)

        def forward(self, x):
            x = F.relu(self.norm(self.trans(self.block(self.stem(x)))))
            x = F.adaptive_avg_pool2d(x, 1)
            return self.fc(x.view(x.size(0), -1))

    class LRNFn(torch.autograd.Function):
        """nn.LocalResponseNorm that exports as one ONNX LRN node (the legacy
        exporter otherwise decomposes it into Pow/Slice/If...)."""

        @staticmethod
        def forward(ctx, x, size, alpha, beta, k):
            return F.local_response_norm(x, size, alpha, beta, k)

        @staticmethod
        def symbolic(g, x, size, alpha, beta, k):
            return g.op("LRN", x, size_i=size, alpha_f=alpha, beta_f=beta, bias_f=k)

    class LRN(nn.LocalResponseNorm):
        def forward(self, x):
            return LRNFn.apply(x, self.size, self.alpha, self.beta, self.k)

    class Inception(nn.Module):
        def __init__(self, cin, c1, c3r, c3, c5r, c5, cp):
            super().__init__()
            self.b1 = nn.Sequential(nn.Conv2d(cin, c1, 1), nn.ReLU())
            self.b2 = nn.Sequential(nn.Conv2d(cin, c3r, 1), nn.ReLU(), nn.Conv2d(c3r, c3, 3, padding=1), nn.ReLU())
            self.b3 = nn.Sequential(nn.Conv2d(cin, c5r, 1), nn.ReLU(), nn.Conv2d(c5r, c5, 5, padding=2), nn.ReLU())
            self.b4 = nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(cin, cp, 1), nn.ReLU())

        def forward(self, x):
            return torch.cat([self.b1(x), self.b2(x), self.b3(x), self.b4(x)], 1)

    class InceptionLRN(nn.Module):
        def __init__(self, num_classes=10):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 24, 5, 2, 2), nn.ReLU(), nn.MaxPool2d(3, 2, 1),
                                      LRN(5, alpha=1e-4, beta=0.75, k=2.0))
            self.inc = Inception(24, 8, 8, 16, 4, 8, 8)
            self.fc = nn.Linear(40, num_classes)

        def forward(self, x):
            x = self.inc(self.stem(x))
            return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Flatten(), nn.Linear(64, 48), nn.ReLU(), nn.Linear(48, 10), nn.Softmax(dim=1))

        def forward(self, x):
            return self.net(x)

    class FMNISTCNN3(nn.Module):
        def __init__(self, c1, c2, c3):
            super().__init__()
            self.net = nn.Sequential(
                nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(),
                nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(c2, c3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Flatten(), nn.Linear(c3 * 7 * 7, 10))

        def forward(self, x):
            return self.net(x)

    class ViewNet(nn.Module):
        """Classic PyTorch head: x.view(x.size(0), -1). Exported with a dynamic
        batch axis this yields Shape->Gather->Unsqueeze->Concat->Reshape."""

        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
            self.fc = nn.Linear(8 * 4 * 4, 10)

        def forward(self, x):
            x = self.features(x)
            return torch.softmax(self.fc(x.view(x.size(0), -1)), dim=1)

    return dict(ViewNet=ViewNet, ResNetBlock=ResNetBlock, MobileNetV2Block=MobileNetV2Block, SqueezeNetFire=SqueezeNetFire,
                ShuffleNetUnit=ShuffleNetUnit, DenseNetBlock=DenseNetBlock, InceptionLRN=InceptionLRN,
                MLP=MLP, FMNISTCNN3=FMNISTCNN3)


def fmnist_macs(c1: int, c2: int, c3: int) -> int:
    """MACs of FMNISTCNN3 on 1x1x28x28 (padding 1 keeps 28 -> 28, pools halve)."""
    return 28 * 28 * c1 * 1 * 9 + 28 * 28 * c2 * c1 * 9 + 14 * 14 * c3 * c2 * 9 + c3 * 7 * 7 * 10


FMNIST_CHANNELS = (16, 32, 64)  # ~7.37 M MACs; (32, 64, 128) would be ~29 M and ~1.1 MB of weights


def randomize_torch_params(model, rng: np.random.Generator) -> None:
    """Overwrite every parameter / BN buffer with numpy-generated values so the
    fixtures do not depend on torch's RNG: weights ~ N(0, 1/fan_in), biases
    U(-0.1, 0.1), BN gamma U(0.5, 1.5), beta U(-0.2, 0.2), mean U(-0.3, 0.3),
    var U(0.5, 2)."""
    torch = _torch()
    nn = torch.nn
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, (nn.Conv2d, nn.Linear)):
                w = mod.weight
                fan_in = int(np.prod(w.shape[1:]))
                w.copy_(torch.from_numpy((rng.standard_normal(tuple(w.shape)) / math.sqrt(fan_in)).astype(np.float32)))
                if mod.bias is not None:
                    mod.bias.copy_(torch.from_numpy(rng.uniform(-0.1, 0.1, tuple(mod.bias.shape)).astype(np.float32)))
            elif isinstance(mod, nn.BatchNorm2d):
                n = mod.num_features
                mod.weight.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, n).astype(np.float32)))
                mod.bias.copy_(torch.from_numpy(rng.uniform(-0.2, 0.2, n).astype(np.float32)))
                mod.running_mean.copy_(torch.from_numpy(rng.uniform(-0.3, 0.3, n).astype(np.float32)))
                mod.running_var.copy_(torch.from_numpy(rng.uniform(0.5, 2.0, n).astype(np.float32)))


def torch_export(name: str, module_name: str, input_shape, opset: int, fold: bool, args=(),
                 dynamic_batch: bool = False):
    torch = _torch()
    rng = case_rng(name)
    torch.manual_seed(zlib.crc32(name.encode()))
    model = _torch_modules()[module_name](*args).eval()
    randomize_torch_params(model, rng)
    x = rng.uniform(-1.0, 1.0, input_shape).astype(np.float32)
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.from_numpy(x),), buf, opset_version=opset, dynamo=False,
                          do_constant_folding=fold, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}} if dynamic_batch else None)
    m = onnx.load_from_string(buf.getvalue())
    m.producer_name = f"pytorch (via {PRODUCER})"
    return m, x, ref


def _tcase(name, covers, module, shape, opset, fold, args=(), dynamic_batch=False):
    @case(name, covers, group="pytorch")
    def _(c):
        return torch_export(c.name, module, shape, opset, fold, args, dynamic_batch)


_tcase("resnet_block",
       "PyTorch ResNet: stem Conv-BN-ReLU-MaxPool, BasicBlock (identity Add), BasicBlock stride 2 with 1x1 Conv-BN "
       "downsample, GAP, Flatten, Linear; BN kept (do_constant_folding=False) (opset 13)",
       "ResNetBlock", [1, 3, 16, 16], 13, False)
_tcase("resnet_block_opset9",
       "Same ResNet blocks exported at opset 9 with constant folding (BN folded into Conv by the exporter) (opset 9)",
       "ResNetBlock", [1, 3, 16, 16], 9, True)
_tcase("mobilenetv2_block",
       "PyTorch MobileNetV2: stem, inverted residuals (1x1 expand, depthwise 3x3 ReLU6=Clip, 1x1 project, residual "
       "Add), stride 2 block, GAP, Linear; constant folding on (BN folded) (opset 13)",
       "MobileNetV2Block", [1, 3, 16, 16], 13, True)
_tcase("mobilenetv2_block_opset17",
       "Same MobileNetV2 blocks at opset 17 without constant folding (BN + Clip with Constant min/max kept) (opset 17)",
       "MobileNetV2Block", [1, 3, 16, 16], 17, False)
_tcase("squeezenet_fire",
       "PyTorch SqueezeNet: Conv, MaxPool ceil_mode, Fire modules (squeeze 1x1, expand 1x1 + 3x3, Concat), "
       "1x1 Conv classifier, GAP, Flatten (opset 13)",
       "SqueezeNetFire", [1, 3, 32, 32], 13, True)
_tcase("shufflenet_unit",
       "PyTorch ShuffleNet v1 units: grouped 1x1 Conv, channel shuffle (view/transpose/view = Reshape/Transpose/"
       "Reshape), depthwise 3x3, AvgPool shortcut + Concat (stride 2) and Add (stride 1) (opset 13)",
       "ShuffleNetUnit", [1, 3, 16, 16], 13, True)
_tcase("densenet_block",
       "PyTorch DenseNet: dense block of 3 BN-ReLU-Conv layers with growing Concat, transition BN-ReLU-Conv1x1-"
       "AvgPool, BN-ReLU, GAP, x.view(x.size(0), -1), Linear; no constant folding, so BN stays standalone and the view "
       "is a Constant->Unsqueeze->Concat->Reshape chain (opset 13)",
       "DenseNetBlock", [1, 3, 12, 12], 13, False)
_tcase("inception_lrn",
       "PyTorch GoogLeNet-style: Conv 5x5 s2, MaxPool, LRN(5, 1e-4, 0.75, 2), inception module (1x1 / 1x1-3x3 / "
       "1x1-5x5 / MaxPool-1x1 branches Concat), GAP, Linear (opset 13)",
       "InceptionLRN", [1, 3, 24, 24], 13, True)
_tcase("mlp",
       "PyTorch MLP: Flatten, Linear(64,48), ReLU, Linear(48,10), Softmax(dim=1) on [1,1,8,8] (opset 13)",
       "MLP", [1, 1, 8, 8], 13, True)
_tcase("mlp_opset11",
       "Same MLP at opset 11 (Softmax with pre-13 axis semantics on 2-D input) (opset 11)",
       "MLP", [1, 1, 8, 8], 11, True)
_tcase("cnn_view_dynamic_batch",
       "PyTorch Conv-ReLU-MaxPool, x.view(x.size(0), -1), Linear, softmax, exported with dynamic batch axis: "
       "input/output dim 0 is the symbolic 'batch' and the flatten is Shape->Gather->Unsqueeze->Concat->Reshape "
       "(opset 11)",
       "ViewNet", [1, 1, 8, 8], 11, True, dynamic_batch=True)
_tcase("fmnist_cnn3",
       "Fashion-MNIST CNN: Conv3x3(1->16)+ReLU, Conv3x3(16->32)+ReLU, MaxPool2, Conv3x3(32->64)+ReLU, MaxPool2, "
       f"Flatten, Linear(3136->10); {fmnist_macs(*FMNIST_CHANNELS) / 1e6:.2f} M MACs (opset 13)",
       "FMNISTCNN3", [1, 1, 28, 28], 13, True, FMNIST_CHANNELS)


# ---------------------------------------------------------------------------
# Generation, verification, output
# ---------------------------------------------------------------------------

def ort_run(model_bytes: bytes, x: np.ndarray, level) -> np.ndarray:
    so = ort.SessionOptions()
    so.graph_optimization_level = level
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])
    (out,) = sess.run(None, {sess.get_inputs()[0].name: x})
    return out


def reference_run(model: onnx.ModelProto, opset: int, x: np.ndarray) -> np.ndarray:
    """Run onnx.reference.ReferenceEvaluator, with numpy kernels written from the
    ONNX spec for the ops where onnx 1.23's reference disagrees with the spec
    (and with onnxruntime and PyTorch): Softmax before opset 13 (no 2-D
    coercion), BatchNormalization before opset 15, and LRN."""
    from onnx.reference import ReferenceEvaluator
    from onnx.reference.op_run import OpRun

    def attrs(op: OpRun, kwargs: dict, **defaults):
        out = {}
        for k, v in defaults.items():
            val = kwargs.get(k, getattr(op, k, None))
            out[k] = v if val is None else val
        return out

    class Softmax(OpRun):
        def _run(self, x, **kwargs):
            a = attrs(self, kwargs, axis=1 if opset < 13 else -1)
            axis = a["axis"] % x.ndim
            if opset < 13:  # coerce to 2-D [prod(shape[:axis]), prod(shape[axis:])]
                flat = x.reshape(int(np.prod(x.shape[:axis])), -1)
                e = np.exp(flat - flat.max(axis=1, keepdims=True))
                return ((e / e.sum(axis=1, keepdims=True)).reshape(x.shape).astype(x.dtype),)
            e = np.exp(x - x.max(axis=axis, keepdims=True))
            return ((e / e.sum(axis=axis, keepdims=True)).astype(x.dtype),)

    class BatchNormalization(OpRun):
        def _run(self, x, scale, bias, mean, var, **kwargs):
            eps = attrs(self, kwargs, epsilon=1e-5)["epsilon"]
            sh = (1, -1) + (1,) * (x.ndim - 2)
            y = (x - mean.reshape(sh)) / np.sqrt(var.reshape(sh) + eps) * scale.reshape(sh) + bias.reshape(sh)
            return (y.astype(x.dtype),)

    class LRN(OpRun):
        def _run(self, x, **kwargs):
            a = attrs(self, kwargs, size=None, alpha=1e-4, beta=0.75, bias=1.0)
            size, c = int(a["size"]), x.shape[1]
            sq = np.zeros_like(x, dtype=np.float64)
            for ch in range(c):
                lo = max(0, ch - (size - 1) // 2)
                hi = min(c - 1, ch + int(math.ceil((size - 1) / 2)))
                sq[:, ch] = (x[:, lo:hi + 1].astype(np.float64) ** 2).sum(axis=1)
            return ((x / (a["bias"] + a["alpha"] / size * sq) ** a["beta"]).astype(x.dtype),)

    overrides = [LRN, Softmax] + ([BatchNormalization] if opset < 15 else [])
    for cls in overrides:
        cls.op_domain = ""
    return ReferenceEvaluator(model, new_ops=overrides).run(None, {"input": x})[0]


def ops_in(model: onnx.ModelProto) -> list[str]:
    seen: list[str] = []
    for n in model.graph.node:
        if n.op_type not in seen:
            seen.append(n.op_type)
    return seen


def save_npy(path: Path, arr: np.ndarray) -> None:
    arr = np.ascontiguousarray(arr, dtype="<f4")
    with open(path, "wb") as f:
        np.lib.format.write_array(f, arr, version=(1, 0), allow_pickle=False)


@dataclass
class Result:
    case: Case
    opset: int
    ops: list[str]
    in_shape: tuple
    out_shape: tuple
    macs: int | None
    model_bytes: int
    dir_bytes: int
    diffs: dict[str, float] = field(default_factory=dict)


def generate(c: Case) -> Result:
    model, x, torch_ref = c.build(c)
    x = np.ascontiguousarray(x, dtype=np.float32)
    g = model.graph
    inits = {i.name for i in g.initializer}
    real_inputs = [i for i in g.input if i.name not in inits]
    assert len(real_inputs) == 1 and len(g.input) == 1, f"{c.name}: needs exactly one graph input"
    assert len(g.output) == 1, f"{c.name}: needs exactly one graph output"
    assert g.input[0].type.tensor_type.elem_type == TensorProto.FLOAT
    bad = set(ops_in(model)) - ALLOWED_OPS
    assert not bad, f"{c.name}: unsupported ops {sorted(bad)}"
    assert all(o.domain in ("", "ai.onnx") for o in model.opset_import), f"{c.name}: non-default domain"
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    assert 9 <= opset <= 17, f"{c.name}: opset {opset}"

    out_t = g.output[0].type.tensor_type
    if not out_t.HasField("shape"):
        # Fill in the (static) output shape so the model is fully typed.
        probe = ort_run(model.SerializeToString(), x, ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
        out_t.elem_type = TensorProto.FLOAT
        for d in probe.shape:
            out_t.shape.dim.add().dim_value = int(d)
    assert out_t.elem_type == TensorProto.FLOAT
    onnx.checker.check_model(model, full_check=True)

    data = model.SerializeToString()
    expected = ort_run(data, x, ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    assert expected.dtype == np.float32 and np.isfinite(expected).all(), c.name
    tol = tolerance(expected)

    diffs: dict[str, float] = {}
    diffs["ort_enable_all"] = float(np.abs(ort_run(data, x, ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
                                           - expected).max())
    ref_out = reference_run(model, opset, x)
    diffs["onnx_reference"] = float(np.abs(np.asarray(ref_out, np.float32) - expected).max())
    if torch_ref is not None:
        assert torch_ref.shape == expected.shape, (c.name, torch_ref.shape, expected.shape)
        diffs["torch"] = float(np.abs(torch_ref - expected).max())
    for k, v in diffs.items():
        # Independent implementations must agree well inside the Swift tolerance.
        if not v <= tol * 0.1:
            raise AssertionError(f"{c.name}: {k} differs from onnxruntime by {v:.3g} (tol {tol:.3g})")

    assert len(data) <= MAX_MODEL_BYTES, f"{c.name}: model is {len(data)} bytes"
    d = OUT_DIR / c.name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    (d / "model.onnx").write_bytes(data)
    save_npy(d / "input.npy", x)
    save_npy(d / "expected.npy", expected)
    dir_bytes = sum(p.stat().st_size for p in d.iterdir())
    return Result(c, opset, ops_in(model), tuple(x.shape), tuple(expected.shape), count_macs(model),
                  len(data), dir_bytes, diffs)


def version_line() -> str:
    parts = [f"onnx {onnx.__version__}", f"onnxruntime {ort.__version__}", f"numpy {np.__version__}"]
    try:
        import torch
        parts.append(f"torch {torch.__version__}")
    except ImportError:
        pass
    return ", ".join(parts)


def write_readme(results: list[Result]) -> None:
    def shp(s):
        return "[" + ",".join(str(v) for v in s) + "]"

    def declared(vi) -> str:
        dims = vi.type.tensor_type.shape.dim
        return "[" + ",".join(d.dim_param if d.dim_param else str(d.dim_value) for d in dims) + "]"

    lines = [
        "# ONNX parity fixtures",
        "",
        "Small ONNX models with random weights, a random input and the onnxruntime output, used by the Swift",
        "parity tests. Generated by `Scripts/make_fixtures.py`; do not edit by hand.",
        "",
        "Each `<case>/` directory holds:",
        "",
        "- `model.onnx`: one graph input named `input` (float32, batch 1, NCHW for image models) and one graph",
        "  output named `output`, with static shapes (except `cnn_view_dynamic_batch`, whose dim 0 is the",
        "  symbolic `batch`; and `gemm_transa_alpha_beta`, whose input is A = [K,1] because transA=1);",
        "  no other graph inputs (initializers are not listed as inputs); only the op types listed below.",
        "- `input.npy`: the input, float32 (`<f4`), C order, `.npy` format version 1.0.",
        "- `expected.npy`: onnxruntime CPUExecutionProvider output with",
        "  `graph_optimization_level = ORT_DISABLE_ALL` (the plain reference), same format.",
        "",
        "Test tolerance: `max|actual - expected| <= 1e-4 * max(1, max|expected|)`. The generator checks that",
        "onnxruntime with `ORT_ENABLE_ALL`, `onnx.reference.ReferenceEvaluator` and (for PyTorch-exported",
        "cases) the PyTorch forward pass all agree with `expected.npy` to within a tenth of that tolerance.",
        "",
        "## Regenerate",
        "",
        "```sh",
        "pip install -r Scripts/requirements.txt   # torch 2.13.0: the CPU wheel is enough",
        "python3 Scripts/make_fixtures.py          # all cases; or name cases: python3 Scripts/make_fixtures.py conv_basic",
        "```",
        "",
        "Every case seeds its RNG from a CRC32 of its name, so the output is reproducible and cases are",
        "independent of each other. Last generated with: " + version_line() + ".",
        "",
        "Only these op types are used: " + ", ".join(sorted(ALLOWED_OPS)) + ".",
        "",
    ]
    for group, title in (("single-op", "Single-op cases (built with `onnx.helper`)"),
                         ("pytorch", "PyTorch-exported cases (`torch.onnx.export(..., dynamo=False)`, "
                                     "TorchScript exporter, eval mode, random weights)")):
        lines += [f"## {title}", "",
                  "| case | opset | input | output | ops | MACs | covers |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for r in results:
            if r.case.group != group:
                continue
            g = onnx.load(str(OUT_DIR / r.case.name / "model.onnx")).graph
            lines.append(f"| `{r.case.name}` | {r.opset} | {declared(g.input[0])} | {declared(g.output[0])} | "
                         f"{', '.join(r.ops)} | {format_macs(r.macs) if r.macs else '-'} | "
                         f"{re.sub(r' [(]opset [0-9]+[)]$', '', r.case.covers)} |")
        lines.append("")
    (OUT_DIR / "README.md").write_text("\n".join(lines))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", nargs="*", help="case names to (re)generate (default: all)")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch-exported cases")
    args = ap.parse_args()

    if args.list:
        for c in CASES.values():
            print(f"{c.name:32s} {c.covers}")
        return 0

    unknown = [n for n in args.cases if n not in CASES]
    if unknown:
        ap.error(f"unknown cases: {unknown}")
    selected = [CASES[n] for n in args.cases] if args.cases else list(CASES.values())
    if args.no_torch:
        selected = [c for c in selected if c.group != "pytorch"]

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    if not args.cases and not args.no_torch:
        # Full regeneration: drop stale case directories.
        for d in OUT_DIR.iterdir():
            if d.is_dir() and d.name not in CASES:
                shutil.rmtree(d)

    print(f"fmnist_cnn3 channels {FMNIST_CHANNELS}: {fmnist_macs(*FMNIST_CHANNELS):,} MACs")
    results: list[Result] = []
    failed = []
    for c in selected:
        try:
            r = generate(c)
        except Exception as e:  # noqa: BLE001 - report every failing case, then fail
            failed.append(c.name)
            print(f"FAIL {c.name}: {type(e).__name__}: {e}", file=sys.stderr)
            continue
        results.append(r)
        diffs = " ".join(f"{k}={v:.1e}" for k, v in r.diffs.items())
        print(f"ok   {c.name:32s} opset {r.opset:2d} {str(r.in_shape):18s} -> {str(r.out_shape):16s} "
              f"{r.model_bytes / 1024:7.1f} KB  macs={format_macs(r.macs):>7s}  {diffs}")

    # The README always lists every case that exists on disk, so partial runs keep it complete.
    if not failed:
        by_name = {r.case.name: r for r in results}
        all_results = []
        for c in CASES.values():
            if c.name in by_name:
                all_results.append(by_name[c.name])
            elif (OUT_DIR / c.name / "model.onnx").exists():
                all_results.append(_describe_existing(c))
        write_readme(all_results)

    total = sum(p.stat().st_size for p in OUT_DIR.rglob("*") if p.is_file())
    print(f"{len(results)} cases written, {len(failed)} failed; fixtures total {total / 1024 / 1024:.2f} MB")
    if total > MAX_TOTAL_BYTES:
        print(f"FAIL: fixtures exceed {MAX_TOTAL_BYTES} bytes", file=sys.stderr)
        return 1
    return 1 if failed else 0


def _describe_existing(c: Case) -> Result:
    d = OUT_DIR / c.name
    m = onnx.load(str(d / "model.onnx"))
    x = np.load(d / "input.npy")
    y = np.load(d / "expected.npy")
    opset = next(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))
    return Result(c, opset, ops_in(m), tuple(x.shape), tuple(y.shape), count_macs(m),
                  (d / "model.onnx").stat().st_size, sum(p.stat().st_size for p in d.iterdir()))


if __name__ == "__main__":
    sys.exit(main())
