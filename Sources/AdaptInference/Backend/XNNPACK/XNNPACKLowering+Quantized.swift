import CXNNPack

/// int8 (qs8) lowering: a node whose output `Graph.quantization` lists runs on XNNPACK's quantized operators,
/// reading and writing int8 buffers planned in the same arena; QuantizeLinear and DequantizeLinear convert at the
/// edges. Weights are symmetric per output channel (`Tensor.channelScales`), so convolutions and fully connected
/// layers both run as qc8 convolutions (XNNPACK's qs8 fully connected operator takes a single weight scale).
extension XNNPACKLowering {
    func isQuantized(_ node: Node) -> Bool {
        node.opType == "QuantizeLinear" || node.opType == "DequantizeLinear"
            || node.outputs.contains { graph.quantization[$0] != nil }
    }

    mutating func lowerQuantized(_ node: Node) throws -> Lowered {
        switch node.opType {
        case "QuantizeLinear": return try lowerQuantizeLinear(node)
        case "DequantizeLinear": return try lowerDequantizeLinear(node)
        case "Conv": return try lowerQuantizedConvolution(node)
        case "Gemm": return try lowerQuantizedGemm(node)
        case "Add": return try lowerQuantizedAdd(node)
        case "MaxPool": return try lowerQuantizedMaxPool(node)
        case "GlobalAveragePool": return try lowerQuantizedGlobalAveragePool(node)
        case LayoutAssignment.toChannelsLast, LayoutAssignment.toChannelsFirst: return try lowerInt8LayoutConversion(node)
        default:
            throw node.unsupported("no int8 kernel for \(node.opType) (dequantize its input and run it in float)", in: graph.source)
        }
    }

    // MARK: - Edges

    /// float → int8 with the node's own per-tensor scale and zero point.
    mutating func lowerQuantizeLinear(_ node: Node) throws -> Lowered {
        let x = try input(0, of: node), output = node.outputs[0]
        let parameters = try linearParameters(node)
        guard graph.quantization[output] == parameters else {
            throw node.invalid("output '\(output)' is not recorded as int8 with scale \(parameters.scale)", in: graph.source)
        }
        let count = try shape(x, of: node).reduce(1, *)
        let source = try buffer(x, of: node), destination = try int8Buffer(output, of: node), threadpool = threadpool
        return [try makeOperator(node, "convert_nc_f32_qs8") { handle in
            xnn_create_convert_nc_f32_qs8(count, count, count, parameters.scale, parameters.zeroPoint, -128, 127, 0, handle)
        } setup: { op in
            xnn_setup_convert_nc_f32_qs8(op, 1, source, destination, threadpool)
        }]
    }

    /// int8 → float.
    mutating func lowerDequantizeLinear(_ node: Node) throws -> Lowered {
        let x = try input(0, of: node), output = node.outputs[0]
        let parameters = try linearParameters(node)
        guard graph.quantization[x] == parameters else {
            throw node.invalid("input '\(x)' is not an int8 tensor with scale \(parameters.scale)", in: graph.source)
        }
        let count = try shape(x, of: node).reduce(1, *)
        let source = try int8Buffer(x, of: node), destination = try buffer(output, of: node), threadpool = threadpool
        return [try makeOperator(node, "convert_nc_qs8_f32") { handle in
            xnn_create_convert_nc_qs8_f32(count, count, count, parameters.scale, parameters.zeroPoint, 0, handle)
        } setup: { op in
            xnn_setup_convert_nc_qs8_f32(op, 1, source, destination, threadpool)
        }]
    }

    /// A QuantizeLinear's or DequantizeLinear's scale and int8 zero point (inputs 1 and 2), per tensor.
    func linearParameters(_ node: Node) throws -> QuantizationParameters {
        let scale = try constant(1, of: node, what: "scale")
        guard scale.count == 1, let value = scale.floats.first, value > 0, value.isFinite else {
            throw node.unsupported("scale \(scale.shape) (supported: one positive per-tensor scale)", in: graph.source)
        }
        guard node.input(2) != nil else { return QuantizationParameters(scale: value, zeroPoint: 0) }
        let zeroPoint = try constant(2, of: node, what: "zero point")
        guard zeroPoint.dataType == .int8, zeroPoint.count == 1, let point = zeroPoint.int64s.first else {
            throw node.unsupported("zero point of type \(zeroPoint.dataType) (supported: one int8 value)", in: graph.source)
        }
        return QuantizationParameters(scale: value, zeroPoint: Int8(point))
    }

