import CXNNPack

/// Lowers one node at a time to XNNPACK operators (created and set up on planned buffers) or native kernels.
struct XNNPACKLowering {
    typealias Lowered = [(XNNPACKModel.Step, String)]

    let graph: Graph
    let views: [String: String]
    /// Concat inputs written in place by their convolution (see `concatSlices`).
    let concatSlices: [String: ConcatSlice]
    let pointers: [String: UnsafeMutablePointer<Float>]
    let constants: ConstantPool
    let threadpool: pthreadpool_t?
    /// Dense convolutions and one-row fully connected layers may run on our own AVX-512 kernels (XNNPACKLowering+NativeKernels).
    let useNativeKernels: Bool

    /// Outputs that share their input's memory: reshapes, and layout changes that move no bytes.
    static func views(in graph: Graph) throws -> [String: String] {
        var views: [String: String] = [:]
        for node in graph.nodes {
            guard let input = node.input(0), graph.initializers[input] == nil, let output = node.outputs.first else { continue }
            let sharesBytes = ["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", LayoutAssignment.toChannelsLast,
                               LayoutAssignment.toChannelsFirst].contains(node.opType)
            if sharesBytes && graph.quantization[input] != graph.quantization[output] {
                throw node.invalid("input and output must have the same element type and quantization", in: graph.source)
            }
            switch node.opType {
            case "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity":
                if graph.channelsLast.contains(input) && node.attributes[LayoutAssignment.channelsLastFlattenKey] == nil {
                    throw node.invalid("a channels-last value reached a reshape (layout assignment bug)", in: graph.source)
                }
                views[output] = input
            case LayoutAssignment.toChannelsLast, LayoutAssignment.toChannelsFirst:
                if LayoutAssignment.conversionIsIdentity(try graph.shape(of: input, at: node)) { views[output] = input }
            default:
                continue
            }
        }
        return views
    }

    mutating func lower(_ node: Node) throws -> Lowered {
        if let output = node.outputs.first, views[output] != nil { return [] }
        if isQuantized(node) { return try lowerQuantized(node) }
        if let int8 = node.inputs.first(where: { graph.quantization[$0] != nil }) {
            throw node.unsupported("int8 input '\(int8)' to a float \(node.opType) (dequantize it first)", in: graph.source)
        }
        switch node.opType {
        case "Conv": return try lowerConvolution(node)
        case "BatchNormalization": return try lowerBatchNormalization(node)
        case "Gemm": return try lowerGemm(node)
        case "MatMul": return try lowerMatMul(node)
        case "MaxPool": return try lowerMaxPool(node)
        case "AveragePool": return try lowerAveragePool(node)
        case "GlobalAveragePool": return try lowerGlobalAveragePool(node)
        case "Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSwish", "HardSigmoid", "Tanh": return try lowerUnary(node)
        case "Add", "Sub", "Mul", "Div": return try lowerBinary(node)
        case "Sum": return try lowerSum(node)
        case "Concat": return try lowerConcat(node)
        case "Pad": return try lowerPad(node)
        case "Softmax": return try lowerSoftmax(node)
        case "Transpose": return try lowerTranspose(node)
        case "LRN": return try lowerLRN(node)
        case FuseChannelShuffle.opType: return try lowerChannelShuffle(node)
        case LayoutAssignment.toChannelsLast, LayoutAssignment.toChannelsFirst: return try lowerLayoutConversion(node)
        default:
            throw node.unsupported("no XNNPACK or native kernel for this op", in: graph.source)
        }
    }

    // MARK: - Helpers shared by the op lowerings

    /// The arena buffer of an activation; throws if the value was never planned (a constant where a tensor is expected).
    func buffer(_ value: String, of node: Node) throws -> UnsafeMutablePointer<Float> {
        guard let pointer = pointers[value] else {
            if graph.initializers[value] != nil {
                throw node.unsupported("constant input '\(value)' where a computed tensor is expected", in: graph.source)
            }
            throw node.invalid("input '\(value)' has no buffer", in: graph.source)
        }
        return pointer
    }

