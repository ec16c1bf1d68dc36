/// Evaluates every node whose inputs are all constant, storing the results as initializers under the
/// node's output names and removing the node; then drops the initializers nothing reads any more.
///
/// A value is constant when it is an initializer, except for `Shape`, which folds as soon as the shape of
/// its input is known (from `Graph.shapes`, so run `ShapeInference` first). Nodes fold in order, so a whole
/// constant chain (`Shape → Gather → Unsqueeze → Concat`) folds in one run.
///
/// Folded ops: Constant, ConstantOfShape, Shape, Gather, Unsqueeze, Squeeze, Concat, Reshape, Flatten,
/// Transpose, Cast, Add, Sub, Mul, Div, Neg, Equal, Where, Expand, Slice, Identity. Integer tensors keep
/// `.int64` storage (integer division truncates toward zero, as ONNX), floating-point ones `.float`.
public enum ConstantFolding {
    public static func run(_ graph: Graph) throws -> Graph {
        try fold(graph).graph
    }

    /// One folding run; `folded` counts the nodes evaluated and removed.
    static func fold(_ graph: Graph) throws -> (graph: Graph, folded: Int) {
        var result = graph
        var constants = graph.initializers
        var shapes = graph.shapes
        var kept: [Node] = []
        var folded = 0
        for node in graph.nodes {
            guard canEvaluate(node, constants: constants, shapes: shapes) else {
                kept.append(node)
                continue
            }
            let values = try evaluate(ShapeInference.NodeContext(
                node: node, source: graph.source, opset: graph.opsetVersion, shapes: shapes, constants: constants))
            guard let values else {
                kept.append(node)
                continue
            }
            for (output, value) in zip(node.outputs, values) where !output.isEmpty {
                constants[output] = value
                shapes[output] = value.shape
            }
            folded += 1
        }
        result.nodes = kept

        var used = Set(graph.outputs.map(\.name))
        for node in kept { used.formUnion(node.inputs) }
        let unused = Set(constants.keys).subtracting(used)
        result.initializers = constants.filter { used.contains($0.key) }
        // An initializer also listed as a graph input (IR < 4 style) goes with its input entry.
        result.inputs.removeAll { unused.contains($0.name) }
        result.shapes = shapes.filter { !unused.contains($0.key) }
        return (result, folded)
    }

    static let foldableOps: Set<String> = [
        "Constant", "ConstantOfShape", "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Reshape", "Flatten",
        "Transpose", "Cast", "Add", "Sub", "Mul", "Div", "Neg", "Equal", "Where", "Expand", "Slice", "Identity",
    ]

    /// The largest constant folding creates, in elements (ConstantOfShape, Expand and broadcasting can grow data).
    static let maxFoldedElements = 1 << 26

    /// Whether `evaluate` can compute the node now: a foldable op with single output whose inputs are constant
    /// (for `Shape`: whose input shape is known).
    static func canEvaluate(_ node: Node, constants: [String: Tensor], shapes: [String: [Int]]) -> Bool {
        guard foldableOps.contains(node.opType), node.outputs.dropFirst().allSatisfy(\.isEmpty) else { return false }
        if node.opType == "Shape" {
            guard let input = node.input(0) else { return false }
            return constants[input] != nil || shapes[input] != nil
        }
        return node.inputs.allSatisfy { $0.isEmpty || constants[$0] != nil }
    }

    /// The node's output values, computed from the context's constants (and shapes, for `Shape`),
    /// or nil when the result would exceed `maxFoldedElements` (the node then stays in the graph).
    static func evaluate(_ c: ShapeInference.NodeContext) throws -> [Tensor]? {
        let shape = try ShapeInference.infer(c)[0]
        guard try ShapeInference.product(c, shape[...]) <= maxFoldedElements else { return nil }
        let value = try evaluate(c, shape: shape)
        assert(value.shape == shape, "\(c.node.opType) folded to \(value.shape), inferred \(shape)")
        return [value]
    }

