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
        // Per-tensor quantization parameters: the same arithmetic on every element, in either order.
        "QuantizeLinear", "DequantizeLinear",
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
            result.quantization[name] = graph.quantization[value]
            if wantLast { channelsLast.insert(name) }
            converted[key] = name
            return name
        }

        // Gemm/MatMul weights re-ordered so they read a channels-last flatten directly (node index → new B name).
        var permutedWeights: [Int: String] = [:]

        for (index, node) in graph.nodes.enumerated() {
            var node = node
            if let newWeights = permutedWeights[index] { node.inputs[1] = newWeights }
            if let consumers = try flattenFeedingOnlyLinearLayers(node, graph, channelsLast: channelsLast) {
                // Flatten the NHWC bytes as they are and permute the consumers' weights instead of the activation:
                // the layout change then costs nothing at run time.
                let inputShape = graph.shapes[node.inputs[0]] ?? []
                for consumer in consumers {
                    let weightName = graph.nodes[consumer].inputs[1]
                    guard let weights = graph.initializers[weightName] else { continue }
                    let transB = (try? graph.nodes[consumer].int("transB", default: 0, in: graph.source)) ?? 0
                    let name = result.freshNameAvoiding(graph, "\(weightName)#nhwc")
                    result.initializers[name] = permuteRowsToChannelsLast(weights, transposed: transB != 0, inputShape: inputShape)
                    permutedWeights[consumer] = name
                }
                node.attributes[channelsLastFlattenKey] = .int(1)
                result.nodes.append(node)
                continue
            }
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
            result.quantization[inner] = graph.quantization[output.name]
            result.nodes.append(Node(name: output.name, opType: toChannelsFirst, inputs: [inner], outputs: [output.name]))
        }
        result.channelsLast = channelsLast
        result.removeUnusedInitializers()
        return result
    }

    /// Marks a Flatten/Reshape that reads channels-last bytes as they are (its consumers' weights were permuted).
    public static let channelsLastFlattenKey = "adapt.channels_last_input"

    /// For a Flatten (or Reshape to [N, C·H·W]) of a channels-last value whose every reader is a Gemm or MatMul
    /// with constant weights indexed by the flattened axis, the readers' node indices; nil otherwise.
    private static func flattenFeedingOnlyLinearLayers(_ node: Node, _ graph: Graph, channelsLast: Set<String>) throws -> [Int]? {
        guard node.opType == "Flatten" || node.opType == "Reshape",
              let input = node.input(0), channelsLast.contains(input),
              let inputShape = graph.shapes[input], !conversionIsIdentity(inputShape),
              let output = node.outputs.first, !graph.isGraphOutput(output),
              graph.shapes[output] == [inputShape[0], inputShape[1] * inputShape[2] * inputShape[3]]
        else { return nil }
        let consumers = graph.consumers(of: output)
        guard !consumers.isEmpty else { return nil }
        for index in consumers {
            let consumer = graph.nodes[index]
            guard consumer.inputs.first == output, consumer.inputs.dropFirst().allSatisfy({ $0 != output }),
                  let weights = consumer.input(1).flatMap({ graph.initializers[$0] }), weights.shape.count == 2
            else { return nil }
            switch consumer.opType {
            case "Gemm":
                guard try consumer.int("transA", default: 0, in: graph.source) == 0 else { return nil }
            case "MatMul":
                break
            default:
                return nil
            }
        }
        return consumers
    }

    /// Re-orders the depth axis of a linear layer's weights from C·H·W (NCHW flatten) to H·W·C (NHWC flatten).
    static func permuteRowsToChannelsLast(_ weights: Tensor, transposed: Bool, inputShape: [Int]) -> Tensor {
        let (channels, height, width) = (inputShape[1], inputShape[2], inputShape[3])
        let depth = channels * height * width
        let columns = weights.count / depth
        // source[position] for each position of the result.
        var source = [Int](repeating: 0, count: weights.count)
        for c in 0..<channels {
            for y in 0..<height {
                for x in 0..<width {
                    let from = (c * height + y) * width + x, to = (y * width + x) * channels + c
                    for column in 0..<columns {
                        if transposed {
                            source[column * depth + to] = column * depth + from
                        } else {
                            source[to * columns + column] = from * columns + column
                        }
                    }
                }
            }
        }
        switch weights.storage {
        case .int8(let values):
            // Rows (output channels) stay where they are, so each keeps its scale.
            guard transposed, let scales = weights.channelScales else { break }
            return Tensor(shape: weights.shape, quantized: source.map { values[$0] }, channelScales: scales)
        default:
            break
        }
        let values = weights.floats
        return Tensor(shape: weights.shape, floats: source.map { values[$0] })
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
