/// Lowers an optimised graph, node by node, into one `OneDNNNet`. A node oneDNN cannot run here (an op it lacks,
/// a variant of one, or oneDNN refusing it) is compiled alone on the fallback backend (XNNPACK and the native
/// kernels), its inputs copied into that model's plain buffers and its outputs read from them.
struct OneDNNLowering {
    /// What one node became: its net steps, or a fallback model (after the net steps that feed it).
    enum Lowered {
        case net(Range<Int>)
        case fallback(copies: Range<Int>, model: any CompiledModel, reason: String)
    }

    /// Why a node stays off oneDNN; caught per node and turned into a fallback.
    struct NotOnOneDNN: Error {
        var reason: String
    }

    let graph: Graph
    let net: OneDNNNet
    let fallback: any InferenceBackend
    /// Each computed value's oneDNN tensor.
    private(set) var values: [String: OneDNNNet.Value] = [:]
    /// Flatten outputs not yet materialised: an inner product reads the rank-4 source directly instead.
    var flattened: [String: String] = [:]
    /// Residual Adds a convolution may do as its post-op, by the convolution's name (see `residualAdds`).
    let residualAdds: [String: (add: Node, other: String)]
    /// Adds a convolution did; they lower to nothing.
    var addsDone: Set<String> = []

    init(graph: Graph, net: OneDNNNet, fallback: any InferenceBackend) {
        (self.graph, self.net, self.fallback) = (graph, net, fallback)
        residualAdds = Self.residualAdds(in: graph)
    }

    /// Add(conv, other) of equal shapes where the convolution has no clamp of its own and its output feeds only
    /// the Add, and `other` is computed by an earlier node and read by nothing after the convolution: the
    /// convolution accumulates into `other`'s memory (then applies the Add's clamp) inside its kernel, saving a
    /// pass over the tensor. Of two convolutions, the later one takes the Add.
    static func residualAdds(in graph: Graph) -> [String: (add: Node, other: String)] {
        // Ops whose output may share its input's memory (a one-operand Sum too): overwriting it would change both.
        let views: Set<String> = ["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Sum"]
        var fused: [String: (add: Node, other: String)] = [:]
        for (addIndex, node) in graph.nodes.enumerated()
        where node.opType == "Add" && node.inputs.count == 2 && graph.quantization[node.outputs[0]] == nil {
            let shapes = node.inputs.map { graph.shapes[$0] }
            guard shapes[0] != nil, shapes[0] == shapes[1], shapes[0] == graph.shapes[node.outputs[0]] else { continue }
            let producers = node.inputs.map { graph.producer(of: $0) }
            let candidates = [0, 1].filter { side in
                let other = node.inputs[1 - side]
                guard let index = producers[side], graph.nodes[index].opType == "Conv",
                      FuseActivation.clampAttributes(of: graph.nodes[index]) == (-.infinity, .infinity),
                      graph.consumers(of: node.inputs[side]) == [addIndex], !graph.isGraphOutput(node.inputs[side]),
                      let otherProducer = producers[1 - side], otherProducer < index,
                      !views.contains(graph.nodes[otherProducer].opType), !graph.isGraphOutput(other)
                else { return false }
                return graph.consumers(of: other).allSatisfy { $0 == addIndex || ($0 < index && !views.contains(graph.nodes[$0].opType)) }
            }
            if let side = candidates.last, let index = producers[side] {
                fused[graph.nodes[index].name] = (node, node.inputs[1 - side])
            }
        }
        return fused
    }

    mutating func bind(_ name: String, _ value: OneDNNNet.Value) {
        values[name] = value
    }

    /// The node on oneDNN if it can run there, else on the fallback backend. Steps an attempt added before oneDNN
    /// refused (a reorder of an input, which `values` may keep for later nodes) run with the fallback's copies.
    mutating func lower(_ node: Node) throws -> Lowered {
        let first = net.stepCount
        do {
            try lowerOnOneDNN(node)
            return .net(first..<net.stepCount)
        } catch let refused as NotOnOneDNN {
            return try lowerOnFallback(node, reason: refused.reason, firstStep: first)
        } catch let refused as OneDNNError {
            return try lowerOnFallback(node, reason: refused.description, firstStep: first)
        }
    }

    /// Only float32 values cross to the fallback backend: an int8 node oneDNN cannot run stops the compile.
    private func checkFallback(_ node: Node, reason: String) throws {
        guard isQuantized(node) || node.inputs.contains(where: { graph.quantization[$0] != nil }) else { return }
        throw node.unsupported("no oneDNN int8 kernel here (\(reason)), and int8 values do not cross to XNNPACK", in: graph.source)
    }

    /// The oneDNN tensor of a computed value or a constant.
    mutating func value(_ name: String, of node: Node) throws -> OneDNNNet.Value {
        if let value = values[name] { return value }
        if let source = flattened[name] {
            let value = try net.reshape(try self.value(source, of: node), to: try graph.shape(of: name, at: node))
            values[name] = value
            return value
        }
        if let constant = graph.initializers[name] {
            guard constant.isFloatingPoint else { throw NotOnOneDNN(reason: "constant '\(name)' is not float") }
            let value = try net.constant(dims: constant.shape.isEmpty ? [1] : constant.shape, values: constant.floats)
            values[name] = value
            return value
        }
        throw node.invalid("input '\(name)' is computed by no earlier node", in: graph.source)
    }

