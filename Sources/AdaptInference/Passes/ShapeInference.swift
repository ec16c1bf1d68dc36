/// Static shape inference: fills `Graph.shapes` for every graph input, initializer and node output.
///
/// Graph inputs get their declared shape with free (nil) dimensions set to 1, since we run batch 1.
/// Nodes are visited in order; a node reading a value that no earlier node, initializer or graph input
/// defines is an error (the graph must be topologically sorted).
///
/// Inputs that carry shapes as data (Reshape's target, Slice's starts, Pad's pads, Unsqueeze's axes…)
/// must be constant. Shape inference evaluates the small constant subgraphs feeding them as it goes
/// (the same evaluator as `ConstantFolding`: Constant, Shape, Gather, Concat…), so the PyTorch pattern
/// `Shape → Gather → Unsqueeze → Concat → Reshape` is understood before folding has run.
public enum ShapeInference {
    public static func run(_ graph: Graph) throws -> Graph {
        var result = graph
        var shapes: [String: [Int]] = [:]

        for input in graph.inputs {
            var dims: [Int] = []
            for (axis, dim) in input.shape.enumerated() {
                switch dim {
                case nil: dims.append(1)
                case let value? where value > 0: dims.append(value)
                case let value? where value == 0:
                    throw ModelError.unsupportedModel(
                        file: graph.source,
                        reason: "graph input '\(input.name)' has a zero-sized dimension at axis \(axis) (shape \(describe(input.shape)))")
                case let value?:
                    throw ModelError.malformed(
                        file: graph.source,
                        reason: "graph input '\(input.name)' has a negative dimension \(value) at axis \(axis)")
                }
            }
            shapes[input.name] = dims
        }
        // An initializer listed among the inputs (IR < 4 style) is a constant: its own shape wins.
        for (name, tensor) in graph.initializers { shapes[name] = tensor.shape }

        var firstProducer: [String: Int] = [:]
        for (index, node) in graph.nodes.enumerated() {
            for output in node.outputs where !output.isEmpty && firstProducer[output] == nil {
                firstProducer[output] = index
            }
        }

        var constants = graph.initializers
        for (index, node) in graph.nodes.enumerated() {
            for name in node.inputs where !name.isEmpty && shapes[name] == nil {
                if let producer = firstProducer[name] {
                    if producer == index {
                        throw node.invalid("reads its own output '\(name)'", in: graph.source)
                    }
                    throw node.invalid(
                        "input '\(name)' is produced by the later node '\(graph.nodes[producer].name)': nodes are not in topological order",
                        in: graph.source)
                }
                throw node.invalid(
                    "input '\(name)' is not produced by any node, initializer or graph input", in: graph.source)
            }

            // The context is dropped before `shapes` and `constants` change, so they are not copied per node.
            let (inferred, values) = try {
                let context = NodeContext(
                    node: node, source: graph.source, opset: graph.opsetVersion, shapes: shapes, constants: constants)
                let inferred = try infer(context)
                let evaluable = ConstantFolding.canEvaluate(node, constants: constants, shapes: shapes)
                return (inferred, evaluable ? try ConstantFolding.evaluate(context) : nil)
            }()
            for (position, output) in node.outputs.enumerated() where !output.isEmpty {
                guard position < inferred.count else {
                    throw node.unsupported("output #\(position) ('\(output)') is not supported", in: graph.source)
                }
                if shapes[output] != nil {
                    throw node.invalid(
                        "output '\(output)' is already defined by a graph input, an initializer or an earlier node",
                        in: graph.source)
                }
                shapes[output] = inferred[position]
            }
            for (output, value) in zip(node.outputs, values ?? []) where !output.isEmpty {
                constants[output] = value
            }
        }

        for output in graph.outputs where shapes[output.name] == nil {
            throw ModelError.malformed(
                file: graph.source,
                reason: "graph output '\(output.name)' is not produced by any node, initializer or graph input")
        }
        result.shapes = shapes
        return result
    }

