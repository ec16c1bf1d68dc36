#!/usr/bin/env python3
"""Generate the pre-quantized (QDQ) ONNX import fixtures in Tests/Fixtures/qdq/<case>/.

A QDQ model is a float graph in which every quantized tensor passes through
QuantizeLinear -> DequantizeLinear (activations) or is an int8/int32 initializer
read through DequantizeLinear (weights, biases): the form onnxruntime's
quantization tool produces with quant_format=QuantFormat.QDQ. The Swift side
imports these and must match onnxruntime within one output quantization step.

Cases:
  fmnist-<id>        Examples/fashion-mnist/models/<id>.onnx quantized by onnxruntime:
                     quant_pre_process (the pre-processing ORT recommends: symbolic and ONNX
                     shape inference plus ORT's basic graph optimizations, which fold
                     BatchNormalization into Conv and drop Identity), then
                     quantize_static(QDQ, per_channel=True, QInt8 activations and weights,
                     MinMax calibration) calibrated on the first 256 Fashion-MNIST *training*
                     images. Fixture inputs are the first 16 *test* images.
  qdq-conv-handmade  A tiny QDQ Conv -> Relu graph written directly with onnx.helper
                     (no quantizer): int8 input with a non-zero zero point, per-channel int8
                     weights, per-channel int32 bias, Relu kept between Q/DQ pairs.

Each case directory holds:
  model.onnx                  the QDQ model (one input `input`, one output)
  input.npy                   float32 input, batch 1, NCHW ([1,1,28,28] for Fashion-MNIST)
  inputs.npy                  16 inputs stacked on a leading axis: [16, *input.shape];
                              inputs[0] == input
  expected.npy                onnxruntime CPU output for input.npy with
                              graph_optimization_level=ORT_DISABLE_ALL (ORT runs the QDQ
                              graph literally: float ops between QuantizeLinear/DequantizeLinear)
  expected_many.npy           the same for inputs.npy: [16, *output.shape]
  expected_optimized.npy      ORT_ENABLE_ALL output for input.npy (ORT fuses the QDQ node
                              groups into its int8 kernels: QLinearConv, QGemm, ...)
  expected_optimized_many.npy ORT_ENABLE_ALL output for inputs.npy
  meta.json                   quantization settings, graph analysis, output quantization step,
                              differences and accuracies (the README is written from these)

Pixels are normalised exactly as Examples/fashion-mnist (train.py, family.yaml):
x = (p / 255 - 0.2860) / 0.3530 in float32. The Fashion-MNIST data comes from the
Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/*.gz).

Everything is deterministic (MinMax calibration on fixed images; the handmade case
seeds its RNG from a CRC32 of its name). Versions are pinned in
Scripts/requirements.txt (torch is not needed here). Run:

    python3 Scripts/make_qdq_fixtures.py                     # regenerate everything
    python3 Scripts/make_qdq_fixtures.py qdq-conv-handmade   # only the named cases
    python3 Scripts/make_qdq_fixtures.py --list              # list the cases

Every model is checked with onnx.checker (full_check); onnx.reference.ReferenceEvaluator
must agree with the ORT_DISABLE_ALL output to within one output quantization step;
the fp32 Fashion-MNIST models must reproduce Examples/fashion-mnist/reference-logits
(which checks the normalisation) and their recorded test accuracy. The fp32 and int8
top-1 accuracies on all 10 000 test images are measured and recorded. The README
(Tests/Fixtures/qdq/README.md) is rewritten from every case's meta.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import math
import re
import shutil
import sys
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                      quantize_static)
from onnxruntime.quantization.shape_inference import quant_pre_process

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "Tests" / "Fixtures" / "qdq"
FMNIST_DIR = ROOT / "Examples" / "fashion-mnist"
DATA_DIR = Path("/usr/share/datasets/fashion-mnist")

MEAN, STD = 0.2860, 0.3530          # Examples/fashion-mnist/family.yaml
N_CALIB = 256                       # calibration images: training images 0..255
N_FIXTURE = 16                      # fixture inputs: test images 0..15
MAX_MODEL_BYTES = 300 * 1024
MAX_TOTAL_BYTES = 3 * 1024 * 1024
PRODUCER = "adapt-top Scripts/make_qdq_fixtures.py"

# The quantize_static arguments used for every fmnist case (besides model paths and the reader).
QUANT_KWARGS = dict(
    quant_format=QuantFormat.QDQ,
    per_channel=True,
    activation_type=QuantType.QInt8,
    weight_type=QuantType.QInt8,
    calibrate_method=CalibrationMethod.MinMax,
)
QUANT_SETTINGS_TEXT = ("quantize_static(quant_format=QDQ, per_channel=True, activation_type=QInt8, "
                       "weight_type=QInt8, calibrate_method=MinMax; other arguments default: "
                       "reduce_range=False, extra_options={} so ActivationSymmetric=False, "
                       "WeightSymmetric=True)")

DISABLE_ALL = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
ENABLE_ALL = ort.GraphOptimizationLevel.ORT_ENABLE_ALL


# ---------------------------------------------------------------------------
# Fashion-MNIST data (same reader and normalisation as Examples/fashion-mnist/train.py)
# ---------------------------------------------------------------------------

def read_idx(path: Path) -> np.ndarray:
    """IDX (big-endian header) from a .gz file: uint8 images [N,28,28] or labels [N]."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    if magic >> 8 != 0x08:  # 0x08 = unsigned byte
        raise ValueError(f"{path}: not a uint8 IDX file (magic {magic:#x})")
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != math.prod(dims):
        raise ValueError(f"{path}: expected {dims}, got {arr.size} bytes")
    return arr.reshape(dims)


