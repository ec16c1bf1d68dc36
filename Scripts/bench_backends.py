#!/usr/bin/env python3
"""adapt-top's backends against onnxruntime, per demo model, fp32 and int8, 1 thread (issue 9).

For every model of Examples/fashion-mnist/models and its static-int8 (QDQ) version, quantized here by
onnxruntime exactly as Tests/Fixtures/qdq (quant_pre_process, then quantize_static: QDQ, per-channel,
QInt8 activations and weights, MinMax on Fashion-MNIST training images 0..255; see make_qdq_fixtures.py),
each round times, one after the other:

  * onnxruntime: OrtApi::Run timed in C (bench.py's helper: ORT_ENABLE_ALL, intra-op 1, sequential),
  * adapt-top `model bench FILE --backend B --json` for B in xnnpack, onednn and auto.

Rounds interleave every model and engine, so slow drifts of the machine hit all alike. Each cell is the
median over rounds of that run's p50; "auto / ort" is the median over rounds of (auto p50 / onnxruntime
p50 of the same round). The targets (issue 9): auto <= 0.95 x onnxruntime on fp32, <= 0.8 x on int8.
Where `--backend onednn` ran on xnnpack instead (a model oneDNN refuses), the table says so rather than
repeating the XNNPACK figure.

    swift build -c release --product adapt-top
    python3 Scripts/bench_backends.py --rounds 5 --markdown-out Scripts/bench-results/backends.md
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the onnxruntime C helper and the session settings)
import make_qdq_fixtures as qdq  # noqa: E402  (the quantization the int8 fixtures use)

import onnxruntime as ort  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MODELS = ["mlp", "cnn-w25", "cnn-w50", "mobilenet-v2", "resnet-8", "cnn-w100", "resnet-8-wide"]
BACKENDS = ["xnnpack", "onednn", "auto"]
TARGET = {"fp32": 0.95, "int8": 0.8}


def quantize(model_id: str, out_dir: Path) -> Path:
    source = ROOT / "Examples" / "fashion-mnist" / "models" / f"{model_id}.onnx"
    pre, out = out_dir / f"{model_id}-pre.onnx", out_dir / f"{model_id}-int8.onnx"
    qdq.quant_pre_process(str(source), str(pre))
    import onnx
    input_name = onnx.load(str(pre)).graph.input[0].name
    qdq.quantize_static(str(pre), str(out), qdq.FmnistCalibrationReader(input_name), **qdq.QUANT_KWARGS)
    return out


def adapt_top(binary: str, path: Path, backend: str, iterations: int) -> tuple[float, str]:
    """(p50 in µs, the backend that ran it)."""
    cmd = [binary, "model", "bench", str(path), "--backend", backend, "--threads", "1",
           "--iterations", str(iterations), "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {(proc.stderr or proc.stdout).strip().splitlines()[-1:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return float(data["latency_ms"]["p50"]) * 1000.0, data["backend"]


def fmt(us: float) -> str:
    return f"{us:.1f}" if us < 100 else f"{us:.0f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=2000, help="timed runs per measurement (default 2000)")
    ap.add_argument("--adapt-top", default=str(ROOT / ".build" / "release" / "adapt-top"))
    ap.add_argument("--markdown-out", type=Path)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-backends-") as tmp:
        tmp_dir = Path(tmp)
        ort_c = bench.OrtCBench(tmp_dir)
        if ort_c.error:
            sys.exit(f"onnxruntime C helper: {ort_c.error}")
        cases = []  # (model, precision, path)
        for model_id in MODELS:
            cases.append((model_id, "fp32", ROOT / "Examples" / "fashion-mnist" / "models" / f"{model_id}.onnx"))
            print(f"quantizing {model_id} (QDQ)", file=sys.stderr)
            cases.append((model_id, "int8", quantize(model_id, tmp_dir)))
        sessions = {}
        for model_id, precision, path in cases:
            session = bench.make_session(path, 1)
            sessions[(model_id, precision)] = (session, bench.make_feeds(path, session))

        results = {(m, p): {"ort": [], **{b: [] for b in BACKENDS}, "ran_on": {}} for m, p, _ in cases}
        for round_index in range(args.rounds):
            print(f"round {round_index + 1}/{args.rounds}", file=sys.stderr)
            for model_id, precision, path in cases:
                session, feeds = sessions[(model_id, precision)]
                entry = results[(model_id, precision)]
                entry["ort"].append(ort_c.p50_us(
                    path, session, feeds, 1, args.iterations, bench.default_warmup(args.iterations),
                    f"{model_id}-{precision}", 600))
                for backend in BACKENDS:
                    p50, ran_on = adapt_top(args.adapt_top, path, backend, args.iterations)
                    entry[backend].append(p50)
                    entry["ran_on"].setdefault(backend, set()).add(ran_on)

    lines = [
        f"{datetime.date.today()}, {bench.cpu_model()}, 1 thread, onnxruntime {ort.__version__} (C API, ORT_ENABLE_ALL), "
        f"{args.rounds} interleaved rounds of {args.iterations} runs; p50 in µs, median over rounds; "
        "ratio = median over rounds of auto p50 / onnxruntime p50 of the same round; (chose): the backends auto's race "
        "picked over the rounds (close races can go either way).",
        "",
        "| model | precision | XNNPACK | oneDNN | auto (chose) | onnxruntime | auto / ort | target |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    worst = {"fp32": 0.0, "int8": 0.0}
    for model_id, precision, _ in cases:
        entry = results[(model_id, precision)]
        median = {key: statistics.median(entry[key]) for key in ["ort", *BACKENDS]}
        ratio = statistics.median(a / o for a, o in zip(entry["auto"], entry["ort"]))
        worst[precision] = max(worst[precision], ratio)
        onednn = fmt(median["onednn"]) if entry["ran_on"]["onednn"] == {"onednn"} else "runs on xnnpack"
        chosen = "/".join(sorted(entry["ran_on"]["auto"]))
        verdict = "met" if ratio <= TARGET[precision] else "MISSED"
        lines.append(f"| {model_id} | {precision} | {fmt(median['xnnpack'])} | {onednn} | "
                     f"{fmt(median['auto'])} ({chosen}) | {fmt(median['ort'])} | {ratio:.2f} | "
                     f"≤ {TARGET[precision]} {verdict} |")
    lines += ["", f"worst auto / onnxruntime: fp32 {worst['fp32']:.2f}, int8 {worst['int8']:.2f}"]
    text = "\n".join(lines)
    print(text)
    if args.markdown_out:
        args.markdown_out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