    // MARK: - Convolution and pooling windows

    /// The resolved geometry of a Conv/MaxPool/AveragePool along each spatial axis:
    /// output sizes, explicit pads (auto_pad resolved), strides and dilations.
    public struct Window: Sendable, Equatable {
        public var outputSize: [Int]
        public var padsBegin: [Int]
        public var padsEnd: [Int]
        public var strides: [Int]
        public var dilations: [Int]
        /// The kernel extent along each axis, `(kernel - 1) * dilation + 1`.
        public var effectiveKernel: [Int]
    }

    /// The window of a Conv (kernel from the weight shape) or pooling node (kernel from `kernel_shape`)
    /// over an input of shape `inputShape` (N, C, spatial…). With `ceil_mode`, `outputSize` is rounded up
    /// and `padsEnd` stays as written: the last window may run past the end padding.
    public static func window(of node: Node, inputShape: [Int], weightShape: [Int]? = nil, in graph: Graph) throws -> Window {
        let context = NodeContext(node: node, source: graph.source, opset: graph.opsetVersion, shapes: [:], constants: [:])
        guard inputShape.count >= 3 else {
            throw context.invalid("input must have rank ≥ 3 (N, C, spatial…), got \(describe(inputShape))")
        }
        let spatial = Array(inputShape.dropFirst(2))
        let kernel: [Int]
        if let weightShape {
            kernel = Array(weightShape.dropFirst(2))
        } else {
            kernel = try context.ints("kernel_shape", default: nil)
        }
        return try window(context, spatial: spatial, kernel: kernel, pooling: weightShape == nil)
    }

    static func window(_ c: NodeContext, spatial: [Int], kernel: [Int], pooling: Bool) throws -> Window {
        let n = spatial.count
        guard kernel.count == n else {
            throw c.invalid("kernel \(describe(kernel)) has \(kernel.count) dimensions, the input has \(n) spatial ones")
        }
        let strides = try c.ints("strides", default: Array(repeating: 1, count: n))
        let dilations = try c.ints("dilations", default: Array(repeating: 1, count: n))
        var pads = try c.ints("pads", default: Array(repeating: 0, count: 2 * n))
        let autoPad = try c.string("auto_pad", default: "NOTSET")
        let ceilMode = pooling ? try c.int("ceil_mode", default: 0) != 0 : false
        guard strides.count == n else { throw c.invalid("strides \(describe(strides)) must have \(n) values") }
        guard dilations.count == n else { throw c.invalid("dilations \(describe(dilations)) must have \(n) values") }
        guard pads.count == 2 * n else { throw c.invalid("pads \(describe(pads)) must have \(2 * n) values") }
        guard kernel.allSatisfy({ $0 >= 1 && $0 <= limit }) else { throw c.invalid("kernel \(describe(kernel)) must be positive") }
        guard strides.allSatisfy({ $0 >= 1 && $0 <= limit }) else { throw c.invalid("strides \(describe(strides)) must be positive") }
        guard dilations.allSatisfy({ $0 >= 1 && $0 <= limit }) else { throw c.invalid("dilations \(describe(dilations)) must be positive") }
        guard pads.allSatisfy({ $0 >= 0 && $0 <= limit }) else { throw c.invalid("pads \(describe(pads)) must be non-negative") }

        var output: [Int] = []
        var effective: [Int] = []
        for axis in 0..<n {
            let size = spatial[axis], stride = strides[axis]
            let extent = (kernel[axis] - 1) * dilations[axis] + 1
            effective.append(extent)
            switch autoPad {
            case "NOTSET", "":
                let padded = size + pads[axis] + pads[axis + n]
                guard padded >= extent else {
                    throw c.invalid("window of extent \(extent) (kernel \(kernel[axis]), dilation \(dilations[axis])) is larger than the padded input (\(padded)) along spatial axis \(axis)")
                }
                var count = (ceilMode ? ceilDiv(padded - extent, stride) : (padded - extent) / stride) + 1
                // As PyTorch and the ONNX reference: a last window starting inside the end padding is dropped.
                if ceilMode && (count - 1) * stride >= size + pads[axis] { count -= 1 }
                output.append(count)
            case "VALID":
                guard size >= extent else {
                    throw c.invalid("window of extent \(extent) is larger than the input (\(size)) along spatial axis \(axis) with auto_pad VALID")
                }
                output.append((size - extent) / stride + 1)
                pads[axis] = 0
                pads[axis + n] = 0
            case "SAME_UPPER", "SAME_LOWER":
                let count = ceilDiv(size, stride)
                let total = max(0, (count - 1) * stride + extent - size)
                let small = total / 2, large = total - total / 2
                pads[axis] = autoPad == "SAME_UPPER" ? small : large
                pads[axis + n] = autoPad == "SAME_UPPER" ? large : small
                output.append(count)
            default:
                throw c.invalid("auto_pad '\(autoPad)' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID")
            }
        }
        return Window(
            outputSize: output, padsBegin: Array(pads[0..<n]), padsEnd: Array(pads[n..<(2 * n)]),
            strides: strides, dilations: dilations, effectiveKernel: effective)
    }

