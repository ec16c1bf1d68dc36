#!/usr/bin/env python3
"""Single-thread latency: adapt-top vs onnxruntime, as a markdown table.

For every model (default: Tests/Fixtures/onnx/*/model.onnx and Examples/**/*.onnx),
interleaved over --repeats rounds (each round runs every model once, so slow
drifts of the machine hit all models alike):

  * adapt-top: `adapt-top model bench FILE --threads T --iterations N --json`,
    which prints one JSON line {"model", "threads", "iterations",
    "latency_ms": {"p50", "p95", "p99"}, "throughput_ips"}; its p50 is used.
  * onnxruntime in-process: CPUExecutionProvider, intra-op T threads, inter-op 1,
    ORT_ENABLE_ALL, sequential execution; input.npy next to the model if
    present, else a seeded random N(0,1) input (symbolic dims = 1); warm-up,
    then N `run` calls timed one by one with time.perf_counter_ns; p50.

Each column is the median over the repeats of that p50; ratio = adapt-top /
onnxruntime. The last line gives the largest ratio among models whose
onnxruntime p50 is above --min-ort-us (default 20 us; below that the fixed
per-call overheads dominate). A model that fails in adapt-top shows the error
in its row. Always exits 0 unless the arguments are wrong.

    python3 Scripts/bench.py                           # everything, 3 repeats
    python3 Scripts/bench.py --ort-only                # onnxruntime half only
    python3 Scripts/bench.py Tests/Fixtures/onnx/fmnist_cnn3/model.onnx --repeats 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parent))
from onnx_macs import count_macs, format_macs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Entry:
    path: Path
    name: str
    macs: int | None = None
    iterations: int = 0
    session: ort.InferenceSession | None = None
    feeds: dict | None = None
    ort_p50_us: list[float] = field(default_factory=list)
    adapt_p50_us: list[float] = field(default_factory=list)
    ort_error: str | None = None
    adapt_error: str | None = None


def default_models() -> list[Path]:
    models = sorted((ROOT / "Tests" / "Fixtures" / "onnx").glob("*/model.onnx"))
    models += sorted((ROOT / "Examples").glob("**/*.onnx"))
    return models


def display_name(path: Path) -> str:
    path = path.resolve()
    fixtures = (ROOT / "Tests" / "Fixtures" / "onnx").resolve()
    if path.name == "model.onnx" and path.parent.parent == fixtures:
        return path.parent.name
    try:
        return str(path.relative_to(ROOT.resolve()))
    except ValueError:
        return str(path)


def one_line(text: str, limit: int = 120) -> str:
    text = " ".join(text.split()).replace("|", "/")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def make_session(path: Path, threads: int) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def make_feeds(path: Path, sess: ort.InferenceSession) -> dict:
    inputs = sess.get_inputs()
    npy = path.parent / "input.npy"
    if len(inputs) == 1 and npy.exists():
        return {inputs[0].name: np.load(npy)}
    rng = np.random.default_rng(0)
    feeds = {}
    for i in inputs:
        shape = [d if isinstance(d, int) and d > 0 else 1 for d in i.shape]
        if i.type == "tensor(float)":
            feeds[i.name] = rng.standard_normal(shape).astype(np.float32)
        elif i.type == "tensor(int64)":
            feeds[i.name] = np.zeros(shape, dtype=np.int64)
        else:
            raise RuntimeError(f"unsupported input type {i.type} for {i.name}")
    return feeds


def ort_p50_us(sess: ort.InferenceSession, feeds: dict, iterations: int, warmup: int) -> float:
    for _ in range(warmup):
        sess.run(None, feeds)
    times = []
    for _ in range(iterations):
        t0 = time.perf_counter_ns()
        sess.run(None, feeds)
        times.append(time.perf_counter_ns() - t0)
    return statistics.median(times) / 1000.0


def pick_iterations(sess: ort.InferenceSession, feeds: dict, target_s: float, lo: int, hi: int) -> int:
    """Enough iterations for ~target_s of onnxruntime time (clamped)."""
    for _ in range(3):
        sess.run(None, feeds)
    t0 = time.perf_counter()
    n = 0
    while n < 5 or time.perf_counter() - t0 < 0.05:
        sess.run(None, feeds)
        n += 1
    per_call = (time.perf_counter() - t0) / n
    return int(min(hi, max(lo, target_s / max(per_call, 1e-9))))


def run_adapt_top(binary: str, path: Path, threads: int, iterations: int, timeout: float) -> float:
    """Returns adapt-top's p50 in microseconds; raises RuntimeError with a short message."""
    cmd = [binary, "model", "bench", str(path), "--threads", str(threads),
           "--iterations", str(iterations), "--json"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise RuntimeError(f"binary not found: {binary}") from None
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"timeout after {timeout:.0f}s") from None
    if proc.returncode != 0:
        msg = (proc.stderr.strip() or proc.stdout.strip() or "").splitlines()
        raise RuntimeError(f"exit {proc.returncode}: {msg[-1] if msg else 'no output'}")
    for line in reversed(proc.stdout.strip().splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            data = json.loads(line)
            return float(data["latency_ms"]["p50"]) * 1000.0
        except (ValueError, KeyError, TypeError) as e:
            raise RuntimeError(f"bad JSON ({type(e).__name__}): {one_line(line, 60)}") from None
    raise RuntimeError(f"no JSON line in output: {one_line(proc.stdout, 60)}")


def fmt_us(values: list[float]) -> str:
    if not values:
        return "-"
    v = statistics.median(values)
    return f"{v:.1f}" if v < 100 else f"{v:.0f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", type=Path, help="ONNX files (default: fixtures and Examples/**/*.onnx)")
    ap.add_argument("--adapt-top", default=str(ROOT / ".build" / "release" / "adapt-top"),
                    help="adapt-top binary (default: .build/release/adapt-top)")
    ap.add_argument("--threads", type=int, default=1, help="threads for both engines (default 1)")
    ap.add_argument("--iterations", type=int, default=0,
                    help="timed runs per measurement (default 0 = auto: ~--target-seconds of onnxruntime time, "
                         "clamped to [--min-iterations, --max-iterations])")
    ap.add_argument("--target-seconds", type=float, default=0.5)
    ap.add_argument("--min-iterations", type=int, default=20)
    ap.add_argument("--max-iterations", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=0, help="onnxruntime warm-up runs (default: iterations/10, >= 5)")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved rounds (default 3)")
    ap.add_argument("--min-ort-us", type=float, default=20.0,
                    help="only models with onnxruntime p50 above this count for the max ratio (default 20)")
    ap.add_argument("--timeout", type=float, default=600.0, help="per adapt-top invocation, seconds")
    ap.add_argument("--ort-only", action="store_true", help="skip adapt-top (test the onnxruntime half)")
    ap.add_argument("--json-out", type=Path, help="also write raw per-repeat numbers as JSON")
    args = ap.parse_args()
    if args.repeats < 1:
        ap.error("--repeats must be >= 1")

    paths = args.models or default_models()
    if not paths:
        print("no models found", file=sys.stderr)
        return 0
    entries = [Entry(p, display_name(p)) for p in paths]
    adapt_bin = args.adapt_top
    if not args.ort_only and not Path(adapt_bin).exists():
        print(f"note: {adapt_bin} does not exist; adapt-top column will show the error "
              "(build with `swift build -c release` or pass --adapt-top)", file=sys.stderr)

    # Set-up: sessions, inputs, MACs, iteration counts.
    for e in entries:
        try:
            e.macs = count_macs(onnx.load(str(e.path)))
        except Exception:  # noqa: BLE001 - MACs are optional
            e.macs = None
        try:
            e.session = make_session(e.path, args.threads)
            e.feeds = make_feeds(e.path, e.session)
            e.iterations = args.iterations or pick_iterations(
                e.session, e.feeds, args.target_seconds, args.min_iterations, args.max_iterations)
        except Exception as ex:  # noqa: BLE001
            e.ort_error = one_line(f"{type(ex).__name__}: {ex}")
            e.iterations = args.iterations or args.min_iterations

    for r in range(args.repeats):
        print(f"round {r + 1}/{args.repeats}", file=sys.stderr, flush=True)
        for e in entries:
            if e.session is not None and e.ort_error is None:
                warmup = args.warmup or max(5, e.iterations // 10)
                try:
                    e.ort_p50_us.append(ort_p50_us(e.session, e.feeds, e.iterations, warmup))
                except Exception as ex:  # noqa: BLE001
                    e.ort_error = one_line(f"{type(ex).__name__}: {ex}")
            if not args.ort_only and e.adapt_error is None:
                try:
                    e.adapt_p50_us.append(run_adapt_top(adapt_bin, e.path, args.threads, e.iterations,
                                                        args.timeout))
                except RuntimeError as ex:
                    e.adapt_error = one_line(str(ex))
                    e.adapt_p50_us.clear()

    print()
    print(f"threads={args.threads}, repeats={args.repeats}, onnxruntime {ort.__version__} "
          f"(ORT_ENABLE_ALL, intra-op {args.threads}, inter-op 1); p50 in µs, median over repeats")
    print()
    print("| model | MACs | iterations | onnxruntime p50 µs | adapt-top p50 µs | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    best: tuple[float, str] | None = None
    for e in entries:
        ort_col = e.ort_error or fmt_us(e.ort_p50_us)
        if args.ort_only:
            adapt_col, ratio_col = "-", "-"
        elif e.adapt_error:
            adapt_col, ratio_col = f"error: {e.adapt_error}", "-"
        else:
            adapt_col, ratio_col = fmt_us(e.adapt_p50_us), "-"
        if e.ort_p50_us and e.adapt_p50_us:
            o, a = statistics.median(e.ort_p50_us), statistics.median(e.adapt_p50_us)
            ratio = a / o if o > 0 else float("inf")
            ratio_col = f"{ratio:.2f}"
            if o > args.min_ort_us and (best is None or ratio > best[0]):
                best = (ratio, e.name)
        print(f"| {e.name} | {format_macs(e.macs) if e.macs else '-'} | {e.iterations} | {ort_col} | "
              f"{adapt_col} | {ratio_col} |")
    print()
    if best is None:
        print(f"max ratio (onnxruntime p50 > {args.min_ort_us:g} µs): n/a"
              + (" (--ort-only)" if args.ort_only else ""))
    else:
        print(f"max ratio (onnxruntime p50 > {args.min_ort_us:g} µs): {best[0]:.2f} ({best[1]})")

    if args.json_out:
        args.json_out.write_text(json.dumps([
            {"model": e.name, "path": str(e.path), "macs": e.macs, "iterations": e.iterations,
             "ort_p50_us": e.ort_p50_us, "adapt_top_p50_us": e.adapt_p50_us,
             "ort_error": e.ort_error, "adapt_top_error": e.adapt_error} for e in entries], indent=2))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