def normalize(images_u8: np.ndarray) -> np.ndarray:
    """uint8 [N,28,28] -> float32 [N,1,28,28]: (p/255 - MEAN) / STD, in float32."""
    x = images_u8.astype(np.float32) / np.float32(255.0)
    x = (x - np.float32(MEAN)) / np.float32(STD)
    return np.ascontiguousarray(x[:, None, :, :], dtype=np.float32)


_DATA: dict[str, np.ndarray] = {}


def fmnist() -> dict[str, np.ndarray]:
    """calib [256,1,28,28], test [10000,1,28,28], test_labels [10000] (loaded once)."""
    if not _DATA:
        if not DATA_DIR.is_dir():
            sys.exit(f"{DATA_DIR} not found: install the Debian package dataset-fashion-mnist")
        train = read_idx(DATA_DIR / "train-images-idx3-ubyte.gz")
        test = read_idx(DATA_DIR / "t10k-images-idx3-ubyte.gz")
        labels = read_idx(DATA_DIR / "t10k-labels-idx1-ubyte.gz")
        assert train.shape == (60000, 28, 28) and test.shape == (10000, 28, 28), (train.shape, test.shape)
        _DATA["calib"] = normalize(train[:N_CALIB])
        _DATA["test"] = normalize(test)
        _DATA["test_labels"] = labels.astype(np.int64)
    return _DATA


class FmnistCalibrationReader(CalibrationDataReader):
    """Feeds the calibration images one at a time (the models have a fixed batch of 1)."""

    def __init__(self, input_name: str):
        self._it = iter([{input_name: img[None]} for img in fmnist()["calib"]])

    def get_next(self):
        return next(self._it, None)


# ---------------------------------------------------------------------------
# Case registry
# ---------------------------------------------------------------------------

@dataclass
class Built:
    model: onnx.ModelProto
    inputs: np.ndarray                       # [N_FIXTURE, *input_shape]
    settings: str                            # how it was quantized (for the README)
    source: str                              # where it came from (for the README)
    fp32_path: Path | None = None            # the float model (fmnist cases)
    preprocessed_ops: list[str] | None = None


@dataclass
class Case:
    name: str
    covers: str
    build: Callable[["Case"], Built]
    group: str


CASES: dict[str, Case] = {}


def case(name: str, covers: str, group: str):
    def register(fn):
        assert name not in CASES, name
        CASES[name] = Case(name, covers, fn, group)
        return fn
    return register


def case_rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode("utf-8")))


# ---------------------------------------------------------------------------
# Fashion-MNIST cases: onnxruntime's quantizer
# ---------------------------------------------------------------------------

def quantize_fmnist(c: Case, model_id: str) -> Built:
    src = FMNIST_DIR / "models" / f"{model_id}.onnx"
    with tempfile.TemporaryDirectory(prefix="qdq-fixture-") as tmp:
        pre = Path(tmp) / "pre.onnx"
        out = Path(tmp) / "qdq.onnx"
        quant_pre_process(str(src), str(pre))
        pre_model = onnx.load(str(pre))
        input_name = pre_model.graph.input[0].name
        quantize_static(str(pre), str(out), FmnistCalibrationReader(input_name), **QUANT_KWARGS)
        model = onnx.load(str(out))
    pre_ops = [n.op_type for n in pre_model.graph.node]
    return Built(
        model=model,
        inputs=fmnist()["test"][:N_FIXTURE][:, None],   # [16,1,1,28,28]
        settings=("`onnxruntime.quantization.shape_inference.quant_pre_process` (defaults), then "
                  f"`{QUANT_SETTINGS_TEXT}`; CalibrationDataReader: Fashion-MNIST training images "
                  f"0..{N_CALIB - 1}, batch 1, normalised as family.yaml"),
        source=f"`Examples/fashion-mnist/models/{model_id}.onnx`",
        fp32_path=src,
        preprocessed_ops=pre_ops,
    )


for _id, _covers in (
        ("cnn-w25", "4 Conv (Relu removed), 2 MaxPool, Flatten, Gemm"),
        ("resnet-8", "residual Add (identity and 1x1-conv shortcuts), GlobalAveragePool, Flatten, Gemm"),
        ("mobilenet-v2", "depthwise Conv, Clip(0,6) removed, residual Add, GlobalAveragePool, Gemm"),
        ("mlp", "float Flatten on the graph input, 2 quantized Gemm"),
):
    case(f"fmnist-{_id}", _covers, "fmnist")(lambda c, _id=_id: quantize_fmnist(c, _id))


# ---------------------------------------------------------------------------
# Hand-built case: onnx.helper only
# ---------------------------------------------------------------------------

HANDMADE = dict(
    x_scale=0.05, x_zero_point=3,                                  # input QuantizeLinear (int8)
    w_scale=[0.004, 0.0025, 0.006, 0.0035],                        # per output channel, zero point 0
    y_scale=0.05, y_zero_point=-7,                                 # Conv output QuantizeLinear
    r_scale=0.055, r_zero_point=-128,                              # Relu output QuantizeLinear (no ties:
                                                                   # 0.05k/0.055 = 10k/11 is never n + 1/2)
)


@case("qdq-conv-handmade", "hand-written QDQ: input Q/DQ (zp 3), Conv 3x3 per-channel int8 weights + int32 bias, "
                           "Q/DQ, Relu kept, Q/DQ", "handmade")