    /// NCHW ↔ NHWC of an int8 tensor: a byte loop, since it happens at most at a model's edge (a QDQ model whose
    /// input is quantized before its first convolution).
    mutating func lowerInt8LayoutConversion(_ node: Node) throws -> Lowered {
        let x = try input(0, of: node), output = node.outputs[0]
        let logical = try shape(x, of: node)
        guard logical.count == 4 else { throw node.invalid("layout conversion of a rank-\(logical.count) tensor", in: graph.source) }
        let (batch, channels, pixels) = (logical[0], logical[1], logical[2] * logical[3])
        let toLast = node.opType == LayoutAssignment.toChannelsLast
        let source = try int8Buffer(x, of: node), destination = try int8Buffer(output, of: node)
        return [(.native {
            for n in 0..<batch {
                for c in 0..<channels {
                    for p in 0..<pixels {
                        let planar = (n * channels + c) * pixels + p, interleaved = (n * pixels + p) * channels + c
                        if toLast { destination[interleaved] = source[planar] } else { destination[planar] = source[interleaved] }
                    }
                }
            }
        }, toLast ? "native int8 NCHW→NHWC" : "native int8 NHWC→NCHW")]
    }

    // MARK: - Operators

    mutating func lowerQuantizedConvolution(_ node: Node) throws -> Lowered {
        let x = try input(0, of: node), output = node.outputs[0]
        let weights = try Int8Layers.weights(node, rank: 4, in: graph)
        let geometry = try convolutionGeometry(node, input: x, weightShape: weights.shape)
        let (inputShape, outChannels, groupInputChannels, groups) =
            (geometry.inputShape, geometry.outChannels, geometry.groupInputChannels, geometry.groups)
        let (kernelH, kernelW, strides, dilations, padding) =
            (geometry.kernelH, geometry.kernelW, geometry.strides, geometry.dilations, geometry.padding)
        let (inputParameters, outputParameters) = (try activationParameters(x, of: node), try activationParameters(output, of: node))
        let kernel = Layout.permuteToChannelsLast(weights.values, shape: weights.shape)
        let bias = try Int8Layers.convolutionBias(
            node, channels: outChannels, inputScale: inputParameters.scale, weightScales: weights.scales, in: graph)
        let bounds = quantizedClamp(node, outputParameters)
        let source = try int8Buffer(x, of: node), destination = try int8Buffer(output, of: node), threadpool = threadpool
        let layer = QuantizedConvolutionLayer(
            weights: kernel, weightScales: weights.scales, bias: bias, inputShape: inputShape,
            outputShape: try shape(output, of: node), kernelSize: (kernelH, kernelW), strides: strides, dilations: dilations,
            padding: padding, input: inputParameters, output: outputParameters, source: source, destination: destination,
            outputPixelStride: outChannels, bounds: bounds)
        if Self.prefersNativeQuantizedConvolution(groups: groups), let native = nativeQuantizedConvolution(layer) {
            return [native]
        }
        if groups > 1, groupInputChannels == 1, outChannels == groups, let native = nativeQuantizedDepthwiseConvolution(layer) {
            return [native]
        }
        return [try qc8Convolution(
            node, padding: padding, kernelSize: (kernelH, kernelW), strides: strides, dilations: dilations, groups: groups,
            groupChannels: (groupInputChannels, outChannels / groups), inputStride: inputShape[1], outputStride: outChannels,
            input: inputParameters, output: outputParameters, weightScales: weights.scales, kernel: kernel, bias: bias,
            bounds: bounds
        ) { op in
            xnn_setup_convolution2d_nhwc_qc8(op, inputShape[0], inputShape[2], inputShape[3], source, destination, threadpool)
        }]
    }

