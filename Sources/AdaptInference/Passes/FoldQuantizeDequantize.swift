/// Imports a pre-quantized model in QDQ form (as onnxruntime's quantization tool and PyTorch export it) onto the
/// int8 path that post-training quantization uses.
///
/// - A DequantizeLinear of a constant is folded: int8 weights with zero zero points read by a Conv or Gemm become
///   int8 weights with a scale per output channel; anything else (biases, other constants) becomes float.
/// - Every QuantizeLinear's output is an int8 value (`Graph.quantization`).
/// - `DequantizeLinear → op → QuantizeLinear` around a Conv, Gemm, Add, MaxPool, GlobalAveragePool, Flatten or
///   Reshape becomes that op on int8 values, writing the QuantizeLinear's output; DequantizeLinears left without
///   readers go. What does not match (another op, uint8 activations…) keeps its conversions and runs in float,
///   exactly as the file says.
public enum FoldQuantizeDequantize {
    static let weightedOps: Set<String> = ["Conv", "Gemm"]
    /// Ops with an int8 lowering; the pooling and reshaping ones keep their input's scale and zero point.
    static let int8Ops: Set<String> = ["Conv", "Gemm", "Add", "GlobalAveragePool", "MaxPool", "Flatten", "Reshape"]
    static let scalePreservingOps: Set<String> = ["MaxPool", "Flatten", "Reshape"]

    public static func run(_ graph: Graph) throws -> Graph {
        guard graph.nodes.contains(where: { $0.opType == "QuantizeLinear" || $0.opType == "DequantizeLinear" }) else {
            return graph
        }
        var result = try foldConstantDequantizations(graph)
        for node in result.nodes where node.opType == "QuantizeLinear" {
            result.quantization[node.outputs[0]] = try activationParameters(node, in: result)
        }
        result = try fuseQuantizedOps(result)
        result.removeDeadNodes()
        result.removeUnusedInitializers()
        return result
    }

    // MARK: - Constants

    private static func foldConstantDequantizations(_ graph: Graph) throws -> Graph {
        var result = graph
        var removed = Set<Int>()
        for (index, node) in graph.nodes.enumerated() where node.opType == "DequantizeLinear" {
            guard let input = node.input(0), let values = graph.initializers[input] else { continue }
            let output = node.outputs[0]
            let scales = try constant(node, 1, "scale", in: graph).floats
            let zeroPoints = try node.input(2).map { _ in try constant(node, 2, "zero point", in: graph).int64s } ?? [0]
            var axis = try node.int("axis", default: 1, in: graph.source)
            if axis < 0 { axis += values.shape.count }
            guard scales.count == 1 || (values.shape.indices.contains(axis) && scales.count == values.shape[axis]),
                  zeroPoints.count == 1 || zeroPoints.count == scales.count
            else {
                throw node.invalid("\(scales.count) scales and \(zeroPoints.count) zero points for a \(values.shape) tensor on axis \(axis)",
                                   in: graph.source)
            }
            let readerIndices = graph.consumers(of: output)
            let readers = readerIndices.map { graph.nodes[$0] }
            let isWeight = !readers.isEmpty && readers.allSatisfy { weightedOps.contains($0.opType) && $0.inputs.firstIndex(of: output) == 1 }
            // The axis of output channels: a Conv's 0; a Gemm's 0 with transB, else 1.
            let outputAxes = try Set(readers.map { reader in
                guard reader.opType == "Gemm" else { return 0 }
                return try reader.int("transB", default: 0, in: graph.source) == 0 ? 1 : 0
            })
            if isWeight, outputAxes.count == 1, let outputAxis = outputAxes.first, values.dataType == .int8,
               zeroPoints.allSatisfy({ $0 == 0 }), scales.count == 1 || axis == outputAxis,
               let weights = channelQuantized(values, scales: scales, outputAxis: outputAxis) {
                result.initializers[output] = weights
                // Stored [outputs, inputs] now, so each output channel owns a row and its scale.
                for reader in readerIndices where outputAxis == 1 { result.nodes[reader].attributes["transB"] = .int(1) }
                result.shapes[output] = weights.shape
            } else {
                result.initializers[output] = dequantized(values, scales: scales, zeroPoints: zeroPoints, axis: axis)
                result.shapes[output] = values.shape
            }
            removed.insert(index)
        }
        result.nodes = result.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        return result
    }

    /// int8 weights with one scale per output channel (per-tensor scales repeated), output channels first.
    private static func channelQuantized(_ values: Tensor, scales: [Float], outputAxis: Int) -> Tensor? {
        guard values.shape.count >= 2, outputAxis == 0 || values.shape.count == 2 else { return nil }
        var codes = values.int64s.map { Int8(clamping: $0) }
        var shape = values.shape
        if outputAxis == 1 {
            codes = Tensor.transpose2D(codes, rows: shape[0], columns: shape[1])
            shape = [shape[1], shape[0]]
        }
        let channelScales = scales.count == 1 ? [Float](repeating: scales[0], count: shape[0]) : scales
        guard channelScales.count == shape[0] else { return nil }
        return Tensor(shape: shape, quantized: codes, channelScales: channelScales)
    }

