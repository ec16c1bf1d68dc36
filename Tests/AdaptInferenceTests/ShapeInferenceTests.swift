import AdaptInference
import Testing

/// A graph with one float input `x`, the given nodes and initializers; the last node's first output is the graph output.
private func makeGraph(
    input: [Int?],
    nodes: [Node],
    initializers: [String: Tensor] = [:],
    extraInputs: [ValueInfo] = [],
    opset: Int = 13
) -> Graph {
    Graph(
        name: "test", source: "test.onnx", opsetVersion: opset,
        inputs: [ValueInfo(name: "x", dataType: .float32, shape: input)] + extraInputs,
        outputs: nodes.last.map { [ValueInfo(name: $0.outputs[0], dataType: .float32, shape: [])] } ?? [],
        initializers: initializers, nodes: nodes)
}

/// The inferred shape of the last node's first output.
private func inferred(
    _ input: [Int?], _ nodes: [Node], initializers: [String: Tensor] = [:], opset: Int = 13
) throws -> [Int] {
    let graph = try ShapeInference.run(makeGraph(input: input, nodes: nodes, initializers: initializers, opset: opset))
    return try #require(graph.shapes[nodes.last!.outputs[0]])
}

private func ints(_ values: [Int]) -> Tensor { Tensor(shape: [values.count], int64s: values.map { Int64($0) }) }

private func weights(_ shape: [Int]) -> Tensor { Tensor(shape: shape, floats: Array(repeating: 0.5, count: shape.reduce(1, *))) }

/// The reason of an invalid-node or unsupported-op error, with the node and op it names.
private func failure(_ body: () throws -> Void) -> (kind: String, node: String, op: String, reason: String)? {
    do {
        try body()
        return nil
    } catch let error as ModelError {
        switch error {
        case .invalidNode(_, let node, let op, let reason): return ("invalid", node, op, reason)
        case .unsupportedOp(_, let node, let op, let reason): return ("unsupported", node, op, reason)
        default: return ("other", "", "", error.description)
        }
    } catch {
        return ("other", "", "", "\(error)")
    }
}

struct ShapeInferenceTests {
    // MARK: Graph inputs and ordering