    // MARK: - Per-op rules

    /// The shapes of a node's outputs, in output order (optional outputs included where the op has them).
    static func infer(_ c: NodeContext) throws -> [[Int]] {
        let op = c.node.opType
        switch op {
        case "Conv": return [try conv(c)]
        case "MaxPool":
            let shape = try pool(c)
            return [shape, shape]
        case "AveragePool": return [try pool(c)]
        case "GlobalAveragePool", "GlobalMaxPool":
            let x = try c.shape(0)
            guard x.count >= 3 else { throw c.invalid("input must have rank ≥ 3 (N, C, spatial…), got \(describe(x))") }
            return [[x[0], x[1]] + Array(repeating: 1, count: x.count - 2)]
        case "Gemm": return [try gemm(c)]
        case "MatMul": return [try matMul(c)]
        case "BatchNormalization":
            let x = try c.shape(0)
            guard x.count >= 2 else { throw c.invalid("input must have rank ≥ 2 (N, C, …), got \(describe(x))") }
            for (index, role) in ["scale", "B", "mean", "var"].enumerated() {
                let shape = try c.shape(index + 1)
                guard shape == [x[1]] else {
                    throw c.invalid("\(role) has shape \(describe(shape)), expected [\(x[1])] for \(x[1]) channels")
                }
            }
            return [x] + Array(repeating: [x[1]], count: 4)
        case "LRN", "Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Identity", "Exp",
            "Neg", "Sqrt", "Abs", "Cast", "QuantizeLinear", "DequantizeLinear":
            return [try c.shape(0)]
        case "Softmax", "LogSoftmax":
            let x = try c.shape(0)
            let axis = try c.int("axis", default: c.opset >= 13 ? -1 : 1)
            let upper = c.opset >= 13 ? x.count - 1 : x.count
            guard axis >= -x.count && axis <= upper else {
                throw c.invalid("axis \(axis) is out of range for rank \(x.count)")
            }
            return [x]
        case "Dropout":
            let x = try c.shape(0)
            return [x, x]
        case "Add", "Sub", "Mul", "Div", "Pow", "Equal":
            return [try broadcast(c, try c.shape(0), try c.shape(1))]
        case "Sum", "Max", "Min", "Where":
            guard let first = c.node.inputs.first, !first.isEmpty else { throw c.invalid("needs at least one input") }
            if op == "Where" && c.node.inputs.count != 3 { throw c.invalid("needs 3 inputs (condition, X, Y)") }
            var shape = try c.shape(0)
            for index in 1..<c.node.inputs.count { shape = try broadcast(c, shape, try c.shape(index)) }
            return [shape]
        case "Concat": return [try concat(c, try c.node.inputs.indices.map { try c.shape($0) })]
        case "Flatten":
            let x = try c.shape(0)
            var axis = try c.int("axis", default: 1)
            guard axis >= -x.count && axis <= x.count else {
                throw c.invalid("axis \(axis) is out of range [-\(x.count), \(x.count)]")
            }
            if axis < 0 { axis += x.count }
            return [[try product(c, x[0..<axis]), try product(c, x[axis...])]]
        case "Reshape": return [try reshape(c)]
        case "Transpose":
            let x = try c.shape(0)
            return [try transposePermutation(c, rank: x.count).map { x[$0] }]
        case "Squeeze": return [try squeeze(c)]
        case "Unsqueeze": return [try unsqueeze(c)]
        case "Pad": return [try pad(c)]
        case "Shape":
            let range = try shapeRange(c, rank: try c.shape(0).count)
            return [[range.count]]
        case "Gather":
            let data = try c.shape(0), indices = try c.shape(1)
            guard !data.isEmpty else { throw c.invalid("data must have rank ≥ 1") }
            let axis = try c.axis(try c.int("axis", default: 0), rank: data.count)
            return [Array(data[..<axis]) + indices + Array(data[(axis + 1)...])]
        case "ConstantOfShape":
            let dims = try c.constantInts(0, "shape")
            guard dims.allSatisfy({ $0 >= 0 }) else { throw c.invalid("shape \(describe(dims)) has a negative dimension") }
            _ = try product(c, dims[...])
            return [dims]
        case "Constant": return [try constantValue(c).shape]
        case "Slice":
            let x = try c.shape(0)
            return [try sliceGeometry(c, shape: x).map(\.count)]
        case "Expand":
            let x = try c.shape(0)
            let dims = try c.constantInts(1, "shape")
            guard dims.allSatisfy({ $0 >= 0 }) else { throw c.invalid("shape \(describe(dims)) has a negative dimension") }
            return [try broadcast(c, x, dims)]
        default:
            throw c.node.unsupported("adapt-top has no implementation of op \(op)", in: c.source)
        }
    }