    private mutating func lowerOnOneDNN(_ node: Node) throws {
        if isQuantized(node), let output = try lowerQuantized(node) {
            values[node.outputs[0]] = output
            return
        }
        // FuseActivation leaves clamps only on ops whose oneDNN primitive takes them as a post-op.
        let activation = OneDNNNet.Eltwise.clamp(FuseActivation.clampAttributes(of: node))
        let output: OneDNNNet.Value
        switch node.opType {
        case "Conv": output = try lowerConvolution(node, activation: activation)
        case "MaxPool", "AveragePool", "GlobalAveragePool": output = try lowerPooling(node, activation: activation)
        case "Gemm": output = try lowerGemm(node, activation: activation)
        case "MatMul": output = try lowerMatMul(node, activation: activation)
        case "Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh", "HardSwish", "HardSigmoid": output = try lowerEltwise(node)
        case "Add" where addsDone.contains(node.name): return
        case "Add", "Sub", "Mul", "Div": output = try lowerBinary(node, activation: activation)
        case "Sum": output = try lowerSum(node)
        case "BatchNormalization": output = try lowerBatchNormalization(node)
        case "Concat": output = try lowerConcat(node)
        case "Softmax": output = try lowerSoftmax(node)
        case "LRN":
            output = try net.lrn(
                try value(try input(0, of: node), of: node), size: try node.int("size", in: graph.source),
                alpha: try node.float("alpha", default: 1e-4, in: graph.source),
                beta: try node.float("beta", default: 0.75, in: graph.source),
                bias: try node.float("bias", default: 1, in: graph.source))
        case FuseChannelShuffle.opType:
            output = try net.channelShuffle(
                try value(try input(0, of: node), of: node), groups: try node.int("group", in: graph.source))
        case "Flatten" where try isFedToInnerProductsOnly(node):
            flattened[node.outputs[0]] = try input(0, of: node)
            return
        case "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity":
            output = try net.reshape(try value(try input(0, of: node), of: node), to: try graph.shape(of: node.outputs[0], at: node))
        default:
            throw NotOnOneDNN(reason: "oneDNN has no \(node.opType) here")
        }
        values[node.outputs[0]] = output
    }

    // MARK: - Fallback

    /// Compiles the node alone on the fallback backend: a one-node graph with the node's constants.
    private mutating func lowerOnFallback(_ node: Node, reason: String, firstStep: Int) throws -> Lowered {
        try checkFallback(node, reason: reason)
        var inputNames: [String] = []
        for name in node.inputs where !name.isEmpty && graph.initializers[name] == nil && !inputNames.contains(name) {
            inputNames.append(name)
        }
        let outputs = node.outputs.filter { !$0.isEmpty }
        var single = Graph(
            name: node.name, source: graph.source, opsetVersion: graph.opsetVersion,
            inputs: try inputNames.map { ValueInfo(name: $0, dataType: .float32, shape: try graph.shape(of: $0, at: node)) },
            outputs: try outputs.map { ValueInfo(name: $0, dataType: .float32, shape: try graph.shape(of: $0, at: node)) },
            initializers: graph.initializers.filter { node.inputs.contains($0.key) }, nodes: [node])
        for name in inputNames + outputs { single.shapes[name] = try graph.shape(of: name, at: node) }
        let model = try fallback.compile(single)
        for (index, name) in inputNames.enumerated() {
            let buffer = model.inputBuffer(index)
            let target = try net.external(dims: model.inputs[index].shape, buffer: buffer.baseAddress!)
            try net.copy(try value(name, of: node), into: target)
        }
        let copies = firstStep..<net.stepCount
        for (index, name) in outputs.enumerated() {
            let buffer = UnsafeMutablePointer(mutating: model.outputBuffer(index).baseAddress!)
            values[name] = try net.external(dims: model.outputs[index].shape, buffer: buffer)
        }
        return .fallback(copies: copies, model: model, reason: reason)
    }

    // MARK: - Helpers

    func input(_ index: Int, of node: Node) throws -> String {
        guard let name = node.input(index) else { throw node.invalid("missing input \(index)", in: graph.source) }
        return name
    }

    func constant(_ index: Int, of node: Node, what: String) throws -> Tensor {
        let name = try input(index, of: node)
        guard let tensor = graph.initializers[name], tensor.isFloatingPoint else {
            throw NotOnOneDNN(reason: "\(what) ('\(name)') is not a float constant")
        }
        return tensor
    }

    /// A Flatten to rank 2 of a rank-4 value, read only by Gemms (not a graph output): free, the inner product
    /// reads the rank-4 value in whatever layout it has.
    private func isFedToInnerProductsOnly(_ node: Node) throws -> Bool {
        guard let source = node.input(0), try graph.shape(of: source, at: node).count == 4,
              try node.int("axis", default: 1, in: graph.source) == 1, !graph.isGraphOutput(node.outputs[0])
        else { return false }
        let consumers = graph.consumers(of: node.outputs[0])
        return !consumers.isEmpty && consumers.allSatisfy { graph.nodes[$0].opType == "Gemm" && graph.nodes[$0].inputs.first == node.outputs[0] }
    }
}
