public import AdaptInference

/// Structured pruning without retraining: removes whole convolution filters (and hidden units of dense layers) with
/// the lowest L1 norm, and rewrites every reader so the smaller graph stays consistent. Accuracy lost to the removed
/// channels is partly won back by `BatchNormReestimation`.
///
/// Channels are followed through *channel spaces*: sets of values whose channel axis (axis 1) keeps the same indices,
/// because an op carries channel c to channel c (BatchNormalization, elementwise activations, pooling, depthwise
/// convolution) or ties the channels of its inputs together (a residual `Add`; transitively, by union-find). All
/// convolutions writing into one space lose the same channels, chosen by their summed filter norms.
///
/// A space is pruned only when all of it is understood, and otherwise left as it is:
/// - every value in it is written by a dense Conv (group 1) or a Gemm, whose filters can go, or by a channel carrier;
/// - every reader is a carrier, a dense Conv (drops input channels), a Gemm (drops weight columns) or a Flatten read
///   only by Gemms (channel c owns H·W consecutive columns);
/// - none of it is a graph input or output, so the classifier's logits keep their classes.
///
/// So Concat, Reshape, Mul, an Add that broadcasts or reads a constant, grouped (not depthwise) convolutions and
/// Gemm with transA leave the spaces they touch unpruned, rather than guessing at their channel layout.
public enum ChannelPruning {
    /// Removes `round(ratio × channels)` channels of every prunable space, keeping at least one.
    ///
    /// - Parameter graph: a simplified graph (`GraphSimplifier.run`), BatchNorm not folded and `shapes` filled.
    /// - Parameter ratio: the fraction of channels to remove, 0…1; 0 returns an equivalent graph.
    /// - Parameter sparingStem: leaves the space of the filters that read the graph input whole (see below).
    /// - Returns: the pruned graph, shapes inferred again; valid input to `InferenceSession(graph:)`.
    public static func prune(_ graph: Graph, ratio: Double, sparingStem: Bool = true) throws -> Graph {
        guard ratio >= 0 && ratio <= 1 else {
            throw ModelError.badInput(reason: "a pruning ratio is a fraction of channels within 0…1; \(ratio) given")
        }
        guard graph.foldedBatchNorms.isEmpty, graph.nodes.isEmpty || !graph.shapes.isEmpty else {
            throw ModelError.unsupportedModel(
                file: graph.source,
                reason: "pruning takes the simplified graph (GraphSimplifier.run: shapes inferred, BatchNorm not yet folded)")
        }
        let roles = try graph.nodes.map { try ChannelRole(of: $0, in: graph) }
        let wiring = Wiring(graph)
        // Every choice is made on the original weights, before pruning one space shrinks another's filters.
        var choices: [(space: ChannelSpace, kept: [Int])] = []
        for space in try channelSpaces(graph, roles: roles, wiring: wiring, sparingStem: sparingStem) {
            let removed = min(space.channels - 1, Int((ratio * Double(space.channels)).rounded()))
            guard removed > 0 else { continue }
            let norms = try filterNorms(of: space, in: graph, roles: roles, wiring: wiring)
            let weakest = Set(norms.indices.sorted { (norms[$0], $0) < (norms[$1], $1) }.prefix(removed))
            choices.append((space, norms.indices.filter { !weakest.contains($0) }))
        }
        var pruned = graph
        for (space, kept) in choices {
            try keep(kept, of: space, in: &pruned, roles: roles, wiring: wiring)
        }
        pruned.removeUnusedInitializers()
        return try ShapeInference.run(pruned)
    }

    /// The prunable channel spaces of `graph`, in no particular order.
    private static func channelSpaces(
        _ graph: Graph, roles: [ChannelRole], wiring: Wiring, sparingStem: Bool
    ) throws -> [ChannelSpace] {
        var sets = ValueSets()
        for (index, node) in graph.nodes.enumerated() {
            switch roles[index] {
            case .carrier(let inputs):
                for slot in inputs { sets.union(node.inputs[slot], node.outputs[0]) }
            case .filterBank:
                sets.insert(node.outputs[0])
            case .flattenIntoGemm, .opaque:
                continue
            }
        }
        var spaces: [ChannelSpace] = []
        for values in sets.groups() {
            if let space = try prunableSpace(values, in: graph, roles: roles, wiring: wiring, sparingStem: sparingStem) {
                spaces.append(space)
            }
        }
        return spaces
    }