    static func conv(_ c: NodeContext) throws -> [Int] {
        let x = try c.shape(0), w = try c.shape(1)
        guard x.count >= 3 else { throw c.invalid("input X must have rank ≥ 3 (N, C, spatial…), got \(describe(x))") }
        guard w.count == x.count else {
            throw c.invalid("weight W \(describe(w)) must have the same rank as X \(describe(x))")
        }
        let group = try c.int("group", default: 1)
        guard group >= 1 else { throw c.invalid("group \(group) must be positive") }
        let outChannels = w[0]
        guard x[1] == group * w[1] else {
            throw c.invalid("input has \(x[1]) channels but group (\(group)) × W.shape[1] (\(w[1])) = \(group * w[1]); X \(describe(x)), W \(describe(w))")
        }
        guard outChannels % group == 0 else {
            throw c.invalid("output channels \(outChannels) are not divisible by group \(group)")
        }
        if c.has(2) {
            let bias = try c.shape(2)
            guard bias == [outChannels] else {
                throw c.invalid("bias B has shape \(describe(bias)), expected [\(outChannels)]")
            }
        }
        let kernel = Array(w.dropFirst(2))
        if c.node.attributes["kernel_shape"] != nil {
            let declared = try c.ints("kernel_shape", default: nil)
            guard declared == kernel else {
                throw c.invalid("kernel_shape \(describe(declared)) does not match the weight's spatial shape \(describe(kernel))")
            }
        }
        let window = try window(c, spatial: Array(x.dropFirst(2)), kernel: kernel, pooling: false)
        return [x[0], outChannels] + window.outputSize
    }

    static func pool(_ c: NodeContext) throws -> [Int] {
        let x = try c.shape(0)
        guard x.count >= 3 else { throw c.invalid("input must have rank ≥ 3 (N, C, spatial…), got \(describe(x))") }
        let kernel = try c.ints("kernel_shape", default: nil)
        let window = try window(c, spatial: Array(x.dropFirst(2)), kernel: kernel, pooling: true)
        return [x[0], x[1]] + window.outputSize
    }