    private static func evaluate(_ c: ShapeInference.NodeContext, shape: [Int]) throws -> Tensor {
        switch c.node.opType {
        case "Constant":
            return try ShapeInference.constantValue(c)
        case "ConstantOfShape":
            let count = shape.reduce(1, *)
            switch c.node.attributes["value"] {
            case nil:
                return Tensor(shape: shape, floats: Array(repeating: 0, count: count))
            case .tensor(let value)?:
                guard value.count == 1 else { throw c.invalid("attribute 'value' must hold one element, it has \(value.count)") }
                switch value.storage {
                case .float(let values):
                    return make(.float(Array(repeating: values[0], count: count)), shape: shape, dataType: value.dataType)
                case .int64(let values):
                    return make(.int64(Array(repeating: values[0], count: count)), shape: shape, dataType: value.dataType)
                case .int8:
                    throw c.unsupported("a quantized tensor as ConstantOfShape's value")
                }
            default:
                throw c.invalid("attribute 'value' must be a tensor")
            }
        case "Shape":
            let dims = try c.shape(0)
            let range = try ShapeInference.shapeRange(c, rank: dims.count)
            return Tensor(shape: shape, int64s: dims[range].map { Int64($0) })
        case "Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze":
            var value = try c.constant(0, "data")
            value.shape = shape
            return value
        case "Gather":
            return try gather(c, shape: shape)
        case "Concat":
            return try concat(c, shape: shape)
        case "Transpose":
            let data = try c.constant(0, "data")
            let inner = strides(of: data.shape)
            let perm = try ShapeInference.transposePermutation(c, rank: data.shape.count)
            return take(data, walk(shape, strides: perm.map { inner[$0] }), shape: shape)
        case "Slice":
            let data = try c.constant(0, "data")
            let geometry = try ShapeInference.sliceGeometry(c, shape: data.shape)
            let inner = strides(of: data.shape)
            let offset = zip(geometry, inner).reduce(0) { $0 + $1.0.start * $1.1 }
            let steps = zip(geometry, inner).map { $0.step * $1 }
            return take(data, walk(shape, strides: steps, offset: offset), shape: shape)
        case "Expand":
            let data = try c.constant(0, "input")
            return take(data, walk(shape, strides: broadcastStrides(data.shape, to: shape)), shape: shape)
        case "Cast":
            return try cast(c, try c.constant(0, "input"), shape: shape)
        case "Neg":
            let data = try c.constant(0, "X")
            switch data.storage {
            case .float(let values): return make(.float(values.map { -$0 }), shape: shape, dataType: data.dataType)
            case .int64(let values):
                return make(.int64(values.map { wrap(0 &- $0, to: data.dataType) }), shape: shape, dataType: data.dataType)
            case .int8:
                throw c.unsupported("cannot fold Neg of quantized weights")
            }
        case "Add", "Sub", "Mul", "Div", "Equal":
            return try arithmetic(c, try c.constant(0, "A"), try c.constant(1, "B"), shape: shape)
        case "Where":
            return try select(c, shape: shape)
        default:
            throw c.unsupported("cannot fold op \(c.node.opType)")
        }
    }

    // MARK: - Ops

    private static func gather(_ c: ShapeInference.NodeContext, shape: [Int]) throws -> Tensor {
        let data = try c.constant(0, "data")
        let indicesTensor = try c.constant(1, "indices")
        guard case .int64(let indices) = indicesTensor.storage else { throw c.invalid("indices must be integers") }
        let axis = try c.axis(try c.int("axis", default: 0), rank: data.shape.count)
        let size = data.shape[axis]
        let outer = data.shape[..<axis].reduce(1, *)
        let inner = data.shape[(axis + 1)...].reduce(1, *)
        var positions: [Int] = []
        positions.reserveCapacity(outer * indices.count * inner)
        for block in 0..<outer {
            for raw in indices {
                let index = raw < 0 ? Int(raw) + size : Int(raw)
                guard index >= 0 && index < size else {
                    throw c.invalid("index \(raw) is out of range for axis \(axis) of size \(size)")
                }
                let base = (block * size + index) * inner
                for offset in 0..<inner { positions.append(base + offset) }
            }
        }
        return take(data, positions, shape: shape)
    }