    /// Gemm with int8 weights stored [out, in] (transB = 1): every row of A through a 1×1 qc8 convolution, which
    /// keeps a scale per output channel.
    mutating func lowerQuantizedGemm(_ node: Node) throws -> Lowered {
        let a = try input(0, of: node), output = node.outputs[0]
        let aShape = try shape(a, of: node)
        let (inputParameters, outputParameters) = (try activationParameters(a, of: node), try activationParameters(output, of: node))
        let (weights, bias) = try Int8Layers.gemm(node, inputShape: aShape, inputScale: inputParameters.scale, in: graph)
        let (columns, depth) = (weights.shape[0], weights.shape[1])
        let bounds = quantizedClamp(node, outputParameters)
        let source = try int8Buffer(a, of: node), destination = try int8Buffer(output, of: node), threadpool = threadpool
        let rows = aShape[0]
        let layer = QuantizedConvolutionLayer(
            weights: weights.values, weightScales: weights.scales, bias: bias, inputShape: [rows, depth, 1, 1],
            outputShape: [rows, columns, 1, 1], kernelSize: (1, 1), strides: [1, 1], dilations: [1, 1], padding: (0, 0, 0, 0),
            input: inputParameters, output: outputParameters, source: source, destination: destination,
            outputPixelStride: columns, bounds: bounds)
        if Self.prefersNativeQuantizedConvolution(groups: 1), let native = nativeQuantizedConvolution(layer) {
            return [native]
        }
        return [try qc8Convolution(
            node, padding: (0, 0, 0, 0), kernelSize: (1, 1), strides: [1, 1], dilations: [1, 1], groups: 1,
            groupChannels: (depth, columns), inputStride: depth, outputStride: columns,
            input: inputParameters, output: outputParameters, weightScales: weights.scales, kernel: weights.values, bias: bias,
            bounds: bounds
        ) { op in
            xnn_setup_convolution2d_nhwc_qc8(op, rows, 1, 1, source, destination, threadpool)
        }]
    }

    /// Sum of two int8 tensors (residual connections), each with its own scale, requantized to the output's.
    mutating func lowerQuantizedAdd(_ node: Node) throws -> Lowered {
        let output = node.outputs[0]
        let (lhsName, rhsName) = (try input(0, of: node), try input(1, of: node))
        for name in [lhsName, rhsName] where graph.initializers[name] != nil {
            throw node.unsupported("int8 Add of a constant ('\(name)')", in: graph.source)
        }
        let lhs = try operand(lhsName, of: node, output: output), rhs = try operand(rhsName, of: node, output: output)
        let (lhsParameters, rhsParameters) = (try activationParameters(lhsName, of: node), try activationParameters(rhsName, of: node))
        let outputParameters = try activationParameters(output, of: node)
        let bounds = quantizedClamp(node, outputParameters)
        let lhsPointer = Self.int8(lhs.pointer), rhsPointer = Self.int8(rhs.pointer)
        let destination = try int8Buffer(output, of: node), threadpool = threadpool
        let lhsShape = lhs.shape, rhsShape = rhs.shape
        return [try makeOperator(node, "add_nd_qs8") { handle in
            xnn_create_add_nd_qs8(
                lhsParameters.zeroPoint, lhsParameters.scale, rhsParameters.zeroPoint, rhsParameters.scale,
                outputParameters.zeroPoint, outputParameters.scale, bounds.min, bounds.max, 0, handle)
        } setup: { op in
            xnn_setup_add_nd_qs8(op, lhsShape.count, lhsShape, rhsShape.count, rhsShape, lhsPointer, rhsPointer, destination, threadpool)
        }]
    }

    /// Max pooling compares int8 codes directly, so input and output share their quantization.
    mutating func lowerQuantizedMaxPool(_ node: Node) throws -> Lowered {
        guard node.outputs.count == 1 || node.outputs.dropFirst().allSatisfy(\.isEmpty) else {
            throw node.unsupported("the Indices output of MaxPool", in: graph.source)
        }
        let window = try poolingWindow(node)
        let output = node.outputs[0]
        let parameters = try activationParameters(window.input, of: node)
        guard try activationParameters(output, of: node) == parameters else {
            throw node.invalid("int8 MaxPool must keep its input's scale and zero point", in: graph.source)
        }
        guard window.kernel != [1, 1] else { throw node.unsupported("an int8 1×1 MaxPool window", in: graph.source) }
        let dilations = try node.ints("dilations", default: [1, 1], in: graph.source)
        let padding = try paddingReachingOutput(node, window: window, dilations: dilations)
        let bounds = quantizedClamp(node, parameters)
        let source = try int8Buffer(window.input, of: node), destination = try int8Buffer(output, of: node)
        let inputShape = window.inputShape, channels = inputShape[1], threadpool = threadpool
        return [try makeOperator(node, "max_pooling2d_nhwc_s8") { handle in
            xnn_create_max_pooling2d_nhwc_s8(
                UInt32(padding.top), UInt32(padding.right), UInt32(padding.bottom), UInt32(padding.left),
                UInt32(window.kernel[0]), UInt32(window.kernel[1]), UInt32(window.strides[0]), UInt32(window.strides[1]),
                UInt32(dilations[0]), UInt32(dilations[1]), channels, channels, channels, bounds.min, bounds.max, 0, handle)
        } setup: { op in
            xnn_setup_max_pooling2d_nhwc_s8(op, inputShape[0], inputShape[2], inputShape[3], source, destination, threadpool)
        }]
    }

