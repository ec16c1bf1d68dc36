import CXNNPack

extension XNNPACKLowering {
    /// Activations. Relu and Clip usually fused into their producer; here they stand alone.
    mutating func lowerUnary(_ node: Node) throws -> Lowered {
        let x = try input(0, of: node), output = node.outputs[0]
        let count = try shape(x, of: node).reduce(1, *)
        let source = try buffer(x, of: node), destination = try buffer(output, of: node)
        let threadpool = threadpool
        // Elementwise ops see the tensor as one row: XNNPACK treats a contiguous row as a flat range.
        func simple(_ name: String, _ create: (UnsafeMutablePointer<xnn_operator_t?>) -> xnn_status,
                    setup: @escaping (xnn_operator_t, Int, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, pthreadpool_t?) -> xnn_status)
            throws -> Lowered {
            [try makeOperator(node, name, create: create) { op in setup(op, 1, source, destination, threadpool) }]
        }
        switch node.opType {
        case "Relu", "Clip":
            guard let bounds = try FuseActivation.clampBounds(of: node, in: graph) else {
                throw node.unsupported("Clip with computed min/max", in: graph.source)
            }
            return try simple("clamp_nc_f32", { xnn_create_clamp_nc_f32(count, count, count, bounds.min, bounds.max, 0, $0) },
                              setup: { xnn_setup_clamp_nc_f32($0, $1, $2, $3, $4) })
        case "LeakyRelu":
            let alpha = try node.float("alpha", default: 0.01, in: graph.source)
            return try simple("leaky_relu_nc_f32", { xnn_create_leaky_relu_nc_f32(count, count, count, alpha, 0, $0) },
                              setup: { xnn_setup_leaky_relu_nc_f32($0, $1, $2, $3, $4) })
        case "Sigmoid":
            return try simple("sigmoid_nc_f32", { xnn_create_sigmoid_nc_f32(count, count, count, 0, $0) },
                              setup: { xnn_setup_sigmoid_nc_f32($0, $1, $2, $3, $4) })
        case "HardSwish":
            return try simple("hardswish_nc_f32", { xnn_create_hardswish_nc_f32(count, count, count, 0, $0) },
                              setup: { xnn_setup_hardswish_nc_f32($0, $1, $2, $3, $4) })
        case "HardSigmoid":
            let kernel = HardSigmoidKernel(
                count: count, alpha: try node.float("alpha", default: 0.2, in: graph.source),
                beta: try node.float("beta", default: 0.5, in: graph.source))
            return [(.native { kernel.run(input: source, output: destination) }, "native HardSigmoid")]
        case "Tanh":
            // Debian's XNNPACK has tanh only for quantized types.
            let kernel = TanhKernel(count: count)
            return [(.native { kernel.run(input: source, output: destination) }, "native Tanh")]
        default:
            throw node.unsupported("unary op", in: graph.source)
        }
    }

    /// Add/Sub/Mul/Div with numpy broadcasting, on the tensors' memory order (constants are permuted to match).
    mutating func lowerBinary(_ node: Node) throws -> Lowered {
        let output = node.outputs[0]
        let lhs = try operand(try input(0, of: node), of: node, output: output)
        let rhs = try operand(try input(1, of: node), of: node, output: output)
        return [try binary(node, node.opType, lhs, rhs, destination: try buffer(output, of: node), bounds: clamp(node))]
    }

    /// Sum of any number of inputs, as a chain of adds accumulating into the output.
    mutating func lowerSum(_ node: Node) throws -> Lowered {
        let output = node.outputs[0]
        let names = node.inputs.filter { !$0.isEmpty }
        let destination = try buffer(output, of: node)
        let outputShape = try physicalShape(output, of: node)
        guard names.count >= 2 else {
            let only = try operand(try input(0, of: node), of: node, output: output)
            guard only.shape == outputShape else { throw node.unsupported("Sum of one broadcast input", in: graph.source) }
            let count = outputShape.reduce(1, *)
            return [(.native { destination.update(from: only.pointer, count: count) }, "native copy")]
        }
        var steps: Lowered = []
        var accumulated = try operand(names[0], of: node, output: output)
        for (index, name) in names.enumerated().dropFirst() {
            let next = try operand(name, of: node, output: output)
            let isLast = index == names.count - 1
            steps.append(try binary(node, "Add", accumulated, next, destination: destination,
                                    bounds: isLast ? clamp(node) : (-.infinity, .infinity)))
            accumulated = Operand(pointer: destination, shape: outputShape)
        }
        return steps
    }

    struct Operand {
        var pointer: UnsafeMutablePointer<Float>
        var shape: [Int]
    }