    private static func concat(_ c: ShapeInference.NodeContext, shape: [Int]) throws -> Tensor {
        let inputs = try c.node.inputs.indices.map { try c.constant($0, "input") }
        let axis = try c.axis(try c.int("axis", default: nil), rank: shape.count)
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        let blocks = inputs.map { $0.shape[axis] * inner }
        if inputs.allSatisfy({ !$0.isFloatingPoint }) {
            let values = inputs.map(\.int64s)
            var out: [Int64] = []
            out.reserveCapacity(shape.reduce(1, *))
            for block in 0..<outer {
                for (input, size) in zip(values, blocks) { out += input[(block * size)..<((block + 1) * size)] }
            }
            return make(.int64(out), shape: shape, dataType: inputs[0].dataType)
        }
        let values = inputs.map(\.floats)
        var out: [Float] = []
        out.reserveCapacity(shape.reduce(1, *))
        for block in 0..<outer {
            for (input, size) in zip(values, blocks) { out += input[(block * size)..<((block + 1) * size)] }
        }
        return make(.float(out), shape: shape, dataType: inputs.first(where: \.isFloatingPoint)!.dataType)
    }

    private static func arithmetic(_ c: ShapeInference.NodeContext, _ a: Tensor, _ b: Tensor, shape: [Int]) throws -> Tensor {
        let op = c.node.opType
        let left = walk(shape, strides: broadcastStrides(a.shape, to: shape))
        let right = walk(shape, strides: broadcastStrides(b.shape, to: shape))
        if case .int64(let x) = a.storage, case .int64(let y) = b.storage {
            var out: [Int64] = []
            out.reserveCapacity(left.count)
            for (i, j) in zip(left, right) {
                let l = x[i], r = y[j]
                switch op {
                case "Add": out.append(l &+ r)
                case "Sub": out.append(l &- r)
                case "Mul": out.append(l &* r)
                case "Div":
                    guard r != 0 else { throw c.invalid("integer division by zero") }
                    out.append(l.dividedReportingOverflow(by: r).partialValue)
                default: out.append(l == r ? 1 : 0)
                }
            }
            if op == "Equal" { return make(.int64(out), shape: shape, dataType: .bool) }
            return make(.int64(out.map { wrap($0, to: a.dataType) }), shape: shape, dataType: a.dataType)
        }
        let x = a.floats, y = b.floats
        var out: [Float] = []
        out.reserveCapacity(left.count)
        for (i, j) in zip(left, right) {
            let l = x[i], r = y[j]
            switch op {
            case "Add": out.append(l + r)
            case "Sub": out.append(l - r)
            case "Mul": out.append(l * r)
            case "Div": out.append(l / r)
            default: out.append(l == r ? 1 : 0)
            }
        }
        if op == "Equal" { return make(.int64(out.map { $0 != 0 ? 1 : 0 }), shape: shape, dataType: .bool) }
        return make(.float(out), shape: shape, dataType: a.isFloatingPoint ? a.dataType : b.dataType)
    }

    private static func select(_ c: ShapeInference.NodeContext, shape: [Int]) throws -> Tensor {
        let condition = try c.constant(0, "condition"), x = try c.constant(1, "X"), y = try c.constant(2, "Y")
        let conditionAt = walk(shape, strides: broadcastStrides(condition.shape, to: shape))
        let xAt = walk(shape, strides: broadcastStrides(x.shape, to: shape))
        let yAt = walk(shape, strides: broadcastStrides(y.shape, to: shape))
        let truth: [Bool] = switch condition.storage {
        case .float(let values): conditionAt.map { values[$0] != 0 }
        case .int64(let values): conditionAt.map { values[$0] != 0 }
        case .int8(let values): conditionAt.map { values[$0] != 0 }
        }
        if case .int64(let xs) = x.storage, case .int64(let ys) = y.storage {
            let out = truth.indices.map { truth[$0] ? xs[xAt[$0]] : ys[yAt[$0]] }
            return make(.int64(out), shape: shape, dataType: x.dataType)
        }
        let xs = x.floats, ys = y.floats
        let out = truth.indices.map { truth[$0] ? xs[xAt[$0]] : ys[yAt[$0]] }
        return make(.float(out), shape: shape, dataType: x.isFloatingPoint ? x.dataType : y.dataType)
    }

