#!/usr/bin/env python3
"""Parity check of adapt-top on real torchvision architectures (random weights).

For each architecture: export with the TorchScript ONNX exporter
(torch.onnx.export(..., dynamo=False), eval mode, constant folding on, fixed
1x3xSxS input, default S=224) into a temporary directory, print the set of op
types in the export and whether they are all in the adapt-top op list, run
onnxruntime (CPUExecutionProvider, ORT_DISABLE_ALL) on a seeded random input,
then run

    adapt-top model run FILE --input X.npy --output Y.npy

and report max|Y - onnxruntime| against the parity tolerance
1e-4 * max(1, max|onnxruntime|). Models whose export uses other ops are
reported and not sent to adapt-top. When adapt-top fails, its full
stderr/stdout is printed and kept verbatim (the table holds its last line).

Speed (unless --no-bench): for each export, single-thread p50 of
`adapt-top model bench FILE --iterations N --input X.npy --json` (N =
--bench-iterations, default 20) next to onnxruntime's, measured with the code
of bench.py (imported, not copied): ORT_ENABLE_ALL (unlike the parity run,
which uses ORT_DISABLE_ALL), intra-op 1; "ort C API" = OrtApi::Run timed in C
(onnxruntime's own per-run time, the reference of the ratio), "ort python" =
session.run timed from Python, "ort profiler" = p50 of the profiler's
"model_run" events (inflated by per-node profiling; reference only). The
speed runs come after all parity checks, in --bench-repeats (default 3) rounds
interleaved over the models, as in bench.py; each column is the median over the
rounds of the p50s. Warm-up: adapt-top's default (50 runs), onnxruntime
max(5, N/10).

    python3 Scripts/check_torchvision.py --ort-only           # export + onnxruntime half only
    python3 Scripts/check_torchvision.py                      # full check (needs the release build)
    python3 Scripts/check_torchvision.py resnet18 alexnet --keep /tmp/tv
    python3 Scripts/check_torchvision.py --markdown-out Scripts/bench-results/torchvision.md

Needs torchvision matching torch (torch 2.13.0 -> torchvision 0.28.0, see
Scripts/requirements.txt). Exit status: 0 when every model that was compared
is within tolerance (or with --ort-only, when every export + onnxruntime run
worked), 1 otherwise.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (speed measurement shared with bench.py)

SUPPORTED_OPS = {
    "Conv", "Gemm", "MatMul", "Relu", "Clip", "LeakyRelu", "Sigmoid",
    "HardSigmoid", "HardSwish", "Tanh", "MaxPool", "AveragePool",
    "GlobalAveragePool", "Add", "Sum", "Sub", "Mul", "Div", "Concat",
    "Flatten", "Reshape", "Transpose", "Softmax", "BatchNormalization", "Pad",
    "LRN", "Dropout", "Identity", "Constant", "ConstantOfShape", "Shape",
    "Gather", "Unsqueeze", "Squeeze",
}

# name -> (constructor name, kwargs)
ARCHS = {
    "resnet18": ("resnet18", {}),
    "mobilenet_v2": ("mobilenet_v2", {}),
    "squeezenet1_1": ("squeezenet1_1", {}),
    # Expected to be reported as unsupported: its channel split (x.chunk(2, dim=1)) exports as
    # Slice and its global pooling (x.mean([2, 3])) as ReduceMean.
    "shufflenet_v2_x0_5": ("shufflenet_v2_x0_5", {}),
    "densenet121": ("densenet121", {}),
    # weights=None gives transform_input=False; no auxiliary classifiers.
    "googlenet": ("googlenet", {"aux_logits": False, "init_weights": True}),
    "alexnet": ("alexnet", {}),
}


def import_torchvision():
    """Import torchvision for its pure-Python model definitions.

    The torchvision wheel on PyPI is built against CUDA torch; with the CPU
    torch build its compiled extension (torchvision::nms, roi_align, ...) cannot
    load and `import torchvision` dies while registering fake kernels for
    those ops. The architectures checked here use none of them, so make that
    registration a no-op during the import."""
    import torch
    import torch.library

    try:
        import torchvision  # noqa: F401
        return torchvision
    except RuntimeError as e:
        if "torchvision::" not in str(e):
            raise
    for mod in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        del sys.modules[mod]
    original = torch.library.register_fake
    torch.library.register_fake = lambda *a, **k: (lambda fn: fn)
    try:
        import torchvision
    finally:
        torch.library.register_fake = original
    return torchvision


def tolerance(expected: np.ndarray) -> float:
    return 1e-4 * max(1.0, float(np.abs(expected).max()))


def export(name: str, size: int, opset: int, out_dir: Path):
    import torch

    tv = import_torchvision()
    ctor, kwargs = ARCHS[name]
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = getattr(tv.models, ctor)(weights=None, **kwargs).eval()
    rng = np.random.default_rng(0)
    with torch.no_grad():
        # Non-trivial BatchNorm statistics (fresh modules have mean 0, var 1).
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                n = m.num_features
                m.running_mean.copy_(torch.from_numpy(rng.uniform(-0.1, 0.1, n).astype(np.float32)))
                m.running_var.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, n).astype(np.float32)))
    x = rng.standard_normal((1, 3, size, size)).astype(np.float32)
    with torch.no_grad():
        torch_out = model(torch.from_numpy(x)).numpy()
    path = out_dir / f"{name}.onnx"
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.from_numpy(x),), buf, opset_version=opset, dynamo=False,
                          do_constant_folding=True, input_names=["input"], output_names=["output"])
    path.write_bytes(buf.getvalue())
    return path, x, torch_out


def run_ort(path: Path, x: np.ndarray) -> np.ndarray:
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: x})[0]


def run_adapt_top(binary: str, path: Path, x_path: Path, y_path: Path, timeout: float) -> np.ndarray:
    cmd = [binary, "model", "run", str(path), "--input", str(x_path), "--output", str(y_path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise RuntimeError(f"binary not found: {binary}") from None
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"timeout after {timeout:.0f}s") from None
    if proc.returncode != 0:
        lines = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        raise bench.AdaptTopError(f"exit {proc.returncode}: {lines[-1] if lines else 'no output'}",
                                  (proc.stderr.strip() + "\n" + proc.stdout.strip()).strip())
    if not y_path.exists():
        raise RuntimeError(f"no output file {y_path}")
    return np.load(y_path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", metavar="MODEL",
                    help=f"architectures (default: all of {', '.join(ARCHS)})")
    ap.add_argument("--adapt-top", default=str(ROOT / ".build" / "release" / "adapt-top"))
    ap.add_argument("--ort-only", action="store_true", help="only export + onnxruntime (no adapt-top)")
    ap.add_argument("--size", type=int, default=224, help="input height/width (default 224)")
    ap.add_argument("--opset", type=int, default=13, help="export opset (default 13)")
    ap.add_argument("--keep", type=Path, help="keep the exports and .npy files in this directory")
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--no-bench", action="store_true", help="skip the speed comparison")
    ap.add_argument("--bench-iterations", type=int, default=20,
                    help="timed runs for adapt-top model bench and onnxruntime (default 20)")
    ap.add_argument("--bench-repeats", type=int, default=3,
                    help="interleaved speed rounds; medians are reported (default 3)")
    ap.add_argument("--markdown-out", type=Path, help="also write the results (tables, errors verbatim) here")
    args = ap.parse_args()
    if args.bench_repeats < 1 or args.bench_iterations < 1:
        ap.error("--bench-repeats and --bench-iterations must be >= 1")
    names = args.models or list(ARCHS)
    unknown = [n for n in names if n not in ARCHS]
    if unknown:
        ap.error(f"unknown models {unknown}; choose from {', '.join(ARCHS)}")

    import torch
    tv = import_torchvision()
    print(f"torch {torch.__version__}, torchvision {tv.__version__}, onnx {onnx.__version__}, "
          f"onnxruntime {ort.__version__}; input 1x3x{args.size}x{args.size}, opset {args.opset}")

    tmp = None
    if args.keep:
        out_dir = args.keep
        out_dir.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="check_torchvision_")
        out_dir = Path(tmp.name)

    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    load_start = bench.load_avg()
    header = (f"torch {torch.__version__}, torchvision {tv.__version__}, onnx {onnx.__version__}, "
              f"onnxruntime {ort.__version__}; input 1x3x{args.size}x{args.size}, opset {args.opset}")
    c_bench = None
    if not args.no_bench and not args.ort_only:
        c_bench = bench.OrtCBench(out_dir)
        if c_bench.error:
            print(f"note: ort C API column unavailable: {c_bench.error}")

    rows = []
    errors = []  # (model, what, verbatim output)
    ok = True
    for name in names:
        row = {"model": name}
        rows.append(row)
        t0 = time.perf_counter()
        try:
            path, x, torch_out = export(name, args.size, args.opset, out_dir)
        except Exception as e:  # noqa: BLE001
            row["status"] = f"export failed: {type(e).__name__}: {str(e).splitlines()[0][:100]}"
            ok = False
            print(f"\n{name}: {row['status']}")
            continue
        m = onnx.load(str(path))
        ops = sorted({n.op_type for n in m.graph.node})
        extra = sorted(set(ops) - SUPPORTED_OPS)
        row["size_mb"] = path.stat().st_size / 1e6
        row["supported"] = "yes" if not extra else "no: " + ", ".join(extra)
        print(f"\n{name}: {path.stat().st_size / 1e6:.1f} MB, {len(m.graph.node)} nodes, "
              f"export {time.perf_counter() - t0:.1f}s")
        print(f"  ops: {', '.join(ops)}")
        if extra:
            print(f"  NOT supported by adapt-top: {', '.join(extra)}")
        try:
            y = run_ort(path, x)
        except Exception as e:  # noqa: BLE001
            row["status"] = f"onnxruntime failed: {type(e).__name__}: {str(e).splitlines()[0][:100]}"
            ok = False
            print(f"  {row['status']}")
            continue
        tol = tolerance(y)
        row["tol"] = tol
        row["ort_vs_torch"] = float(np.abs(y - torch_out).max())
        print(f"  onnxruntime output {list(y.shape)}, max|y| {np.abs(y).max():.3g}, tolerance {tol:.3g}, "
              f"max|onnxruntime - torch| {row['ort_vs_torch']:.3g}")
        x_path, ref_path, y_path = (out_dir / f"{name}_X.npy", out_dir / f"{name}_expected.npy",
                                    out_dir / f"{name}_Y.npy")
        np.save(x_path, x)
        np.save(ref_path, y)
        if args.ort_only:
            row["status"] = "ort only"
            continue
        if not args.no_bench:
            row["_bench"] = (path, x, x_path, not extra)
        if extra:
            row["status"] = "skipped (unsupported ops)"
            continue
        try:
            got = run_adapt_top(args.adapt_top, path, x_path, y_path, args.timeout)
        except RuntimeError as e:
            row["status"] = f"adapt-top error: {bench.one_line(str(e), 10_000)}"
            ok = False
            output = getattr(e, "output", "") or str(e)
            errors.append((name, "model run", output))
            print(f"  adapt-top model run failed: {e}")
            print("    " + output.replace("\n", "\n    "))
        else:
            if got.shape != y.shape:
                row["status"] = f"shape mismatch: adapt-top {list(got.shape)} vs {list(y.shape)}"
                ok = False
                errors.append((name, "model run", row["status"]))
                print(f"  {row['status']}")
            else:
                diff = float(np.abs(got.astype(np.float32) - y).max())
                row["diff"] = diff
                row["status"] = "PASS" if diff <= tol else "FAIL"
                ok &= diff <= tol
                print(f"  adapt-top max|diff| {diff:.3g} -> {row['status']}")
                if diff > tol:
                    errors.append((name, "model run", f"max|adapt-top - onnxruntime| = {diff:.6g} > tolerance "
                                   f"{tol:.6g} (max|onnxruntime| = {float(np.abs(y).max()):.6g})"))

    if not args.no_bench and not args.ort_only:
        for r in range(args.bench_repeats):
            print(f"\nspeed round {r + 1}/{args.bench_repeats} ({args.bench_iterations} timed runs each)")
            for row in rows:
                if "_bench" in row:
                    measure(row, args, c_bench, out_dir, errors)
        for row in rows:
            for k in ("ort_py_us", "ort_c_us", "ort_prof_us", "adapt_us"):
                if row.get(k + "_all"):
                    row[k] = statistics.median(row[k + "_all"])

    lines = [header, "",
             "| model | export MB | only supported ops | max abs(ort - torch) | max abs(adapt-top - ort) | tolerance | result |",
             "| --- | ---: | --- | ---: | ---: | ---: | --- |"]
    for r in rows:
        def f(k, fmt):
            return format(r[k], fmt) if k in r else "-"
        lines.append(f"| {r['model']} | {f('size_mb', '.1f')} | {r.get('supported', '-')} | "
                     f"{f('ort_vs_torch', '.2e')} | {f('diff', '.2e')} | {f('tol', '.2e')} | {r.get('status', '-')} |")
    if not args.no_bench and not args.ort_only:
        n = args.bench_iterations
        lines += ["", f"Speed, 1 thread, {n} timed runs each, p50 in ms, median over {args.bench_repeats} "
                  "interleaved rounds (onnxruntime ORT_ENABLE_ALL). "
                  "ratio = adapt-top / ort C API (onnxruntime's own per-run time, OrtApi::Run timed in C); "
                  "ort profiler = profiler \"model_run\" p50, inflated by per-node profiling (reference only); "
                  "per-round = median over rounds of adapt-top / ort C API within the round (both measured within "
                  "seconds of each other, which a machine whose speed drifts disturbs least).", "",
                  "| model | ort python p50 | ort C API p50 | ort profiler p50 | adapt-top p50 | "
                  "ratio adapt-top / ort C API | per-round ratio | rounds: adapt-top; ort C API |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
        for r in rows:
            def ms(k):
                if k in r:
                    return f"{r[k] / 1000:.2f}"
                return f"error: {r[k + '_error']}" if k + "_error" in r else "-"
            adapt = ms("adapt_us")
            ratio = f"{r['adapt_us'] / r['ort_c_us']:.2f}" if "adapt_us" in r and "ort_c_us" in r else "-"
            pairs = list(zip(r.get("adapt_us_all", []), r.get("ort_c_us_all", [])))
            per_round = f"{statistics.median(a / c for a, c in pairs):.2f}" if pairs else "-"
            rounds = "; ".join(" ".join(f"{v / 1000:.2f}" for v in r.get(k, [])) or "-"
                               for k in ("adapt_us_all", "ort_c_us_all"))
            lines.append(f"| {r['model']} | {ms('ort_py_us')} | {ms('ort_c_us')} | {ms('ort_prof_us')} | "
                         f"{adapt} | {ratio} | {per_round} | {rounds} |")
    if errors:
        lines += ["", "adapt-top failures and mismatches (verbatim):"]
        for model, what, output in errors:
            lines += ["", f"{model} (`adapt-top {what}`):", "", "```", output, "```"]
    print()
    print("\n".join(lines))
    if args.markdown_out:
        args.markdown_out.parent.mkdir(parents=True, exist_ok=True)
        preamble = [f"command: `{' '.join(['python3', *sys.argv])}`",
                    f"date: {started} .. {time.strftime('%Y-%m-%dT%H:%M:%S%z')}",
                    f"cpu: {bench.cpu_model()}, {os.cpu_count()} logical CPUs",
                    f"load average (1/5/15 min) at start: {load_start}, at end: {bench.load_avg()}", ""]
        args.markdown_out.write_text("\n".join(preamble + lines) + "\n")
    if tmp is not None:
        tmp.cleanup()
    return 0 if ok else 1


def measure(row: dict, args, c_bench, tmp_dir: Path, errors: list) -> None:
    """One speed round for one model with bench.py's code: appends to row["ort_py_us_all" /
    "ort_c_us_all" / "ort_prof_us_all" / "adapt_us_all"]; the first failure of a column goes to
    "*_error" (for adapt-top also verbatim into errors) and stops that column."""
    path, x, x_path, send_to_adapt_top = row["_bench"]
    iterations, timeout = args.bench_iterations, args.timeout
    warmup = bench.default_warmup(iterations)
    sess = feeds = None
    if "ort_py_us_error" not in row:
        try:
            sess = bench.make_session(path, 1)
            feeds = {sess.get_inputs()[0].name: x}
            row.setdefault("ort_py_us_all", []).append(bench.ort_p50_us(sess, feeds, iterations, warmup))
        except Exception as e:  # noqa: BLE001
            row["ort_py_us_error"] = bench.one_line(f"{type(e).__name__}: {e}")
            sess = None
    if sess is not None and "ort_c_us_error" not in row:
        try:
            row.setdefault("ort_c_us_all", []).append(
                c_bench.p50_us(path, sess, feeds, 1, iterations, warmup, path.stem, timeout))
        except Exception as e:  # noqa: BLE001
            row["ort_c_us_error"] = bench.one_line(str(e))
            row.pop("ort_c_us_all", None)
    if sess is not None and "ort_prof_us_error" not in row:
        try:
            row.setdefault("ort_prof_us_all", []).append(
                bench.ort_profiler_p50_us(path, 1, feeds, iterations, warmup, tmp_dir))
        except Exception as e:  # noqa: BLE001
            row["ort_prof_us_error"] = bench.one_line(f"{type(e).__name__}: {e}")
            row.pop("ort_prof_us_all", None)
    del sess
    if send_to_adapt_top and "adapt_us_error" not in row:
        try:
            row.setdefault("adapt_us_all", []).append(
                bench.run_adapt_top(args.adapt_top, path, 1, iterations, timeout, inputs=[x_path]))
        except RuntimeError as e:
            row["adapt_us_error"] = bench.one_line(str(e), 10_000)
            row.pop("adapt_us_all", None)
            output = getattr(e, "output", "") or str(e)
            errors.append((row["model"], "model bench", output))
            print(f"  {row['model']}: adapt-top model bench failed: {e}")
            print("    " + output.replace("\n", "\n    "))

    def last(k):
        v = row.get(k + "_all")
        return f"{v[-1] / 1000:.2f} ms" if v else "-"
    print(f"  {row['model']}: ort python {last('ort_py_us')}, ort C API {last('ort_c_us')}, "
          f"ort profiler {last('ort_prof_us')}, adapt-top {last('adapt_us')}", flush=True)

if __name__ == "__main__":
    sys.exit(main())