    /// The space these values form, or nil when some value in it is written or read in a way pruning cannot follow.
    private static func prunableSpace(
        _ values: [String], in graph: Graph, roles: [ChannelRole], wiring: Wiring, sparingStem: Bool
    ) throws -> ChannelSpace? {
        var channels: Int?
        var hasFilters = false
        for value in values {
            guard !graph.isGraphOutput(value), let producer = wiring.producers[value],
                  graph.nodes[producer].outputs[0] == value,
                  let shape = graph.shapes[value], shape.count >= 2, channels == nil || channels == shape[1]
            else { return nil }
            channels = shape[1]
            switch roles[producer] {
            case .filterBank:
                // The stem's few filters see the raw image and every later layer builds on them: pruning them
                // costs far more accuracy than it saves time (top-1 on 2000 test images, stem pruned → spared:
                // cnn-w25 at 25 % 71.4 → 74.2 %, at 50 % 24.6 → 42.2 %; resnet-8 at 50 % 33.7 → 43.1 %).
                if sparingStem, let input = graph.nodes[producer].input(0), graph.inputs.contains(where: { $0.name == input }) {
                    return nil
                }
                hasFilters = true
            case .carrier: break
            case .flattenIntoGemm, .opaque: return nil
            }
            for (reader, slot) in wiring.readers[value, default: []] {
                switch roles[reader] {
                case .carrier(let inputs) where inputs.contains(slot): continue
                case .filterBank where slot == 0, .flattenIntoGemm where slot == 0: continue
                default: return nil
                }
            }
        }
        guard hasFilters, let channels else { return nil }
        return ChannelSpace(values: values, channels: channels)
    }

    /// Per channel, the L1 norm of the filters writing it, summed over every filter bank of the space.
    private static func filterNorms(
        of space: ChannelSpace, in graph: Graph, roles: [ChannelRole], wiring: Wiring
    ) throws -> [Float] {
        var norms = [Float](repeating: 0, count: space.channels)
        for value in space.values {
            guard let producer = wiring.producers[value], case .filterBank(let outputAxis, _) = roles[producer] else { continue }
            let node = graph.nodes[producer]
            let weights = try constant(node, 1, in: graph)
            let layout = AxisLayout(weights.shape, axis: outputAxis)
            guard layout.length == space.channels else {
                throw node.invalid("weights \(weights.shape) do not have \(space.channels) output channels", in: graph.source)
            }
            let values = weights.floats
            for outer in 0..<layout.outer {
                for channel in 0..<layout.length {
                    let start = (outer * layout.length + channel) * layout.inner
                    norms[channel] += values[start..<start + layout.inner].reduce(0) { $0 + abs($1) }
                }
            }
        }
        return norms
    }

    /// Rewrites every node writing or reading `space` to keep only channels `kept`.
    private static func keep(
        _ kept: [Int], of space: ChannelSpace, in graph: inout Graph, roles: [ChannelRole], wiring: Wiring
    ) throws {
        for value in space.values {
            guard let producer = wiring.producers[value] else { continue }
            let node = graph.nodes[producer]
            switch roles[producer] {
            case .filterBank(let outputAxis, _):
                try select(kept, of: space.channels, along: outputAxis, constant: 1, of: producer, in: &graph)
                if let bias = node.input(2).flatMap(graph.constant), bias.count == space.channels {
                    try select(kept, of: space.channels, along: bias.shape.count - 1, constant: 2, of: producer, in: &graph)
                }
            case .carrier where node.opType == "BatchNormalization":
                for slot in 1...4 { try select(kept, of: space.channels, along: 0, constant: slot, of: producer, in: &graph) }
            case .carrier where node.opType == "Conv":  // depthwise: one filter and one group per channel
                try select(kept, of: space.channels, along: 0, constant: 1, of: producer, in: &graph)
                if node.input(2) != nil { try select(kept, of: space.channels, along: 0, constant: 2, of: producer, in: &graph) }
                graph.nodes[producer].attributes["group"] = .int(kept.count)
            case .carrier, .flattenIntoGemm, .opaque:
                break
            }
            for (reader, _) in wiring.readers[value, default: []] {
                switch roles[reader] {
                case .filterBank(_, let inputAxis):
                    try select(kept, of: space.channels, along: inputAxis, constant: 1, of: reader, in: &graph)
                case .flattenIntoGemm:
                    let block = graph.shapes[value, default: []].dropFirst(2).reduce(1, *)
                    for (gemm, _) in wiring.readers[graph.nodes[reader].outputs[0], default: []] {
                        guard case .filterBank(_, let inputAxis) = roles[gemm] else { continue }
                        try select(kept, of: space.channels, along: inputAxis, block: block, constant: 1, of: gemm, in: &graph)
                    }
                case .carrier, .opaque:
                    break
                }
            }
        }
    }