    private static func cast(_ c: ShapeInference.NodeContext, _ input: Tensor, shape: [Int]) throws -> Tensor {
        let to = try c.int("to", default: nil)
        let target: DataType
        switch to {
        case 1: target = .float32
        case 2: target = .uint8
        case 3: target = .int8
        case 6: target = .int32
        case 7: target = .int64
        case 9: target = .bool
        case 10: target = .float16
        case 11: target = .float64
        default: throw c.unsupported("Cast to ONNX element type \(to) is not supported")
        }
        switch (input.storage, target) {
        case (.float(let values), .float32), (.float(let values), .float16), (.float(let values), .float64):
            return make(.float(values), shape: shape, dataType: target)
        case (.int64(let values), .float32), (.int64(let values), .float16), (.int64(let values), .float64):
            return make(.float(values.map { Float($0) }), shape: shape, dataType: target)
        case (.float(let values), _):
            let integers = values.map { target == .bool ? ($0 != 0 ? 1 : 0) : wrap(truncating($0), to: target) }
            return make(.int64(integers), shape: shape, dataType: target)
        case (.int64(let values), _):
            return make(.int64(values.map { wrap($0, to: target) }), shape: shape, dataType: target)
        case (.int8, _):
            throw c.unsupported("cannot fold a Cast of quantized weights")
        }
    }

    // MARK: - Tensor helpers

    static func make(_ storage: Tensor.Storage, shape: [Int], dataType: DataType) -> Tensor {
        var tensor = switch storage {
        case .float(let values): Tensor(shape: shape, floats: values)
        case .int64(let values): Tensor(shape: shape, int64s: values)
        // Folding arithmetic sees quantized weights as plain integers (their scales do not survive it).
        case .int8(let values): Tensor(shape: shape, int64s: values.map { Int64($0) })
        }
        tensor.dataType = dataType
        return tensor
    }

    /// The elements of `tensor` at flat `positions`, as a tensor of `shape`.
    static func take(_ tensor: Tensor, _ positions: [Int], shape: [Int]) -> Tensor {
        switch tensor.storage {
        case .float(let values): make(.float(positions.map { values[$0] }), shape: shape, dataType: tensor.dataType)
        case .int64(let values): make(.int64(positions.map { values[$0] }), shape: shape, dataType: tensor.dataType)
        case .int8(let values): make(.int8(positions.map { values[$0] }), shape: shape, dataType: tensor.dataType)
        }
    }

    /// Row-major strides of `shape`, in elements.
    static func strides(of shape: [Int]) -> [Int] {
        var result = Array(repeating: 1, count: shape.count)
        var stride = 1
        for axis in shape.indices.reversed() {
            result[axis] = stride
            stride *= shape[axis]
        }
        return result
    }

    /// Strides that read a tensor of `shape` broadcast (numpy rules) to `target`: 0 along broadcast axes.
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(of: shape)
        let lead = target.count - shape.count
        return target.indices.map { axis in
            axis < lead || shape[axis - lead] == 1 ? 0 : own[axis - lead]
        }
    }

    /// The flat positions `offset + Σ index[k] · strides[k]` for every index of `shape`, in row-major order.
    static func walk(_ shape: [Int], strides: [Int], offset: Int = 0) -> [Int] {
        let total = shape.reduce(1, *)
        guard total > 0 else { return [] }
        var result: [Int] = []
        result.reserveCapacity(total)
        var counter = Array(repeating: 0, count: shape.count)
        var position = offset
        for _ in 0..<total {
            result.append(position)
            var axis = shape.count - 1
            while axis >= 0 {
                counter[axis] += 1
                position += strides[axis]
                if counter[axis] < shape[axis] { break }
                position -= strides[axis] * shape[axis]
                counter[axis] = 0
                axis -= 1
            }
        }
        return result
    }

    /// Float to integer as C casts do (toward zero), with NaN → 0 and saturation instead of a trap.
    static func truncating(_ value: Float) -> Int64 {
        if value.isNaN { return 0 }
        if value >= 9.223372e18 { return .max }
        if value <= -9.223372e18 { return .min }
        return Int64(value)
    }

    /// An integer as the narrower element type holds it (two's-complement wrap-around).
    static func wrap(_ value: Int64, to dataType: DataType) -> Int64 {
        switch dataType {
        case .int8: Int64(Int8(truncatingIfNeeded: value))
        case .uint8: Int64(UInt8(truncatingIfNeeded: value))
        case .int32: Int64(Int32(truncatingIfNeeded: value))
        case .bool: value != 0 ? 1 : 0
        default: value
        }
    }
}
