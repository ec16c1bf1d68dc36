import CXNNPack

extension XNNPACKLowering {
    mutating func lowerMaxPool(_ node: Node) throws -> Lowered {
        guard node.outputs.count == 1 || node.outputs.dropFirst().allSatisfy(\.isEmpty) else {
            throw node.unsupported("the Indices output of MaxPool", in: graph.source)
        }
        let window = try poolingWindow(node)
        let dilations = try node.ints("dilations", default: [1, 1], in: graph.source)
        let padding = try paddingReachingOutput(node, window: window, dilations: dilations)
        if window.kernel == [1, 1] { return try lowerUnitWindow(node, window: window, padding: padding) }
        let (source, destination) = (try buffer(window.input, of: node), try buffer(node.outputs[0], of: node))
        let inputShape = window.inputShape, channels = inputShape[1], bounds = clamp(node), threadpool = threadpool
        // XNNPACK's max pooling never reads padding as a value, so the extra padding that emulates ceil_mode is free.
        return [try makeOperator(node, "max_pooling2d_nhwc_f32") { handle in
            xnn_create_max_pooling2d_nhwc_f32(
                UInt32(padding.top), UInt32(padding.right), UInt32(padding.bottom), UInt32(padding.left),
                UInt32(window.kernel[0]), UInt32(window.kernel[1]), UInt32(window.strides[0]), UInt32(window.strides[1]),
                UInt32(dilations[0]), UInt32(dilations[1]), channels, channels, channels, bounds.min, bounds.max, 0, handle)
        } setup: { op in
            xnn_setup_max_pooling2d_nhwc_f32(op, inputShape[0], inputShape[2], inputShape[3], source, destination, threadpool)
        }]
    }

    mutating func lowerAveragePool(_ node: Node) throws -> Lowered {
        let window = try poolingWindow(node)
        let padding = try paddingReachingOutput(node, window: window, dilations: [1, 1])
        if window.kernel == [1, 1] { return try lowerUnitWindow(node, window: window, padding: padding) }
        let declared = try Self.spatialPadding(
            node, graph: graph, input: Array(window.inputShape[2...]), kernel: window.kernel, strides: window.strides, dilations: [1, 1])
        let padded = padding != (0, 0, 0, 0)
        let countIncludePad = try node.int("count_include_pad", default: 0, in: graph.source) != 0
        let inputShape = window.inputShape, channels = inputShape[1], bounds = clamp(node), threadpool = threadpool
        let (source, destination) = (try buffer(window.input, of: node), try buffer(node.outputs[0], of: node))

        if padded && countIncludePad {
            // ONNX divides by the full window here; XNNPACK's average pooling divides by the valid pixels only.
            // A depthwise convolution with weights 1/(kh·kw) reads padding as zeros and divides by the full window.
            guard padding == declared else {
                throw node.unsupported("ceil_mode=1 together with count_include_pad=1", in: graph.source)
            }
            let taps = window.kernel[0] * window.kernel[1]
            let weights = [Float](repeating: 1 / Float(taps), count: channels * taps)
            let bias = [Float](repeating: 0, count: channels)
            return [try weights.withUnsafeBufferPointer { weightPointer in
                try bias.withUnsafeBufferPointer { biasPointer in
                    try makeOperator(node, "convolution2d_nhwc_f32") { handle in
                        xnn_create_convolution2d_nhwc_f32(
                            UInt32(padding.top), UInt32(padding.right), UInt32(padding.bottom), UInt32(padding.left),
                            UInt32(window.kernel[0]), UInt32(window.kernel[1]), UInt32(window.strides[0]), UInt32(window.strides[1]),
                            1, 1, UInt32(channels), 1, 1, channels, channels,
                            weightPointer.baseAddress, biasPointer.baseAddress, bounds.min, bounds.max, 0, handle)
                    } setup: { op in
                        xnn_setup_convolution2d_nhwc_f32(op, inputShape[0], inputShape[2], inputShape[3], source, destination, threadpool)
                    }
                }
            }]
        }
        return [try makeOperator(node, "average_pooling2d_nhwc_f32") { handle in
            xnn_create_average_pooling2d_nhwc_f32(
                UInt32(padding.top), UInt32(padding.right), UInt32(padding.bottom), UInt32(padding.left),
                UInt32(window.kernel[0]), UInt32(window.kernel[1]), UInt32(window.strides[0]), UInt32(window.strides[1]),
                channels, channels, channels, bounds.min, bounds.max, 0, handle)
        } setup: { op in
            xnn_setup_average_pooling2d_nhwc_f32(op, inputShape[0], inputShape[2], inputShape[3], source, destination, threadpool)
        }]
    }

