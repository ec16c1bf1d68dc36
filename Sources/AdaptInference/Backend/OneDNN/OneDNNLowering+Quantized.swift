/// int8 on oneDNN: the same graph form the XNNPACK lowering takes (`Graph.quantization` lists the int8 values;
/// convolutions and Gemms carry int8 weights with a scale per output channel). Convolutions and Gemms (as 1×1
/// convolutions) requantize inside oneDNN's int8 kernels; QuantizeLinear/DequantizeLinear are scaled reorders; max
/// pooling compares codes; Add and GlobalAveragePool, whose oneDNN primitives take no zero points, run in float
/// between a dequantize and a quantize. int8 values cannot cross to the fallback backend, so an int8 node oneDNN
/// cannot run refuses the whole model (which then runs on XNNPACK).
extension OneDNNLowering {
    func isQuantized(_ node: Node) -> Bool {
        node.opType == "QuantizeLinear" || node.opType == "DequantizeLinear"
            || node.outputs.contains { graph.quantization[$0] != nil }
    }

    mutating func lowerQuantized(_ node: Node) throws -> OneDNNNet.Value? {
        switch node.opType {
        case "QuantizeLinear":
            return try net.quantize(try value(try input(0, of: node), of: node), try parameters(node.outputs[0], of: node))
        case "DequantizeLinear":
            let x = try input(0, of: node)
            return try net.dequantize(try value(x, of: node), try parameters(x, of: node))
        case "Conv": return try lowerQuantizedConvolution(node)
        case "Gemm": return try lowerQuantizedGemm(node)
        case "MaxPool":
            let x = try input(0, of: node)
            guard try parameters(x, of: node) == parameters(node.outputs[0], of: node) else {
                throw node.invalid("int8 MaxPool must keep its input's scale and zero point", in: graph.source)
            }
            let (low, high) = codes(node)
            return try lowerPooling(node, activation: low == -128 && high == 127 ? .none : .clip(minimum: Float(low), maximum: Float(high)))
        case "Add", "GlobalAveragePool":
            // In float: dequantize the operands, run the float op with the node's clamp, quantize the result.
            var floatGraphValues: [String: OneDNNNet.Value] = [:]
            for name in node.inputs where !name.isEmpty && graph.quantization[name] != nil {
                floatGraphValues[name] = try net.dequantize(try value(name, of: node), try parameters(name, of: node))
            }
            let saved = floatGraphValues.keys.map { ($0, values[$0]) }
            for (name, float) in floatGraphValues { bind(name, float) }
            defer { for (name, original) in saved { if let original { bind(name, original) } } }
            let activation = OneDNNNet.Eltwise.clamp(FuseActivation.clampAttributes(of: node))
            let result = node.opType == "Add"
                ? try lowerBinary(node, activation: activation) : try lowerPooling(node, activation: activation)
            return try net.quantize(result, try parameters(node.outputs[0], of: node))
        case "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity":
            return nil  // the float lowering handles views of int8 values alike
        default:
            throw node.unsupported("no int8 oneDNN kernel for \(node.opType)", in: graph.source)
        }
    }

    private mutating func lowerQuantizedConvolution(_ node: Node) throws -> OneDNNNet.Value {
        let x = try input(0, of: node), output = node.outputs[0]
        let inputShape = try graph.shape(of: x, at: node)
        let weights = try Int8Layers.weights(node, rank: 4, in: graph)
        guard inputShape.count == 4 else { throw node.unsupported("only 2-D int8 convolutions", in: graph.source) }
        let (inputParameters, outputParameters) = (try parameters(x, of: node), try parameters(output, of: node))
        let geometry = try convolutionGeometry(node, weightShape: weights.shape)
        let bias = try Int8Layers.convolutionBias(
            node, channels: weights.shape[0], inputScale: inputParameters.scale, weightScales: weights.scales, in: graph)
        return try net.int8Convolution(
            try value(x, of: node), geometry, weights: weights.values, weightScales: weights.scales, bias: bias,
            input: inputParameters, output: outputParameters, activation: shiftedClamp(node))
    }

    /// Gemm with int8 weights [outputs, inputs] (transB = 1) as a 1×1 int8 convolution over rows of A.
    private mutating func lowerQuantizedGemm(_ node: Node) throws -> OneDNNNet.Value {
        let a = try input(0, of: node), output = node.outputs[0]
        let aShape = try graph.shape(of: a, at: node)
        let (inputParameters, outputParameters) = (try parameters(a, of: node), try parameters(output, of: node))
        let (weights, bias) = try Int8Layers.gemm(node, inputShape: aShape, inputScale: inputParameters.scale, in: graph)
        let (columns, depth) = (weights.shape[0], weights.shape[1])
        // A free Flatten's rank-4 source reshapes straight to the rows.
        let rows = try net.reshape(try flattenedSourceOrValue(a, of: node), to: [aShape[0], depth, 1, 1])
        let product = try net.int8Convolution(
            rows, OneDNNNet.ConvolutionGeometry(outputChannels: columns, kernel: (1, 1)), weights: weights.values,
            weightScales: weights.scales, bias: bias, input: inputParameters, output: outputParameters, activation: shiftedClamp(node))
        return try net.reshape(product, to: [aShape[0], columns])
    }

    private func parameters(_ value: String, of node: Node) throws -> QuantizationParameters {
        guard let parameters = graph.quantization[value] else {
            throw node.invalid("'\(value)' must be an int8 tensor for the int8 \(node.opType)", in: graph.source)
        }
        return parameters
    }

    /// The node's fused clamp in its output's int8 codes.
    private func codes(_ node: Node) -> (low: Int8, high: Int8) {
        guard let parameters = graph.quantization[node.outputs[0]] else { return (-128, 127) }
        let codes = Int8Layers.clampCodes(node, parameters)
        return (codes.min, codes.max)
    }

    /// The clamp as oneDNN applies it to an int8 convolution: on codes before the output's zero point is added.
    private func shiftedClamp(_ node: Node) -> OneDNNNet.Eltwise {
        let (low, high) = codes(node)
        guard low != -128 || high != 127, let zeroPoint = graph.quantization[node.outputs[0]]?.zeroPoint else { return .none }
        return .clip(minimum: Float(Int(low) - Int(zeroPoint)), maximum: Float(Int(high) - Int(zeroPoint)))
    }
}
