/// Elementwise `lhs op rhs` with NumPy (ONNX multidirectional) broadcasting, rank 0…6.
///
/// At creation both shapes are right-aligned, broadcast dimensions get stride 0, unit output
/// dimensions are dropped and axes that are contiguous for both operands are merged; the innermost
/// loop is then specialised for vector–vector, vector–scalar and scalar–vector rows.
/// `output` may alias an operand whose shape equals `outputShape`.
public struct BroadcastBinaryKernel: Sendable {
    public enum Op: Sendable, Equatable {
        case add, sub, mul, div
    }

    public let op: Op
    public let lhsShape: [Int]
    public let rhsShape: [Int]
    public let outputShape: [Int]
    public let outputCount: Int

    /// Simplified iteration space padded to 6 axes: output sizes and each operand's strides.
    let sizes: [Int]
    let lhsStrides: [Int]
    let rhsStrides: [Int]

    public init(op: Op, lhsShape: [Int], rhsShape: [Int]) throws {
        guard lhsShape.count <= KernelShape.maxRank, rhsShape.count <= KernelShape.maxRank else {
            throw KernelError.invalidParameters(kernel: "Broadcast \(op)", reason: "rank \(max(lhsShape.count, rhsShape.count)) exceeds \(KernelShape.maxRank)")
        }
        guard lhsShape.allSatisfy({ $0 >= 0 }), rhsShape.allSatisfy({ $0 >= 0 }) else {
            throw KernelError.invalidParameters(kernel: "Broadcast \(op)", reason: "negative dimension in \(lhsShape) or \(rhsShape)")
        }
        let rank = max(lhsShape.count, rhsShape.count)
        let lhs = Array(repeating: 1, count: rank - lhsShape.count) + lhsShape
        let rhs = Array(repeating: 1, count: rank - rhsShape.count) + rhsShape
        var outputShape: [Int] = []
        for axis in 0..<rank {
            let l = lhs[axis], r = rhs[axis]
            guard l == r || l == 1 || r == 1 else {
                throw KernelError.invalidParameters(kernel: "Broadcast \(op)", reason: "shapes \(lhsShape) and \(rhsShape) do not broadcast (axis \(axis): \(l) vs \(r))")
            }
            outputShape.append(l == 1 ? r : l)
        }
        guard let outputCount = KernelShape.elementCount(outputShape) else {
            throw KernelError.invalidParameters(kernel: "Broadcast \(op)", reason: "output shape \(outputShape) is too large")
        }
        self.op = op
        self.lhsShape = lhsShape
        self.rhsShape = rhsShape
        self.outputShape = outputShape
        self.outputCount = outputCount

        let lhsContiguous = KernelShape.strides(lhs), rhsContiguous = KernelShape.strides(rhs)
        var sizes: [Int] = [], lhsStrides: [Int] = [], rhsStrides: [Int] = []
        for axis in 0..<rank where outputShape[axis] != 1 {
            let size = outputShape[axis]
            let ls = lhs[axis] == 1 ? 0 : lhsContiguous[axis]
            let rs = rhs[axis] == 1 ? 0 : rhsContiguous[axis]
            if let last = sizes.indices.last, lhsStrides[last] == ls * size, rhsStrides[last] == rs * size {
                sizes[last] *= size
                lhsStrides[last] = ls
                rhsStrides[last] = rs
            } else {
                sizes.append(size)
                lhsStrides.append(ls)
                rhsStrides.append(rs)
            }
        }
        let padding = KernelShape.maxRank - sizes.count
        self.sizes = Array(repeating: 1, count: padding) + sizes
        self.lhsStrides = Array(repeating: 0, count: padding) + lhsStrides
        self.rhsStrides = Array(repeating: 0, count: padding) + rhsStrides
    }

    public func run(lhs: UnsafePointer<Float>, rhs: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        guard outputCount > 0 else { return }
        switch op {
        case .add: run(AddFunction.self, lhs, rhs, output)
        case .sub: run(SubtractFunction.self, lhs, rhs, output)
        case .mul: run(MultiplyFunction.self, lhs, rhs, output)
        case .div: run(DivideFunction.self, lhs, rhs, output)
        }
    }

    private func run<F: BinaryFunction>(_ function: F.Type, _ lhs: UnsafePointer<Float>, _ rhs: UnsafePointer<Float>,
                                        _ output: UnsafeMutablePointer<Float>) {
        let n0 = sizes[0], n1 = sizes[1], n2 = sizes[2], n3 = sizes[3], n4 = sizes[4], n5 = sizes[5]
        let l0 = lhsStrides[0], l1 = lhsStrides[1], l2 = lhsStrides[2], l3 = lhsStrides[3], l4 = lhsStrides[4], l5 = lhsStrides[5]
        let r0 = rhsStrides[0], r1 = rhsStrides[1], r2 = rhsStrides[2], r3 = rhsStrides[3], r4 = rhsStrides[4], r5 = rhsStrides[5]
        var out = output
        for i0 in 0..<n0 {
            for i1 in 0..<n1 {
                for i2 in 0..<n2 {
                    for i3 in 0..<n3 {
                        let lBase = i0 * l0 + i1 * l1 + i2 * l2 + i3 * l3
                        let rBase = i0 * r0 + i1 * r1 + i2 * r2 + i3 * r3
                        for i4 in 0..<n4 {
                            Self.row(F.self, lhs + (lBase + i4 * l4), l5, rhs + (rBase + i4 * r4), r5, out, n5)
                            out += n5
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func row<F: BinaryFunction>(_: F.Type, _ lhs: UnsafePointer<Float>, _ lhsStride: Int,
                                               _ rhs: UnsafePointer<Float>, _ rhsStride: Int,
                                               _ out: UnsafeMutablePointer<Float>, _ count: Int) {
        switch (lhsStride, rhsStride) {
        case (1, 1):
            for i in 0..<count { out[i] = F.apply(lhs[i], rhs[i]) }
        case (1, 0):
            let b = rhs[0]
            for i in 0..<count { out[i] = F.apply(lhs[i], b) }
        case (0, 1):
            let a = lhs[0]
            for i in 0..<count { out[i] = F.apply(a, rhs[i]) }
        default:
            for i in 0..<count { out[i] = F.apply(lhs[i * lhsStride], rhs[i * rhsStride]) }
        }
    }
}

private protocol BinaryFunction {
    static func apply(_ a: Float, _ b: Float) -> Float
}

private enum AddFunction: BinaryFunction {
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b }
}

private enum SubtractFunction: BinaryFunction {
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b }
}

private enum MultiplyFunction: BinaryFunction {
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b }
}

private enum DivideFunction: BinaryFunction {
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b }
}
