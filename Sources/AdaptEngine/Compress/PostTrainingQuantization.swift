public import AdaptInference

/// int8 post-training quantization of a backend-ready graph (`InferenceSession.optimizedGraph`: BatchNorm folded,
/// activations fused), from activation ranges calibrated on that same graph.
///
/// Convolutions, fully connected layers (Gemm) and residual Adds become int8 operators with per-channel symmetric
/// weights and per-tensor activation parameters; max pooling, global average pooling and flattens stay in int8
/// when their input is. A QuantizeLinear is placed where a float tensor first meets an int8 operator and a
/// DequantizeLinear where an int8 tensor meets a float operator or a graph output — for the demo models, only
/// at the input and the logits. Everything else runs in float, unchanged.
public enum PostTrainingQuantization {
    /// Suffix of the int8 copy of a value (the float value keeps its name, so readers of it need no renaming).
    static let int8Suffix = "::int8"

    public static func quantize(_ graph: Graph, ranges: ActivationRanges) throws -> Graph {
        var builder = Builder(source: graph, ranges: ranges)
        for node in graph.nodes { try builder.add(node) }
        for output in graph.outputs { try builder.requireFloat(output.name) }
        var result = builder.result
        result.name = graph.name
        result.removeUnusedInitializers()
        return result
    }

    private struct Builder {
        let source: Graph
        let ranges: ActivationRanges
        var result: Graph
        /// Float value → name of its int8 copy, for values available in int8.
        var int8Copies: [String: String] = [:]
        /// Float values that exist as float in the result (graph inputs, float outputs, dequantized copies).
        var floatValues: Set<String>

        init(source: Graph, ranges: ActivationRanges) {
            self.source = source
            self.ranges = ranges
            result = source
            result.nodes = []
            result.quantization = [:]
            floatValues = Set(source.inputs.map(\.name))
        }

        mutating func add(_ node: Node) throws {
            switch node.opType {
            case "Conv" where try hasConstantWeights(node, rank: 4):
                try addWeighted(node, weights: source.initializers[node.inputs[1]]!.quantizedPerChannel())
            case "Gemm" where try isPlainLinear(node):
                var weights = source.initializers[node.inputs[1]]!
                if try node.int("transB", default: 0, in: source.source) == 0 {
                    weights = weights.transposed2D()
                }
                var quantized = node
                quantized.attributes["transB"] = .int(1)
                try addWeighted(quantized, weights: weights.quantizedPerChannel())
            case "Add" where node.inputs.count == 2 && node.inputs.allSatisfy({ isActivation($0) }):
                try addInt8(node, inputs: node.inputs, outputParameters: try parameters(of: node.outputs[0], at: node))
            case "MaxPool" where node.outputs.count == 1, "GlobalAveragePool", "Flatten", "Reshape":
                guard let input = node.input(0), let inputCopy = int8Copies[input] else { return try addFloat(node) }
                // Taking a maximum or reshaping keeps the codes' meaning; averaging gets its own output range.
                let keepsScale = node.opType != "GlobalAveragePool"
                let outputParameters = keepsScale ? result.quantization[inputCopy]! : try parameters(of: node.outputs[0], at: node)
                try addInt8(node, inputs: [input] + node.inputs.dropFirst(), outputParameters: outputParameters)
            default:
                try addFloat(node)
            }
        }

        private mutating func addWeighted(_ node: Node, weights: Tensor) throws {
            let name = result.freshName("\(node.inputs[1])\(PostTrainingQuantization.int8Suffix)")
            result.initializers[name] = weights
            var inputs = node.inputs
            inputs[1] = name
            try addInt8(node, inputs: inputs, outputParameters: try parameters(of: node.outputs[0], at: node))
        }

        /// Appends `node` reading the int8 copies of its activation inputs and writing an int8 copy of its output.
        private mutating func addInt8(_ node: Node, inputs: [String], outputParameters: QuantizationParameters) throws {
            var quantized = node
            quantized.inputs = try inputs.map { isActivation($0) ? try requireInt8($0, for: node) : $0 }
            let output = node.outputs[0]
            let copy = result.freshName(output + PostTrainingQuantization.int8Suffix)
            quantized.outputs = [copy]
            result.nodes.append(quantized)
            result.shapes[copy] = source.shapes[output]
            result.quantization[copy] = outputParameters
            int8Copies[output] = copy
        }

        private mutating func addFloat(_ node: Node) throws {
            for value in node.inputs where isActivation(value) { try requireFloat(value) }
            result.nodes.append(node)
            floatValues.formUnion(node.outputs.filter { !$0.isEmpty })
        }

        /// The int8 copy of `value`, quantizing it first if it only exists in float.
        private mutating func requireInt8(_ value: String, for node: Node) throws -> String {
            if let copy = int8Copies[value] { return copy }
            let parameters = try parameters(of: value, at: node)
            let copy = result.freshName(value + PostTrainingQuantization.int8Suffix)
            let (scale, zeroPoint) = addParameterConstants(for: copy, parameters)
            result.nodes.append(Node(name: copy, opType: "QuantizeLinear", inputs: [value, scale, zeroPoint], outputs: [copy]))
            result.shapes[copy] = source.shapes[value]
            result.quantization[copy] = parameters
            int8Copies[value] = copy
            return copy
        }

        /// Makes `value` exist in float, dequantizing its int8 copy under the original name if needed.
        mutating func requireFloat(_ value: String) throws {
            guard !floatValues.contains(value) else { return }
            guard let copy = int8Copies[value], let parameters = result.quantization[copy] else {
                throw ModelError.unsupportedModel(file: source.source, reason: "'\(value)' is computed by no node (quantization)")
            }
            let (scale, zeroPoint) = addParameterConstants(for: value, parameters)
            result.nodes.append(Node(
                name: result.freshName("\(value)::dequantize"), opType: "DequantizeLinear",
                inputs: [copy, scale, zeroPoint], outputs: [value]))
            floatValues.insert(value)
        }

        private mutating func addParameterConstants(
            for value: String, _ parameters: QuantizationParameters
        ) -> (scale: String, zeroPoint: String) {
            let scale = result.freshName("\(value)::scale"), zeroPoint = result.freshName("\(value)::zero_point")
            result.initializers[scale] = Tensor(shape: [], floats: [parameters.scale])
            result.initializers[zeroPoint] = Tensor(shape: [], int64s: [Int64(parameters.zeroPoint)], dataType: .int8)
            return (scale, zeroPoint)
        }

        private func parameters(of value: String, at node: Node) throws -> QuantizationParameters {
            guard let range = ranges.ranges[value] else {
                throw node.invalid("no calibrated range for '\(value)' (calibrate the same graph first)", in: source.source)
            }
            return QuantizationParameters(activationRange: range)
        }

        private func isActivation(_ value: String) -> Bool {
            !value.isEmpty && source.initializers[value] == nil && result.initializers[value] == nil
        }

        private func hasConstantWeights(_ node: Node, rank: Int) throws -> Bool {
            guard let input = node.input(0), isActivation(input),
                  let weights = node.input(1).flatMap({ source.initializers[$0] }), weights.shape.count == rank,
                  weights.isFloatingPoint
            else { return false }
            return node.input(2).map { source.initializers[$0] != nil } ?? true
        }

        private func isPlainLinear(_ node: Node) throws -> Bool {
            guard try hasConstantWeights(node, rank: 2), source.shapes[node.inputs[0]]?.count == 2 else { return false }
            return try node.int("transA", default: 0, in: source.source) == 0
                && node.float("alpha", default: 1, in: source.source) > 0
        }
    }
}
