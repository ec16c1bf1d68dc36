#!/usr/bin/env python3
"""Train a family of Fashion-MNIST classifiers and export each to ONNX.

The family spans a wide range of cost (MACs and latency) so the adaptive engine
can trade accuracy for latency at run time. Everything runs on the CPU.

    python3 Examples/fashion-mnist/train.py --threads 2            # everything
    python3 Examples/fashion-mnist/train.py --only resnet-8,mlp     # a subset; other
                                                                    # reference.json entries are kept
    python3 Examples/fashion-mnist/train.py --list                  # the variants
    python3 Examples/fashion-mnist/train.py --table                 # reference.json as Markdown
    python3 Examples/fashion-mnist/train.py --remeasure-latency     # re-time the ONNX files only
    python3 Examples/fashion-mnist/train.py --threads 1 --epochs 1 --train-limit 5000 --out /tmp/fm
                                                                    # a quick smoke run

Data: the Debian package `dataset-fashion-mnist`
(/usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz), read
with numpy + gzip. The first 55 000 training images train, the last 5 000 are a
validation split printed after each epoch (no checkpoint selection: the model
after the last epoch is exported). Accuracies in reference.json are on the
10 000 test images.

Preprocessing (the Swift side applies exactly this), per pixel p in 0..255:
    x = (p / 255 - 0.2860) / 0.3530
laid out as float32 NCHW [1, 1, 28, 28], row-major as in the IDX file.

Outputs (under --out, default this script's directory):
    models/<id>.onnx             opset 13, input `input` [1,1,28,28] float32, output `logits` [1,10]
    reference.json               per id: accuracies (PyTorch, onnxruntime), params, MACs, latency, ...
    reference-logits/<id>.npy    onnxruntime logits of the first 16 test images, float32 [16,10]

Reproducibility: every variant re-seeds python/numpy/torch with --seed (default
0) before it is built, so a variant trains identically whether it is run alone
(--only) or with the others; torch.use_deterministic_algorithms(True) is on.
Results are bit-reproducible for a given thread count and torch build.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import platform
import random
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / "Scripts"))
from onnx_macs import count_macs, format_macs  # noqa: E402

DATA_DIR = Path("/usr/share/datasets/fashion-mnist")
MEAN, STD = 0.2860, 0.3530
NUM_VAL = 5000
OPSET = 13

# Ops the adapt-top engine supports (Shape/Gather/Unsqueeze/Concat are folded at load).
ALLOWED_OPS = {
    "Conv", "Gemm", "MatMul", "Relu", "Clip", "Add", "MaxPool", "AveragePool",
    "GlobalAveragePool", "Flatten", "Reshape", "Concat", "BatchNormalization",
    "Dropout", "Identity", "Softmax", "Sigmoid", "HardSwish", "Constant",
    "Shape", "Gather", "Unsqueeze",
}


# ----------------------------------------------------------------------------- data

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
    """uint8 [N,28,28] -> float32 [N,1,28,28]: (p/255 - MEAN) / STD."""
    x = images_u8.astype(np.float32) / np.float32(255.0)
    x = (x - np.float32(MEAN)) / np.float32(STD)
    return x[:, None, :, :].astype(np.float32, copy=False)


def load_data() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    if not DATA_DIR.is_dir():
        sys.exit(f"{DATA_DIR} not found: install the Debian package dataset-fashion-mnist")
    tr_x = read_idx(DATA_DIR / "train-images-idx3-ubyte.gz")
    tr_y = read_idx(DATA_DIR / "train-labels-idx1-ubyte.gz")
    te_x = read_idx(DATA_DIR / "t10k-images-idx3-ubyte.gz")
    te_y = read_idx(DATA_DIR / "t10k-labels-idx1-ubyte.gz")
    assert tr_x.shape == (60000, 28, 28) and te_x.shape == (10000, 28, 28), (tr_x.shape, te_x.shape)
    return {
        "train": (tr_x[:-NUM_VAL], tr_y[:-NUM_VAL]),
        "val": (tr_x[-NUM_VAL:], tr_y[-NUM_VAL:]),
        "test": (te_x, te_y),
    }


def augment(x: torch.Tensor, gen: torch.Generator, pad: int = 2) -> torch.Tensor:
    """Random crop with zero padding (in normalized space padding is the
    normalized value of a black pixel) and random horizontal flip, per sample."""
    b, _, h, w = x.shape
    bg = (0.0 - MEAN) / STD
    xp = F.pad(x, (pad, pad, pad, pad), value=bg)
    oy = torch.randint(0, 2 * pad + 1, (b,), generator=gen)
    ox = torch.randint(0, 2 * pad + 1, (b,), generator=gen)
    rows = (oy[:, None] + torch.arange(h))[:, :, None]  # [B,H,1]
    cols = (ox[:, None] + torch.arange(w))[:, None, :]  # [B,1,W]
    out = xp[torch.arange(b)[:, None, None], 0, rows, cols].unsqueeze(1)
    flip = torch.rand(b, generator=gen) < 0.5
    return torch.where(flip[:, None, None, None], out.flip(3), out)


# ----------------------------------------------------------------------------- models

def conv_bn(cin: int, cout: int, k: int = 3, stride: int = 1, groups: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]


class MLP(nn.Module):
    def __init__(self, hidden: int = 256):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(inplace=True),
            nn.Dropout(0.2), nn.Linear(hidden, 10))

    def forward(self, x):
        return self.net(x)


class PlainCNN(nn.Module):
    """conv3x3-BN-ReLU x2 (c) -> maxpool -> conv3x3-BN-ReLU x2 (2c) -> maxpool -> flatten -> linear."""

    def __init__(self, c: int):
        super().__init__()
        self.features = nn.Sequential(
            *conv_bn(1, c), nn.ReLU(inplace=True), *conv_bn(c, c), nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            *conv_bn(c, 2 * c), nn.ReLU(inplace=True), *conv_bn(2 * c, 2 * c), nn.ReLU(inplace=True),
            nn.MaxPool2d(2))
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.25), nn.Linear(2 * c * 7 * 7, 10))

    def forward(self, x):
        return self.head(self.features(x))


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.body = nn.Sequential(
            *conv_bn(cin, cout, 3, stride), nn.ReLU(inplace=True), *conv_bn(cout, cout, 3, 1))
        self.short = (nn.Sequential(*conv_bn(cin, cout, 1, stride))
                      if stride != 1 or cin != cout else nn.Identity())
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.body(x) + self.short(x))


class ResNet(nn.Module):
    """CIFAR-style ResNet for 28x28: 3x3 stem, three stages (28, 14, 7), GAP, linear.
    Depth = 2 + 6 * blocks_per_stage."""

    def __init__(self, blocks: int, widths: tuple[int, int, int]):
        super().__init__()
        layers: list[nn.Module] = [*conv_bn(1, widths[0]), nn.ReLU(inplace=True)]
        cin = widths[0]
        for stage, w in enumerate(widths):
            for i in range(blocks):
                layers.append(BasicBlock(cin, w, 2 if (stage > 0 and i == 0) else 1))
                cin = w
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 10))

    def forward(self, x):
        return self.head(self.features(x))


class InvertedResidual(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, expand: int):
        super().__init__()
        hid = cin * expand
        layers: list[nn.Module] = []
        if expand != 1:
            layers += [*conv_bn(cin, hid, 1), nn.ReLU6(inplace=True)]
        layers += [*conv_bn(hid, hid, 3, stride, groups=hid), nn.ReLU6(inplace=True),
                   *conv_bn(hid, cout, 1)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


class MobileNetV2(nn.Module):
    """MobileNetV2 sized for 28x28: a stride-2 stem (28 -> 14) as in the original (224 -> 112),
    one more stride-2 stage (14 -> 7), expansion 4, ReLU6, 1x1 head conv, GAP, linear."""

    # (expansion t, channels c, repeats n, first stride s)
    CFG = [(1, 16, 1, 1), (4, 24, 1, 1), (4, 32, 2, 2), (4, 64, 2, 1), (4, 96, 1, 1)]

    def __init__(self, stem: int = 16, last: int = 256):
        super().__init__()
        layers: list[nn.Module] = [*conv_bn(1, stem, 3, 2), nn.ReLU6(inplace=True)]
        cin = stem
        for t, c, n, s in self.CFG:
            for i in range(n):
                layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        layers += [*conv_bn(cin, last, 1), nn.ReLU6(inplace=True)]
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.1),
                                  nn.Linear(last, 10))

    def forward(self, x):
        return self.head(self.features(x))


def init_weights(model: nn.Module) -> None:
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    # zero-init the last BN of every residual branch: blocks start as identities
    for m in model.modules():
        if isinstance(m, BasicBlock):
            nn.init.zeros_(m.body[-1].weight)
        elif isinstance(m, InvertedResidual) and m.residual:
            nn.init.zeros_(m.body[-1].weight)


@dataclass
class Variant:
    id: str
    build: Callable[[], nn.Module]
    epochs: int
    lr: float = 0.1           # OneCycle peak LR (SGD, nesterov, momentum 0.9)
    wd: float = 5e-4
    batch: int = 128
    augment: bool = True
    note: str = ""


VARIANTS = [
    Variant("mlp", lambda: MLP(256), epochs=20, lr=0.05, wd=1e-4, augment=False,
            note="784-256-10 MLP, ReLU, dropout 0.2"),
    Variant("cnn-w25", lambda: PlainCNN(8), epochs=10,
            note="plain CNN, widths 8/16 (x0.25 of 32/64), flatten + linear"),
    Variant("cnn-w50", lambda: PlainCNN(16), epochs=10,
            note="plain CNN, widths 16/32 (x0.5), flatten + linear"),
    Variant("cnn-w100", lambda: PlainCNN(32), epochs=15,
            note="plain CNN, widths 32/64 (x1.0), flatten + linear"),
    Variant("mobilenet-v2", lambda: MobileNetV2(), epochs=8,
            note="MobileNetV2 (t=4, ReLU6, inverted residuals), stride-2 stem, 14->7, 256-ch head, GAP"),
    Variant("resnet-8", lambda: ResNet(1, (16, 32, 64)), epochs=10,
            note="ResNet-8: 1 basic block per stage, widths 16/32/64, GAP"),
    Variant("resnet-8-wide", lambda: ResNet(1, (32, 64, 128)), epochs=12,
            note="ResNet-8 x2 width: 1 basic block per stage, widths 32/64/128, GAP"),
]
BY_ID = {v.id: v for v in VARIANTS}


# ----------------------------------------------------------------------------- training

def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 500) -> float:
    model.eval()
    correct = 0
    for i in range(0, len(x), batch):
        xb = x[i:i + batch].contiguous(memory_format=torch.channels_last)
        correct += (model(xb).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x)


def train_variant(v: Variant, data: dict, args) -> tuple[nn.Module, dict]:
    seed_everything(args.seed)
    model = v.build()
    init_weights(model)
    # channels-last is markedly faster for CPU (oneDNN) training, MobileNet above all
    model = model.to(memory_format=torch.channels_last)
    epochs = args.epochs if args.epochs is not None else v.epochs
    gen = torch.Generator().manual_seed(args.seed + 1)

    tr_x, tr_y = data["train"]
    if args.train_limit:
        tr_x, tr_y = tr_x[:args.train_limit], tr_y[:args.train_limit]
    xt = torch.from_numpy(normalize(tr_x))
    yt = torch.from_numpy(tr_y.astype(np.int64))
    xv = torch.from_numpy(normalize(data["val"][0]))
    yv = torch.from_numpy(data["val"][1].astype(np.int64))

    n = len(xt)
    steps_per_epoch = n // v.batch  # drop the last partial batch (keeps BN stats sane)
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    opt = torch.optim.SGD([{"params": decay, "weight_decay": v.wd},
                           {"params": no_decay, "weight_decay": 0.0}],
                          lr=v.lr, momentum=0.9, nesterov=True)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=v.lr, epochs=epochs, steps_per_epoch=steps_per_epoch,
        pct_start=0.25, div_factor=10.0, final_div_factor=100.0)
    crit = nn.CrossEntropyLoss(label_smoothing=0.1)

    params = sum(p.numel() for p in model.parameters())
    print(f"[{v.id}] {v.note}; {params:,} params; {epochs} epochs x {steps_per_epoch} steps "
          f"(batch {v.batch}, lr {v.lr}, wd {v.wd}, augment {v.augment})", flush=True)
    t_start = time.perf_counter()
    for epoch in range(epochs):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(n, generator=gen)
        loss_sum = 0.0
        for s in range(steps_per_epoch):
            idx = perm[s * v.batch:(s + 1) * v.batch]
            xb, yb = xt[idx], yt[idx]
            if v.augment:
                xb = augment(xb, gen)
            xb = xb.contiguous(memory_format=torch.channels_last)
            loss = crit(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item()
        train_s = time.perf_counter() - t0
        val_acc = evaluate(model, xv, yv)
        print(f"[{v.id}] epoch {epoch + 1:2d}/{epochs}  {train_s:6.1f}s  loss {loss_sum / steps_per_epoch:.4f}"
              f"  val {val_acc:.4f}  lr {sched.get_last_lr()[0]:.4f}", flush=True)
    train_seconds = time.perf_counter() - t_start
    model = model.to(memory_format=torch.contiguous_format).eval()
    return model, {"epochs": epochs, "train_seconds": round(train_seconds, 1), "params": params}


# ----------------------------------------------------------------------------- export & check

def export_onnx(model: nn.Module, path: Path) -> None:
    import onnx
    model.eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.zeros(1, 1, 28, 28, dtype=torch.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # PRESERVE with an eval-mode model exports inference-mode BatchNormalization nodes
        # instead of letting the exporter fold them into the Conv weights (adapt-top folds
        # BN itself at load); Dropout is dropped because the model is in eval mode.
        torch.onnx.export(
            model, (dummy,), str(path), dynamo=False, opset_version=OPSET,
            input_names=["input"], output_names=["logits"], do_constant_folding=True,
            training=torch.onnx.TrainingMode.PRESERVE, export_params=True)
    m = onnx.load(str(path))
    onnx.checker.check_model(m, full_check=True)
    ops = sorted({n.op_type for n in m.graph.node})
    bad = [op for op in ops if op not in ALLOWED_OPS]
    if bad:
        raise SystemExit(f"{path}: unsupported ONNX op(s) {bad} (all ops: {ops})")
    if any(n.domain not in ("", "ai.onnx") for n in m.graph.node):
        raise SystemExit(f"{path}: non-default-domain nodes")
    opset = {o.domain: o.version for o in m.opset_import}
    assert opset.get("", opset.get("ai.onnx")) == OPSET, opset

    def shape(vi):
        return [d.dim_value if d.HasField("dim_value") else d.dim_param for d in vi.type.tensor_type.shape.dim]
    ins = [i for i in m.graph.input if i.name not in {t.name for t in m.graph.initializer}]
    assert [i.name for i in ins] == ["input"] and shape(ins[0]) == [1, 1, 28, 28], [(i.name, shape(i)) for i in ins]
    assert ins[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    outs = list(m.graph.output)
    assert [o.name for o in outs] == ["logits"] and shape(outs[0]) == [1, 10], [(o.name, shape(o)) for o in outs]


def ort_session(path: Path, threads: int):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def ort_check(path: Path, x_test: np.ndarray, y_test: np.ndarray, threads: int, latency_runs: int) -> dict:
    """Accuracy of the exported file on the test set (batch 1, same preprocessing),
    logits of the first 16 test images, single-thread p50 latency."""
    sess = ort_session(path, threads)
    correct = 0
    first = []
    for i in range(len(x_test)):
        logits = sess.run(["logits"], {"input": x_test[i:i + 1]})[0]
        correct += int(logits.argmax() == y_test[i])
        if i < 16:
            first.append(logits[0])
    acc = correct / len(x_test)

    p50_us = ort_latency_p50_us(path, x_test[:1].copy(), latency_runs)
    return {"acc": acc, "logits16": np.stack(first).astype(np.float32), "p50_us": p50_us}


def op_summary(path: Path) -> list[str]:
    import onnx
    return sorted({n.op_type for n in onnx.load(str(path)).graph.node})


def ort_latency_p50_us(path: Path, x0: np.ndarray, runs: int) -> float:
    """onnxruntime single-thread p50 latency of one batch-1 inference, after warm-up."""
    sess = ort_session(path, 1)
    for _ in range(max(50, runs // 10)):
        sess.run(["logits"], {"input": x0})
    times = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        sess.run(["logits"], {"input": x0})
        times.append(time.perf_counter_ns() - t0)
    return float(np.percentile(np.array(times, dtype=np.float64), 50)) / 1000.0


def remeasure_latency(args, ids: list[str]) -> None:
    ref_path = args.out / "reference.json"
    ref = json.loads(ref_path.read_text())
    x0 = normalize(read_idx(DATA_DIR / "t10k-images-idx3-ubyte.gz")[:1])
    for vid in ids:
        if vid not in ref["models"]:
            print(f"[{vid}] not in reference.json; skipped")
            continue
        p50 = ort_latency_p50_us(args.out / "models" / f"{vid}.onnx", x0, args.latency_runs)
        old = ref["models"][vid]["ort_p50_us_1thread"]
        ref["models"][vid]["ort_p50_us_1thread"] = round(p50, 1)
        print(f"[{vid}] p50 {p50:.1f} us (was {old})", flush=True)
    ref_path.write_text(json.dumps(ref, indent=2) + "\n")


def print_table(ref: dict) -> None:
    print("| id | params | MACs | PyTorch test acc | ORT test acc | ORT p50 (1 thread) | epochs | train time |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    for k, m in ref["models"].items():
        print(f"| `{k}` | {m['params']:,} | {format_macs(m['macs'])} | {100 * m['test_accuracy_torch']:.2f} % "
              f"| {100 * m['test_accuracy_onnxruntime']:.2f} % | {m['ort_p50_us_1thread']:.0f} µs "
              f"| {m['epochs']} | {m['train_seconds']:.0f} s |")


# ----------------------------------------------------------------------------- main

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--only", default="", help="comma-separated variant ids to (re)train; others keep their reference.json entry")
    ap.add_argument("--epochs", type=int, default=None, help="override every variant's epoch count (trials)")
    ap.add_argument("--train-limit", type=int, default=0, help="train on only the first N training images (trials)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--latency-runs", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=HERE, help="output directory (default: this script's directory)")
    ap.add_argument("--no-deterministic", action="store_true", help="skip torch.use_deterministic_algorithms(True)")
    ap.add_argument("--list", action="store_true", help="list the variants and exit")
    ap.add_argument("--table", action="store_true", help="print reference.json as a Markdown table and exit")
    ap.add_argument("--remeasure-latency", action="store_true",
                    help="no training: re-time the existing models/<id>.onnx (onnxruntime, 1 thread) and "
                         "update ort_p50_us_1thread in reference.json (for a quiet machine)")
    args = ap.parse_args()

    if args.table:
        print_table(json.loads((args.out / "reference.json").read_text()))
        return

    if args.list:
        for v in VARIANTS:
            m = v.build()
            print(f"{v.id:16s} {sum(p.numel() for p in m.parameters()):>9,} params  {v.epochs:3d} epochs  {v.note}")
        return

    ids = [s.strip() for s in args.only.split(",") if s.strip()] or [v.id for v in VARIANTS]
    unknown = [i for i in ids if i not in BY_ID]
    if unknown:
        sys.exit(f"unknown variant(s) {unknown}; known: {list(BY_ID)}")

    if args.remeasure_latency:
        remeasure_latency(args, ids)
        return

    torch.set_num_threads(args.threads)
    if not args.no_deterministic:
        torch.use_deterministic_algorithms(True)
        # Deterministic mode NaN-fills every fresh tensor by default; that costs up to 40 %
        # of a MobileNet step on CPU and is a debugging aid, not needed for determinism.
        torch.utils.deterministic.fill_uninitialized_memory = False
    import onnx
    import onnxruntime as ort

    t_all = time.perf_counter()
    data = load_data()
    x_test = normalize(data["test"][0])
    y_test = data["test"][1].astype(np.int64)
    xt_test, yt_test = torch.from_numpy(x_test), torch.from_numpy(y_test)

    out: Path = args.out
    ref_path = out / "reference.json"
    ref = json.loads(ref_path.read_text()) if ref_path.exists() else {}
    models = ref.get("models", {})

    for vid in ids:
        v = BY_ID[vid]
        model, info = train_variant(v, data, args)
        acc_torch = evaluate(model, xt_test, yt_test)
        onnx_path = out / "models" / f"{v.id}.onnx"
        export_onnx(model, onnx_path)
        chk = ort_check(onnx_path, x_test, y_test, args.threads, args.latency_runs)
        if abs(chk["acc"] - acc_torch) > 0.001:
            raise SystemExit(f"[{v.id}] onnxruntime accuracy {chk['acc']:.4f} != PyTorch {acc_torch:.4f}")
        with torch.no_grad():
            torch_logits = model(xt_test[:16]).numpy()
        max_diff = float(np.abs(torch_logits - chk["logits16"]).max())
        if max_diff > 1e-3:
            raise SystemExit(f"[{v.id}] onnxruntime logits differ from PyTorch by {max_diff}")
        (out / "reference-logits").mkdir(parents=True, exist_ok=True)
        np.save(out / "reference-logits" / f"{v.id}.npy", chk["logits16"])
        macs = count_macs(onnx.load(str(onnx_path)))
        ops = op_summary(onnx_path)
        models[v.id] = {
            "description": v.note,
            "file": f"models/{v.id}.onnx",
            "test_accuracy_torch": round(acc_torch, 6),
            "test_accuracy_onnxruntime": round(chk["acc"], 6),
            "params": info["params"],
            "macs": macs,
            "ort_p50_us_1thread": round(chk["p50_us"], 1),
            "epochs": info["epochs"],
            "train_seconds": info["train_seconds"],
            "train_threads": args.threads,
            "train_images": len(data["train"][0]) if not args.train_limit else args.train_limit,
            "batch": v.batch,
            "lr_max": v.lr,
            "weight_decay": v.wd,
            "augment": v.augment,
            "seed": args.seed,
            "ops": ops,
            "torch_version": torch.__version__,
            "onnxruntime_version": ort.__version__,
            "logits16_max_abs_diff_vs_torch": max_diff,
        }
        print(f"[{v.id}] test acc torch {acc_torch:.4f}  onnxruntime {chk['acc']:.4f}  "
              f"MACs {format_macs(macs)}  p50 {chk['p50_us']:.1f} us  ops {ops}", flush=True)

        # rewrite after every variant so an interrupted run keeps what finished
        order = [v.id for v in VARIANTS]
        ref = {
            "dataset": "Fashion-MNIST (Debian dataset-fashion-mnist), 10000 test images",
            "preprocessing": {
                "layout": "NCHW float32 [1,1,28,28]",
                "formula": "x = (pixel / 255 - mean) / std",
                "mean": MEAN, "std": STD,
            },
            "input": "input", "output": "logits", "opset": OPSET,
            "classes": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
            "reference_logits": "reference-logits/<id>.npy: onnxruntime logits of test images 0..15, float32 [16,10]",
            "models": {k: models[k] for k in sorted(models, key=lambda k: order.index(k) if k in order else 99)},
        }
        out.mkdir(parents=True, exist_ok=True)
        ref_path.write_text(json.dumps(ref, indent=2) + "\n")

    total = time.perf_counter() - t_all
    print(f"total {total:.1f}s ({total / 60:.1f} min) for {ids} on {args.threads} thread(s), "
          f"torch {torch.__version__}, {platform.processor() or platform.machine()}", flush=True)


if __name__ == "__main__":
    main()