    @Test func freeInputDimensionsBecomeOne() throws {
        let graph = try ShapeInference.run(makeGraph(
            input: [nil, 3, 8, 8], nodes: [Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["y"])],
            initializers: ["w": weights([2, 2])]))
        #expect(graph.shapes["x"] == [1, 3, 8, 8])
        #expect(graph.shapes["y"] == [1, 3, 8, 8])
        #expect(graph.shapes["w"] == [2, 2])
    }

    @Test func zeroOrNegativeInputDimensionIsAnError() {
        for dim in [0, -2] {
            let graph = makeGraph(input: [1, dim], nodes: [Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["y"])])
            #expect(throws: ModelError.self) { try ShapeInference.run(graph) }
        }
    }

    @Test func readingAnUnproducedValueIsAnError() {
        let graph = makeGraph(input: [1, 4], nodes: [Node(name: "add", opType: "Add", inputs: ["x", "ghost"], outputs: ["y"])])
        let error = failure { _ = try ShapeInference.run(graph) }
        #expect(error?.kind == "invalid")
        #expect(error?.node == "add")
        #expect(error?.reason.contains("'ghost'") == true)
    }

    @Test func nodesOutOfOrderAreAnError() {
        let graph = makeGraph(input: [1, 4], nodes: [
            Node(name: "second", opType: "Relu", inputs: ["a"], outputs: ["y0"]),
            Node(name: "first", opType: "Relu", inputs: ["x"], outputs: ["a"]),
            Node(name: "last", opType: "Relu", inputs: ["y0"], outputs: ["y"]),
        ])
        let error = failure { _ = try ShapeInference.run(graph) }
        #expect(error?.node == "second")
        #expect(error?.reason.contains("topological") == true)
    }

    @Test func unknownOpNamesNodeAndOp() {
        let graph = makeGraph(input: [1, 4], nodes: [Node(name: "mystery_7", opType: "FancyOp", inputs: ["x"], outputs: ["y"])])
        let error = failure { _ = try ShapeInference.run(graph) }
        #expect(error?.kind == "unsupported")
        #expect(error?.node == "mystery_7")
        #expect(error?.op == "FancyOp")
        #expect(error?.reason == "adapt-top has no implementation of op FancyOp")
        do {
            _ = try ShapeInference.run(graph)
        } catch {
            #expect("\(error)".contains("test.onnx"))
            #expect("\(error)".contains("mystery_7"))
            #expect("\(error)".contains("FancyOp"))
        }
    }

    // MARK: Convolution

    struct ConvCase: Sendable, CustomTestStringConvertible {
        var input: [Int]
        var weight: [Int]
        var attributes: [String: Attribute]
        var expected: [Int]
        var testDescription: String { "X\(input) W\(weight) \(attributes.keys.sorted()) → \(expected)" }
    }

    static let convCases: [ConvCase] = [
        // 28x28, k3, s2, SAME_UPPER → ceil(28 / 2) = 14.
        ConvCase(input: [1, 1, 28, 28], weight: [8, 1, 3, 3],
                 attributes: ["strides": .ints([2, 2]), "auto_pad": .string("SAME_UPPER")], expected: [1, 8, 14, 14]),
        ConvCase(input: [1, 1, 28, 28], weight: [8, 1, 3, 3],
                 attributes: ["strides": .ints([2, 2]), "auto_pad": .string("SAME_LOWER")], expected: [1, 8, 14, 14]),
        // VALID: floor((28 - 3) / 2) + 1 = 13.
        ConvCase(input: [1, 1, 28, 28], weight: [8, 1, 3, 3],
                 attributes: ["strides": .ints([2, 2]), "auto_pad": .string("VALID")], expected: [1, 8, 13, 13]),
        // No padding, stride 1: 28 - 3 + 1 = 26.
        ConvCase(input: [1, 1, 28, 28], weight: [8, 1, 3, 3], attributes: [:], expected: [1, 8, 26, 26]),
        // pads 1: same size; with stride 2: floor((28 + 2 - 3) / 2) + 1 = 14.
        ConvCase(input: [1, 3, 28, 28], weight: [4, 3, 3, 3],
                 attributes: ["pads": .ints([1, 1, 1, 1])], expected: [1, 4, 28, 28]),
        ConvCase(input: [1, 3, 28, 28], weight: [4, 3, 3, 3],
                 attributes: ["pads": .ints([1, 1, 1, 1]), "strides": .ints([2, 2])], expected: [1, 4, 14, 14]),
        // Dilation 2: extent 5 → 28 - 5 + 1 = 24; with pads 2: 28.
        ConvCase(input: [1, 1, 28, 28], weight: [2, 1, 3, 3], attributes: ["dilations": .ints([2, 2])], expected: [1, 2, 24, 24]),
        ConvCase(input: [1, 1, 28, 28], weight: [2, 1, 3, 3],
                 attributes: ["dilations": .ints([2, 2]), "pads": .ints([2, 2, 2, 2])], expected: [1, 2, 28, 28]),
        // Asymmetric pads [top, left, bottom, right] = [0, 1, 2, 3]: H 28 + 2 - 3 + 1 = 28, W 28 + 4 - 3 + 1 = 30.
        ConvCase(input: [1, 1, 28, 28], weight: [2, 1, 3, 3], attributes: ["pads": .ints([0, 1, 2, 3])], expected: [1, 2, 28, 30]),
        // Rectangular kernel and strides: H (32 - 5) / 2 + 1 = 14, W (20 - 1) / 3 + 1 = 7.
        ConvCase(input: [1, 1, 32, 20], weight: [2, 1, 5, 1], attributes: ["strides": .ints([2, 3])], expected: [1, 2, 14, 7]),
        // Depthwise (group = channels) with SAME_UPPER and stride 2 on odd size: ceil(7 / 2) = 4.
        ConvCase(input: [1, 6, 7, 7], weight: [6, 1, 3, 3],
                 attributes: ["group": .int(6), "strides": .ints([2, 2]), "auto_pad": .string("SAME_UPPER")], expected: [1, 6, 4, 4]),
        // 1-D: (100 - 5) / 3 + 1 = 32.
        ConvCase(input: [1, 4, 100], weight: [8, 4, 5], attributes: ["strides": .ints([3])], expected: [1, 8, 32]),
        // Grouped: C_in 8 = group 4 × 2.
        ConvCase(input: [2, 8, 10, 10], weight: [16, 2, 1, 1], attributes: ["group": .int(4)], expected: [2, 16, 10, 10]),
    ]

    @Test(arguments: convCases)
    func convOutputShape(_ test: ConvCase) throws {
        var attributes = test.attributes
        attributes["kernel_shape"] = .ints(Array(test.weight.dropFirst(2)))
        let shape = try inferred(
            test.input.map { $0 }, [Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["y"], attributes: attributes)],
            initializers: ["w": weights(test.weight)])
        #expect(shape == test.expected)
    }

    @Test func convWindowResolvesSamePadding() throws {
        let graph = makeGraph(input: [1, 1, 28, 28], nodes: [])
        let upper = Node(name: "c", opType: "Conv", inputs: ["x", "w"], outputs: ["y"],
                         attributes: ["strides": .ints([2, 2]), "auto_pad": .string("SAME_UPPER")])
        let window = try ShapeInference.window(of: upper, inputShape: [1, 1, 28, 28], weightShape: [8, 1, 3, 3], in: graph)
        #expect(window.outputSize == [14, 14])
        #expect(window.padsBegin == [0, 0])
        #expect(window.padsEnd == [1, 1])
        var lower = upper
        lower.attributes["auto_pad"] = .string("SAME_LOWER")
        let lowerWindow = try ShapeInference.window(of: lower, inputShape: [1, 1, 28, 28], weightShape: [8, 1, 3, 3], in: graph)
        #expect(lowerWindow.padsBegin == [1, 1])
        #expect(lowerWindow.padsEnd == [0, 0])
    }

    @Test func convChannelMismatchIsAnError() {
        let error = failure {
            _ = try inferred([1, 3, 8, 8], [Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["y"])],
                             initializers: ["w": weights([4, 2, 3, 3])])
        }
        #expect(error?.kind == "invalid")
        #expect(error?.reason.contains("channels") == true)
    }

    @Test func convOutputChannelsMustDivideByGroup() {
        let error = failure {
            _ = try inferred([1, 4, 8, 8], [Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["y"],
                                                 attributes: ["group": .int(2)])],
                             initializers: ["w": weights([5, 2, 3, 3])])
        }
        #expect(error?.reason.contains("divisible") == true)
    }

    @Test func convWindowLargerThanInputIsAnError() {
        #expect(throws: ModelError.self) {
            _ = try inferred([1, 1, 2, 2], [Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["y"])],
                             initializers: ["w": weights([1, 1, 3, 3])])
        }
    }

    // MARK: Pooling

    @Test(arguments: [
        // 5x5, k2, s2: floor → 2, ceil → 3.
        ([1, 1, 5, 5], [2, 2], [2, 2], [0, 0, 0, 0], 0, [1, 1, 2, 2]),
        ([1, 1, 5, 5], [2, 2], [2, 2], [0, 0, 0, 0], 1, [1, 1, 3, 3]),
        // ResNet stem: 112, k3, s2, p1 → 56.
        ([1, 64, 112, 112], [3, 3], [2, 2], [1, 1, 1, 1], 0, [1, 64, 56, 56]),
        // GoogLeNet-style: 112, k3, s2, ceil → ceil(109 / 2) + 1 = 56 (floor would give 55).
        ([1, 64, 112, 112], [3, 3], [2, 2], [0, 0, 0, 0], 1, [1, 64, 56, 56]),
        ([1, 64, 112, 112], [3, 3], [2, 2], [0, 0, 0, 0], 0, [1, 64, 55, 55]),
        // ceil_mode never starts a window in the end padding: 5, k2, s3, p1 → ceil(5 / 3) + 1 = 3, dropped to 2.
        ([1, 1, 5, 5], [2, 2], [3, 3], [1, 1, 1, 1], 1, [1, 1, 2, 2]),
    ])
    func maxPoolOutputShape(input: [Int], kernel: [Int], strides: [Int], pads: [Int], ceilMode: Int, expected: [Int]) throws {
        let node = Node(name: "pool", opType: "MaxPool", inputs: ["x"], outputs: ["y"], attributes: [
            "kernel_shape": .ints(kernel), "strides": .ints(strides), "pads": .ints(pads), "ceil_mode": .int(ceilMode),
        ])
        #expect(try inferred(input.map { $0 }, [node]) == expected)
    }

    @Test func averagePoolAutoPadAndGlobalPool() throws {
        let same = Node(name: "pool", opType: "AveragePool", inputs: ["x"], outputs: ["p"], attributes: [
            "kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "auto_pad": .string("SAME_UPPER"),
        ])
        let global = Node(name: "gap", opType: "GlobalAveragePool", inputs: ["p"], outputs: ["y"])
        let graph = try ShapeInference.run(makeGraph(input: [1, 16, 15, 9], nodes: [same, global]))
        #expect(graph.shapes["p"] == [1, 16, 8, 5])
        #expect(graph.shapes["y"] == [1, 16, 1, 1])
    }

    @Test func maxPoolWithDilation() throws {
        // Extent (3 - 1) * 2 + 1 = 5: 10 - 5 + 1 = 6.
        let node = Node(name: "pool", opType: "MaxPool", inputs: ["x"], outputs: ["y"], attributes: [
            "kernel_shape": .ints([3]), "dilations": .ints([2]),
        ])
        #expect(try inferred([1, 2, 10], [node]) == [1, 2, 6])
    }

    // MARK: Linear algebra

    @Test(arguments: [
        ([3, 5], [5, 4], 0, 0, [3, 4]),
        ([5, 3], [5, 4], 1, 0, [3, 4]),
        ([3, 5], [4, 5], 0, 1, [3, 4]),
        ([5, 3], [4, 5], 1, 1, [3, 4]),
    ])
    func gemmTransposes(a: [Int], b: [Int], transA: Int, transB: Int, expected: [Int]) throws {
        let node = Node(name: "gemm", opType: "Gemm", inputs: ["x", "b", "c"], outputs: ["y"],
                        attributes: ["transA": .int(transA), "transB": .int(transB)])
        let shape = try inferred(a.map { $0 }, [node], initializers: ["b": weights(b), "c": weights([4])])
        #expect(shape == expected)
    }

    @Test func gemmInnerDimensionMismatchIsAnError() {
        let node = Node(name: "fc", opType: "Gemm", inputs: ["x", "b"], outputs: ["y"], attributes: ["transB": .int(1)])
        let error = failure { _ = try inferred([1, 512], [node], initializers: ["b": weights([10, 256])]) }
        #expect(error?.kind == "invalid")
        #expect(error?.node == "fc")
    }

    @Test func gemmBiasMustBroadcast() {
        let node = Node(name: "fc", opType: "Gemm", inputs: ["x", "b", "c"], outputs: ["y"])
        #expect(throws: ModelError.self) {
            _ = try inferred([2, 3], [node], initializers: ["b": weights([3, 4]), "c": weights([2])])
        }
    }

    @Test(arguments: [
        ([2, 3, 4], [4, 5], [2, 3, 5]),
        ([4], [4, 5], [5]),
        ([3, 4], [4], [3]),
        ([4], [4], []),
        ([2, 1, 3, 4], [5, 4, 6], [2, 5, 3, 6]),
    ])
    func matMulBroadcasting(a: [Int], b: [Int], expected: [Int]) throws {
        let node = Node(name: "mm", opType: "MatMul", inputs: ["x", "b"], outputs: ["y"])
        #expect(try inferred(a.map { $0 }, [node], initializers: ["b": weights(b)]) == expected)
    }

    // MARK: Elementwise

    @Test func broadcastingArithmetic() throws {
        let nodes = [
            Node(name: "add", opType: "Add", inputs: ["x", "b"], outputs: ["a"]),
            Node(name: "sum", opType: "Sum", inputs: ["a", "c", "x"], outputs: ["y"]),
        ]
        let graph = try ShapeInference.run(makeGraph(
            input: [1, 3, 1, 5], nodes: nodes, initializers: ["b": weights([4, 1]), "c": weights([2, 1, 1, 1])]))
        #expect(graph.shapes["a"] == [1, 3, 4, 5])
        #expect(graph.shapes["y"] == [2, 3, 4, 5])
    }

    @Test func incompatibleBroadcastNamesBothShapes() {
        let node = Node(name: "add_3", opType: "Add", inputs: ["x", "b"], outputs: ["y"])
        let error = failure { _ = try inferred([1, 3, 4], [node], initializers: ["b": weights([2, 4])]) }
        #expect(error?.kind == "invalid")
        #expect(error?.node == "add_3")
        #expect(error?.op == "Add")
        #expect(error?.reason.contains("[1, 3, 4]") == true)
        #expect(error?.reason.contains("[2, 4]") == true)
    }

    // MARK: Data movement

    @Test(arguments: [
        ([2, 3, 4], [0, -1], [2, 12]),
        ([2, 3, 4], [-1, 0], [8, 3]),
        ([2, 3, 4], [4, 0, -1], [4, 3, 2]),
        ([1, 512, 1, 1], [1, -1], [1, 512]),
        ([2, 3, 4], [24], [24]),
    ])
    func reshapeZeroAndMinusOne(input: [Int], shape: [Int], expected: [Int]) throws {
        let node = Node(name: "reshape", opType: "Reshape", inputs: ["x", "s"], outputs: ["y"])
        #expect(try inferred(input.map { $0 }, [node], initializers: ["s": ints(shape)]) == expected)
    }

    @Test func reshapeWithWrongElementCountIsAnError() {
        let node = Node(name: "reshape", opType: "Reshape", inputs: ["x", "s"], outputs: ["y"])
        for shape in [[5, -1], [2, 13], [-1, -1]] {
            let error = failure { _ = try inferred([2, 3, 4], [node], initializers: ["s": ints(shape)]) }
            #expect(error?.kind == "invalid")
        }
    }

    @Test func reshapeAllowZeroKeepsZero() {
        // With allowzero = 1 (opset 14), 0 is a real zero: [0, 24] no longer holds 24 elements.
        let node = Node(name: "reshape", opType: "Reshape", inputs: ["x", "s"], outputs: ["y"], attributes: ["allowzero": .int(1)])
        #expect(throws: ModelError.self) { _ = try inferred([2, 12], [node], initializers: ["s": ints([0, 24])], opset: 14) }
        #expect((try? inferred([2, 12], [node], initializers: ["s": ints([0, 12])], opset: 13)) == [2, 12])
    }

    @Test func squeezeAndUnsqueezeBeforeOpset13UseAttributes() throws {
        let nodes = [
            Node(name: "unsq", opType: "Unsqueeze", inputs: ["x"], outputs: ["u"], attributes: ["axes": .ints([0, -1])]),
            Node(name: "sq", opType: "Squeeze", inputs: ["u"], outputs: ["s"], attributes: ["axes": .ints([-1])]),
            Node(name: "sqall", opType: "Squeeze", inputs: ["u"], outputs: ["y"]),
        ]
        let graph = try ShapeInference.run(makeGraph(input: [3, 4], nodes: nodes, opset: 11))
        #expect(graph.shapes["u"] == [1, 3, 4, 1])
        #expect(graph.shapes["s"] == [1, 3, 4])
        #expect(graph.shapes["y"] == [3, 4])
    }

    @Test func squeezeAndUnsqueezeFromOpset13UseInputs() throws {
        let nodes = [
            Node(name: "unsq", opType: "Unsqueeze", inputs: ["x", "ua"], outputs: ["u"]),
            Node(name: "sq", opType: "Squeeze", inputs: ["u", "sa"], outputs: ["y"]),
        ]
        let graph = try ShapeInference.run(makeGraph(
            input: [3, 4], nodes: nodes, initializers: ["ua": ints([0, -1]), "sa": ints([0])], opset: 13))
        #expect(graph.shapes["u"] == [1, 3, 4, 1])
        #expect(graph.shapes["y"] == [3, 4, 1])
    }

    @Test func squeezeAxesAttributeIsRejectedFromOpset13() {
        let node = Node(name: "sq", opType: "Squeeze", inputs: ["x"], outputs: ["y"], attributes: ["axes": .ints([0])])
        #expect(throws: ModelError.self) { _ = try inferred([1, 4], [node], opset: 13) }
        #expect((try? inferred([1, 4], [node], opset: 11)) == [4])
    }

    @Test func squeezingANonUnitAxisIsAnError() {
        let node = Node(name: "sq", opType: "Squeeze", inputs: ["x", "a"], outputs: ["y"])
        #expect(throws: ModelError.self) { _ = try inferred([2, 4], [node], initializers: ["a": ints([1])]) }
    }

    @Test func concatFlattenTransposeGather() throws {
        let nodes = [
            Node(name: "cat", opType: "Concat", inputs: ["x", "w"], outputs: ["c"], attributes: ["axis": .int(-3)]),
            Node(name: "flat", opType: "Flatten", inputs: ["c"], outputs: ["f"], attributes: ["axis": .int(-1)]),
            Node(name: "flat0", opType: "Flatten", inputs: ["c"], outputs: ["f0"], attributes: ["axis": .int(0)]),
            Node(name: "tr", opType: "Transpose", inputs: ["c"], outputs: ["t"]),
            Node(name: "tr2", opType: "Transpose", inputs: ["c"], outputs: ["t2"], attributes: ["perm": .ints([0, 2, 3, 1])]),
            Node(name: "gather", opType: "Gather", inputs: ["c", "i"], outputs: ["y"], attributes: ["axis": .int(1)]),
        ]
        let graph = try ShapeInference.run(makeGraph(
            input: [1, 3, 4, 5], nodes: nodes,
            initializers: ["w": weights([1, 2, 4, 5]), "i": Tensor(shape: [2, 2], int64s: [0, 1, 2, -1])]))
        #expect(graph.shapes["c"] == [1, 5, 4, 5])
        #expect(graph.shapes["f"] == [20, 5])
        #expect(graph.shapes["f0"] == [1, 100])
        #expect(graph.shapes["t"] == [5, 4, 5, 1])
        #expect(graph.shapes["t2"] == [1, 4, 5, 5])
        #expect(graph.shapes["y"] == [1, 2, 2, 4, 5])
    }

    @Test func concatMismatchIsAnError() {
        let node = Node(name: "cat", opType: "Concat", inputs: ["x", "w"], outputs: ["y"], attributes: ["axis": .int(1)])
        #expect(throws: ModelError.self) { _ = try inferred([1, 3, 4], [node], initializers: ["w": weights([1, 3, 5])]) }
    }

    @Test func gatherWithScalarIndexDropsTheAxis() throws {
        let node = Node(name: "g", opType: "Gather", inputs: ["x", "i"], outputs: ["y"])
        #expect(try inferred([7, 3], [node], initializers: ["i": Tensor(shape: [], int64s: [2])]) == [3])
    }

    @Test func sliceFromOpset10InputsAndOpset9Attributes() throws {
        // x[:, 1:-1, ::2, 5:1:-2] on [2, 10, 9, 8] → [2, 8, 5, 2].
        let node = Node(name: "slice", opType: "Slice", inputs: ["x", "starts", "ends", "axes", "steps"], outputs: ["y"])
        let shape = try inferred([2, 10, 9, 8], [node], initializers: [
            "starts": ints([1, 0, 5]), "ends": ints([-1, Int(Int64.max), 1]), "axes": ints([1, -2, 3]), "steps": ints([1, 2, -2]),
        ])
        #expect(shape == [2, 8, 5, 2])
        let old = Node(name: "slice", opType: "Slice", inputs: ["x"], outputs: ["y"],
                       attributes: ["starts": .ints([1, -3]), "ends": .ints([100, -1]), "axes": .ints([0, 1])])
        #expect(try inferred([4, 6], [old], opset: 9) == [3, 2])
    }

    @Test func padFromAttributeAndInput() throws {
        let old = Node(name: "pad", opType: "Pad", inputs: ["x"], outputs: ["y"], attributes: ["pads": .ints([0, 0, 1, 2, 0, 0, 3, 4])])
        #expect(try inferred([1, 2, 5, 5], [old], opset: 10) == [1, 2, 9, 11])
        let new = Node(name: "pad", opType: "Pad", inputs: ["x", "p", "v"], outputs: ["y"])
        let shape = try inferred([1, 2, 5, 5], [new], initializers: [
            "p": ints([0, 0, 1, -1, 0, 0, 1, -1]), "v": Tensor(shape: [], floats: [0]),
        ], opset: 11)
        #expect(shape == [1, 2, 7, 3])
    }

    @Test func shapeWithStartAndEndFromOpset15() throws {
        let node = Node(name: "shape", opType: "Shape", inputs: ["x"], outputs: ["y"], attributes: ["start": .int(1), "end": .int(-1)])
        #expect(try inferred([1, 3, 8, 8], [node], opset: 15) == [2])
        #expect(try inferred([1, 3, 8, 8], [node], opset: 13) == [4])
    }

    @Test func constantForms() throws {
        let nodes = [
            Node(name: "c1", opType: "Constant", inputs: [], outputs: ["a"], attributes: ["value": .tensor(weights([2, 3]))]),
            Node(name: "c2", opType: "Constant", inputs: [], outputs: ["b"], attributes: ["value_float": .float(1)]),
            Node(name: "c3", opType: "Constant", inputs: [], outputs: ["c"], attributes: ["value_floats": .floats([1, 2, 3])]),
            Node(name: "c4", opType: "Constant", inputs: [], outputs: ["d"], attributes: ["value_int": .int(4)]),
            Node(name: "c5", opType: "Constant", inputs: [], outputs: ["e"], attributes: ["value_ints": .ints([4, 5])]),
            Node(name: "fill", opType: "ConstantOfShape", inputs: ["e"], outputs: ["f"]),
            Node(name: "expand", opType: "Expand", inputs: ["x", "s"], outputs: ["y"]),
        ]
        let graph = try ShapeInference.run(makeGraph(input: [3, 1], nodes: nodes, initializers: ["s": ints([2, 1, 4])]))
        #expect(graph.shapes["a"] == [2, 3])
        #expect(graph.shapes["b"] == [])
        #expect(graph.shapes["c"] == [3])
        #expect(graph.shapes["d"] == [])
        #expect(graph.shapes["e"] == [2])
        #expect(graph.shapes["f"] == [4, 5])
        #expect(graph.shapes["y"] == [2, 3, 4])
    }

    @Test func reshapeTargetComputedFromShapeBeforeFolding() throws {
        // x.view(x.size(0), -1) as PyTorch exports it: shape inference evaluates the constant chain itself.
        let graph = try ShapeInference.run(Self.viewGraph(opset: 13))
        #expect(graph.shapes["y"] == [1, 48])
        #expect(graph.nodes.count == 6)
    }

    @Test func reshapeWithDynamicShapeIsUnsupported() {
        let graph = makeGraph(input: [2, 6], nodes: [Node(name: "r", opType: "Reshape", inputs: ["x", "s"], outputs: ["y"])],
                              extraInputs: [ValueInfo(name: "s", dataType: .int64, shape: [2])])
        let error = failure { _ = try ShapeInference.run(graph) }
        #expect(error?.kind == "unsupported")
        #expect(error?.node == "r")
    }

    @Test func unaryOpsAndDropoutKeepTheShape() throws {
        let ops = ["Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Softmax", "LogSoftmax",
                   "Identity", "Exp", "Neg", "Sqrt", "Abs", "LRN", "Cast"]
        var nodes: [Node] = []
        var previous = "x"
        for (index, op) in ops.enumerated() {
            nodes.append(Node(name: "n\(index)", opType: op, inputs: [previous], outputs: ["v\(index)"]))
            previous = "v\(index)"
        }
        nodes.append(Node(name: "drop", opType: "Dropout", inputs: [previous], outputs: ["y", "mask"]))
        let graph = try ShapeInference.run(makeGraph(input: [1, 3, 2, 2], nodes: nodes))
        #expect(graph.shapes["y"] == [1, 3, 2, 2])
        #expect(graph.shapes["mask"] == [1, 3, 2, 2])
    }

    @Test func batchNormalizationChecksStatistics() throws {
        let node = Node(name: "bn", opType: "BatchNormalization", inputs: ["x", "s", "b", "m", "v"], outputs: ["y"])
        let good = ["s": weights([3]), "b": weights([3]), "m": weights([3]), "v": weights([3])]
        #expect(try inferred([1, 3, 4, 4], [node], initializers: good) == [1, 3, 4, 4])
        var bad = good
        bad["v"] = weights([4])
        #expect(throws: ModelError.self) { _ = try inferred([1, 3, 4, 4], [node], initializers: bad) }
    }
}