def _(c: Case) -> Built:
    p = HANDMADE
    rng = case_rng(c.name)
    cin, cout, hw = 3, 4, 8
    f32 = np.float32
    x_scale, x_zp = f32(p["x_scale"]), np.int8(p["x_zero_point"])
    w_scale = np.array(p["w_scale"], f32)
    w_q = rng.integers(-127, 128, size=(cout, cin, 3, 3)).astype(np.int8)
    b_scale = (x_scale * w_scale).astype(f32)           # = input_scale * weight_scale[c], in float32
    b_q = rng.integers(-3000, 3001, size=(cout,)).astype(np.int32)

    inits = [
        numpy_helper.from_array(np.array(x_scale, f32), "x_scale"),
        numpy_helper.from_array(np.array(x_zp, np.int8), "x_zero_point"),
        numpy_helper.from_array(w_q, "w_quantized"),
        numpy_helper.from_array(w_scale, "w_scale"),
        numpy_helper.from_array(np.zeros(cout, np.int8), "w_zero_point"),
        numpy_helper.from_array(b_q, "b_quantized"),
        numpy_helper.from_array(b_scale, "b_scale"),    # no zero point input: defaults to 0
        numpy_helper.from_array(np.array(p["y_scale"], f32), "y_scale"),
        numpy_helper.from_array(np.array(p["y_zero_point"], np.int8), "y_zero_point"),
        numpy_helper.from_array(np.array(p["r_scale"], f32), "r_scale"),
        numpy_helper.from_array(np.array(p["r_zero_point"], np.int8), "r_zero_point"),
    ]
    nodes = [
        helper.make_node("QuantizeLinear", ["input", "x_scale", "x_zero_point"], ["x_q"], name="input_Q"),
        helper.make_node("DequantizeLinear", ["x_q", "x_scale", "x_zero_point"], ["x_dq"], name="input_DQ"),
        helper.make_node("DequantizeLinear", ["w_quantized", "w_scale", "w_zero_point"], ["w"], name="w_DQ",
                         axis=0),
        helper.make_node("DequantizeLinear", ["b_quantized", "b_scale"], ["b"], name="b_DQ", axis=0),
        helper.make_node("Conv", ["x_dq", "w", "b"], ["conv"], name="conv", kernel_shape=[3, 3],
                         pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("QuantizeLinear", ["conv", "y_scale", "y_zero_point"], ["conv_q"], name="conv_Q"),
        helper.make_node("DequantizeLinear", ["conv_q", "y_scale", "y_zero_point"], ["conv_dq"], name="conv_DQ"),
        helper.make_node("Relu", ["conv_dq"], ["relu"], name="relu"),
        helper.make_node("QuantizeLinear", ["relu", "r_scale", "r_zero_point"], ["relu_q"], name="relu_Q"),
        helper.make_node("DequantizeLinear", ["relu_q", "r_scale", "r_zero_point"], ["output"], name="output_DQ"),
    ]
    graph = helper.make_graph(
        nodes, "qdq_conv_handmade",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, cin, hw, hw])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, cout, hw, hw])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=7,
                              producer_name=PRODUCER)

    # 16 inputs in roughly the input quantizer's range [-6.55, 6.2]; input 0 also gets a few
    # values outside it (they saturate at -128 / 127).
    inputs = rng.normal(0.0, 2.0, size=(N_FIXTURE, 1, cin, hw, hw)).astype(f32)
    inputs[0, 0, 0, 0, :4] = np.array([9.0, -9.0, 6.3, -6.7], f32)
    return Built(
        model=model, inputs=inputs,
        settings=(f"hand-written: input Q/DQ scale {p['x_scale']} zp {p['x_zero_point']}; weights int8 "
                  f"per-channel (axis=0) scales {p['w_scale']}, zp 0; bias int32 per-channel (axis=0), "
                  f"scale = input_scale × weight_scale[c] (float32), no zero-point input; Conv output "
                  f"Q/DQ scale {p['y_scale']} zp {p['y_zero_point']}; Relu output Q/DQ scale "
                  f"{p['r_scale']} zp {p['r_zero_point']}"),
        source="`onnx.helper` (no quantizer), weights from `np.random.default_rng(crc32(name))`",
    )


# ---------------------------------------------------------------------------
# Graph analysis
# ---------------------------------------------------------------------------

SHORT = {"QuantizeLinear": "Q", "DequantizeLinear": "DQ"}


def _attr(n: onnx.NodeProto, name: str, default=None):
    for a in n.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def _vals(a: np.ndarray) -> list:
    return sorted({v.item() for v in np.asarray(a).ravel()})


def _fmt_vals(vals: list, limit: int = 12) -> str:
    if len(vals) > limit:
        return f"{len(vals)} distinct values in [{vals[0]}, {vals[-1]}]"
    return ", ".join(str(v) for v in vals)