    private static func dequantized(_ values: Tensor, scales: [Float], zeroPoints: [Int64], axis: Int) -> Tensor {
        let codes = values.int64s
        let inner = values.shape.count > axis ? values.shape[(axis + 1)...].reduce(1, *) : 1
        let channels = scales.count
        let floats = codes.indices.map { index in
            let channel = channels == 1 ? 0 : (index / inner) % channels
            return scales[channel] * Float(codes[index] - zeroPoints[zeroPoints.count == 1 ? 0 : channel])
        }
        return Tensor(shape: values.shape, floats: floats)
    }

    // MARK: - Activations

    private static func fuseQuantizedOps(_ graph: Graph) throws -> Graph {
        var result = graph
        var absorbed = Set<Int>()
        for (index, node) in graph.nodes.enumerated() where int8Ops.contains(node.opType) {
            guard let output = node.outputs.first, node.outputs.count == 1 || node.outputs.dropFirst().allSatisfy(\.isEmpty),
                  !graph.isGraphOutput(output)
            else { continue }
            let readers = graph.consumers(of: output)
            guard readers.count == 1, graph.nodes[readers[0]].opType == "QuantizeLinear",
                  let quantized = graph.nodes[readers[0]].outputs.first, let outputParameters = result.quantization[quantized]
            else { continue }
            // Every activation input must come out of a DequantizeLinear of an int8 value.
            var inputs = node.inputs
            var inputParameters: [QuantizationParameters] = []
            var matches = true
            for (position, name) in node.inputs.enumerated() where !name.isEmpty && graph.initializers[name] == nil {
                guard let producer = graph.producer(of: name), graph.nodes[producer].opType == "DequantizeLinear",
                      let source = graph.nodes[producer].input(0), let parameters = result.quantization[source],
                      try activationParameters(graph.nodes[producer], in: graph) == parameters
                else { matches = false; break }
                inputs[position] = source
                inputParameters.append(parameters)
            }
            guard matches, !inputParameters.isEmpty else { continue }
            switch node.opType {
            case "Conv", "Gemm":
                guard let weights = node.input(1).flatMap({ graph.initializers[$0] }), weights.channelScales != nil,
                      inputParameters.count == 1
                else { continue }
            case "Add":
                guard inputParameters.count == 2 else { continue }
            default:
                guard inputParameters.count == 1 else { continue }
                if scalePreservingOps.contains(node.opType) && inputParameters[0] != outputParameters { continue }
            }
            var fused = node
            fused.inputs = inputs
            fused.outputs = [quantized]
            result.nodes[index] = fused
            result.shapes[quantized] = graph.shapes[output]
            absorbed.insert(readers[0])
        }
        result.nodes = result.nodes.enumerated().filter { !absorbed.contains($0.offset) }.map(\.element)
        return result
    }

    /// A QuantizeLinear's or DequantizeLinear's per-tensor parameters; int8 only.
    static func activationParameters(_ node: Node, in graph: Graph) throws -> QuantizationParameters {
        let scale = try constant(node, 1, "scale", in: graph)
        guard scale.count == 1, let value = scale.floats.first, value > 0, value.isFinite else {
            throw node.unsupported("activation scale \(scale.shape) (supported: one positive per-tensor scale)", in: graph.source)
        }
        guard node.input(2) != nil else {
            throw node.unsupported("a QuantizeLinear without zero point quantizes to uint8 (supported: int8)", in: graph.source)
        }
        let zeroPoint = try constant(node, 2, "zero point", in: graph)
        guard zeroPoint.dataType == .int8, zeroPoint.count == 1, let point = zeroPoint.int64s.first else {
            throw node.unsupported(
                "\(zeroPoint.dataType) activations (supported: int8, e.g. onnxruntime's QuantType.QInt8)", in: graph.source)
        }
        return QuantizationParameters(scale: value, zeroPoint: Int8(point))
    }

    private static func constant(_ node: Node, _ index: Int, _ role: String, in graph: Graph) throws -> Tensor {
        guard let name = node.input(index), let tensor = graph.initializers[name] else {
            throw node.unsupported("\(role) must be a constant", in: graph.source)
        }
        return tensor
    }
}

extension Graph {
    /// Drops nodes none of whose outputs is read or is a graph output (repeatedly, so chains go too).
    mutating func removeDeadNodes() {
        while true {
            var read = Set(outputs.map(\.name))
            for node in nodes { read.formUnion(node.inputs) }
            let alive = nodes.filter { node in node.outputs.contains { read.contains($0) } }
            if alive.count == nodes.count { return }
            nodes = alive
        }
    }
}