    static func gemm(_ c: NodeContext) throws -> [Int] {
        let a = try c.shape(0), b = try c.shape(1)
        guard a.count == 2, b.count == 2 else {
            throw c.invalid("A \(describe(a)) and B \(describe(b)) must both be matrices")
        }
        let transA = try c.int("transA", default: 0) != 0, transB = try c.int("transB", default: 0) != 0
        let (m, k) = transA ? (a[1], a[0]) : (a[0], a[1])
        let (k2, n) = transB ? (b[1], b[0]) : (b[0], b[1])
        guard k == k2 else {
            throw c.invalid("inner dimensions differ: A \(describe(a)) (transA=\(transA ? 1 : 0)) gives K=\(k), B \(describe(b)) (transB=\(transB ? 1 : 0)) gives K=\(k2)")
        }
        if c.has(2) {
            let bias = try c.shape(2)
            let target = [m, n]
            let fits = bias.count <= 2 && zip(bias.reversed(), target.reversed()).allSatisfy { $0 == $1 || $0 == 1 }
            guard fits else {
                throw c.invalid("C \(describe(bias)) cannot be broadcast to the output \(describe(target))")
            }
        }
        return [m, n]
    }

    static func matMul(_ c: NodeContext) throws -> [Int] {
        let a = try c.shape(0), b = try c.shape(1)
        guard !a.isEmpty, !b.isEmpty else {
            throw c.invalid("operands must have rank ≥ 1, got \(describe(a)) and \(describe(b))")
        }
        let left = a.count == 1 ? [1, a[0]] : a
        let right = b.count == 1 ? [b[0], 1] : b
        guard left[left.count - 1] == right[right.count - 2] else {
            throw c.invalid("inner dimensions differ: \(describe(a)) × \(describe(b))")
        }
        let batch = try broadcast(c, Array(left.dropLast(2)), Array(right.dropLast(2)))
        var shape = batch
        if a.count > 1 { shape.append(left[left.count - 2]) }
        if b.count > 1 { shape.append(right[right.count - 1]) }
        return shape
    }

    static func concat(_ c: NodeContext, _ shapes: [[Int]]) throws -> [Int] {
        guard let first = shapes.first else { throw c.invalid("needs at least one input") }
        guard !first.isEmpty else { throw c.invalid("cannot concatenate scalars") }
        let axis = try c.axis(try c.int("axis", default: nil), rank: first.count)
        var result = first
        for (index, shape) in shapes.enumerated().dropFirst() {
            guard shape.count == first.count else {
                throw c.invalid("input #\(index) has shape \(describe(shape)), rank differs from input #0 \(describe(first))")
            }
            for dim in shape.indices where dim != axis && shape[dim] != first[dim] {
                throw c.invalid("input #\(index) has shape \(describe(shape)), which differs from input #0 \(describe(first)) outside axis \(axis)")
            }
            result[axis] += shape[axis]
        }
        return result
    }

    static func reshape(_ c: NodeContext) throws -> [Int] {
        let x = try c.shape(0)
        let requested = try c.constantInts(1, "shape")
        let allowZero = c.opset >= 14 ? try c.int("allowzero", default: 0) != 0 : false
        var result: [Int] = []
        var inferred: Int?
        for (index, value) in requested.enumerated() {
            switch value {
            case -1:
                guard inferred == nil else { throw c.invalid("shape \(describe(requested)) has more than one -1") }
                inferred = index
                result.append(1)
            case 0 where !allowZero:
                guard index < x.count else {
                    throw c.invalid("shape \(describe(requested)) copies dimension \(index) (0) but the input \(describe(x)) has rank \(x.count)")
                }
                result.append(x[index])
            case ..<0:
                throw c.invalid("shape \(describe(requested)) has an invalid dimension \(value)")
            default:
                result.append(value)
            }
        }
        let total = try product(c, x[...])
        let known = try product(c, result[...])
        if let inferred {
            guard known != 0, total % known == 0 else {
                throw c.invalid("cannot reshape \(describe(x)) (\(total) elements) to \(describe(requested))")
            }
            result[inferred] = total / known
        } else if known != total {
            throw c.invalid("cannot reshape \(describe(x)) (\(total) elements) to \(describe(requested)) (\(known) elements)")
        }
        return result
    }