    mutating func lowerGlobalAveragePool(_ node: Node) throws -> Lowered {
        let x = try input(0, of: node)
        let inputShape = try shape(x, of: node)
        guard inputShape.count == 4, graph.channelsLast.contains(x) else {
            throw node.unsupported("GlobalAveragePool on rank-\(inputShape.count) input (supported: rank 4)", in: graph.source)
        }
        let channels = inputShape[1], bounds = clamp(node), threadpool = threadpool
        let (source, destination) = (try buffer(x, of: node), try buffer(node.outputs[0], of: node))
        return [try makeOperator(node, "global_average_pooling_nwc_f32") { handle in
            xnn_create_global_average_pooling_nwc_f32(channels, channels, channels, bounds.min, bounds.max, 0, handle)
        } setup: { op in
            xnn_setup_global_average_pooling_nwc_f32(op, inputShape[0], inputShape[2] * inputShape[3], source, destination, threadpool)
        }]
    }

    /// A 1×1 window only picks pixels, and XNNPACK's pooling operators reject it ("invalid parameter"; AlexNet's
    /// export has one): a depthwise 1×1 convolution with unit weights and the window's strides picks the same.
    func lowerUnitWindow(
        _ node: Node, window: PoolingWindow, padding: (top: Int, left: Int, bottom: Int, right: Int)
    ) throws -> Lowered {
        guard padding == (0, 0, 0, 0) else {
            throw node.unsupported("a 1×1 \(node.opType) window with padding or ceil_mode", in: graph.source)
        }
        let inputShape = window.inputShape, channels = inputShape[1]
        return [try depthwiseAffine(
            node, scale: [Float](repeating: 1, count: channels), shift: [Float](repeating: 0, count: channels),
            batch: inputShape[0], height: inputShape[2], width: inputShape[3],
            source: try buffer(window.input, of: node), destination: try buffer(node.outputs[0], of: node),
            bounds: clamp(node), strides: window.strides)]
    }

    struct PoolingWindow {
        var input: String
        var inputShape: [Int]
        var outputShape: [Int]
        var kernel: [Int]
        var strides: [Int]
    }

    func poolingWindow(_ node: Node) throws -> PoolingWindow {
        let x = try input(0, of: node)
        let inputShape = try shape(x, of: node), outputShape = try shape(node.outputs[0], of: node)
        guard inputShape.count == 4, outputShape.count == 4, graph.channelsLast.contains(x) else {
            throw node.unsupported("only 2-D pooling (rank-4 input) is supported; input is \(inputShape)", in: graph.source)
        }
        let kernel = try node.ints("kernel_shape", in: graph.source)
        let strides = try node.ints("strides", default: [1, 1], in: graph.source)
        guard kernel.count == 2, kernel.allSatisfy({ $0 > 0 }) else {
            throw node.invalid("kernel_shape \(kernel) must be two positive values", in: graph.source)
        }
        return PoolingWindow(input: x, inputShape: inputShape, outputShape: outputShape, kernel: kernel, strides: strides)
    }

    /// The declared padding, grown at the bottom/right when `ceil_mode` asks for one more output row or column
    /// than XNNPACK's floor rule would give.
    func paddingReachingOutput(
        _ node: Node, window: PoolingWindow, dilations: [Int]
    ) throws -> (top: Int, left: Int, bottom: Int, right: Int) {
        try Self.paddingReachingOutput(node, graph: graph, window: window, dilations: dilations)
    }

    /// The same for any backend's pooling (oneDNN's too): its output size must match shape inference's.
    static func paddingReachingOutput(
        _ node: Node, graph: Graph, window: PoolingWindow, dilations: [Int]
    ) throws -> (top: Int, left: Int, bottom: Int, right: Int) {
        var padding = try spatialPadding(
            node, graph: graph, input: Array(window.inputShape[2...]), kernel: window.kernel, strides: window.strides, dilations: dilations)
        let spanH = (window.kernel[0] - 1) * dilations[0] + 1, spanW = (window.kernel[1] - 1) * dilations[1] + 1
        let neededBottom = (window.outputShape[2] - 1) * window.strides[0] + spanH - window.inputShape[2] - padding.top
        let neededRight = (window.outputShape[3] - 1) * window.strides[1] + spanW - window.inputShape[3] - padding.left
        padding.bottom = max(padding.bottom, neededBottom)
        padding.right = max(padding.right, neededRight)
        return padding
    }
}