    /// Keeps slices `kept` of the `channels` along `axis` of the constant node `index` reads at `slot`; each channel
    /// spans `block` consecutive slices (a flattened channel's H·W columns).
    private static func select(
        _ kept: [Int], of channels: Int, along axis: Int, block: Int = 1, constant slot: Int, of index: Int,
        in graph: inout Graph
    ) throws {
        let node = graph.nodes[index]
        let tensor = try constant(node, slot, in: graph)
        let layout = AxisLayout(tensor.shape, axis: axis)
        guard tensor.isFloatingPoint, layout.length == channels * block else {
            throw node.invalid(
                "constant '\(node.inputs[slot])' \(tensor.shape) does not hold \(channels) channels × \(block) along axis \(axis)",
                in: graph.source)
        }
        let values = tensor.floats
        var selected: [Float] = []
        selected.reserveCapacity(layout.outer * kept.count * block * layout.inner)
        for outer in 0..<layout.outer {
            for channel in kept {
                let start = (outer * layout.length + channel * block) * layout.inner
                selected.append(contentsOf: values[start..<start + block * layout.inner])
            }
        }
        var shape = tensor.shape
        shape[axis] = kept.count * block
        graph.replaceConstant(readBy: index, at: slot, with: Tensor(shape: shape, floats: selected))
    }

    private static func constant(_ node: Node, _ slot: Int, in graph: Graph) throws -> Tensor {
        guard let name = node.input(slot), let tensor = graph.constant(name) else {
            throw node.invalid("input #\(slot) must be a constant to be pruned", in: graph.source)
        }
        return tensor
    }
}

/// How a node treats the channel axis of the values it reads and writes.
private enum ChannelRole: Equatable {
    /// Output channel c depends on channel c of each input in `inputs` only (BatchNormalization, activations,
    /// pooling, depthwise convolution, a residual Add): those inputs and the output share channel indices.
    case carrier(inputs: [Int])
    /// A dense Conv or a Gemm: every output channel reads every input channel through constant weights (input 1),
    /// whose `outputAxis` holds the filters and `inputAxis` the input channels.
    case filterBank(outputAxis: Int, inputAxis: Int)
    /// A Flatten (axis 1) read only by filter-bank Gemms.
    case flattenIntoGemm
    case opaque

    static let elementwise: Set<String> = [
        "Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Elu", "Selu", "Softplus",
    ]
    static let pooling: Set<String> = ["MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"]

