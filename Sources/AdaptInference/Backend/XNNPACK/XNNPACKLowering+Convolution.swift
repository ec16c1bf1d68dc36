import CXNNPack

extension XNNPACKLowering {
    /// 2-D convolution, grouped and depthwise included, with the fused output clamp.
    mutating func lowerConvolution(_ node: Node) throws -> Lowered {
        let x = try input(0, of: node), output = node.outputs[0]
        let weights = try constant(1, of: node, what: "weight")
        let geometry = try convolutionGeometry(node, input: x, weightShape: weights.shape)
        let (inputShape, outChannels, groupInputChannels, groups) =
            (geometry.inputShape, geometry.outChannels, geometry.groupInputChannels, geometry.groups)
        let (kernelH, kernelW, strides, dilations, padding) =
            (geometry.kernelH, geometry.kernelW, geometry.strides, geometry.dilations, geometry.padding)

        let bias: [Float]
        if let name = node.input(2) {
            guard let tensor = graph.initializers[name] else { throw node.unsupported("bias must be a constant", in: graph.source) }
            bias = tensor.floats
        } else {
            bias = [Float](repeating: 0, count: outChannels)
        }
        // ONNX stores OIHW; XNNPACK wants OHWI (for depthwise, with I = 1, that is also its default layout):
        // the same reordering as NCHW → NHWC.
        let kernel = Layout.permuteToChannelsLast(weights.floats, shape: weights.shape)
        let bounds = clamp(node)
        let source = try buffer(x, of: node), destination = try buffer(output, of: node)
        let outputPixelStride = concatSlices[output]?.pixelStride ?? outChannels
        if Self.prefersNativeConvolution(
            groups: groups, inputChannels: inputShape[1], outputChannels: outChannels, kernelH: kernelH, kernelW: kernelW),
            let native = nativeConvolution(
                node, kernel: kernel, bias: bias, inputShape: inputShape, outputShape: try shape(output, of: node),
                kernelSize: (kernelH, kernelW), strides: strides, dilations: dilations, padding: (padding.top, padding.left),
                source: source, destination: destination, outputPixelStride: outputPixelStride, bounds: bounds)
        {
            return [native]
        }
        let threadpool = threadpool
        let step = try kernel.withUnsafeBufferPointer { kernelPointer in
            try bias.withUnsafeBufferPointer { biasPointer in
                try makeOperator(node, "convolution2d_nhwc_f32") { handle in
                    xnn_create_convolution2d_nhwc_f32(
                        UInt32(padding.top), UInt32(padding.right), UInt32(padding.bottom), UInt32(padding.left),
                        UInt32(kernelH), UInt32(kernelW), UInt32(strides[0]), UInt32(strides[1]),
                        UInt32(dilations[0]), UInt32(dilations[1]), UInt32(groups),
                        groupInputChannels, outChannels / groups, inputShape[1], outputPixelStride,
                        kernelPointer.baseAddress, biasPointer.baseAddress, bounds.min, bounds.max, 0, handle)
                } setup: { op in
                    xnn_setup_convolution2d_nhwc_f32(op, inputShape[0], inputShape[2], inputShape[3], source, destination, threadpool)
                }
            }
        }
        return [step]
    }

    /// A 2-D convolution's shape parameters, read and checked once for the float and the int8 lowering.
    struct ConvolutionGeometry {
        var inputShape: [Int]
        var outChannels, groupInputChannels, kernelH, kernelW, groups: Int
        var strides, dilations: [Int]
        var padding: (top: Int, left: Int, bottom: Int, right: Int)
    }

    func convolutionGeometry(_ node: Node, input x: String, weightShape: [Int]) throws -> ConvolutionGeometry {
        let inputShape = try shape(x, of: node)
        guard inputShape.count == 4, graph.channelsLast.contains(x) else {
            throw node.unsupported("only 2-D convolutions (rank-4 input) are supported; input has rank \(inputShape.count)", in: graph.source)
        }
        guard weightShape.count == 4 else { throw node.invalid("weight must have rank 4, has \(weightShape)", in: graph.source) }
        let (outChannels, groupInputChannels, kernelH, kernelW) = (weightShape[0], weightShape[1], weightShape[2], weightShape[3])
        let groups = try node.int("group", default: 1, in: graph.source)
        guard groups > 0, outChannels % groups == 0, inputShape[1] == groups * groupInputChannels else {
            throw node.invalid("input has \(inputShape[1]) channels, weight expects \(groupInputChannels) × \(groups) groups", in: graph.source)
        }
        let strides = try node.ints("strides", default: [1, 1], in: graph.source)
        let dilations = try node.ints("dilations", default: [1, 1], in: graph.source)
        let padding = try Self.spatialPadding(
            node, graph: graph, input: Array(inputShape[2...]), kernel: [kernelH, kernelW], strides: strides, dilations: dilations)
        return ConvolutionGeometry(
            inputShape: inputShape, outChannels: outChannels, groupInputChannels: groupInputChannels, kernelH: kernelH,
            kernelW: kernelW, groups: groups, strides: strides, dilations: dilations, padding: padding)
    }