def analyze(model: onnx.ModelProto) -> dict:
    """Describe a QDQ graph: op sequence, how weights/biases/activations are quantized,
    which edges are not wrapped in Q/DQ, and the output quantization step."""
    g = model.graph
    init = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    prod = {o: n for n in g.node for o in n.output}
    cons: dict[str, list[onnx.NodeProto]] = defaultdict(list)
    for n in g.node:
        for i in n.input:
            if i:
                cons[i].append(n)
    graph_inputs = {i.name for i in g.input}
    graph_outputs = {o.name for o in g.output}

    def is_const_dq(n):
        return n.op_type == "DequantizeLinear" and n.input[0] in init

    def qparams(n):  # (scale array, zero-point array or None)
        return init[n.input[1]], (init[n.input[2]] if len(n.input) > 2 and n.input[2] else None)

    compute = [n for n in g.node if n.op_type not in ("QuantizeLinear", "DequantizeLinear")]
    seq = [SHORT.get(n.op_type, n.op_type) for n in g.node if not is_const_dq(n)]

    # Constant DequantizeLinear inputs (weights and biases) of compute nodes.
    weights, biases = [], []
    for n in compute:
        for idx, t in enumerate(n.input):
            dq = prod.get(t)
            if dq is None or not is_const_dq(dq):
                continue
            q = init[dq.input[0]]
            scale, zp = qparams(dq)
            info = {
                "node": n.op_type, "input_index": idx, "dtype": str(q.dtype), "shape": list(q.shape),
                "axis": _attr(dq, "axis", 1), "scale_count": int(scale.size),
                "zero_point": "absent" if zp is None else _vals(zp),
                "zero_point_dtype": None if zp is None else str(zp.dtype),
            }
            if n.op_type == "Gemm" and idx == 1:
                info["transB"] = _attr(n, "transB", 0)
            if idx == 2:  # bias: check scale == input activation scale * weight scale
                x_dq, w_dq = prod.get(n.input[0]), prod.get(n.input[1])
                if x_dq is not None and x_dq.op_type == "DequantizeLinear" and w_dq is not None:
                    want = (qparams(x_dq)[0].astype(np.float32) * qparams(w_dq)[0].astype(np.float32))
                    info["scale_rel_err_vs_input_x_weight"] = float(
                        np.max(np.abs(scale.astype(np.float64) - want) / np.abs(want)))
                biases.append(info)
            else:
                weights.append(info)

    # Activation quantizers.
    act_q = [n for n in g.node if n.op_type == "QuantizeLinear"]
    act_zp, act_dtypes, act_scales = [], set(), []
    paired = 0
    for n in act_q:
        s, z = qparams(n)
        act_scales.append(float(s))
        act_zp.append(int(z) if z is not None else 0)
        act_dtypes.add(str(z.dtype) if z is not None else "uint8")
        users = cons.get(n.output[0], [])
        if users and all(u.op_type == "DequantizeLinear" and np.array_equal(qparams(u)[0], s)
                         and np.array_equal(qparams(u)[1], z) for u in users):
            paired += 1

    # Edges between float ops that do not go through Q -> DQ.
    float_edges = []
    for n in compute:
        for t in n.input:
            if not t or t in init:
                continue
            p = prod.get(t)
            if p is None:
                float_edges.append(f"graph input `{t}` -> {n.op_type}")
            elif p.op_type != "DequantizeLinear":
                float_edges.append(f"{p.op_type} -> {n.op_type}")
        # (a float consumer of a float output is already listed above, from the consumer's side)
        float_edges += [f"{n.op_type} -> graph output" for t in n.output if t in graph_outputs]
    act_dq_not_from_q = [n.output[0] for n in g.node if n.op_type == "DequantizeLinear"
                         and not is_const_dq(n) and (prod.get(n.input[0]) is None
                                                     or prod[n.input[0]].op_type != "QuantizeLinear")]

    # Non-Conv/Gemm float ops: how are they wrapped, and with which quantization parameters?
    passthrough = {}
    for n in compute:
        if n.op_type in ("Conv", "Gemm", "MatMul"):
            continue
        x_dqs = [prod.get(t) for t in n.input if t and t not in init]
        users = cons.get(n.output[0], [])
        if any(d is None or d.op_type != "DequantizeLinear" for d in x_dqs) or len(users) != 1 or \
                users[0].op_type != "QuantizeLinear":
            how = "float input or output (not between Q/DQ)"
        else:
            ins = [qparams(d) for d in x_dqs]
            so, zo = qparams(users[0])
            same = all(np.array_equal(si, so) and np.array_equal(zi, zo) for si, zi in ins)
            how = "DQ -> op -> Q, " + ("same scale/zp as its input" if same else
                                       "own scale/zp (in " + ", ".join(f"{float(si):.6g}/{int(zi)}" for si, zi in ins)
                                       + f"; out {float(so):.6g}/{int(zo)})")
        passthrough.setdefault(n.op_type, Counter())[how] += 1

    # Activation DequantizeLinear outputs read by more than one node (branch points).
    shared_dq = Counter(", ".join(sorted(u.op_type for u in cons[n.output[0]])) for n in g.node
                        if n.op_type == "DequantizeLinear" and not is_const_dq(n) and len(cons[n.output[0]]) > 1)

    # QuantizeLinear right after Conv/Gemm/Add with zero point = qmin: the real range is [0, 255*scale],
    # so the Q itself clamps at 0 (this is how a removed Relu / Clip(0, x) shows up).
    clamped = Counter()
    for n in act_q:
        p = prod.get(n.input[0])
        s, z = qparams(n)
        if p is not None and p.op_type in ("Conv", "Gemm", "Add") and z is not None and \
                int(z) == np.iinfo(z.dtype).min:
            clamped[f"{p.op_type} -> Q range [0, {255 * float(s):.4g}]"] += 1

    out_dq = prod.get(g.output[0].name)
    output_step = output_zp = None
    if out_dq is not None and out_dq.op_type == "DequantizeLinear":
        out_q = prod.get(out_dq.input[0])
        assert out_q is not None and out_q.op_type == "QuantizeLinear", "output DQ not fed by a QuantizeLinear"
        s, z = qparams(out_q)
        output_step, output_zp = float(s), int(z)

    return {
        "op_counts": dict(sorted(Counter(n.op_type for n in g.node).items(), key=lambda kv: (-kv[1], kv[0]))),
        "sequence": seq,
        "const_dq": len([n for n in g.node if is_const_dq(n)]),
        "weights": weights,
        "biases": biases,
        "activation_q": len(act_q),
        "activation_q_paired_with_identical_dq": paired,
        "activation_dtypes": sorted(act_dtypes),
        "activation_zero_points": act_zp,
        "activation_scales": act_scales,
        "activation_dq_not_from_q": act_dq_not_from_q,
        "float_edges": float_edges,
        "passthrough": {k: dict(v) for k, v in passthrough.items()},
        "shared_activation_dq": dict(shared_dq),
        "q_clamping_at_zero": dict(clamped),
        "unused_opset_domains": sorted({o.domain for o in model.opset_import if o.domain not in ("", "ai.onnx")}
                                       - {n.domain for n in g.node}),
        "output_step": output_step,
        "output_zero_point": output_zp,
        "graph_inputs": sorted(graph_inputs - set(init)),
    }


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------