    init(of node: Node, in graph: Graph) throws {
        self = .opaque
        // A second output (MaxPool's indices, BatchNorm's training statistics) would be one more reader to follow.
        guard let output = node.outputs.first, !output.isEmpty, node.outputs.dropFirst().allSatisfy(\.isEmpty) else { return }
        let source = graph.source
        switch node.opType {
        case let op where Self.elementwise.contains(op) || Self.pooling.contains(op):
            self = .carrier(inputs: [0])
        case "BatchNormalization":
            guard let input = node.input(0), let shape = graph.shapes[input], shape.count >= 2 else { return }
            let parameters = (1...4).map { node.input($0).flatMap(graph.constant) }
            if parameters.allSatisfy({ $0?.count == shape[1] }) { self = .carrier(inputs: [0]) }
        case "Add":
            guard node.inputs.count == 2, let a = node.input(0), let b = node.input(1),
                  graph.constant(a) == nil, graph.constant(b) == nil,
                  let shape = graph.shapes[a], graph.shapes[b] == shape, graph.shapes[output] == shape
            else { return }
            self = .carrier(inputs: [0, 1])
        case "Conv":
            guard let input = node.input(0), let shape = graph.shapes[input], shape.count >= 3,
                  let weights = node.input(1).flatMap(graph.constant), weights.shape.count == shape.count,
                  node.input(2).map({ graph.constant($0) != nil }) ?? true
            else { return }
            let group = try node.int("group", default: 1, in: source)
            if group == 1 {
                self = .filterBank(outputAxis: 0, inputAxis: 1)
            } else if group == shape[1] && weights.shape[0] == group && weights.shape[1] == 1 {
                self = .carrier(inputs: [0])
            }
        case "Gemm":
            guard try node.int("transA", default: 0, in: source) == 0,
                  let weights = node.input(1).flatMap(graph.constant), weights.shape.count == 2
            else { return }
            let transposed = try node.int("transB", default: 0, in: source) != 0
            let outputs = weights.shape[transposed ? 0 : 1]
            // A bias is either per output or one broadcast scalar, which pruning leaves alone.
            if let bias = node.input(2) {
                guard let count = graph.constant(bias)?.count, count == outputs || count == 1 else { return }
            }
            self = .filterBank(outputAxis: transposed ? 0 : 1, inputAxis: transposed ? 1 : 0)
        case "Flatten":
            guard try node.int("axis", default: 1, in: source) == 1, !graph.isGraphOutput(output) else { return }
            for reader in graph.consumers(of: output) {
                let gemm = graph.nodes[reader]
                guard gemm.opType == "Gemm", gemm.inputs.firstIndex(of: output) == 0, gemm.inputs.lastIndex(of: output) == 0,
                      case .filterBank = try ChannelRole(of: gemm, in: graph)
                else { return }
            }
            self = .flattenIntoGemm
        default:
            return
        }
    }
}

/// Values whose channel indices must stay equal: one channel space each, with the channel count.
private struct ChannelSpace: Equatable {
    var values: [String]
    var channels: Int
}

/// Who writes and who reads each value, looked up once instead of scanning the nodes per question.
private struct Wiring {
    var producers: [String: Int] = [:]
    var readers: [String: [(node: Int, slot: Int)]] = [:]

    init(_ graph: Graph) {
        for (index, node) in graph.nodes.enumerated() {
            for output in node.outputs where !output.isEmpty && producers[output] == nil { producers[output] = index }
            for (slot, input) in node.inputs.enumerated() where !input.isEmpty {
                readers[input, default: []].append((index, slot))
            }
        }
    }
}

/// Disjoint sets of value names (union-find), for channels tied together across carriers and residual Adds.
private struct ValueSets {
    private var parent: [String: String] = [:]
    private var order: [String] = []

    mutating func insert(_ value: String) {
        guard parent[value] == nil else { return }
        parent[value] = value
        order.append(value)
    }

    mutating func root(_ value: String) -> String {
        insert(value)
        var root = value
        while let next = parent[root], next != root { root = next }
        var current = value
        while let next = parent[current], next != root {
            parent[current] = root
            current = next
        }
        return root
    }

    mutating func union(_ a: String, _ b: String) {
        let (rootA, rootB) = (root(a), root(b))
        if rootA != rootB { parent[rootB] = rootA }
    }

    /// Each set's values in the order they were first seen, sets in the order of their first value.
    mutating func groups() -> [[String]] {
        var members: [String: [String]] = [:]
        var roots: [String] = []
        for value in order {
            let root = root(value)
            if members[root] == nil { roots.append(root) }
            members[root, default: []].append(value)
        }
        return roots.map { members[$0, default: []] }
    }
}

/// A row-major shape seen as `outer × length × inner` around one axis.
private struct AxisLayout {
    var outer: Int
    var length: Int
    var inner: Int

    init(_ shape: [Int], axis: Int) {
        outer = shape[..<axis].reduce(1, *)
        length = shape[axis]
        inner = shape[(axis + 1)...].reduce(1, *)
    }
}
