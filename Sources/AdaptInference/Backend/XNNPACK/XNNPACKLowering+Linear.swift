import CXNNPack

extension XNNPACKLowering {
    /// Gemm as PyTorch's Linear exports it (`A · Bᵀ + C`), and the general transA/transB/alpha/beta forms
    /// whose B and C are constants, as one fully connected operator.
    mutating func lowerGemm(_ node: Node) throws -> Lowered {
        let a = try input(0, of: node), output = node.outputs[0]
        let aShape = try shape(a, of: node)
        guard aShape.count == 2 else { throw node.invalid("A must have rank 2, has \(aShape)", in: graph.source) }
        let b = try constant(1, of: node, what: "B (a computed B is not supported)")
        guard b.shape.count == 2 else { throw node.invalid("B must have rank 2, has \(b.shape)", in: graph.source) }
        let transA = try node.int("transA", default: 0, in: graph.source) != 0
        let transB = try node.int("transB", default: 0, in: graph.source) != 0
        let alpha = try node.float("alpha", default: 1, in: graph.source)
        let beta = try node.float("beta", default: 1, in: graph.source)
        let (rows, depth) = transA ? (aShape[1], aShape[0]) : (aShape[0], aShape[1])
        // Aᵀ of a single row or column is the same bytes; a true transpose of A would need its own step.
        guard !transA || rows == 1 || depth == 1 else {
            throw node.unsupported("transA=1 with a \(aShape) A (only a vector A can be transposed for free)", in: graph.source)
        }
        let columns = transB ? b.shape[0] : b.shape[1]
        guard (transB ? b.shape[1] : b.shape[0]) == depth else {
            throw node.invalid("A \(aShape) and B \(b.shape) do not multiply (transA=\(transA), transB=\(transB))", in: graph.source)
        }
        // XNNPACK takes the kernel as [columns, depth], which is B with transB=1.
        var kernel = transB ? b.floats : Tensor.transpose2D(b.floats, rows: depth, columns: columns)
        if alpha != 1 { kernel = kernel.map { $0 * alpha } }
        var bias = [Float](repeating: 0, count: columns)
        if let name = node.input(2) {
            guard let c = graph.initializers[name] else { throw node.unsupported("C must be a constant", in: graph.source) }
            let values = c.floats
            switch values.count {
            case 1: bias = [Float](repeating: values[0] * beta, count: columns)
            case columns where c.shape.count <= 1 || c.shape.first == 1: bias = values.map { $0 * beta }
            default: throw node.unsupported("C of shape \(c.shape) (supported: a scalar or one row of \(columns))", in: graph.source)
            }
        }
        return [try fullyConnected(node, inputs: depth, outputs: columns, batch: rows, kernel: kernel, bias: bias,
                                   source: try buffer(a, of: node), destination: try buffer(output, of: node))]
    }

    /// MatMul with a constant rank-2 right operand: every row of A through one fully connected operator.
    mutating func lowerMatMul(_ node: Node) throws -> Lowered {
        let a = try input(0, of: node), output = node.outputs[0]
        let aShape = try shape(a, of: node)
        let b = try constant(1, of: node, what: "right operand (MatMul of two computed tensors is not supported)")
        guard b.shape.count == 2, let depth = aShape.last, depth == b.shape[0] else {
            throw node.unsupported("MatMul of \(aShape) by \(b.shape) (supported: any A by a rank-2 constant B)", in: graph.source)
        }
        let columns = b.shape[1]
        let rows = aShape.dropLast().reduce(1, *)
        return [try fullyConnected(node, inputs: depth, outputs: columns, batch: rows,
                                   kernel: Tensor.transpose2D(b.floats, rows: depth, columns: columns),
                                   bias: [Float](repeating: 0, count: columns),
                                   source: try buffer(a, of: node), destination: try buffer(output, of: node))]
    }

    func fullyConnected(
        _ node: Node, inputs: Int, outputs: Int, batch: Int, kernel: [Float], bias: [Float],
        source: UnsafeMutablePointer<Float>, destination: UnsafeMutablePointer<Float>
    ) throws -> (XNNPACKModel.Step, String) {
        let bounds = clamp(node)
        if let native = nativeFullyConnected(
            node, inputs: inputs, outputs: outputs, batch: batch, kernel: kernel, bias: bias,
            source: source, destination: destination, bounds: bounds)
        {
            return native
        }
        let threadpool = threadpool
        return try kernel.withUnsafeBufferPointer { kernelPointer in
            try bias.withUnsafeBufferPointer { biasPointer in
                try makeOperator(node, "fully_connected_nc_f32") { handle in
                    xnn_create_fully_connected_nc_f32(
                        inputs, outputs, inputs, outputs, kernelPointer.baseAddress, biasPointer.baseAddress,
                        bounds.min, bounds.max, 0, handle)
                } setup: { op in
                    xnn_setup_fully_connected_nc_f32(op, batch, source, destination, threadpool)
                }
            }
        }
    }
}