extension ShapeInferenceTests {
    /// `y = x.view(x.size(0), -1)` as PyTorch exports it, for x of shape [batch, 3, 4, 4].
    static func viewGraph(opset: Int) -> Graph {
        let unsqueeze = opset >= 13
            ? Node(name: "unsqueeze", opType: "Unsqueeze", inputs: ["batch", "axes0"], outputs: ["batch1"])
            : Node(name: "unsqueeze", opType: "Unsqueeze", inputs: ["batch"], outputs: ["batch1"], attributes: ["axes": .ints([0])])
        var initializers: [String: Tensor] = ["index0": Tensor(shape: [], int64s: [0])]
        if opset >= 13 { initializers["axes0"] = Tensor(shape: [1], int64s: [0]) }
        return Graph(
            name: "view", source: "view.onnx", opsetVersion: opset,
            inputs: [ValueInfo(name: "x", dataType: .float32, shape: [nil, 3, 4, 4])],
            outputs: [ValueInfo(name: "y", dataType: .float32, shape: [nil, 48])],
            initializers: initializers,
            nodes: [
                Node(name: "shape", opType: "Shape", inputs: ["x"], outputs: ["xshape"]),
                Node(name: "gather", opType: "Gather", inputs: ["xshape", "index0"], outputs: ["batch"], attributes: ["axis": .int(0)]),
                unsqueeze,
                Node(name: "minus1", opType: "Constant", inputs: [], outputs: ["m1"],
                     attributes: ["value": .tensor(Tensor(shape: [1], int64s: [-1]))]),
                Node(name: "concat", opType: "Concat", inputs: ["batch1", "m1"], outputs: ["target"], attributes: ["axis": .int(0)]),
                Node(name: "reshape", opType: "Reshape", inputs: ["x", "target"], outputs: ["y"]),
            ])
    }
}