def session(model: bytes | str, level, optimized_path: Path | None = None) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.graph_optimization_level = level
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 3  # saving an NCHWc-optimized model warns that it is hardware specific
    if optimized_path is not None:
        so.optimized_model_filepath = str(optimized_path)
    return ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])


def run_each(sess: ort.InferenceSession, xs: np.ndarray) -> np.ndarray:
    """Run one batch-1 input at a time; xs [N, *input_shape] -> [N, *output_shape]."""
    name = sess.get_inputs()[0].name
    return np.stack([sess.run(None, {name: np.ascontiguousarray(x)})[0] for x in xs])


def reference_run(model: onnx.ModelProto, xs: np.ndarray) -> np.ndarray:
    """onnx.reference.ReferenceEvaluator, with QuantizeLinear / DequantizeLinear written from the
    opset-13 spec (onnx 1.23's reference only implements versions 19 and later)."""
    from onnx.reference import ReferenceEvaluator
    from onnx.reference.op_run import OpRun

    def per_axis(scale: np.ndarray, x: np.ndarray, axis) -> np.ndarray:
        if scale.ndim == 0 or scale.size == 1:
            return scale.reshape(())
        axis = (1 if axis is None else axis) % x.ndim
        shape = [1] * x.ndim
        shape[axis] = -1
        return scale.reshape(shape)

    class QuantizeLinear(OpRun):
        def _run(self, x, y_scale, y_zero_point=None, axis=None, **_):
            zp = np.zeros((), np.uint8) if y_zero_point is None else y_zero_point
            info = np.iinfo(zp.dtype)
            s = per_axis(y_scale, x, axis if axis is not None else getattr(self, "axis", 1))
            q = np.rint(x.astype(np.float32) / s.astype(np.float32)) + per_axis(zp, x, axis if axis is not None else getattr(self, "axis", 1)).astype(np.float32)
            return (np.clip(q, info.min, info.max).astype(zp.dtype),)

    class DequantizeLinear(OpRun):
        def _run(self, x, x_scale, x_zero_point=None, axis=None, **_):
            ax = axis if axis is not None else getattr(self, "axis", 1)
            zp = np.zeros((), np.int64) if x_zero_point is None else x_zero_point
            diff = x.astype(np.int64) - per_axis(zp, x, ax).astype(np.int64)
            return ((diff.astype(np.float32) * per_axis(x_scale, x, ax).astype(np.float32)).astype(np.float32),)

    for cls in (QuantizeLinear, DequantizeLinear):
        cls.op_domain = ""
    ev = ReferenceEvaluator(model, new_ops=[QuantizeLinear, DequantizeLinear])
    name = model.graph.input[0].name
    return np.stack([np.asarray(ev.run(None, {name: x})[0], np.float32) for x in xs])


def save_npy(path: Path, arr: np.ndarray) -> None:
    arr = np.ascontiguousarray(arr, dtype="<f4")
    with open(path, "wb") as f:
        np.lib.format.write_array(f, arr, version=(1, 0), allow_pickle=False)


def max_abs(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max())


def generate(c: Case) -> dict:
    t0 = time.time()
    b = c.build(c)
    model = b.model
    g = model.graph
    inits = {i.name for i in g.initializer}
    assert len([i for i in g.input if i.name not in inits]) == 1 and len(g.output) == 1, c.name
    onnx.checker.check_model(model, full_check=True)
    data = model.SerializeToString()
    assert len(data) <= MAX_MODEL_BYTES, f"{c.name}: model is {len(data)} bytes"
    info = analyze(model)
    step = info["output_step"]
    assert step is not None, f"{c.name}: the output is not produced by DequantizeLinear"

    xs = np.ascontiguousarray(b.inputs, dtype=np.float32)
    assert xs.shape[0] == N_FIXTURE
    s_plain = session(data, DISABLE_ALL)
    with tempfile.TemporaryDirectory(prefix="qdq-opt-") as tmp:
        opt_path = Path(tmp) / "optimized.onnx"
        s_opt = session(data, ENABLE_ALL, opt_path)
        opt = onnx.load(str(opt_path))
    info["ort_enable_all_ops"] = dict(sorted(Counter((f"{n.domain}." if n.domain else "") + n.op_type
                                                     for n in opt.graph.node).items(),
                                             key=lambda kv: (-kv[1], kv[0])))
    expected = run_each(s_plain, xs)
    optimized = run_each(s_opt, xs)
    assert expected.dtype == np.float32 and np.isfinite(expected).all()

    # Independent check of the literal QDQ semantics: onnx's reference evaluator.
    ref = reference_run(model, xs)
    d_ref = max_abs(ref, expected)
    assert d_ref <= step * 1.001, f"{c.name}: onnx reference differs from ORT_DISABLE_ALL by {d_ref / step:.2f} steps"

    d_opt = max_abs(optimized, expected)
    info.update({
        "case": c.name, "group": c.group, "covers": c.covers, "source": b.source, "settings": b.settings,
        "preprocessed_ops": dict(Counter(b.preprocessed_ops)) if b.preprocessed_ops else None,
        "preprocessed_sequence": b.preprocessed_ops,
        "input_shape": list(xs.shape[1:]), "output_shape": list(expected.shape[1:]),
        "model_bytes": len(data),
        "fixture_images": ("Fashion-MNIST test images 0..15" if c.group == "fmnist"
                           else "random normal(0, 2), seeded from the case name"),
        "max_diff_reference_vs_disable_all": d_ref,
        "max_diff_disable_vs_enable_all": d_opt,
        "max_diff_disable_vs_enable_all_steps": d_opt / step,
        "max_diff_disable_vs_enable_all_input0": max_abs(optimized[0], expected[0]),
        "output_values_differing_disable_vs_enable_all": f"{int((np.abs(optimized - expected) > step / 2).sum())}"
                                                         f" of {expected.size}",
        "versions": version_line(),
    })

    if b.fp32_path is not None:
        info.update(fmnist_checks(c, b, data, s_plain, s_opt, step))

    d = OUT_DIR / c.name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    (d / "model.onnx").write_bytes(data)
    save_npy(d / "input.npy", xs[0])
    save_npy(d / "inputs.npy", xs)
    save_npy(d / "expected.npy", expected[0])
    save_npy(d / "expected_many.npy", expected)
    save_npy(d / "expected_optimized.npy", optimized[0])
    save_npy(d / "expected_optimized_many.npy", optimized)
    info["seconds"] = round(time.time() - t0, 1)
    (d / "meta.json").write_text(json.dumps(info, indent=1) + "\n")
    info["dir_bytes"] = sum(p.stat().st_size for p in d.iterdir())
    return info