    mutating func lowerQuantizedGlobalAveragePool(_ node: Node) throws -> Lowered {
        let x = try input(0, of: node), output = node.outputs[0]
        let inputShape = try shape(x, of: node)
        guard inputShape.count == 4, graph.channelsLast.contains(x) else {
            throw node.unsupported("GlobalAveragePool on rank-\(inputShape.count) input (supported: rank 4)", in: graph.source)
        }
        let (inputParameters, outputParameters) = (try activationParameters(x, of: node), try activationParameters(output, of: node))
        let bounds = quantizedClamp(node, outputParameters)
        let channels = inputShape[1], threadpool = threadpool
        let source = try int8Buffer(x, of: node), destination = try int8Buffer(output, of: node)
        return [try makeOperator(node, "global_average_pooling_nwc_qs8") { handle in
            xnn_create_global_average_pooling_nwc_qs8(
                channels, channels, channels, inputParameters.zeroPoint, inputParameters.scale,
                outputParameters.zeroPoint, outputParameters.scale, bounds.min, bounds.max, 0, handle)
        } setup: { op in
            xnn_setup_global_average_pooling_nwc_qs8(op, inputShape[0], inputShape[2] * inputShape[3], source, destination, threadpool)
        }]
    }

    // MARK: - Helpers

    func qc8Convolution(
        _ node: Node, padding: (top: Int, left: Int, bottom: Int, right: Int), kernelSize: (Int, Int), strides: [Int],
        dilations: [Int], groups: Int, groupChannels: (input: Int, output: Int), inputStride: Int, outputStride: Int,
        input: QuantizationParameters, output: QuantizationParameters, weightScales: [Float], kernel: [Int8], bias: [Int32],
        bounds: (min: Int8, max: Int8), setup: (xnn_operator_t) -> xnn_status
    ) throws -> (XNNPACKModel.Step, String) {
        try weightScales.withUnsafeBufferPointer { scalePointer in
            try kernel.withUnsafeBufferPointer { kernelPointer in
                try bias.withUnsafeBufferPointer { biasPointer in
                    try makeOperator(node, "convolution2d_nhwc_qc8") { handle in
                        xnn_create_convolution2d_nhwc_qc8(
                            UInt32(padding.top), UInt32(padding.right), UInt32(padding.bottom), UInt32(padding.left),
                            UInt32(kernelSize.0), UInt32(kernelSize.1), UInt32(strides[0]), UInt32(strides[1]),
                            UInt32(dilations[0]), UInt32(dilations[1]), UInt32(groups), groupChannels.input, groupChannels.output,
                            inputStride, outputStride, input.zeroPoint, input.scale, scalePointer.baseAddress,
                            kernelPointer.baseAddress, biasPointer.baseAddress, output.zeroPoint, output.scale,
                            bounds.min, bounds.max, 0, handle)
                    } setup: { op in setup(op) }
                }
            }
        }
    }

    func activationParameters(_ value: String, of node: Node) throws -> QuantizationParameters {
        guard let parameters = graph.quantization[value] else {
            throw node.invalid("'\(value)' must be an int8 tensor for the int8 \(node.opType)", in: graph.source)
        }
        return parameters
    }

    /// The node's fused clamp (adapt.output_min/max) in the output's int8 codes.
    func quantizedClamp(_ node: Node, _ parameters: QuantizationParameters) -> (min: Int8, max: Int8) {
        Int8Layers.clampCodes(node, parameters)
    }

    func int8Buffer(_ value: String, of node: Node) throws -> UnsafeMutablePointer<Int8> {
        Self.int8(try buffer(value, of: node))
    }

    /// The arena is planned in floats; an int8 tensor starts where its slot does.
    static func int8(_ pointer: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Int8> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: Int8.self)
    }
}