    /// BatchNormalization that did not fold into a Conv: a per-channel affine, run as a 1×1 depthwise convolution.
    mutating func lowerBatchNormalization(_ node: Node) throws -> Lowered {
        let x = try input(0, of: node), output = node.outputs[0]
        let inputShape = try shape(x, of: node)
        guard inputShape.count == 2 || (inputShape.count == 4 && graph.channelsLast.contains(x)) else {
            throw node.unsupported("BatchNormalization on rank-\(inputShape.count) input (supported: rank 2 and 4)", in: graph.source)
        }
        let channels = inputShape[1]
        let gamma = try constant(1, of: node, what: "scale").floats, beta = try constant(2, of: node, what: "bias").floats
        let mean = try constant(3, of: node, what: "mean").floats, variance = try constant(4, of: node, what: "variance").floats
        guard [gamma.count, beta.count, mean.count, variance.count].allSatisfy({ $0 == channels }) else {
            throw node.invalid("statistics must have \(channels) values each", in: graph.source)
        }
        let epsilon = try node.float("epsilon", default: 1e-5, in: graph.source)
        let scale = (0..<channels).map { gamma[$0] / (variance[$0] + epsilon).squareRoot() }
        let shift = (0..<channels).map { beta[$0] - mean[$0] * scale[$0] }
        let (batch, height, width) = inputShape.count == 4 ? (inputShape[0], inputShape[2], inputShape[3]) : (inputShape[0], 1, 1)
        return [try depthwiseAffine(node, scale: scale, shift: shift, batch: batch, height: height, width: width,
                                    source: try buffer(x, of: node), destination: try buffer(output, of: node), bounds: clamp(node))]
    }

    /// `y[c] = x[c] · scale[c] + shift[c]` over channels-last pixels, clamped; with strides, over every
    /// `strides`-th pixel only.
    func depthwiseAffine(
        _ node: Node, scale: [Float], shift: [Float], batch: Int, height: Int, width: Int,
        source: UnsafeMutablePointer<Float>, destination: UnsafeMutablePointer<Float>, bounds: (min: Float, max: Float),
        strides: [Int] = [1, 1]
    ) throws -> (XNNPACKModel.Step, String) {
        let channels = scale.count
        let threadpool = threadpool
        return try scale.withUnsafeBufferPointer { scalePointer in
            try shift.withUnsafeBufferPointer { shiftPointer in
                try makeOperator(node, "convolution2d_nhwc_f32") { handle in
                    xnn_create_convolution2d_nhwc_f32(
                        0, 0, 0, 0, 1, 1, UInt32(strides[0]), UInt32(strides[1]), 1, 1, UInt32(channels), 1, 1,
                        channels, channels, scalePointer.baseAddress, shiftPointer.baseAddress, bounds.min, bounds.max, 0, handle)
                } setup: { op in
                    xnn_setup_convolution2d_nhwc_f32(op, batch, height, width, source, destination, threadpool)
                }
            }
        }
    }

    /// Explicit padding for a 2-D window op, resolving `auto_pad` (SAME_UPPER puts the odd pixel at the end).
    static func spatialPadding(
        _ node: Node, graph: Graph, input: [Int], kernel: [Int], strides: [Int], dilations: [Int]
    ) throws -> (top: Int, left: Int, bottom: Int, right: Int) {
        guard input.count == 2, kernel.count == 2, strides.count == 2, dilations.count == 2 else {
            throw node.unsupported("only 2-D windows are supported (kernel \(kernel), strides \(strides))", in: graph.source)
        }
        guard strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }) else {
            throw node.invalid("strides \(strides) and dilations \(dilations) must be positive", in: graph.source)
        }
        let autoPad = try node.string("auto_pad", default: "NOTSET", in: graph.source)
        switch autoPad {
        case "NOTSET":
            let pads = try node.ints("pads", default: [0, 0, 0, 0], in: graph.source)
            guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }) else {
                throw node.unsupported("pads \(pads) (need four non-negative values)", in: graph.source)
            }
            return (pads[0], pads[1], pads[2], pads[3])
        case "VALID":
            return (0, 0, 0, 0)
        case "SAME_UPPER", "SAME_LOWER":
            var begin = [0, 0], end = [0, 0]
            for axis in 0..<2 {
                let out = (input[axis] + strides[axis] - 1) / strides[axis]
                let span = (kernel[axis] - 1) * dilations[axis] + 1
                let total = max(0, (out - 1) * strides[axis] + span - input[axis])
                let small = total / 2
                (begin[axis], end[axis]) = autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small)
            }
            return (begin[0], begin[1], end[0], end[1])
        default:
            throw node.invalid("auto_pad '\(autoPad)' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID", in: graph.source)
        }
    }
}