def fmnist_checks(c: Case, b: Built, data: bytes, s_plain, s_opt, step: float) -> dict:
    """fp32 model vs the recorded reference logits and accuracy; int8 accuracy on all test images."""
    model_id = b.fp32_path.stem
    test, labels = fmnist()["test"], fmnist()["test_labels"]
    s_fp32 = session(str(b.fp32_path), ENABLE_ALL)
    fp32 = run_each(s_fp32, test[:, None])[:, 0]                       # [10000, 10]
    ref_logits = np.load(FMNIST_DIR / "reference-logits" / f"{model_id}.npy")
    d = max_abs(fp32[:N_FIXTURE], ref_logits)
    assert d <= 1e-4 * max(1.0, float(np.abs(ref_logits).max())), \
        f"{c.name}: fp32 logits differ from reference-logits by {d} (normalisation?)"
    recorded = json.loads((FMNIST_DIR / "reference.json").read_text())["models"][model_id]
    acc_fp32 = float((fp32.argmax(1) == labels).mean())
    assert abs(acc_fp32 - recorded["test_accuracy_onnxruntime"]) < 5e-4, (acc_fp32, recorded)

    q_opt = run_each(s_opt, test[:, None])[:, 0]
    q_plain = run_each(s_plain, test[:, None])[:, 0]
    acc_opt = float((q_opt.argmax(1) == labels).mean())
    acc_plain = float((q_plain.argmax(1) == labels).mean())
    assert acc_opt > acc_fp32 - 0.03, f"{c.name}: int8 accuracy {acc_opt} vs fp32 {acc_fp32}"
    diff = np.abs(q_opt.astype(np.float64) - q_plain)
    return {
        "accuracy_fp32": acc_fp32,
        "accuracy_int8_enable_all": acc_opt,
        "accuracy_int8_disable_all": acc_plain,
        "test_max_diff_disable_vs_enable_all": float(diff.max()),
        "test_max_diff_disable_vs_enable_all_steps": float(diff.max()) / step,
        "test_fraction_values_differing": float((diff > step / 2).mean()),
        "test_top1_disagreements_disable_vs_enable_all": int((q_opt.argmax(1) != q_plain.argmax(1)).sum()),
        "fp32_vs_reference_logits": d,
    }


def version_line() -> str:
    return f"onnx {onnx.__version__}, onnxruntime {ort.__version__}, numpy {np.__version__}"


# ---------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------

def _counts(d: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in d.items())


def _seq(seq: list[str]) -> str:
    return " → ".join(seq)


