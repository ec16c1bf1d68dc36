extension OneDNNLowering {
    mutating func lowerConvolution(_ node: Node, activation: OneDNNNet.Eltwise) throws -> OneDNNNet.Value {
        let x = try input(0, of: node)
        let weights = try constant(1, of: node, what: "weight")
        guard try graph.shape(of: x, at: node).count == 4, weights.shape.count == 4 else {
            throw NotOnOneDNN(reason: "only 2-D convolutions run on oneDNN here")
        }
        let bias = try node.input(2).map { _ in try constant(2, of: node, what: "bias").floats }
        let convolution = try convolutionGeometry(node, weightShape: weights.shape)
        let source = try value(x, of: node)
        if let (add, other) = residualAdds[node.name] {
            do {
                let sum = try net.convolution(
                    source, convolution, weights: weights.floats, bias: bias, residual: try value(other, of: node),
                    activation: .clamp(FuseActivation.clampAttributes(of: add)))
                addsDone.insert(add.name)
                bind(add.outputs[0], sum)
                return sum
            } catch is OneDNNError {
                // This kernel takes no residual in that layout: the Add stays a step of its own.
            }
        }
        return try net.convolution(source, convolution, weights: weights.floats, bias: bias, activation: activation)
    }

    /// A Conv's geometry (rank-4 input, OIHW weights of `weightShape`), float or int8.
    func convolutionGeometry(_ node: Node, weightShape: [Int]) throws -> OneDNNNet.ConvolutionGeometry {
        let inputShape = try graph.shape(of: try input(0, of: node), at: node)
        let strides = try node.ints("strides", default: [1, 1], in: graph.source)
        let dilations = try node.ints("dilations", default: [1, 1], in: graph.source)
        let padding = try XNNPACKLowering.spatialPadding(
            node, graph: graph, input: Array(inputShape[2...]), kernel: Array(weightShape[2...]), strides: strides, dilations: dilations)
        return OneDNNNet.ConvolutionGeometry(
            outputChannels: weightShape[0], kernel: (weightShape[2], weightShape[3]), strides: (strides[0], strides[1]),
            dilations: (dilations[0], dilations[1]), padding: padding, groups: try node.int("group", default: 1, in: graph.source))
    }

    mutating func lowerPooling(_ node: Node, activation: OneDNNNet.Eltwise) throws -> OneDNNNet.Value {
        let x = try input(0, of: node)
        let inputShape = try graph.shape(of: x, at: node), outputShape = try graph.shape(of: node.outputs[0], at: node)
        guard inputShape.count == 4, outputShape.count == 4 else { throw NotOnOneDNN(reason: "only 2-D pooling runs on oneDNN here") }
        guard node.outputs.count == 1 || node.outputs.dropFirst().allSatisfy(\.isEmpty) else {
            throw NotOnOneDNN(reason: "oneDNN pooling has no Indices output")
        }
        let source = try value(x, of: node)
        if node.opType == "GlobalAveragePool" {
            let window = OneDNNNet.ConvolutionGeometry(outputChannels: inputShape[1], kernel: (inputShape[2], inputShape[3]))
            return try net.pooling(source, .averageExcludingPadding, window: window, outputHeight: 1, outputWidth: 1, activation: activation)
        }
        let kernel = try node.ints("kernel_shape", in: graph.source)
        let dilations = node.opType == "MaxPool" ? try node.ints("dilations", default: [1, 1], in: graph.source) : [1, 1]
        let strides = try node.ints("strides", default: [1, 1], in: graph.source)
        guard kernel.count == 2 else { throw NotOnOneDNN(reason: "only 2-D pooling runs on oneDNN here") }
        let declared = try XNNPACKLowering.spatialPadding(
            node, graph: graph, input: Array(inputShape[2...]), kernel: kernel, strides: strides, dilations: dilations)
        // ceil_mode: the bottom/right padding that reaches the output size shape inference gave.
        let window = XNNPACKLowering.PoolingWindow(
            input: x, inputShape: inputShape, outputShape: outputShape, kernel: kernel, strides: strides)
        let padding = try XNNPACKLowering.paddingReachingOutput(node, graph: graph, window: window, dilations: dilations)
        let kind: OneDNNNet.Pooling
        if node.opType == "MaxPool" {
            kind = .max
        } else if try node.int("count_include_pad", default: 0, in: graph.source) != 0 {
            // ONNX divides by the declared window, never counting ceil_mode's extra padding; oneDNN would count it.
            guard padding == declared else { throw NotOnOneDNN(reason: "ceil_mode=1 together with count_include_pad=1") }
            kind = .averageIncludingPadding
        } else {
            kind = .averageExcludingPadding
        }
        let oneDNNWindow = OneDNNNet.ConvolutionGeometry(
            outputChannels: inputShape[1], kernel: (kernel[0], kernel[1]), strides: (strides[0], strides[1]),
            dilations: (dilations[0], dilations[1]), padding: padding)
        return try net.pooling(source, kind, window: oneDNNWindow, outputHeight: outputShape[2], outputWidth: outputShape[3], activation: activation)
    }

    /// Gemm as an inner product: Y = alpha·A·B' + beta·C with B and C constant, A not transposed.
    mutating func lowerGemm(_ node: Node, activation: OneDNNNet.Eltwise) throws -> OneDNNNet.Value {
        let a = try input(0, of: node)
        guard try node.int("transA", default: 0, in: graph.source) == 0 else { throw NotOnOneDNN(reason: "transA=1") }
        let b = try constant(1, of: node, what: "B")
        guard b.shape.count == 2 else { throw node.invalid("B must have rank 2, has \(b.shape)", in: graph.source) }
        let alpha = try node.float("alpha", default: 1, in: graph.source), beta = try node.float("beta", default: 1, in: graph.source)
        // The inner product wants weights outputs × inputs, which is B when transB=1.
        var weights = try node.int("transB", default: 0, in: graph.source) != 0 ? b : b.transposed2D()
        let outputs = weights.shape[0]
        if alpha != 1 { weights = Tensor(shape: weights.shape, floats: weights.floats.map { $0 * alpha }) }
        var bias: [Float]?
        if node.input(2) != nil {
            let c = try constant(2, of: node, what: "C")
            switch c.count {
            case outputs: bias = c.floats.map { $0 * beta }
            case 1: bias = [Float](repeating: c.floats[0] * beta, count: outputs)
            default: throw NotOnOneDNN(reason: "C of shape \(c.shape) is not a bias")
            }
        }
        let source = try flattenedSourceOrValue(a, of: node)
        return try net.innerProduct(source, outputs: outputs, weights: weights.floats, bias: bias, activation: activation)
    }

    /// MatMul of a rank-2 activation by a rank-2 constant, as an inner product.
    mutating func lowerMatMul(_ node: Node, activation: OneDNNNet.Eltwise) throws -> OneDNNNet.Value {
        let a = try input(0, of: node)
        let b = try constant(1, of: node, what: "B")
        guard try graph.shape(of: a, at: node).count == 2, b.shape.count == 2 else {
            throw NotOnOneDNN(reason: "only rank-2 × constant rank-2 MatMul runs on oneDNN here")
        }
        return try net.innerProduct(try value(a, of: node), outputs: b.shape[1], weights: b.transposed2D().floats, bias: nil,
                                    activation: activation)
    }

    /// The rank-4 value behind a free Flatten, else the value itself.
    mutating func flattenedSourceOrValue(_ name: String, of node: Node) throws -> OneDNNNet.Value {
        if let source = flattened[name] { return try value(source, of: node) }
        return try value(name, of: node)
    }

    mutating func lowerEltwise(_ node: Node) throws -> OneDNNNet.Value {
        let source = try value(try input(0, of: node), of: node)
        switch node.opType {
        case "Relu": return try net.eltwise(source, .relu)
        case "Clip":
            guard let bounds = try FuseActivation.clampBounds(of: node, in: graph) else {
                throw NotOnOneDNN(reason: "Clip bounds that are not constants")
            }
            return try net.eltwise(source, .clip(minimum: bounds.min, maximum: bounds.max))
        case "LeakyRelu": return try net.eltwise(source, .leakyRelu(slope: try node.float("alpha", default: 0.01, in: graph.source)))
        case "Sigmoid": return try net.eltwise(source, .logistic)
        case "Tanh": return try net.eltwise(source, .tanh)
        case "HardSwish": return try net.eltwise(source, .hardSwish)
        case "HardSigmoid":
            let alpha = try node.float("alpha", default: 0.2, in: graph.source), beta = try node.float("beta", default: 0.5, in: graph.source)
            return try net.eltwise(source, .linear(scale: alpha, shift: beta), then: .clip(minimum: 0, maximum: 1))
        default: throw NotOnOneDNN(reason: "oneDNN has no \(node.opType) here")
        }
    }

    /// Add/Sub/Mul/Div where the first operand has the output's shape (the second may broadcast into it).
    mutating func lowerBinary(_ node: Node, activation: OneDNNNet.Eltwise) throws -> OneDNNNet.Value {
        var (a, b) = (try input(0, of: node), try input(1, of: node))
        let outputShape = try graph.shape(of: node.outputs[0], at: node)
        let commutative = node.opType == "Add" || node.opType == "Mul"
        if try graph.shape(of: a, at: node) != outputShape || (graph.initializers[a] != nil && graph.initializers[b] == nil) {
            guard commutative else { throw NotOnOneDNN(reason: "the first operand of \(node.opType) broadcasts") }
            swap(&a, &b)
        }
        guard try graph.shape(of: a, at: node) == outputShape, graph.initializers[a] == nil else {
            throw NotOnOneDNN(reason: "both operands broadcast")
        }
        var second = try value(b, of: node)
        if second.dims.count < outputShape.count {
            second = try net.reshape(second, to: Array(repeating: 1, count: outputShape.count - second.dims.count) + second.dims)
        }
        let kind: OneDNNNet.Binary = switch node.opType {
        case "Add": .add
        case "Sub": .sub
        case "Mul": .mul
        default: .div
        }
        return try net.binary(kind, try value(a, of: node), second, activation: activation)
    }

    /// Sum of same-shape operands, as a chain of adds.
    mutating func lowerSum(_ node: Node) throws -> OneDNNNet.Value {
        let outputShape = try graph.shape(of: node.outputs[0], at: node)
        let operands = node.inputs.filter { !$0.isEmpty }
        guard !operands.isEmpty, try operands.allSatisfy({ try graph.shape(of: $0, at: node) == outputShape && graph.initializers[$0] == nil }) else {
            throw NotOnOneDNN(reason: "Sum with broadcast or constant operands")
        }
        var total = try value(operands[0], of: node)
        if operands.count == 1 { return try net.reshape(total, to: outputShape) }
        for operand in operands.dropFirst() { total = try net.binary(.add, total, try value(operand, of: node)) }
        return total
    }

    /// A BatchNormalization no convolution absorbed: a depthwise 1×1 convolution with its scale and shift.
    mutating func lowerBatchNormalization(_ node: Node) throws -> OneDNNNet.Value {
        let x = try input(0, of: node)
        let shape = try graph.shape(of: x, at: node)
        guard shape.count == 4 else { throw NotOnOneDNN(reason: "BatchNormalization of a rank-\(shape.count) value") }
        let (gamma, beta) = (try constant(1, of: node, what: "scale").floats, try constant(2, of: node, what: "B").floats)
        let (mean, variance) = (try constant(3, of: node, what: "mean").floats, try constant(4, of: node, what: "var").floats)
        let epsilon = try node.float("epsilon", default: 1e-5, in: graph.source)
        let channels = shape[1]
        guard [gamma, beta, mean, variance].allSatisfy({ $0.count == channels }) else {
            throw node.invalid("scale, B, mean and var must have \(channels) values", in: graph.source)
        }
        let scale = (0..<channels).map { gamma[$0] / (variance[$0] + epsilon).squareRoot() }
        let shift = (0..<channels).map { beta[$0] - mean[$0] * scale[$0] }
        let geometry = OneDNNNet.ConvolutionGeometry(outputChannels: channels, kernel: (1, 1), groups: channels)
        return try net.convolution(try value(x, of: node), geometry, weights: scale, bias: shift)
    }

    mutating func lowerConcat(_ node: Node) throws -> OneDNNNet.Value {
        let rank = try graph.shape(of: node.outputs[0], at: node).count
        var axis = try node.int("axis", in: graph.source)
        if axis < 0 { axis += rank }
        var sources: [OneDNNNet.Value] = []
        for name in node.inputs where !name.isEmpty { sources.append(try value(name, of: node)) }
        return try net.concat(sources, axis: axis)
    }

    mutating func lowerSoftmax(_ node: Node) throws -> OneDNNNet.Value {
        let x = try input(0, of: node)
        let rank = try graph.shape(of: x, at: node).count
        var axis = try node.int("axis", default: graph.opsetVersion < 13 ? 1 : -1, in: graph.source)
        if axis < 0 { axis += rank }
        // Before opset 13 Softmax flattens from `axis` on; the same as one axis only when it is the last.
        guard graph.opsetVersion >= 13 || axis == rank - 1 else {
            throw NotOnOneDNN(reason: "opset-\(graph.opsetVersion) Softmax over axes \(axis)…\(rank - 1)")
        }
        return try net.softmax(try value(x, of: node), axis: axis)
    }
}
