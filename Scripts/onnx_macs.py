"""Cheap multiply-accumulate (MAC) count of an ONNX model.

Counts only Conv, Gemm and MatMul (the ops that dominate cost); element-wise
ops, pooling, normalisation and softmax are ignored. Uses ONNX shape
inference, falling back to one onnxruntime run on zeros for shapes inference
cannot resolve; symbolic input dims are taken as 1 (batch 1). Returns None
when a needed shape stays unknown.

Used by make_fixtures.py (README table) and bench.py.
"""

from __future__ import annotations

import math

import onnx
from onnx import shape_inference


def _shape_map(model: onnx.ModelProto) -> dict[str, list[int] | None]:
    # Symbolic dims (e.g. a dynamic batch axis) count as 1.
    model = onnx.ModelProto.FromString(model.SerializeToString())
    del model.graph.value_info[:]  # exporter-written value_info may carry symbolic dims
    for vi in list(model.graph.input) + list(model.graph.output):
        for d in vi.type.tensor_type.shape.dim:
            if not d.HasField("dim_value"):
                d.dim_value = 1
    try:
        inferred = shape_inference.infer_shapes(model, data_prop=True)
    except Exception:  # noqa: BLE001 - shape inference is best effort here
        inferred = model
    g = inferred.graph
    shapes: dict[str, list[int] | None] = {}
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        t = vi.type.tensor_type
        if not t.HasField("shape"):
            shapes[vi.name] = None
            continue
        dims = []
        for d in t.shape.dim:
            if d.HasField("dim_value"):
                dims.append(d.dim_value)
            else:
                dims = None
                break
        shapes[vi.name] = dims
    for init in g.initializer:
        shapes[init.name] = list(init.dims)
    return shapes


def _attr(node: onnx.NodeProto, name: str, default):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def _runtime_shapes(model: onnx.ModelProto, names: list[str]) -> dict[str, list[int]]:
    """Fallback when static inference cannot resolve a shape (e.g. a Reshape fed
    by Shape->Gather->Concat): run the model once in onnxruntime on zeros with
    the wanted tensors exposed as extra outputs. Symbolic input dims -> 1."""
    import numpy as np
    import onnxruntime as ort

    m = onnx.ModelProto.FromString(model.SerializeToString())
    existing = {o.name for o in m.graph.output}
    for n in names:
        if n not in existing:
            m.graph.output.append(onnx.helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, None))
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
    feeds = {}
    inits = {i.name for i in m.graph.initializer}
    for i in sess.get_inputs():
        if i.name in inits:
            continue
        shape = [d if isinstance(d, int) else 1 for d in i.shape]
        feeds[i.name] = np.zeros(shape, dtype=np.float32)
    outs = sess.run(None, feeds)
    return {o.name: list(v.shape) for o, v in zip(sess.get_outputs(), outs)}


def count_macs(model: onnx.ModelProto, allow_run: bool = True) -> int | None:
    """MACs of Conv/Gemm/MatMul. With allow_run, shapes static inference cannot
    resolve are taken from one onnxruntime run on zeros."""
    shapes = _shape_map(model)
    if allow_run:
        wanted = []
        for node in model.graph.node:
            if node.op_type in ("Conv", "Gemm", "MatMul"):
                wanted += [t for t in (node.input[0], node.output[0]) if shapes.get(t) is None]
        if wanted:
            try:
                shapes.update(_runtime_shapes(model, wanted))
            except Exception:  # noqa: BLE001 - stay "unknown"
                pass
    total = 0
    for node in model.graph.node:
        op = node.op_type
        if op not in ("Conv", "Gemm", "MatMul"):
            continue
        out = shapes.get(node.output[0])
        if op == "Conv":
            w = shapes.get(node.input[1])
            if out is None or w is None:
                return None
            # out: [N, M, *spatial]; w: [M, C/group, *kernel]
            total += math.prod(out) * math.prod(w[1:])
        elif op == "Gemm":
            a, b = shapes.get(node.input[0]), shapes.get(node.input[1])
            if out is None or (a is None and b is None):
                return None
            if a is not None:
                k = a[0] if _attr(node, "transA", 0) else a[1]
            else:
                k = b[1] if _attr(node, "transB", 0) else b[0]
            total += math.prod(out) * k
        else:  # MatMul
            a, b = shapes.get(node.input[0]), shapes.get(node.input[1])
            if out is None or (a is None and (b is None or len(b) < 2)):
                return None
            total += math.prod(out) * (a[-1] if a is not None else b[-2])
    return total


def format_macs(macs: int | None) -> str:
    if macs is None:
        return "?"
    if macs >= 1_000_000_000:
        return f"{macs / 1e9:.2f}G"
    if macs >= 1_000_000:
        return f"{macs / 1e6:.2f}M"
    if macs >= 1_000:
        return f"{macs / 1e3:.1f}K"
    return str(macs)
