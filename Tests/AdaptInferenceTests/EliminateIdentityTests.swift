import AdaptInference
import Testing

private func makeGraph(
    inputs: [String] = ["x"], outputs: [String], nodes: [Node], initializers: [String: Tensor] = [:], opset: Int = 13
) -> Graph {
    Graph(
        name: "g", source: "model.onnx", opsetVersion: opset,
        inputs: inputs.map { ValueInfo(name: $0, dataType: .float32, shape: [1, 4]) },
        outputs: outputs.map { ValueInfo(name: $0, dataType: .float32, shape: [1, 4]) },
        initializers: initializers, nodes: nodes)
}

struct EliminateIdentityTests {
    @Test func identityInsideTheGraphIsBypassed() throws {
        let graph = makeGraph(outputs: ["y"], nodes: [
            Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["a"]),
            Node(name: "id", opType: "Identity", inputs: ["a"], outputs: ["b"]),
            Node(name: "drop", opType: "Dropout", inputs: ["b"], outputs: ["c"]),
            Node(name: "add", opType: "Add", inputs: ["c", "b"], outputs: ["y"]),
        ])
        let result = try EliminateIdentity.run(graph)
        #expect(result.nodes == [
            Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["a"]),
            Node(name: "add", opType: "Add", inputs: ["a", "a"], outputs: ["y"]),
        ])
    }

    @Test func dropoutWithUnusedMaskIsRemoved() throws {
        let graph = makeGraph(outputs: ["y"], nodes: [
            Node(name: "drop", opType: "Dropout", inputs: ["x", "ratio"], outputs: ["d", "mask"]),
            Node(name: "relu", opType: "Relu", inputs: ["d"], outputs: ["y"]),
        ], initializers: ["ratio": Tensor(shape: [], floats: [0.5])])
        let result = try EliminateIdentity.run(graph)
        #expect(result.nodes == [Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["y"])])
    }

    @Test func dropoutWithUsedMaskIsUnsupported() {
        let graph = makeGraph(outputs: ["y"], nodes: [
            Node(name: "drop", opType: "Dropout", inputs: ["x"], outputs: ["d", "mask"]),
            Node(name: "where", opType: "Mul", inputs: ["d", "mask"], outputs: ["y"]),
        ])
        #expect(throws: ModelError.unsupportedOp(
            file: "model.onnx", node: "drop", op: "Dropout",
            reason: "the mask output 'mask' is used; only inference-mode Dropout is supported")) {
            try EliminateIdentity.run(graph)
        }
        let maskOut = makeGraph(outputs: ["d", "mask"], nodes: [
            Node(name: "drop", opType: "Dropout", inputs: ["x"], outputs: ["d", "mask"]),
        ])
        #expect(throws: ModelError.self) { try EliminateIdentity.run(maskOut) }
    }

    @Test func dropoutInTrainingModeIsUnsupported() {
        let graph = makeGraph(outputs: ["y"], nodes: [
            Node(name: "drop", opType: "Dropout", inputs: ["x", "", "training"], outputs: ["d"]),
            Node(name: "relu", opType: "Relu", inputs: ["d"], outputs: ["y"]),
        ], initializers: ["training": Tensor(shape: [], int64s: [1], dataType: .bool)])
        #expect(throws: ModelError.self) { try EliminateIdentity.run(graph) }
        var inference = graph
        inference.initializers["training"] = Tensor(shape: [], int64s: [0], dataType: .bool)
        #expect((try? EliminateIdentity.run(inference))?.nodes.map(\.opType) == ["Relu"])
    }

    @Test func graphOutputKeepsItsNameByRenamingTheProducer() throws {
        let graph = makeGraph(outputs: ["y", "z"], nodes: [
            Node(name: "conv", opType: "Relu", inputs: ["x"], outputs: ["a"]),
            Node(name: "id", opType: "Identity", inputs: ["a"], outputs: ["y"]),
            Node(name: "sig", opType: "Sigmoid", inputs: ["a"], outputs: ["z"]),
        ])
        let result = try EliminateIdentity.run(graph)
        #expect(result.nodes == [
            Node(name: "conv", opType: "Relu", inputs: ["x"], outputs: ["y"]),
            Node(name: "sig", opType: "Sigmoid", inputs: ["y"], outputs: ["z"]),
        ])
        #expect(result.outputs.map(\.name) == ["y", "z"])
    }

    @Test func chainOfIdentitiesToAGraphOutput() throws {
        let graph = makeGraph(outputs: ["y"], nodes: [
            Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["a"]),
            Node(name: "id1", opType: "Identity", inputs: ["a"], outputs: ["b"]),
            Node(name: "drop", opType: "Dropout", inputs: ["b"], outputs: ["y", ""]),
        ])
        let result = try EliminateIdentity.run(graph)
        #expect(result.nodes == [Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["y"])])
    }

    @Test func identityIsKeptWhenTheOutputCannotBeRenamed() throws {
        // Graph input straight to graph output, and one value exposed under two output names.
        let graph = makeGraph(outputs: ["y", "a", "b"], nodes: [
            Node(name: "drop", opType: "Dropout", inputs: ["x"], outputs: ["y", "mask"]),
            Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["a"]),
            Node(name: "id", opType: "Identity", inputs: ["a"], outputs: ["b"]),
        ])
        let result = try EliminateIdentity.run(graph)
        #expect(result.nodes == [
            Node(name: "drop", opType: "Identity", inputs: ["x"], outputs: ["y"]),
            Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["a"]),
            Node(name: "id", opType: "Identity", inputs: ["a"], outputs: ["b"]),
        ])
    }

    @Test func identityOfAnInitializer() throws {
        let weight = Tensor(shape: [4], floats: [1, 2, 3, 4])
        let graph = makeGraph(outputs: ["y", "w_out"], nodes: [
            Node(name: "id", opType: "Identity", inputs: ["w"], outputs: ["w2"]),
            Node(name: "mul", opType: "Mul", inputs: ["x", "w2"], outputs: ["y"]),
            Node(name: "expose", opType: "Identity", inputs: ["w"], outputs: ["w_out"]),
        ], initializers: ["w": weight])
        let result = try EliminateIdentity.run(graph)
        #expect(result.nodes == [
            Node(name: "mul", opType: "Mul", inputs: ["x", "w"], outputs: ["y"]),
            Node(name: "expose", opType: "Identity", inputs: ["w"], outputs: ["w_out"]),
        ])
    }

    @Test func removalKeepsShapeInferenceValid() throws {
        let graph = makeGraph(outputs: ["y"], nodes: [
            Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["a"]),
            Node(name: "id", opType: "Identity", inputs: ["a"], outputs: ["y"]),
        ])
        let result = try ShapeInference.run(try EliminateIdentity.run(try ShapeInference.run(graph)))
        #expect(result.shapes["y"] == [1, 4])
        #expect(result.shapes["a"] == nil)
    }
}