    func input(_ index: Int, of node: Node) throws -> String {
        guard let name = node.input(index) else { throw node.invalid("missing input \(index)", in: graph.source) }
        return name
    }

    func constant(_ index: Int, of node: Node, what: String) throws -> Tensor {
        let name = try input(index, of: node)
        guard let tensor = graph.initializers[name] else {
            throw node.unsupported("\(what) ('\(name)') must be a constant", in: graph.source)
        }
        return tensor
    }

    func shape(_ value: String, of node: Node) throws -> [Int] {
        try graph.shape(of: value, at: node)
    }

    /// The dimensions in memory order: NHWC for channels-last values, the ONNX shape otherwise.
    func physicalShape(_ value: String, of node: Node) throws -> [Int] {
        let logical = try shape(value, of: node)
        return graph.channelsLast.contains(value) ? Layout.toChannelsLast(logical) : logical
    }

    /// Maps a logical (NCHW) axis of a rank-4 value to its position in memory.
    func physicalAxis(_ axis: Int, of value: String) -> Int {
        graph.channelsLast.contains(value) ? Layout.channelsLastPosition(ofAxis: axis) : axis
    }

    func check(_ status: xnn_status, _ node: Node, _ call: String) throws {
        guard status == xnn_status_success else {
            throw ModelError.backend(node: node.name, op: node.opType, reason: "\(call): \(XNNPACKRuntime.describe(status))")
        }
    }

    /// Creates an operator through `create`, checks both calls, and returns it set up (setup binds the buffers).
    func makeOperator(
        _ node: Node, _ name: String,
        create: (UnsafeMutablePointer<xnn_operator_t?>) -> xnn_status,
        setup: (xnn_operator_t) -> xnn_status
    ) throws -> (XNNPACKModel.Step, String) {
        var handle: xnn_operator_t?
        try check(create(&handle), node, "xnn_create_\(name)")
        guard let handle else { throw ModelError.backend(node: node.name, op: node.opType, reason: "xnn_create_\(name) returned no operator") }
        let op = XNNPACKOperator(handle: handle)
        try check(setup(handle), node, "xnn_setup_\(name)")
        return (.xnnpack(op), "xnnpack \(name)")
    }

    /// Builds a native kernel, reporting a parameter it rejects as an error of this node.
    func nativeKernel<Kernel>(_ node: Node, _ make: () throws -> Kernel) throws -> Kernel {
        do {
            return try make()
        } catch {
            throw node.invalid("\(error)", in: graph.source)
        }
    }

    func clamp(_ node: Node) -> (min: Float, max: Float) {
        FuseActivation.clampAttributes(of: node)
    }
}

/// Index arithmetic between NCHW (ONNX) and NHWC (memory) orders for rank-4 tensors.
enum Layout {
    static let toChannelsLastPermutation = [0, 2, 3, 1]
    static let toChannelsFirstPermutation = [0, 3, 1, 2]

    static func toChannelsLast(_ shape: [Int]) -> [Int] {
        shape.count == 4 ? toChannelsLastPermutation.map { shape[$0] } : shape
    }

    /// Where logical axis `axis` (0…3, NCHW) sits in NHWC memory.
    static func channelsLastPosition(ofAxis axis: Int) -> Int {
        [0, 3, 1, 2][axis]
    }

    /// Reorders a rank-4 NCHW constant's values into NHWC.
    static func permuteToChannelsLast<Element>(_ values: [Element], shape: [Int]) -> [Element] {
        guard shape.count == 4 else { return values }
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        var result = values  // every element is overwritten below
        for b in 0..<n {
            for ch in 0..<c {
                for y in 0..<h {
                    for x in 0..<w {
                        result[((b * h + y) * w + x) * c + ch] = values[((b * c + ch) * h + y) * w + x]
                    }
                }
            }
        }
        return result
    }
}
