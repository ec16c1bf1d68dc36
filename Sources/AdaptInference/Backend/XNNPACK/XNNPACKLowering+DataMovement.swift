import CXNNPack

extension XNNPACKLowering {
    /// Concat as one strided copy per input into its slice of the output: outer rows × (this input's inner block).
    mutating func lowerConcat(_ node: Node) throws -> Lowered {
        let output = node.outputs[0]
        let outputPhysical = try physicalShape(output, of: node)
        let rank = outputPhysical.count
        var axis = try node.int("axis", in: graph.source)
        if axis < 0 { axis += rank }
        guard (0..<rank).contains(axis) else { throw node.invalid("axis out of range for rank \(rank)", in: graph.source) }
        let position = graph.channelsLast.contains(output) ? Layout.channelsLastPosition(ofAxis: axis) : axis
        let outer = outputPhysical[..<position].reduce(1, *)
        let rowLength = outputPhysical[position...].reduce(1, *)
        let destination = try buffer(output, of: node)
        var steps: Lowered = []
        var offset = 0
        for name in node.inputs where !name.isEmpty {
            let source = try operand(name, of: node, output: output)
            let block = source.shape[position...].reduce(1, *)
            // Its convolution already wrote it into place.
            guard block > 0, concatSlices[name] == nil else {
                offset += block
                continue
            }
            let target = destination + offset, threadpool = threadpool
            steps.append(try makeOperator(node, "copy_nc_x32") { xnn_create_copy_nc_x32(block, block, rowLength, 0, $0) }
                setup: { xnn_setup_copy_nc_x32($0, outer, source.pointer, target, threadpool) })
            offset += block
        }
        return steps
    }

    mutating func lowerPad(_ node: Node) throws -> Lowered {
        let x = try input(0, of: node), output = node.outputs[0]
        let logical = try shape(x, of: node)
        let rank = logical.count
        let pads: [Int]
        var value: Float = 0
        if graph.opsetVersion < 11 {
            pads = try node.ints("pads", in: graph.source)
            value = try node.float("value", default: 0, in: graph.source)
        } else {
            pads = try constant(1, of: node, what: "pads").int64s.map { Int($0) }
            if let name = node.input(2) {
                guard let tensor = graph.initializers[name] else { throw node.unsupported("computed constant_value", in: graph.source) }
                value = tensor.floats.first ?? 0
            }
            if node.input(3) != nil { throw node.unsupported("the axes input of Pad", in: graph.source) }
        }
        guard pads.count == 2 * rank else { throw node.invalid("pads has \(pads.count) values for rank \(rank)", in: graph.source) }
        guard pads.allSatisfy({ $0 >= 0 }) else { throw node.unsupported("negative pads (cropping) \(pads)", in: graph.source) }
        var pre = Array(pads[..<rank]), post = Array(pads[rank...])
        if graph.channelsLast.contains(x) {
            pre = Layout.toChannelsLast(pre)
            post = Layout.toChannelsLast(post)
        }
        let physical = try physicalShape(x, of: node)
        let source = try buffer(x, of: node), destination = try buffer(output, of: node)
        let mode = try node.string("mode", default: "constant", in: graph.source)
        switch mode {
        case "constant":
            let threadpool = threadpool
            var padValue = value.bitPattern
            return [try makeOperator(node, "constant_pad_nd_x32") { xnn_create_constant_pad_nd_x32(&padValue, 0, $0) }
                setup: { xnn_setup_constant_pad_nd_x32($0, rank, physical, pre, post, source, destination, threadpool) }]
        case "reflect", "edge":
            let kernel = try nativeKernel(node) {
                try PadKernel(shape: physical, pre: pre, post: post, mode: mode == "reflect" ? .reflect : .edge)
            }
            return [(.native { kernel.run(input: source, output: destination) }, "native Pad \(mode)")]
        default:
            throw node.unsupported("Pad mode '\(mode)'", in: graph.source)
        }
    }

    mutating func lowerTranspose(_ node: Node) throws -> Lowered {
        let x = try input(0, of: node), output = node.outputs[0]
        let logical = try shape(x, of: node)
        let permutation = try node.ints("perm", default: Array((0..<logical.count).reversed()), in: graph.source)
        guard permutation.sorted() == Array(0..<logical.count) else {
            throw node.invalid("perm \(permutation) is not a permutation of 0..<\(logical.count)", in: graph.source)
        }
        guard logical.count <= 6 else { throw node.unsupported("Transpose of rank \(logical.count) (up to 6)", in: graph.source) }
        let kernel = try nativeKernel(node) {
            try TransposeKernel(shape: logical, permutation: permutation, matrixTranspose: nativeMatrixTranspose)
        }
        let source = try buffer(x, of: node), destination = try buffer(output, of: node)
        return [(.native { kernel.run(input: source, output: destination) }, "native Transpose")]
    }

    mutating func lowerLayoutConversion(_ node: Node) throws -> Lowered {
        let x = try input(0, of: node), output = node.outputs[0]
        let logical = try shape(x, of: node)
        let toLast = node.opType == LayoutAssignment.toChannelsLast
        let kernel = try nativeKernel(node) {
            try TransposeKernel(
                shape: toLast ? logical : Layout.toChannelsLast(logical),
                permutation: toLast ? Layout.toChannelsLastPermutation : Layout.toChannelsFirstPermutation,
                matrixTranspose: nativeMatrixTranspose)
        }
        let source = try buffer(x, of: node), destination = try buffer(output, of: node)
        return [(.native { kernel.run(input: source, output: destination) }, toLast ? "native NCHW→NHWC" : "native NHWC→NCHW")]
    }

    /// LRN across channels, on channels-last memory where a pixel's channels are contiguous.
    mutating func lowerLRN(_ node: Node) throws -> Lowered {
        let x = try input(0, of: node), output = node.outputs[0]
        let logical = try shape(x, of: node)
        guard logical.count == 4, graph.channelsLast.contains(x) else {
            throw node.unsupported("LRN on rank-\(logical.count) input (supported: rank 4)", in: graph.source)
        }
        let size = try node.int("size", in: graph.source)
        let alpha = try node.float("alpha", default: 1e-4, in: graph.source)
        let beta = try node.float("beta", default: 0.75, in: graph.source)
        let bias = try node.float("bias", default: 1, in: graph.source)
        let kernel = try nativeKernel(node) {
            try LRNKernel(pixels: logical[0] * logical[2] * logical[3], channels: logical[1], size: size, alpha: alpha, beta: beta, bias: bias)
        }
        let source = try buffer(x, of: node), destination = try buffer(output, of: node)
        return [(.native { kernel.run(input: source, output: destination) }, "native LRN")]
    }

    mutating func lowerChannelShuffle(_ node: Node) throws -> Lowered {
        let x = try input(0, of: node), output = node.outputs[0]
        let logical = try shape(x, of: node)
        guard logical.count == 4, graph.channelsLast.contains(x) else {
            throw node.invalid("channel shuffle needs a channels-last rank-4 input", in: graph.source)
        }
        let groups = try node.int("group", in: graph.source), channels = logical[1]
        let pixels = logical[0] * logical[2] * logical[3]
        let source = try buffer(x, of: node), destination = try buffer(output, of: node), threadpool = threadpool
        return [try makeOperator(node, "channel_shuffle_nc_x32") {
            xnn_create_channel_shuffle_nc_x32(groups, channels / groups, channels, channels, 0, $0)
        } setup: { xnn_setup_channel_shuffle_nc_x32($0, pixels, source, destination, threadpool) }]
    }
}
