import AdaptInference
import Testing

private func ints(_ values: [Int64], shape: [Int]? = nil) -> Tensor { Tensor(shape: shape ?? [values.count], int64s: values) }

private func floats(_ values: [Float], shape: [Int]? = nil) -> Tensor { Tensor(shape: shape ?? [values.count], floats: values) }

/// Folds one node reading constant inputs `a`, `b`, `c`… (in order) into the graph output `y`.
private func folded(
    _ op: String, _ inputs: [Tensor], attributes: [String: Attribute] = [:], opset: Int = 13
) throws -> Tensor {
    let names = inputs.indices.map { "in\($0)" }
    let graph = Graph(
        name: "fold", source: "fold.onnx", opsetVersion: opset, inputs: [],
        outputs: [ValueInfo(name: "y", dataType: .float32, shape: [])],
        initializers: Dictionary(uniqueKeysWithValues: zip(names, inputs)),
        nodes: [Node(name: "node", opType: op, inputs: names, outputs: ["y"], attributes: attributes)])
    let result = try GraphSimplifier.run(graph)
    #expect(result.nodes.isEmpty)
    #expect(result.initializers.keys.sorted() == ["y"])
    return try #require(result.initializers["y"])
}

struct ConstantFoldingTests {
    // MARK: The PyTorch flatten pattern

    @Test(arguments: [11, 13])
    func viewPatternFoldsToASingleReshape(opset: Int) throws {
        let graph = try GraphSimplifier.run(ShapeInferenceTests.viewGraph(opset: opset))
        #expect(graph.nodes.map(\.opType) == ["Reshape"])
        let reshape = graph.nodes[0]
        #expect(reshape.inputs[0] == "x")
        let target = try #require(graph.initializers[reshape.inputs[1]])
        #expect(target.storage == .int64([1, -1]))
        #expect(target.shape == [2])
        #expect(target.dataType == .int64)
        // Only the folded shape is left: the Gather index and Unsqueeze axes are gone.
        #expect(graph.initializers.count == 1)
        #expect(graph.shapes["y"] == [1, 48])
        #expect(graph.inputs.map(\.name) == ["x"])
    }

    @Test func constantNodesFeedingArithmeticBecomeInitializers() throws {
        let graph = Graph(
            name: "g", source: "g.onnx", opsetVersion: 13,
            inputs: [ValueInfo(name: "x", dataType: .float32, shape: [1, 2])],
            outputs: [ValueInfo(name: "y", dataType: .float32, shape: [1, 2])],
            initializers: ["unused": floats([9])],
            nodes: [
                Node(name: "two", opType: "Constant", inputs: [], outputs: ["c2"], attributes: ["value_float": .float(2)]),
                Node(name: "a", opType: "Constant", inputs: [], outputs: ["ca"], attributes: ["value_floats": .floats([1, 2])]),
                Node(name: "b", opType: "Constant", inputs: [], outputs: ["cb"],
                     attributes: ["value": .tensor(floats([3, 4], shape: [1, 2]))]),
                Node(name: "sum", opType: "Add", inputs: ["ca", "cb"], outputs: ["s"]),
                Node(name: "scaled", opType: "Mul", inputs: ["s", "c2"], outputs: ["s2"]),
                Node(name: "mul", opType: "Mul", inputs: ["x", "s2"], outputs: ["y"]),
            ])
        let result = try GraphSimplifier.run(graph)
        #expect(result.nodes.map(\.name) == ["mul"])
        #expect(result.initializers.keys.sorted() == ["s2"])
        #expect(result.initializers["s2"] == floats([8, 12], shape: [1, 2]))
        #expect(result.shapes["y"] == [1, 2])
    }

    @Test func nodesWithRuntimeInputsStay() throws {
        let graph = Graph(
            name: "g", source: "g.onnx", opsetVersion: 13,
            inputs: [ValueInfo(name: "x", dataType: .float32, shape: [2])],
            outputs: [ValueInfo(name: "y", dataType: .float32, shape: [2])],
            initializers: ["b": floats([1, 2])],
            nodes: [Node(name: "add", opType: "Add", inputs: ["x", "b"], outputs: ["y"])])
        let result = try ConstantFolding.run(try ShapeInference.run(graph))
        #expect(result.nodes == graph.nodes)
        #expect(result.initializers == graph.initializers)
    }