    static func transposePermutation(_ c: NodeContext, rank: Int) throws -> [Int] {
        let perm = try c.ints("perm", default: Array((0..<rank).reversed()))
        guard perm.count == rank, Set(perm) == Set(0..<rank) else {
            throw c.invalid("perm \(describe(perm)) is not a permutation of 0..<\(rank)")
        }
        return perm
    }

    /// Squeeze/Unsqueeze axes: the `axes` attribute before opset 13, the second input from 13.
    static func axesOperand(_ c: NodeContext) throws -> [Int]? {
        if c.opset >= 13 {
            if c.node.attributes["axes"] != nil {
                throw c.invalid("from opset 13 axes is an input, not an attribute")
            }
            return c.has(1) ? try c.constantInts(1, "axes") : nil
        }
        return c.node.attributes["axes"] == nil ? nil : try c.ints("axes", default: nil)
    }

    static func squeeze(_ c: NodeContext) throws -> [Int] {
        let x = try c.shape(0)
        guard let axes = try axesOperand(c) else { return x.filter { $0 != 1 } }
        let normalized = try axes.map { try c.axis($0, rank: x.count) }
        guard Set(normalized).count == normalized.count else { throw c.invalid("axes \(describe(axes)) repeat an axis") }
        for axis in normalized where x[axis] != 1 {
            throw c.invalid("cannot squeeze axis \(axis) of size \(x[axis]) in \(describe(x))")
        }
        return x.enumerated().filter { !normalized.contains($0.offset) }.map(\.element)
    }

    static func unsqueeze(_ c: NodeContext) throws -> [Int] {
        let x = try c.shape(0)
        guard let axes = try axesOperand(c) else { throw c.invalid("axes are required") }
        let rank = x.count + axes.count
        let normalized = Set(try axes.map { try c.axis($0, rank: rank) })
        guard normalized.count == axes.count else { throw c.invalid("axes \(describe(axes)) repeat an axis") }
        var next = x.makeIterator()
        return (0..<rank).map { normalized.contains($0) ? 1 : next.next()! }
    }

    /// Pad's pads, as [begin…, end…] over all axes: the `pads` attribute before opset 11, the second input from 11
    /// (with the optional `axes` input of opset 18).
    static func padAmounts(_ c: NodeContext, rank: Int) throws -> [Int] {
        let pads: [Int]
        var axes = Array(0..<rank)
        if c.opset >= 11 {
            pads = try c.constantInts(1, "pads")
            if c.has(3) {
                axes = try c.constantInts(3, "axes").map { try c.axis($0, rank: rank) }
            }
        } else {
            pads = try c.ints("pads", default: nil)
        }
        guard pads.count == 2 * axes.count else {
            throw c.invalid("pads \(describe(pads)) must have \(2 * axes.count) values for \(axes.count) axes")
        }
        guard pads.allSatisfy({ abs($0) <= limit }) else { throw c.invalid("pads \(describe(pads)) are out of range") }
        var full = Array(repeating: 0, count: 2 * rank)
        for (index, axis) in axes.enumerated() {
            full[axis] = pads[index]
            full[axis + rank] = pads[index + axes.count]
        }
        return full
    }

    static func pad(_ c: NodeContext) throws -> [Int] {
        let x = try c.shape(0)
        let pads = try padAmounts(c, rank: x.count)
        return try x.indices.map { axis in
            let size = x[axis] + pads[axis] + pads[axis + x.count]
            guard size >= 0 else {
                throw c.invalid("pads \(describe(pads)) remove more than the \(x[axis]) elements of axis \(axis)")
            }
            return size
        }
    }