    /// An input of an elementwise op in the output's memory order: activations as planned, constants
    /// rank-extended and, when the output is channels-last, permuted into NHWC and stored in the pool.
    func operand(_ name: String, of node: Node, output: String) throws -> Operand {
        let outputRank = try shape(output, of: node).count
        if let tensor = graph.initializers[name] {
            var logical = tensor.shape
            guard logical.count <= outputRank else { throw node.invalid("constant '\(name)' has a higher rank than the output", in: graph.source) }
            logical = [Int](repeating: 1, count: outputRank - logical.count) + logical
            if graph.channelsLast.contains(output) {
                return Operand(pointer: constants.store(Layout.permuteToChannelsLast(tensor.floats, shape: logical)),
                               shape: Layout.toChannelsLast(logical))
            }
            return Operand(pointer: constants.store(tensor.floats), shape: logical)
        }
        let physical = try physicalShape(name, of: node)
        guard physical.count == outputRank || !graph.channelsLast.contains(output) else {
            throw node.invalid("inputs of different ranks with a channels-last output (layout assignment bug)", in: graph.source)
        }
        return Operand(pointer: try buffer(name, of: node), shape: [Int](repeating: 1, count: outputRank - physical.count) + physical)
    }

    func binary(
        _ node: Node, _ op: String, _ lhs: Operand, _ rhs: Operand,
        destination: UnsafeMutablePointer<Float>, bounds: (min: Float, max: Float)
    ) throws -> (XNNPACKModel.Step, String) {
        guard lhs.shape.count <= Int(XNN_MAX_TENSOR_DIMS) else {
            throw node.unsupported("broadcasting over rank \(lhs.shape.count) (XNNPACK handles up to \(XNN_MAX_TENSOR_DIMS))", in: graph.source)
        }
        let threadpool = threadpool
        let lhsShape = lhs.shape, rhsShape = rhs.shape
        func setup(_ call: @escaping (xnn_operator_t, Int, UnsafePointer<Int>, Int, UnsafePointer<Int>, UnsafePointer<Float>, UnsafePointer<Float>,
                            UnsafeMutablePointer<Float>, pthreadpool_t?) -> xnn_status) -> (xnn_operator_t) -> xnn_status {
            { op in call(op, lhsShape.count, lhsShape, rhsShape.count, rhsShape, lhs.pointer, rhs.pointer, destination, threadpool) }
        }
        switch op {
        case "Add":
            return try makeOperator(node, "add_nd_f32", create: { xnn_create_add_nd_f32(bounds.min, bounds.max, 0, $0) },
                                    setup: setup(xnn_setup_add_nd_f32))
        case "Sub":
            return try makeOperator(node, "subtract_nd_f32", create: { xnn_create_subtract_nd_f32(bounds.min, bounds.max, 0, $0) },
                                    setup: setup(xnn_setup_subtract_nd_f32))
        case "Mul":
            return try makeOperator(node, "multiply_nd_f32", create: { xnn_create_multiply_nd_f32(bounds.min, bounds.max, 0, $0) },
                                    setup: setup(xnn_setup_multiply_nd_f32))
        case "Div":
            return try makeOperator(node, "divide_nd_f32", create: { xnn_create_divide_nd_f32(bounds.min, bounds.max, 0, $0) },
                                    setup: setup(xnn_setup_divide_nd_f32))
        default:
            throw node.unsupported("binary op \(op)", in: graph.source)
        }
    }

    /// Softmax over one axis. XNNPACK normalises contiguous rows; other axes use the native kernel.
    mutating func lowerSoftmax(_ node: Node) throws -> Lowered {
        let x = try input(0, of: node), output = node.outputs[0]
        let logical = try shape(x, of: node)
        let rank = logical.count
        var axis = try node.int("axis", default: graph.opsetVersion >= 13 ? -1 : 1, in: graph.source)
        if axis < 0 { axis += rank }
        guard (0..<max(rank, 1)).contains(axis) else { throw node.invalid("axis out of range for rank \(rank)", in: graph.source) }
        let physical = try physicalShape(x, of: node)
        let (outer, length, inner): (Int, Int, Int)
        if graph.opsetVersion < 13 {
            // Before opset 13 Softmax flattens to 2-D at `axis` and normalises each row.
            (outer, length, inner) = (logical[..<axis].reduce(1, *), logical[axis...].reduce(1, *), 1)
        } else {
            let position = rank == 4 ? physicalAxis(axis, of: x) : axis
            (outer, length, inner) = (physical[..<position].reduce(1, *), physical[position], physical[(position + 1)...].reduce(1, *))
        }
        let source = try buffer(x, of: node), destination = try buffer(output, of: node)
        if inner == 1 {
            let threadpool = threadpool
            return [try makeOperator(node, "softmax_nc_f32") { xnn_create_softmax_nc_f32(length, length, length, 0, $0) }
                setup: { xnn_setup_softmax_nc_f32($0, outer, source, destination, threadpool) }]
        }
        let kernel = SoftmaxKernel(outer: outer, axis: length, inner: inner)
        return [(.native { kernel.run(input: source, output: destination) }, "native Softmax")]
    }
}