    @Test func unusedInitializersAreRemovedWithTheirInputEntry() throws {
        var graph = Graph(
            name: "g", source: "g.onnx", opsetVersion: 13,
            inputs: [ValueInfo(name: "x", dataType: .float32, shape: [2]), ValueInfo(name: "old", dataType: .float32, shape: [1])],
            outputs: [ValueInfo(name: "y", dataType: .float32, shape: [2])],
            initializers: ["old": floats([1]), "stale": floats([2])],
            nodes: [Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["y"])])
        graph = try ConstantFolding.run(graph)
        #expect(graph.initializers.isEmpty)
        #expect(graph.inputs.map(\.name) == ["x"])
    }

    // MARK: Op semantics

    @Test func integerDivisionTruncatesTowardZero() throws {
        let result = try folded("Div", [ints([-7, 7, -8, 9]), ints([2, -2, 3, 3])])
        #expect(result.storage == .int64([-3, -3, -2, 3]))
        #expect(result.dataType == .int64)
    }

    @Test func integerDivisionByZeroIsAnError() {
        #expect(throws: ModelError.self) { _ = try folded("Div", [ints([1]), ints([0])]) }
    }

    @Test func broadcastingArithmetic() throws {
        let sum = try folded("Add", [floats([10, 20], shape: [2, 1]), floats([1, 2, 3])])
        #expect(sum == floats([11, 12, 13, 21, 22, 23], shape: [2, 3]))
        let difference = try folded("Sub", [ints([5]), ints([1, 2, 3], shape: [3, 1])])
        #expect(difference == ints([4, 3, 2], shape: [3, 1]))
        let product = try folded("Mul", [ints([2], shape: []), ints([3, 4])])
        #expect(product == ints([6, 8]))
        let quotient = try folded("Div", [floats([1, 3]), floats([2], shape: [])])
        #expect(quotient == floats([0.5, 1.5]))
    }

    @Test func gatherAlongAnyAxisWithNegativeIndices() throws {
        let data = ints([0, 1, 2, 3, 4, 5], shape: [2, 3])
        let columns = try folded("Gather", [data, ints([-1, 0])], attributes: ["axis": .int(1)])
        #expect(columns == ints([2, 0, 5, 3], shape: [2, 2]))
        let row = try folded("Gather", [data, ints([-1], shape: [])])
        #expect(row == ints([3, 4, 5]))
        #expect(throws: ModelError.self) { _ = try folded("Gather", [data, ints([2])]) }
    }

    @Test func transposeAndSlice() throws {
        let data = floats([0, 1, 2, 3, 4, 5], shape: [2, 3])
        #expect(try folded("Transpose", [data]) == floats([0, 3, 1, 4, 2, 5], shape: [3, 2]))
        let range = ints(Array(0..<10))
        // range[8:1:-3] = [8, 5, 2]
        #expect(try folded("Slice", [range, ints([8]), ints([1]), ints([0]), ints([-3])]) == ints([8, 5, 2]))
        // data[:, 1:] (opset 10 inputs) and data[-1:, ::-1] (steps)
        #expect(try folded("Slice", [data, ints([1]), ints([Int64.max]), ints([1])]) == floats([1, 2, 4, 5], shape: [2, 2]))
        #expect(try folded("Slice", [data, ints([-1, -1]), ints([Int64.max, Int64.min]), ints([0, 1]), ints([1, -1])])
            == floats([5, 4, 3], shape: [1, 3]))
        // Opset 9: attributes.
        let old = try folded("Slice", [range], attributes: ["starts": .ints([2]), "ends": .ints([-5])], opset: 9)
        #expect(old == ints([2, 3, 4]))
    }

    @Test func castBetweenStorages() throws {
        let truncated = try folded("Cast", [floats([-1.7, 2.5, .nan, 1e30])], attributes: ["to": .int(7)])
        #expect(truncated.storage == .int64([-1, 2, 0, Int64.max]))
        #expect(truncated.dataType == .int64)
        let widened = try folded("Cast", [ints([3, -4])], attributes: ["to": .int(1)])
        #expect(widened.storage == .float([3, -4]))
        #expect(widened.dataType == .float32)
        let truth = try folded("Cast", [floats([0, 0.5])], attributes: ["to": .int(9)])
        #expect(truth.storage == .int64([0, 1]))
        #expect(truth.dataType == .bool)
        let narrowed = try folded("Cast", [ints([300])], attributes: ["to": .int(2)])
        #expect(narrowed.storage == .int64([44]))
        #expect(narrowed.dataType == .uint8)
    }

    @Test func constantOfShapeValues() throws {
        let sevens = try folded("ConstantOfShape", [ints([2, 2])], attributes: ["value": .tensor(ints([7]))])
        #expect(sevens == ints([7, 7, 7, 7], shape: [2, 2]))
        let zeros = try folded("ConstantOfShape", [ints([3])])
        #expect(zeros == floats([0, 0, 0]))
    }

    @Test func constantAttributeForms() throws {
        #expect(try folded("Constant", [], attributes: ["value_int": .int(5)]) == ints([5], shape: []))
        #expect(try folded("Constant", [], attributes: ["value_ints": .ints([5, 6])]) == ints([5, 6]))
        #expect(try folded("Constant", [], attributes: ["value_float": .float(0.5)]) == floats([0.5], shape: []))
        #expect(try folded("Constant", [], attributes: ["value_floats": .floats([0.5])]) == floats([0.5]))
    }

    @Test func reshapingOpsKeepTheValues() throws {
        let data = ints([1, 2, 3, 4, 5, 6], shape: [1, 2, 3])
        #expect(try folded("Reshape", [data, ints([3, -1])]) == ints([1, 2, 3, 4, 5, 6], shape: [3, 2]))
        #expect(try folded("Flatten", [data]) == ints([1, 2, 3, 4, 5, 6], shape: [1, 6]))
        #expect(try folded("Squeeze", [data]) == ints([1, 2, 3, 4, 5, 6], shape: [2, 3]))
        #expect(try folded("Unsqueeze", [data, ints([-1])]) == ints([1, 2, 3, 4, 5, 6], shape: [1, 2, 3, 1]))
        #expect(try folded("Unsqueeze", [data], attributes: ["axes": .ints([0])], opset: 11)
            == ints([1, 2, 3, 4, 5, 6], shape: [1, 1, 2, 3]))
        #expect(try folded("Identity", [data]) == data)
    }

    @Test func concatAlongInnerAxis() throws {
        let a = ints([1, 2, 3, 4], shape: [2, 2]), b = ints([5, 6], shape: [2, 1])
        #expect(try folded("Concat", [a, b], attributes: ["axis": .int(-1)]) == ints([1, 2, 5, 3, 4, 6], shape: [2, 3]))
        let mixed = try folded("Concat", [floats([1.5]), ints([2])], attributes: ["axis": .int(0)])
        #expect(mixed.storage == .float([1.5, 2]))
    }

    @Test func shapeWithStartAndEnd() throws {
        let graph = Graph(
            name: "g", source: "g.onnx", opsetVersion: 15,
            inputs: [ValueInfo(name: "x", dataType: .float32, shape: [nil, 3, 8, 9])],
            outputs: [ValueInfo(name: "y", dataType: .int64, shape: [2])],
            initializers: [:],
            nodes: [Node(name: "shape", opType: "Shape", inputs: ["x"], outputs: ["y"], attributes: ["start": .int(-2)])])
        let result = try GraphSimplifier.run(graph)
        #expect(result.nodes.isEmpty)
        #expect(result.initializers["y"] == ints([8, 9]))
    }

    @Test func equalWhereExpandNeg() throws {
        let equal = try folded("Equal", [ints([1, 2, 3]), ints([2], shape: [])])
        #expect(equal.storage == .int64([0, 1, 0]))
        #expect(equal.dataType == .bool)
        let chosen = try folded("Where", [Tensor(shape: [3], int64s: [1, 0, 1], dataType: .bool), ints([1, 2, 3]), ints([-1], shape: [])])
        #expect(chosen == ints([1, -1, 3]))
        #expect(try folded("Expand", [ints([1, 2], shape: [2, 1]), ints([2, 3])]) == ints([1, 1, 1, 2, 2, 2], shape: [2, 3]))
        #expect(try folded("Neg", [floats([1, -2])]) == floats([-1, 2]))
    }
}
