/// What both backends read off an int8 node before lowering it: a convolution's or Gemm's int8 weights with their
/// per-output-channel scales, its bias as int32 in the accumulator's units (input scale × weight scale), and any
/// node's fused clamp in its output's codes.
enum Int8Layers {
    struct Weights {
        var values: [Int8]
        var scales: [Float]
        var shape: [Int]
    }

    /// The node's int8 weights (input 1) and their per-output-channel scales.
    static func weights(_ node: Node, rank: Int, in graph: Graph) throws -> Weights {
        guard let name = node.input(1), let weights = graph.initializers[name] else {
            throw node.invalid("an int8 \(node.opType) needs constant weights", in: graph.source)
        }
        guard case .int8(let values) = weights.storage, let scales = weights.channelScales else {
            throw node.invalid("an int8 \(node.opType) needs int8 weights with per-channel scales", in: graph.source)
        }
        guard weights.shape.count == rank else { throw node.invalid("weight must have rank \(rank), has \(weights.shape)", in: graph.source) }
        return Weights(values: values, scales: scales, shape: weights.shape)
    }

    /// A Conv's bias (input 2) in units of input scale × weight scale; zeros without one.
    static func convolutionBias(_ node: Node, channels: Int, inputScale: Float, weightScales: [Float], in graph: Graph) throws -> [Int32] {
        guard let name = node.input(2) else { return [Int32](repeating: 0, count: channels) }
        guard let tensor = graph.initializers[name], tensor.count == channels else {
            throw node.unsupported("bias must be a constant of \(channels) values", in: graph.source)
        }
        let values = tensor.floats
        return (0..<channels).map { quantizeBias(values[$0], scale: inputScale * weightScales[$0]) }
    }

    /// An int8 Gemm as a 1×1 convolution over the rows of A: weights [outputs, inputs] (transB = 1) with alpha
    /// folded into their scales, and beta × C as the int32 bias.
    static func gemm(_ node: Node, inputShape: [Int], inputScale: Float, in graph: Graph) throws -> (weights: Weights, bias: [Int32]) {
        guard inputShape.count == 2, try node.int("transA", default: 0, in: graph.source) == 0 else {
            throw node.unsupported("int8 Gemm of a \(inputShape) A with transA (supported: rank-2 A, transA = 0)", in: graph.source)
        }
        guard try node.int("transB", default: 0, in: graph.source) == 1 else {
            throw node.unsupported("int8 Gemm weights must be stored [outputs, inputs] (transB = 1)", in: graph.source)
        }
        var weights = try Self.weights(node, rank: 2, in: graph)
        let (columns, depth) = (weights.shape[0], weights.shape[1])
        guard depth == inputShape[1] else { throw node.invalid("A \(inputShape) and B \(weights.shape) do not multiply", in: graph.source) }
        let alpha = try node.float("alpha", default: 1, in: graph.source)
        let beta = try node.float("beta", default: 1, in: graph.source)
        guard alpha > 0 else { throw node.unsupported("int8 Gemm with alpha \(alpha) ≤ 0", in: graph.source) }
        weights.scales = weights.scales.map { $0 * alpha }
        var bias = [Int32](repeating: 0, count: columns)
        if let name = node.input(2) {
            guard let c = graph.initializers[name], c.count == columns || c.count == 1 else {
                throw node.unsupported("C must be a constant scalar or row of \(columns)", in: graph.source)
            }
            let values = c.floats
            bias = (0..<columns).map { column in
                quantizeBias(values[c.count == 1 ? 0 : column] * beta, scale: inputScale * weights.scales[column])
            }
        }
        return (weights, bias)
    }

    /// The node's fused clamp (adapt.output_min/max) in the output's int8 codes.
    static func clampCodes(_ node: Node, _ parameters: QuantizationParameters) -> (min: Int8, max: Int8) {
        let bounds = FuseActivation.clampAttributes(of: node)
        let low = bounds.min.isFinite ? parameters.quantize(bounds.min) : -128
        let high = bounds.max.isFinite ? parameters.quantize(bounds.max) : 127
        return (low, max(low, high))
    }

    static func quantizeBias(_ value: Float, scale: Float) -> Int32 {
        let quantized = (Double(value) / Double(scale)).rounded()
        return Int32(max(Double(Int32.min), min(Double(Int32.max), quantized)))
    }
}

extension Graph {
    /// The interface every compiled model takes: float32 inputs, and outputs dequantized to float32.
    func checkFloatInterface() throws {
        for input in inputs where input.dataType != .float32 || quantization[input.name] != nil {
            throw ModelError.unsupportedModel(file: source, reason: "input '\(input.name)' is \(input.dataType); only float32 inputs are supported")
        }
        for output in outputs where quantization[output.name] != nil {
            throw ModelError.unsupportedModel(file: source, reason: "output '\(output.name)' is int8; outputs must be dequantized to float32")
        }
    }
}
