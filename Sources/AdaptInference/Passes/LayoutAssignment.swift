/// Decides which rank-4 activations live channels-last (NHWC) in memory and inserts the conversions.
///
/// Convolutions, pooling, LRN and BatchNorm run channels-last (XNNPACK's native layout); elementwise ops,
/// Concat, Pad and Softmax follow their inputs; everything else (Flatten, Reshape, Transpose, Gemm…) sees the
/// ONNX NCHW order. Logical shapes in `Graph.shapes` stay NCHW; `Graph.channelsLast` lists the values whose
/// memory is NHWC. Graph inputs arrive and outputs leave NCHW.
public enum LayoutAssignment {
    public static let toChannelsLast = "adapt.ToChannelsLast"
    public static let toChannelsFirst = "adapt.ToChannelsFirst"

    static let channelsLastOps: Set<String> = [
        "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "LRN", "BatchNormalization", FuseChannelShuffle.opType,
    ]
    /// Ops that compute the same thing in either layout, given their constants are permuted to match.
    static let layoutFollowingOps: Set<String> = [
        "Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh",
        "Add", "Sub", "Mul", "Div", "Sum", "Concat", "Pad",
    ]

    /// True when an NCHW and an NHWC copy of a tensor of this shape have identical bytes, so converting is free.
    public static func conversionIsIdentity(_ shape: [Int]) -> Bool {
        shape.count == 4 && (shape[1] == 1 || shape[2] * shape[3] == 1)
    }

    public static func run(_ graph: Graph) throws -> Graph {
        var result = graph
        result.nodes = []
        var channelsLast = Set<String>()
        // (value, wants channels-last) → name of the converted copy, so each conversion happens once.
        var converted: [String: String] = [:]

        func isRank4Activation(_ value: String) -> Bool {
            graph.initializers[value] == nil && graph.shapes[value]?.count == 4
        }
        func convert(_ value: String, toChannelsLast wantLast: Bool) -> String {
            let isLast = channelsLast.contains(value)
            guard isRank4Activation(value), isLast != wantLast else { return value }
            let key = "\(value)\u{1}\(wantLast)"
            if let existing = converted[key] { return existing }
            let name = result.freshNameAvoiding(graph, "\(value)#\(wantLast ? "nhwc" : "nchw")")
            result.nodes.append(Node(
                name: name, opType: wantLast ? toChannelsLast : toChannelsFirst, inputs: [value], outputs: [name]))
            result.shapes[name] = graph.shapes[value]
            if wantLast { channelsLast.insert(name) }
            converted[key] = name
            return name
        }

        for node in graph.nodes {
            var node = node
            let activationInputs = node.inputs.filter { !$0.isEmpty && isRank4Activation($0) }
            let wantLast: Bool
            if channelsLastOps.contains(node.opType) {
                wantLast = node.input(0).map(isRank4Activation) ?? false
            } else if layoutFollowingOps.contains(node.opType) || isChannelAxisSoftmax(node, graph) {
                // Follow the first activation input, unless an activation of another rank joins in.
                let otherActivations = node.inputs.filter {
                    !$0.isEmpty && graph.initializers[$0] == nil && graph.shapes[$0]?.count != 4
                }
                wantLast = otherActivations.isEmpty && (activationInputs.first.map(channelsLast.contains) ?? false)
            } else {
                wantLast = false
            }
            node.inputs = node.inputs.map { $0.isEmpty ? $0 : convert($0, toChannelsLast: wantLast) }
            if wantLast {
                for output in node.outputs where graph.shapes[output]?.count == 4 { channelsLast.insert(output) }
            }
            result.nodes.append(node)
        }

        // Graph outputs leave NCHW: the channels-last value is renamed and converted under the output's name.
        for output in graph.outputs where channelsLast.contains(output.name) {
            let inner = result.freshNameAvoiding(graph, "\(output.name)#nhwc")
            result.renameValue(output.name, to: inner)
            channelsLast.remove(output.name)
            channelsLast.insert(inner)
            result.shapes[inner] = graph.shapes[output.name]
            result.nodes.append(Node(name: output.name, opType: toChannelsFirst, inputs: [inner], outputs: [output.name]))
        }
        result.channelsLast = channelsLast
        return result
    }

    /// Softmax from opset 13 normalises one axis, which maps onto channels-last memory by permuting the axis.
    private static func isChannelAxisSoftmax(_ node: Node, _ graph: Graph) -> Bool {
        node.opType == "Softmax" && graph.opsetVersion >= 13
    }
}

extension Graph {
    /// A fresh name that also avoids every name of `other` (used while a pass rebuilds `self` from `other`).
    func freshNameAvoiding(_ other: Graph, _ base: String) -> String {
        var candidate = base
        var index = 1
        while other.hasValue(candidate) || hasValue(candidate) {
            candidate = "\(base)_\(index)"
            index += 1
        }
        return candidate
    }

    func hasValue(_ name: String) -> Bool {
        initializers[name] != nil || inputs.contains { $0.name == name } || nodes.contains { $0.outputs.contains(name) }
    }

    /// Renames a produced value everywhere it is written or read.
    mutating func renameValue(_ old: String, to new: String) {
        for index in nodes.indices {
            nodes[index].inputs = nodes[index].inputs.map { $0 == old ? new : $0 }
            nodes[index].outputs = nodes[index].outputs.map { $0 == old ? new : $0 }
        }
    }
}