    /// The dimensions a Shape node reports: all of them, or `start..<end` from opset 15.
    static func shapeRange(_ c: NodeContext, rank: Int) throws -> Range<Int> {
        guard c.opset >= 15 else { return 0..<rank }
        func clamp(_ value: Int) -> Int { min(max(value < 0 ? value + rank : value, 0), rank) }
        let start = clamp(try c.int("start", default: 0))
        let end = clamp(try c.int("end", default: rank))
        return start..<max(start, end)
    }

    /// Slice geometry over every axis of `shape`: first index, step and element count.
    static func sliceGeometry(_ c: NodeContext, shape: [Int]) throws -> [(start: Int, step: Int, count: Int)] {
        let starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?
        if c.opset >= 10 {
            starts = try c.constantInts(1, "starts")
            ends = try c.constantInts(2, "ends")
            axes = c.has(3) ? try c.constantInts(3, "axes") : nil
            steps = c.has(4) ? try c.constantInts(4, "steps") : nil
        } else {
            starts = try c.ints("starts", default: nil)
            ends = try c.ints("ends", default: nil)
            axes = c.node.attributes["axes"] == nil ? nil : try c.ints("axes", default: nil)
            steps = nil
        }
        let axisList = try (axes ?? Array(0..<starts.count)).map { try c.axis($0, rank: shape.count) }
        let stepList = steps ?? Array(repeating: 1, count: starts.count)
        guard ends.count == starts.count, axisList.count == starts.count, stepList.count == starts.count else {
            throw c.invalid("starts \(describe(starts)), ends \(describe(ends)), axes and steps must have the same length")
        }
        guard Set(axisList).count == axisList.count else { throw c.invalid("axes \(describe(axisList)) repeat an axis") }

        var geometry = shape.map { (start: 0, step: 1, count: $0) }
        for (index, axis) in axisList.enumerated() {
            let size = shape[axis], step = stepList[index]
            guard step != 0 else { throw c.invalid("step 0 on axis \(axis)") }
            var start = starts[index], end = ends[index]
            if start < 0 { start += size }
            if end < 0 { end += size }
            if step > 0 {
                start = min(max(start, 0), size)
                end = min(max(end, 0), size)
            } else {
                start = min(max(start, 0), size - 1)
                end = min(max(end, -1), size - 1)
            }
            let count = step > 0 ? max(0, ceilDiv(end - start, step)) : max(0, ceilDiv(start - end, -step))
            geometry[axis] = (start: count == 0 ? 0 : start, step: step, count: count)
        }
        return geometry
    }

    /// The value of a Constant node, from whichever value attribute it carries.
    static func constantValue(_ c: NodeContext) throws -> Tensor {
        let attributes = c.node.attributes
        let forms = ["value", "value_float", "value_floats", "value_int", "value_ints"].filter { attributes[$0] != nil }
        if forms.isEmpty {
            if let other = ["sparse_value", "value_string", "value_strings"].first(where: { attributes[$0] != nil }) {
                throw c.unsupported("attribute '\(other)' is not supported")
            }
            throw c.invalid("has no value attribute")
        }
        guard forms.count == 1 else { throw c.invalid("has several value attributes: \(forms.joined(separator: ", "))") }
        switch forms[0] {
        case "value":
            guard case .tensor(let tensor)? = attributes["value"] else { throw c.invalid("attribute 'value' must be a tensor") }
            return tensor
        case "value_float": return Tensor(shape: [], floats: [try c.float("value_float")])
        case "value_floats":
            let values = try c.node.floats("value_floats", in: c.source)
            return Tensor(shape: [values.count], floats: values)
        case "value_int": return Tensor(shape: [], int64s: [Int64(try c.int("value_int", default: nil))])
        default:
            let values = try c.ints("value_ints", default: nil)
            return Tensor(shape: [values.count], int64s: values.map { Int64($0) })
        }
    }

    // MARK: - Helpers shared with ConstantFolding