def describe(m: dict) -> list[str]:
    L = [f"### `{m['case']}`", "", f"- Covers: {m['covers']}.", f"- Source: {m['source']}."]
    if m.get("preprocessed_sequence"):
        L.append("- After `quant_pre_process` (what the quantizer saw): " + _seq(m["preprocessed_sequence"]) + ".")
        acts = {k: v for k, v in m["preprocessed_ops"].items() if k in ("Relu", "Clip")}
        if acts:
            kept = {k: m["op_counts"].get(k, 0) for k in acts}
            L.append("- Activations " + ", ".join(f"{k} ×{v}" for k, v in acts.items()) + " in the pre-processed graph, "
                     + ", ".join(f"{k} ×{v}" for k, v in kept.items()) + " in the QDQ graph"
                     + (" (the quantizer removes them: activations are asymmetric)" if not any(kept.values()) else "")
                     + ".")
    L += [f"- Quantization: {m['settings']}.",
          f"- Input {m['input_shape']} → output {m['output_shape']}; model {m['model_bytes'] / 1024:.1f} KB.",
          f"- QDQ graph ops: {_counts(m['op_counts'])}.",
          f"- Op sequence (graph order; the {m['const_dq']} DequantizeLinear nodes of constant weights/biases "
          f"left out): `{_seq(m['sequence'])}`."]

    def zp(w):
        z = w["zero_point"]
        return "absent (0)" if z == "absent" else f"{_fmt_vals(z)} ({w['zero_point_dtype']})"

    def kind(w):
        return (f"{w['node']}: {w['dtype']} {w['shape']} initializer → DequantizeLinear "
                f"{'per-channel' if w['scale_count'] > 1 else 'per-tensor'} axis={w['axis']}, zero point {zp(w)}"
                + (f", Gemm transB={w['transB']}" if "transB" in w else ""))

    for title, items in (("Weights", m["weights"]), ("Biases", m["biases"])):
        if not items:
            continue
        kinds = Counter(re.sub(r"\[[0-9, ]+\] ", "", kind(w)) for w in items)
        line = f"- {title}: " + "; ".join(f"{n}× {k}" for k, n in kinds.items())
        errs = [w["scale_rel_err_vs_input_x_weight"] for w in items if "scale_rel_err_vs_input_x_weight" in w]
        if errs:
            line += f"; bias scale = input scale × weight scale[c] (max relative error {max(errs):.1e})"
        L.append(line + ".")
    zps = Counter(m["activation_zero_points"])
    L.append(f"- Activations: {m['activation_q']} QuantizeLinear ({', '.join(m['activation_dtypes'])}, per-tensor), "
             f"{m['activation_q_paired_with_identical_dq']} of them followed only by DequantizeLinear with the same "
             f"scale/zero point; zero points: " + ", ".join(f"{z} ×{n}" for z, n in sorted(zps.items())) + ".")
    if m["q_clamping_at_zero"]:
        L.append("- QuantizeLinear with zero point −128 right after Conv/Gemm/Add (it clamps at 0, standing in for a "
                 "removed Relu/Clip): " + "; ".join(f"{n}× {k}" for k, n in m["q_clamping_at_zero"].items()) + ".")
    for op, hows in m["passthrough"].items():
        L.append(f"- {op}: " + "; ".join(f"{n}× {h}" for h, n in hows.items()) + ".")
    if m["shared_activation_dq"]:
        L.append("- Activation DequantizeLinear outputs read by several nodes (one Q→DQ pair shared by a branch): "
                 + "; ".join(f"{n}× → {k}" for k, n in m["shared_activation_dq"].items()) + ".")
    L.append("- Float edges not wrapped in Q→DQ: " + (", ".join(m["float_edges"]) if m["float_edges"] else "none")
             + (f"; activation DQ not fed by a Q: {m['activation_dq_not_from_q']}" if m["activation_dq_not_from_q"]
                else "") + ".")
    if m["unused_opset_domains"]:
        L.append(f"- `opset_import` also lists domains no node uses (written by `quant_pre_process`): "
                 f"{', '.join(m['unused_opset_domains'])}.")
    L.append(f"- Output quantization step: {m['output_step']:.7g} (zero point {m['output_zero_point']}).")
    L.append(f"- ORT_DISABLE_ALL vs ORT_ENABLE_ALL on the 16 fixture inputs: max |diff| "
             f"{m['max_diff_disable_vs_enable_all']:.4g} = {m['max_diff_disable_vs_enable_all_steps']:.2f} steps "
             f"({m['output_values_differing_disable_vs_enable_all']} output values differ); input.npy alone: "
             f"{m['max_diff_disable_vs_enable_all_input0']:.4g}. onnx ReferenceEvaluator vs ORT_DISABLE_ALL: "
             f"{m['max_diff_reference_vs_disable_all']:.3g}.")
    if "accuracy_fp32" in m:
        L.append(f"- All 10 000 test images: fp32 {m['accuracy_fp32']:.4f}, int8 ORT_ENABLE_ALL "
                 f"{m['accuracy_int8_enable_all']:.4f}, int8 ORT_DISABLE_ALL {m['accuracy_int8_disable_all']:.4f}; "
                 f"DISABLE vs ENABLE max |diff| {m['test_max_diff_disable_vs_enable_all']:.4g} = "
                 f"{m['test_max_diff_disable_vs_enable_all_steps']:.2f} steps, "
                 f"{100 * m['test_fraction_values_differing']:.2f}% of logits differ, "
                 f"top-1 differs on {m['test_top1_disagreements_disable_vs_enable_all']} images.")
    L.append(f"- ORT_ENABLE_ALL graph (informative; x86-64 CPU specific): {_counts(m['ort_enable_all_ops'])}.")
    L.append("")
    return L


