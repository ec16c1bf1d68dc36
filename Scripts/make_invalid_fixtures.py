#!/usr/bin/env python3
"""Writes the small, deliberately wrong ONNX files under Tests/Fixtures/invalid/ that the error tests feed
to adapt-top: each must give a clear error naming the file, node and op (never a crash or a hang)."""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "invalid")


def save(name, nodes, inputs, outputs, initializers=(), opset=13):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="adapt-top-tests")
    model.ir_version = 8
    onnx.save(model, os.path.join(OUT, name + ".onnx"))


def tensor(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


os.makedirs(OUT, exist_ok=True)
# An op adapt-top has no kernel for: the error names node 'erf_node' and op 'Erf'.
save("unsupported_op", [helper.make_node("Erf", ["x"], ["y"], name="erf_node")], [tensor("x", [1, 4])], [tensor("y", [1, 4])])
# Shapes that cannot broadcast: [1,3] + [1,4].
save("bad_broadcast", [helper.make_node("Add", ["x", "b"], ["y"], name="bad_add")], [tensor("x", [1, 3])], [tensor("y", [1, 3])],
     [numpy_helper.from_array(np.ones((1, 4), np.float32), "b")])
# A convolution whose weight disagrees with the input's channels (3 vs 2).
save("conv_channel_mismatch", [helper.make_node("Conv", ["x", "w"], ["y"], name="bad_conv")], [tensor("x", [1, 3, 8, 8])],
     [tensor("y", [1, 4, 6, 6])], [numpy_helper.from_array(np.ones((4, 2, 3, 3), np.float32), "w")])
# Opset 8 is older than the 9–17 range adapt-top supports.
save("opset8", [helper.make_node("Relu", ["x"], ["y"], name="relu")], [tensor("x", [1, 4])], [tensor("y", [1, 4])], opset=8)
# A weight stored in an external file.
weight = numpy_helper.from_array(np.ones((4, 4), np.float32), "w")
weight.ClearField("raw_data")
weight.data_location = TensorProto.EXTERNAL
entry = weight.external_data.add()
entry.key, entry.value = "location", "weights.bin"
save("external_data", [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], [tensor("x", [1, 4])], [tensor("y", [1, 4])], [weight])
# A node reading a value nothing produces.
save("dangling_input", [helper.make_node("Relu", ["nowhere"], ["y"], name="orphan")], [tensor("x", [1, 4])], [tensor("y", [1, 4])])
with open(os.path.join(OUT, "empty.onnx"), "wb"):
    pass
with open(os.path.join(OUT, "not_onnx.onnx"), "wb") as f:
    f.write(b"this is a text file, not a protobuf\n" * 4)
print("wrote", sorted(os.listdir(OUT)))