    /// Attribute values describing sizes must stay well inside Int range.
    static let limit = 1 << 40

    /// Multidirectional (numpy) broadcasting of two shapes; throws naming both when incompatible.
    static func broadcast(_ c: NodeContext, _ a: [Int], _ b: [Int]) throws -> [Int] {
        guard let shape = broadcast(a, b) else {
            throw c.invalid("cannot broadcast shapes \(describe(a)) and \(describe(b))")
        }
        return shape
    }

    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var result = Array(repeating: 1, count: rank)
        for index in 0..<rank {
            let x = index < rank - a.count ? 1 : a[index - (rank - a.count)]
            let y = index < rank - b.count ? 1 : b[index - (rank - b.count)]
            if x == y || y == 1 {
                result[index] = x
            } else if x == 1 {
                result[index] = y
            } else {
                return nil
            }
        }
        return result
    }

    static func product(_ c: NodeContext, _ dims: ArraySlice<Int>) throws -> Int {
        var total = 1
        for dim in dims {
            let (value, overflow) = total.multipliedReportingOverflow(by: dim)
            guard !overflow, value <= limit else { throw c.invalid("shape \(describe(Array(dims))) has too many elements") }
            total = value
        }
        return total
    }

    static func ceilDiv(_ a: Int, _ b: Int) -> Int {
        let quotient = a / b
        return (a % b != 0 && (a > 0) == (b > 0)) ? quotient + 1 : quotient
    }

    static func describe(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

    static func describe(_ shape: [Int?]) -> String {
        "[" + shape.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + "]"
    }

    /// What one node sees: its attributes, the shapes of its inputs and which of them are constant.
    struct NodeContext {
        let node: Node
        let source: String
        let opset: Int
        let shapes: [String: [Int]]
        let constants: [String: Tensor]

        func invalid(_ reason: String) -> ModelError { node.invalid(reason, in: source) }
        func unsupported(_ reason: String) -> ModelError { node.unsupported(reason, in: source) }

        func has(_ index: Int) -> Bool { node.input(index) != nil }

        func shape(_ index: Int) throws -> [Int] {
            guard let name = node.input(index) else { throw invalid("missing required input #\(index)") }
            if let constant = constants[name] { return constant.shape }
            guard let shape = shapes[name] else { throw invalid("the shape of input '\(name)' is unknown") }
            return shape
        }

        func constant(_ index: Int, _ role: String) throws -> Tensor {
            guard let name = node.input(index) else { throw invalid("missing required input #\(index) (\(role))") }
            guard let tensor = constants[name] else {
                throw unsupported("input '\(name)' (\(role)) is not a constant; only static shapes are supported")
            }
            return tensor
        }

        /// A constant integer input (scalar or 1-D), such as a shape or a list of axes.
        func constantInts(_ index: Int, _ role: String) throws -> [Int] {
            let tensor = try constant(index, role)
            guard tensor.shape.count <= 1 else {
                throw invalid("input '\(node.inputs[index])' (\(role)) must be 1-D, got shape \(describe(tensor.shape))")
            }
            guard case .int64(let values) = tensor.storage else {
                throw invalid("input '\(node.inputs[index])' (\(role)) must be an integer tensor")
            }
            return values.map { Int($0) }
        }

        func int(_ key: String, default value: Int?) throws -> Int { try node.int(key, default: value, in: source) }
        func ints(_ key: String, default value: [Int]?) throws -> [Int] { try node.ints(key, default: value, in: source) }
        func float(_ key: String) throws -> Float { try node.float(key, in: source) }
        func string(_ key: String, default value: String?) throws -> String {
            try node.string(key, default: value, in: source)
        }

        /// `axis` in `-rank..<rank`, made non-negative.
        func axis(_ axis: Int, rank: Int) throws -> Int {
            guard axis >= -rank && axis < rank else { throw invalid("axis \(axis) is out of range for rank \(rank)") }
            return axis < 0 ? axis + rank : axis
        }
    }
}