def write_readme(metas: list[dict]) -> None:
    L = [
        "# QDQ import fixtures",
        "",
        "Pre-quantized ONNX models in QDQ form (QuantizeLinear/DequantizeLinear around float ops, as",
        "onnxruntime's quantization tool writes them) with onnxruntime's outputs, for the Swift import tests:",
        "adapt-top must match `expected*.npy` to within one output quantization step. Generated by",
        "`Scripts/make_qdq_fixtures.py`; do not edit by hand.",
        "",
        "Each `<case>/` directory holds:",
        "",
        "- `model.onnx`: the QDQ model, one float32 input `input` (batch 1, NCHW), one float32 output that is",
        "  produced by a DequantizeLinear.",
        "- `input.npy`: one input; `inputs.npy`: 16 inputs stacked on a leading axis (`[16, *input.shape]`,",
        "  `inputs[0] == input`). Fashion-MNIST cases: test images 0..15, `x = (p / 255 − 0.2860) / 0.3530`",
        "  in float32 (as `Examples/fashion-mnist`).",
        "- `expected.npy` / `expected_many.npy`: onnxruntime CPUExecutionProvider with",
        "  `graph_optimization_level = ORT_DISABLE_ALL`, i.e. the QDQ graph run literally (float Conv/Gemm on",
        "  dequantized values, re-quantized by each QuantizeLinear; round half to even, saturate).",
        "- `expected_optimized.npy` / `expected_optimized_many.npy`: `ORT_ENABLE_ALL`, where ORT fuses node",
        "  groups into its int8 kernels (QLinearConv, QGemm, QLinearAdd, ...; see each case). Its integer",
        "  requantization differs from the literal float graph by a step here and there, and can depend on the CPU.",
        "  (With onnxruntime 1.32 on x86-64, Conv nodes next to a Q→DQ pair shared by two consumers, i.e. at",
        "  residual branch points, and most residual Adds stay float: DQ → Conv/Add → Q.) A one-step difference",
        "  in an intermediate tensor reaches the output scaled by the ratio of the scales on the way, so the",
        "  deeper models can differ by more than one output step on some inputs (see the 10 000-image column).",
        "- `meta.json`: everything in this README for that case, machine-readable (`output_step` is the scale of",
        "  the QuantizeLinear feeding the output DequantizeLinear).",
        "",
        "All `.npy` files are float32 (`<f4`), C order, `.npy` format 1.0. Every model passes",
        "`onnx.checker.check_model(full_check=True)`, and `onnx.reference.ReferenceEvaluator` agrees with",
        "`expected_many.npy` to within one output step.",
        "",
        "## Regenerate",
        "",
        "```sh",
        "pip install numpy==2.4.6 onnx==1.23.2 onnxruntime==1.32.0 protobuf==7.36.2   # Scripts/requirements.txt minus torch",
        "sudo apt-get install -y dataset-fashion-mnist",
        "python3 Scripts/make_qdq_fixtures.py            # all cases; or name some; --list lists them",
        "```",
        "",
        "Deterministic: MinMax calibration on fixed images, the handmade case seeds its RNG from a CRC32 of its",
        "name. Last generated with: " + (metas[0]["versions"] if metas else version_line()) + ".",
        "",
        "Fashion-MNIST cases: `quant_pre_process` first (onnxruntime's recommended pre-processing: symbolic +",
        "ONNX shape inference and ORT's basic graph optimizations, which fold BatchNormalization into Conv,",
        "remove Identity and turn Clip's Constant min/max into initializers; `quantize_static` warns when it is",
        "skipped), then `" + QUANT_SETTINGS_TEXT + "` with a CalibrationDataReader",
        f"feeding Fashion-MNIST training images 0..{N_CALIB - 1} one at a time. Accuracy is top-1 on all 10 000",
        "test images, batch 1, onnxruntime CPU.",
        "",
        "## Summary",
        "",
        "| case | source | ops | KB | output step | max \\|DISABLE−ENABLE\\| (16 inputs) | same, 10 000 test images | "
        "top-1 fp32 | top-1 int8 (ENABLE_ALL) | top-1 int8 (DISABLE_ALL) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for m in metas:
        ops = ", ".join(f"{SHORT.get(k, k)} {v}" for k, v in m["op_counts"].items())
        acc = (lambda k: f"{m[k]:.4f}" if k in m else "–")
        test = (f"{m['test_max_diff_disable_vs_enable_all']:.4g} ({m['test_max_diff_disable_vs_enable_all_steps']:.2f} steps)"
                if "test_max_diff_disable_vs_enable_all" in m else "–")
        L.append(f"| `{m['case']}` | {m['source'].split(' ')[0]} | {ops} | {m['model_bytes'] / 1024:.1f} | "
                 f"{m['output_step']:.6g} | {m['max_diff_disable_vs_enable_all']:.4g} "
                 f"({m['max_diff_disable_vs_enable_all_steps']:.2f} steps) | {test} | {acc('accuracy_fp32')} | "
                 f"{acc('accuracy_int8_enable_all')} | {acc('accuracy_int8_disable_all')} |")
    L += ["", "## Cases", ""]
    for m in metas:
        L += describe(m)
    (OUT_DIR / "README.md").write_text("\n".join(L))


# ---------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", nargs="*", help="case names to (re)generate (default: all)")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    args = ap.parse_args()

    if args.list:
        for c in CASES.values():
            print(f"{c.name:22s} {c.covers}")
        return 0
    unknown = [n for n in args.cases if n not in CASES]
    if unknown:
        ap.error(f"unknown cases: {unknown}")
    selected = [CASES[n] for n in args.cases] if args.cases else list(CASES.values())

    logging.getLogger().setLevel(logging.ERROR)  # the quantizer logs its progress at INFO/WARNING
    t0 = time.time()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    if not args.cases:  # full regeneration: drop stale case directories
        for d in OUT_DIR.iterdir():
            if d.is_dir() and d.name not in CASES:
                shutil.rmtree(d)

    failed = []
    for c in selected:
        try:
            m = generate(c)
        except Exception as e:  # noqa: BLE001 - report every failing case, then fail
            failed.append(c.name)
            print(f"FAIL {c.name}: {type(e).__name__}: {e}", file=sys.stderr)
            continue
        acc = (f"  top-1 fp32 {m['accuracy_fp32']:.4f} int8 {m['accuracy_int8_enable_all']:.4f}"
               if "accuracy_fp32" in m else "")
        print(f"ok   {c.name:22s} {m['model_bytes'] / 1024:6.1f} KB  step {m['output_step']:.4g}  "
              f"|DISABLE-ENABLE| {m['max_diff_disable_vs_enable_all_steps']:.2f} steps"
              f"{acc}  ({m['seconds']:.1f} s)")

    # The README lists every case on disk, so partial runs keep it complete.
    metas = [json.loads((OUT_DIR / c.name / "meta.json").read_text()) for c in CASES.values()
             if (OUT_DIR / c.name / "meta.json").exists()]
    write_readme(metas)
    total = sum(p.stat().st_size for p in OUT_DIR.rglob("*") if p.is_file())
    print(f"{len(selected) - len(failed)} cases written, {len(failed)} failed; fixtures total "
          f"{total / 1024 / 1024:.2f} MB; {time.time() - t0:.1f} s")
    if total > MAX_TOTAL_BYTES:
        print(f"FAIL: fixtures exceed {MAX_TOTAL_BYTES} bytes", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
