#!/usr/bin/env python3
"""Single-thread latency: adapt-top vs onnxruntime, as a markdown table.

Default model set: Examples/**/*.onnx plus the fixtures
(Tests/Fixtures/onnx/*/model.onnx) whose onnxruntime p50 (Python-timed, from a
short calibration run) is above --min-ort-us (default 20 us); below that the
fixed per-call overheads dominate. --all takes every fixture; model files on
the command line replace the default set.

For every model, interleaved over --repeats rounds (each round runs every model
once in every engine, so slow drifts of the machine hit all models alike):

  * adapt-top: `adapt-top model bench FILE --threads T --iterations N --json`,
    which prints one JSON line {"model", "threads", "iterations",
    "latency_ms": {"p50", "p95", "p99"}, "throughput_ips"}; its p50 is used.
  * onnxruntime, three ways, all CPUExecutionProvider, intra-op T threads,
    inter-op 1, ORT_ENABLE_ALL, sequential execution; input.npy next to the
    model if present, else a seeded random N(0,1) input (symbolic dims = 1);
    warm-up, then N runs; p50 of the N:
      - "ort python": `session.run` timed one by one from Python with
        time.perf_counter_ns. Includes the Python binding's per-call overhead
        (numpy <-> OrtValue, argument checks: median ~4 us, mostly 3-7 us, on
        the 2-vCPU Xeon VM this was written on), which flatters adapt-top on
        small models.
      - "ort C API" (the reference the ratio uses): a small C program, compiled
        on first use with cc/gcc/clang into a temp dir, dlopens the
        libonnxruntime shared library shipped inside the onnxruntime wheel
        (same version as the Python module) and times OrtApi::Run with
        clock_gettime around each call: onnxruntime's own per-run time with
        no binding in the way (output OrtValues are allocated by onnxruntime
        and released after each run, as the Python binding does).
      - "ort profiler": a separate session with SessionOptions.enable_profiling;
        the p50 of the `dur` (integer us) of the trace events named
        "model_run" (cat "Session"; verified with onnxruntime 1.32) after the
        warm-up. Shown for reference only: with profiling on, onnxruntime
        records an event per node, which inflates every run by several us per
        node (3-5x on the multi-node fixtures), so it is NOT an honest
        per-run time. Trace files go to a temp dir and are deleted.

Each column is the median over the repeats of that p50; ratio = adapt-top p50 /
ort C API p50 (falls back to "-" when the C helper is unavailable, e.g. no C
compiler). The last line gives the largest ratio among models whose ort python
p50 is above --min-ort-us. A model that fails in adapt-top shows the error in
its row. Always exits 0 unless the arguments are wrong.

    python3 Scripts/bench.py                           # default set, 3 repeats
    python3 Scripts/bench.py --repeats 11 --xnnpack-only-column --markdown-out Scripts/bench-results/native-kernels.md
    python3 Scripts/bench.py --all                     # every fixture, the tiny ones too
    python3 Scripts/bench.py --ort-only                # onnxruntime columns only
    python3 Scripts/bench.py Tests/Fixtures/onnx/fmnist_cnn3/model.onnx --repeats 5
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parent))
from onnx_macs import count_macs, format_macs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "Fixtures" / "onnx"


@dataclass
class Entry:
    path: Path
    name: str
    macs: int | None = None
    iterations: int = 0
    calib_p50_us: float | None = None
    session: ort.InferenceSession | None = None
    feeds: dict | None = None
    ort_p50_us: list[float] = field(default_factory=list)
    ort_c_p50_us: list[float] = field(default_factory=list)
    ort_prof_p50_us: list[float] = field(default_factory=list)
    adapt_p50_us: list[float] = field(default_factory=list)
    xnnpack_only_p50_us: list[float] = field(default_factory=list)
    ort_error: str | None = None
    ort_c_error: str | None = None
    ort_prof_error: str | None = None
    adapt_error: str | None = None
    xnnpack_only_error: str | None = None


def fixture_models() -> list[Path]:
    return sorted(FIXTURES.glob("*/model.onnx"))


def example_models() -> list[Path]:
    return sorted((ROOT / "Examples").glob("**/*.onnx"))


def display_name(path: Path) -> str:
    path = path.resolve()
    if path.name == "model.onnx" and path.parent.parent == FIXTURES.resolve():
        return path.parent.name
    try:
        return str(path.relative_to(ROOT.resolve()))
    except ValueError:
        return str(path)


def one_line(text: str, limit: int = 120) -> str:
    text = " ".join(text.split()).replace("|", "/")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def make_session(path: Path, threads: int, profile_prefix: str | None = None) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if profile_prefix is not None:
        so.enable_profiling = True
        so.profile_file_prefix = profile_prefix
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


def default_warmup(iterations: int) -> int:
    return max(5, iterations // 10)


def ort_p50_us(sess: ort.InferenceSession, feeds: dict, iterations: int, warmup: int) -> float:
    """Python-timed p50 of session.run (includes the binding's per-call overhead)."""
    for _ in range(warmup):
        sess.run(None, feeds)
    times = []
    for _ in range(iterations):
        t0 = time.perf_counter_ns()
        sess.run(None, feeds)
        times.append(time.perf_counter_ns() - t0)
    return statistics.median(times) / 1000.0


def ort_profiler_p50_us(path: Path, threads: int, feeds: dict, iterations: int, warmup: int,
                        tmp_dir: Path) -> float:
    """p50 of onnxruntime's profiler "model_run" durations (us) over `iterations` runs after
    `warmup` runs, in a fresh profiled session. The trace file is written into tmp_dir and
    deleted. Inflated by the profiler's own per-node bookkeeping: see the module docstring."""
    prefix = tempfile.mkdtemp(prefix="prof_", dir=tmp_dir)
    try:
        sess = make_session(path, threads, profile_prefix=str(Path(prefix) / "ort"))
        for _ in range(warmup + iterations):
            sess.run(None, feeds)
        trace = Path(sess.end_profiling())
        del sess
        events = json.loads(trace.read_text())
    finally:
        shutil.rmtree(prefix, ignore_errors=True)
    runs = sorted((e for e in events if e.get("name") == "model_run" and e.get("cat") == "Session"),
                  key=lambda e: e["ts"])
    if len(runs) != warmup + iterations:
        raise RuntimeError(f"profiler trace has {len(runs)} model_run events, expected {warmup + iterations}")
    return statistics.median(float(e["dur"]) for e in runs[warmup:])


# --- onnxruntime through its C API, no Python in the timed loop -------------------------------

# OrtApi is a table of function pointers that only ever grows at the end, so these indices
# (counted in onnxruntime_c_api.h; valid for every API version >= 13, i.e. onnxruntime >= 1.13)
# do not change between releases. The helper requests API version 13.
ORT_C_SOURCE = r"""
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
typedef void *P;
typedef struct { const void *(*GetApi)(uint32_t); const char *(*GetVersionString)(void); } ApiBase;
enum { GetErrorMessage = 2, CreateEnv = 3, CreateSession = 7, Run = 9, CreateSessionOptions = 10,
       SetSessionExecutionMode = 13, SetSessionGraphOptimizationLevel = 23, SetIntraOpNumThreads = 24,
       SetInterOpNumThreads = 25, CreateTensorWithDataAsOrtValue = 49, CreateCpuMemoryInfo = 69,
       ReleaseValue = 96 };
static void **api;
static void check(P status, const char *what) {
  if (status) {
    fprintf(stderr, "%s: %s\n", what, ((const char *(*)(P))api[GetErrorMessage])(status));
    exit(2);
  }
}
static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}
static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
/* ort_c_bench LIB MODEL THREADS ITERATIONS WARMUP NOUT OUT_NAME... NIN {NAME f|i RANK DIM... RAWFILE}...
   prints {"version": ..., "p50_us": ..., "min_us": ..., "iterations": ...} */
int main(int argc, char **argv) {
  int a = 1;
  if (argc < 8) { fprintf(stderr, "usage error\n"); return 2; }
  void *lib = dlopen(argv[a++], RTLD_NOW | RTLD_LOCAL);
  if (!lib) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 2; }
  const ApiBase *(*get_base)(void) = (const ApiBase *(*)(void))dlsym(lib, "OrtGetApiBase");
  if (!get_base) { fprintf(stderr, "no OrtGetApiBase in library\n"); return 2; }
  const ApiBase *base = get_base();
  api = (void **)base->GetApi(13);
  if (!api) { fprintf(stderr, "OrtApi version 13 not available\n"); return 2; }
  const char *model = argv[a++];
  int threads = atoi(argv[a++]), iterations = atoi(argv[a++]), warmup = atoi(argv[a++]);
  if (iterations < 1) { fprintf(stderr, "iterations must be >= 1\n"); return 2; }
  P env, options, session, meminfo;
  check(((P(*)(int, const char *, P *))api[CreateEnv])(3, "ort_c_bench", &env), "CreateEnv");
  check(((P(*)(P *))api[CreateSessionOptions])(&options), "CreateSessionOptions");
  check(((P(*)(P, int))api[SetIntraOpNumThreads])(options, threads), "SetIntraOpNumThreads");
  check(((P(*)(P, int))api[SetInterOpNumThreads])(options, 1), "SetInterOpNumThreads");
  check(((P(*)(P, int))api[SetSessionExecutionMode])(options, 0), "SetSessionExecutionMode");
  check(((P(*)(P, int))api[SetSessionGraphOptimizationLevel])(options, 99), "SetSessionGraphOptimizationLevel");
  check(((P(*)(P, const char *, P, P *))api[CreateSession])(env, model, options, &session), "CreateSession");
  check(((P(*)(int, int, P *))api[CreateCpuMemoryInfo])(0, 0, &meminfo), "CreateCpuMemoryInfo");
  int nout = atoi(argv[a++]);
  const char **out_names = (const char **)&argv[a];
  a += nout;
  int nin = atoi(argv[a++]);
  const char **in_names = calloc(nin > 0 ? nin : 1, sizeof(char *));
  P *in_values = calloc(nin > 0 ? nin : 1, sizeof(P));
  for (int i = 0; i < nin; i++) {
    in_names[i] = argv[a++];
    char type = argv[a++][0];
    int rank = atoi(argv[a++]);
    int64_t dims[32];
    size_t count = 1;
    if (rank > 32) { fprintf(stderr, "rank too large\n"); return 2; }
    for (int r = 0; r < rank; r++) { dims[r] = atoll(argv[a++]); count *= (size_t)dims[r]; }
    size_t bytes = count * (type == 'f' ? 4 : 8);
    void *buf = malloc(bytes ? bytes : 1);
    FILE *f = fopen(argv[a++], "rb");
    if (!f || fread(buf, 1, bytes, f) != bytes) { fprintf(stderr, "cannot read input %d\n", i); return 2; }
    fclose(f);
    check(((P(*)(P, void *, size_t, const int64_t *, size_t, int, P *))api[CreateTensorWithDataAsOrtValue])(
              meminfo, buf, bytes, dims, (size_t)rank, type == 'f' ? 1 : 7, &in_values[i]),
          "CreateTensorWithDataAsOrtValue");
  }
  P *outs = calloc(nout > 0 ? nout : 1, sizeof(P));
  double *times = malloc(sizeof(double) * iterations);
  for (int k = -warmup; k < iterations; k++) {
    for (int o = 0; o < nout; o++) outs[o] = NULL;
    double t0 = now_ns();
    check(((P(*)(P, P, const char *const *, const P *, size_t, const char *const *, size_t, P *))api[Run])(
              session, NULL, in_names, in_values, (size_t)nin, out_names, (size_t)nout, outs),
          "Run");
    double t1 = now_ns();
    if (k >= 0) times[k] = t1 - t0;
    for (int o = 0; o < nout; o++) ((void (*)(P))api[ReleaseValue])(outs[o]);
  }
  qsort(times, iterations, sizeof(double), cmp);
  double p50 = iterations % 2 ? times[iterations / 2] : 0.5 * (times[iterations / 2 - 1] + times[iterations / 2]);
  printf("{\"version\": \"%s\", \"p50_us\": %.3f, \"min_us\": %.3f, \"iterations\": %d}\n",
         base->GetVersionString(), p50 / 1000.0, times[0] / 1000.0, iterations);
  return 0;
}
"""


def find_ort_library() -> Path | None:
    capi = Path(ort.__file__).resolve().parent / "capi"
    names = [f"libonnxruntime.so.{ort.__version__}", f"libonnxruntime.{ort.__version__}.dylib"]
    for n in names:
        if (capi / n).exists():
            return capi / n
    found = sorted(p for p in capi.glob("libonnxruntime.*") if "providers" not in p.name)
    return found[0] if found else None


class OrtCBench:
    """Times onnxruntime's C API Run in a compiled helper (see ORT_C_SOURCE)."""

    def __init__(self, tmp_dir: Path):
        self.tmp_dir = tmp_dir
        self.error: str | None = None
        self.binary: Path | None = None
        self.lib = find_ort_library()
        if self.lib is None:
            self.error = "no libonnxruntime shared library in the onnxruntime wheel"
            return
        cc = os.environ.get("CC") or next((c for c in ("cc", "gcc", "clang") if shutil.which(c)), None)
        if cc is None:
            self.error = "no C compiler (cc/gcc/clang; or set CC)"
            return
        src = tmp_dir / "ort_c_bench.c"
        src.write_text(ORT_C_SOURCE)
        binary = tmp_dir / "ort_c_bench"
        cmd = [cc, "-O2", "-o", str(binary), str(src)] + (["-ldl"] if sys.platform.startswith("linux") else [])
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            self.error = one_line(f"compiling the C helper failed: {proc.stderr}")
            return
        self.binary = binary

    def p50_us(self, path: Path, sess: ort.InferenceSession, feeds: dict, threads: int, iterations: int,
               warmup: int, key: str, timeout: float) -> float:
        if self.binary is None:
            raise RuntimeError(self.error or "C helper unavailable")
        outputs = [o.name for o in sess.get_outputs()]
        cmd = [str(self.binary), str(self.lib), str(path), str(threads), str(iterations), str(warmup),
               str(len(outputs)), *outputs, str(len(feeds))]
        for i, (name, value) in enumerate(feeds.items()):
            value = np.ascontiguousarray(value)
            if value.dtype == np.float32:
                kind = "f"
            elif value.dtype == np.int64:
                kind = "i"
            else:
                raise RuntimeError(f"C helper: unsupported input dtype {value.dtype}")
            raw = self.tmp_dir / f"{key}_in{i}.bin"
            if not raw.exists():
                value.tofile(raw)
            cmd += [name, kind, str(value.ndim), *map(str, value.shape), str(raw)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"timeout after {timeout:.0f}s") from None
        if proc.returncode != 0:
            msg = (proc.stderr.strip() or proc.stdout.strip() or f"exit {proc.returncode}").splitlines()
            raise RuntimeError(f"C helper: {msg[-1]}")
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        if data.get("version") != ort.__version__:
            raise RuntimeError(f"C helper loaded onnxruntime {data.get('version')}, Python has {ort.__version__}")
        return float(data["p50_us"])


def calibrate(sess: ort.InferenceSession, feeds: dict, target_s: float, lo: int, hi: int) -> tuple[int, float]:
    """(iterations for ~target_s of onnxruntime time clamped to [lo, hi], Python-timed p50 in us)."""
    for _ in range(3):
        sess.run(None, feeds)
    times = []
    t_start = time.perf_counter_ns()
    while len(times) < 5 or (time.perf_counter_ns() - t_start < 50_000_000 and len(times) < 1000):
        t0 = time.perf_counter_ns()
        sess.run(None, feeds)
        times.append(time.perf_counter_ns() - t0)
    per_call = sum(times) / len(times) / 1e9
    return int(min(hi, max(lo, target_s / max(per_call, 1e-9)))), statistics.median(times) / 1000.0


class AdaptTopError(RuntimeError):
    """A failed adapt-top invocation: str() is one short line, .output the full stderr/stdout."""

    def __init__(self, message: str, output: str = ""):
        super().__init__(message)
        self.output = output


def run_adapt_top(binary: str, path: Path, threads: int, iterations: int, timeout: float,
                  inputs: list[Path] | None = None, extra_args: list[str] | None = None) -> float:
    """Returns adapt-top's p50 in microseconds; raises AdaptTopError (a RuntimeError) with a
    short message and the full output."""
    cmd = [binary, "model", "bench", str(path), "--threads", str(threads),
           "--iterations", str(iterations), "--json"] + (extra_args or [])
    for p in inputs or []:
        cmd += ["--input", str(p)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise RuntimeError(f"binary not found: {binary}") from None
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"timeout after {timeout:.0f}s") from None
    if proc.returncode != 0:
        msg = (proc.stderr.strip() or proc.stdout.strip() or "").splitlines()
        raise AdaptTopError(f"exit {proc.returncode}: {msg[-1] if msg else 'no output'}",
                            (proc.stderr.strip() + "\n" + proc.stdout.strip()).strip())
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


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_avg() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def fmt_us(values: list[float]) -> str:
    if not values:
        return "-"
    v = statistics.median(values)
    return f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", type=Path,
                    help="ONNX files (default: Examples/**/*.onnx + fixtures with ort p50 > --min-ort-us)")
    ap.add_argument("--all", action="store_true", help="every fixture (and Examples/**/*.onnx)")
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
                    help="fixtures with ort python p50 at or below this are left out of the default set and "
                         "of the max ratio (default 20)")
    ap.add_argument("--no-profiler", action="store_true", help="skip the onnxruntime profiler column")
    ap.add_argument("--timeout", type=float, default=600.0, help="per subprocess invocation, seconds")
    ap.add_argument("--ort-only", action="store_true", help="skip adapt-top (test the onnxruntime half)")
    ap.add_argument("--xnnpack-only-column", action="store_true",
                    help="also time adapt-top with --no-native-kernels (every convolution and fully connected "
                         "layer on XNNPACK), to show what adapt-top's own AVX-512 kernels change")
    ap.add_argument("--json-out", type=Path, help="also write raw per-repeat numbers as JSON")
    ap.add_argument("--markdown-out", type=Path, help="also write the header, table and summary line here")
    args = ap.parse_args()
    if args.repeats < 1:
        ap.error("--repeats must be >= 1")

    started = datetime.datetime.now().astimezone()
    load_start = load_avg()
    explicit = bool(args.models)
    paths = args.models or (fixture_models() + example_models())
    if not paths:
        print("no models found", file=sys.stderr)
        return 0
    examples = {p.resolve() for p in example_models()}
    entries = [Entry(p, display_name(p)) for p in paths]
    adapt_bin = args.adapt_top
    if not args.ort_only and not Path(adapt_bin).exists():
        print(f"note: {adapt_bin} does not exist; adapt-top column will show the error "
              "(build with `swift build -c release` or pass --adapt-top)", file=sys.stderr)

    tmp = tempfile.TemporaryDirectory(prefix="adapt_bench_")
    tmp_dir = Path(tmp.name)
    try:
        c_bench = OrtCBench(tmp_dir)
        if c_bench.error:
            print(f"note: ort C API column unavailable: {c_bench.error}", file=sys.stderr)

        # Set-up: sessions, inputs, MACs, iteration counts; default set filter.
        for e in entries:
            try:
                e.session = make_session(e.path, args.threads)
                e.feeds = make_feeds(e.path, e.session)
                e.iterations, e.calib_p50_us = calibrate(
                    e.session, e.feeds, args.target_seconds, args.min_iterations, args.max_iterations)
                if args.iterations:
                    e.iterations = args.iterations
            except Exception as ex:  # noqa: BLE001
                e.ort_error = one_line(f"{type(ex).__name__}: {ex}")
                e.iterations = args.iterations or args.min_iterations
        if not explicit and not args.all:
            kept = [e for e in entries if e.path.resolve() in examples or e.calib_p50_us is None
                    or e.calib_p50_us > args.min_ort_us]
            dropped = len(entries) - len(kept)
            print(f"default set: {len(kept)} models ({dropped} fixtures with ort python p50 <= "
                  f"{args.min_ort_us:g} us left out; --all keeps them)", file=sys.stderr)
            for e in entries:
                if e not in kept:
                    e.session = None
            entries = kept
        for e in entries:
            try:
                e.macs = count_macs(onnx.load(str(e.path)))
            except Exception:  # noqa: BLE001 - MACs are optional
                e.macs = None

        for r in range(args.repeats):
            print(f"round {r + 1}/{args.repeats}", file=sys.stderr, flush=True)
            for idx, e in enumerate(entries):
                warmup = args.warmup or default_warmup(e.iterations)
                if e.session is not None and e.ort_error is None:
                    try:
                        e.ort_p50_us.append(ort_p50_us(e.session, e.feeds, e.iterations, warmup))
                    except Exception as ex:  # noqa: BLE001
                        e.ort_error = one_line(f"{type(ex).__name__}: {ex}")
                if e.session is not None and e.ort_error is None and e.ort_c_error is None:
                    try:
                        e.ort_c_p50_us.append(c_bench.p50_us(e.path, e.session, e.feeds, args.threads,
                                                             e.iterations, warmup, f"m{idx}", args.timeout))
                    except Exception as ex:  # noqa: BLE001
                        e.ort_c_error = one_line(str(ex))
                        e.ort_c_p50_us.clear()
                if (not args.no_profiler and e.session is not None and e.ort_error is None
                        and e.ort_prof_error is None):
                    try:
                        e.ort_prof_p50_us.append(ort_profiler_p50_us(e.path, args.threads, e.feeds,
                                                                     e.iterations, warmup, tmp_dir))
                    except Exception as ex:  # noqa: BLE001
                        e.ort_prof_error = one_line(f"{type(ex).__name__}: {ex}")
                        e.ort_prof_p50_us.clear()
                if not args.ort_only and e.adapt_error is None:
                    try:
                        e.adapt_p50_us.append(run_adapt_top(adapt_bin, e.path, args.threads, e.iterations,
                                                            args.timeout))
                    except RuntimeError as ex:
                        e.adapt_error = one_line(str(ex))
                        e.adapt_p50_us.clear()
                if args.xnnpack_only_column and not args.ort_only and e.xnnpack_only_error is None:
                    try:
                        e.xnnpack_only_p50_us.append(run_adapt_top(
                            adapt_bin, e.path, args.threads, e.iterations, args.timeout,
                            extra_args=["--no-native-kernels"]))
                    except RuntimeError as ex:
                        e.xnnpack_only_error = one_line(str(ex))
                        e.xnnpack_only_p50_us.clear()
    finally:
        tmp.cleanup()

    lines = []
    lines.append(f"threads={args.threads}, repeats={args.repeats}, onnxruntime {ort.__version__} "
                 f"(ORT_ENABLE_ALL, intra-op {args.threads}, inter-op 1, sequential); p50 in µs, median over "
                 "repeats. ratio = adapt-top p50 / ort C API p50 (onnxruntime's own per-run time: OrtApi::Run "
                 "timed in C, no Python binding). ort python = session.run timed from Python (adds the "
                 "binding's per-call overhead). ort profiler = p50 of the profiler's \"model_run\" events "
                 "(integer µs; inflated by per-node profiling, reference only). ratio of best rounds = "
                 "lowest adapt-top p50 over the repeats / lowest ort C API p50, and median of per-round ratios = "
                 "the median over rounds of (adapt-top p50 / ort C API p50 measured right before it): on a machine "
                 "whose speed drifts (a shared VM) these compare both engines at their least disturbed and in the "
                 "same moment."
                 + (" XNNPACK only = adapt-top --no-native-kernels (every convolution and fully connected "
                    "layer on XNNPACK's kernels)." if args.xnnpack_only_column else ""))
    lines.append("")
    xo = args.xnnpack_only_column
    lines.append("| model | MACs | iterations | ort python p50 | ort C API p50 | ort profiler p50 | "
                 + ("adapt-top XNNPACK only p50 | " if xo else "")
                 + "adapt-top p50 | ratio adapt-top / ort C API | median of per-round ratios | ratio of best rounds |")
    lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |" + (" ---: |" if xo else ""))
    best: tuple[float, str] | None = None
    for e in entries:
        ort_col = e.ort_error or fmt_us(e.ort_p50_us)
        c_col = f"error: {e.ort_c_error}" if e.ort_c_error else fmt_us(e.ort_c_p50_us)
        prof_col = f"error: {e.ort_prof_error}" if e.ort_prof_error else fmt_us(e.ort_prof_p50_us)
        if args.ort_only:
            adapt_col = "-"
        elif e.adapt_error:
            adapt_col = f"error: {e.adapt_error}"
        else:
            adapt_col = fmt_us(e.adapt_p50_us)
        ratio_col = best_col = round_col = "-"
        if e.ort_c_p50_us and e.adapt_p50_us:
            best_col = f"{min(e.adapt_p50_us) / min(e.ort_c_p50_us):.2f}"
            if len(e.ort_c_p50_us) == len(e.adapt_p50_us):
                round_col = f"{statistics.median(a / c for a, c in zip(e.adapt_p50_us, e.ort_c_p50_us)):.2f}"
        if e.ort_c_p50_us and e.adapt_p50_us:
            c, a = statistics.median(e.ort_c_p50_us), statistics.median(e.adapt_p50_us)
            ratio = a / c if c > 0 else float("inf")
            ratio_col = f"{ratio:.2f}"
            if e.ort_p50_us and statistics.median(e.ort_p50_us) > args.min_ort_us and (
                    best is None or ratio > best[0]):
                best = (ratio, e.name)
        xo_col = ""
        if xo:
            xo_col = (f"error: {e.xnnpack_only_error}" if e.xnnpack_only_error
                      else fmt_us(e.xnnpack_only_p50_us)) + " | "
        lines.append(f"| {e.name} | {format_macs(e.macs) if e.macs else '-'} | {e.iterations} | {ort_col} | "
                     f"{c_col} | {prof_col} | {xo_col}{adapt_col} | {ratio_col} | {round_col} | {best_col} |")
    lines.append("")
    if best is None:
        lines.append(f"max ratio adapt-top / ort C API (ort python p50 > {args.min_ort_us:g} µs): n/a"
                     + (" (--ort-only)" if args.ort_only else ""))
    else:
        lines.append(f"max ratio adapt-top / ort C API (ort python p50 > {args.min_ort_us:g} µs): "
                     f"{best[0]:.2f} ({best[1]})")

    print()
    print("\n".join(lines))
    if args.markdown_out:
        args.markdown_out.parent.mkdir(parents=True, exist_ok=True)
        preamble = [
            f"command: `{' '.join(['python3', *sys.argv])}`",
            f"date: {started.isoformat(timespec='seconds')} .. "
            f"{datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
            f"cpu: {cpu_model()}, {os.cpu_count()} logical CPUs",
            f"load average (1/5/15 min) at start: {load_start}, at end: {load_avg()}",
            "",
        ]
        args.markdown_out.write_text("\n".join(preamble + lines) + "\n")
    if args.json_out:
        args.json_out.write_text(json.dumps([
            {"model": e.name, "path": str(e.path), "macs": e.macs, "iterations": e.iterations,
             "ort_python_p50_us": e.ort_p50_us, "ort_c_api_p50_us": e.ort_c_p50_us,
             "ort_profiler_p50_us": e.ort_prof_p50_us, "adapt_top_p50_us": e.adapt_p50_us,
             "adapt_top_xnnpack_only_p50_us": e.xnnpack_only_p50_us,
             "ort_error": e.ort_error, "ort_c_api_error": e.ort_c_error, "ort_profiler_error": e.ort_prof_error,
             "adapt_top_error": e.adapt_error} for e in entries], indent=2))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
