/// ONNX Transpose for rank 1…6: output dimension `k` is input dimension `permutation[k]`.
///
/// At creation the permutation is simplified: unit dimensions are dropped and output axes that are
/// also adjacent and in order in the input are merged. What is left runs as one of
/// - a contiguous row copy (the innermost output axis is contiguous in the input),
/// - a batch of tiled 2-D transposes (this is what NCHW→NHWC and NHWC→NCHW become),
/// - a generic strided gather.
/// `output` must not alias `input`.
public struct TransposeKernel: Sendable {
    public let shape: [Int]
    public let permutation: [Int]
    public let outputShape: [Int]
    public let count: Int

    enum Plan: Sendable { case rows, transpose2D, gather }

    /// A 2-D transpose `destination[c·rows + r] = source[r·columns + c]` (arguments: source, destination, rows,
    /// columns) that a backend supplies when it has a faster one than the portable tiled loop.
    public typealias MatrixTranspose = @Sendable @convention(c) (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int, Int) -> Void

    let plan: Plan
    let matrixTranspose: MatrixTranspose?
    /// The simplified iteration space padded to 6 axes in output order: sizes and input strides.
    let sizes: [Int]
    let strides: [Int]

    static let tile = 32

    public init(shape: [Int], permutation: [Int], matrixTranspose: MatrixTranspose? = nil) throws {
        guard (1...KernelShape.maxRank).contains(shape.count) else {
            throw KernelError.invalidParameters(kernel: "Transpose", reason: "rank \(shape.count) is outside 1…\(KernelShape.maxRank)")
        }
        guard permutation.count == shape.count, permutation.sorted() == Array(0..<shape.count) else {
            throw KernelError.invalidParameters(kernel: "Transpose", reason: "\(permutation) is not a permutation of the \(shape.count) axes")
        }
        guard let count = KernelShape.elementCount(shape) else {
            throw KernelError.invalidParameters(kernel: "Transpose", reason: "invalid shape \(shape)")
        }
        self.shape = shape
        self.permutation = permutation
        self.outputShape = permutation.map { shape[$0] }
        self.count = count
        self.matrixTranspose = matrixTranspose

        let inputStrides = KernelShape.strides(shape)
        var sizes: [Int] = []
        var strides: [Int] = []
        for axis in permutation where shape[axis] != 1 {
            let size = shape[axis], stride = inputStrides[axis]
            if let last = sizes.indices.last, strides[last] == stride * size {
                sizes[last] *= size
                strides[last] = stride
            } else {
                sizes.append(size)
                strides.append(stride)
            }
        }
        let rank = sizes.count
        if rank == 0 || strides[rank - 1] == 1 {
            plan = .rows
        } else if rank >= 2 && strides[rank - 2] == 1 && strides[rank - 1] == sizes[rank - 2] {
            plan = .transpose2D
        } else {
            plan = .gather
        }
        let padding = KernelShape.maxRank - rank
        self.sizes = Array(repeating: 1, count: padding) + sizes
        self.strides = Array(repeating: 0, count: padding) + strides
    }

    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        guard count > 0 else { return }
        let n0 = sizes[0], n1 = sizes[1], n2 = sizes[2], n3 = sizes[3], n4 = sizes[4], n5 = sizes[5]
        let s0 = strides[0], s1 = strides[1], s2 = strides[2], s3 = strides[3], s4 = strides[4], s5 = strides[5]
        var out = output
        switch plan {
        case .transpose2D:
            // Axis 4 (size n4, input stride 1) and axis 5 (size n5, input stride n4): each batch
            // entry is an n5×n4 row-major input matrix written out as n4×n5.
            for i0 in 0..<n0 {
                for i1 in 0..<n1 {
                    for i2 in 0..<n2 {
                        for i3 in 0..<n3 {
                            let source = input + (i0 * s0 + i1 * s1 + i2 * s2 + i3 * s3)
                            if let matrixTranspose {
                                matrixTranspose(source, out, n5, n4)
                            } else {
                                Self.transposeMatrix(source, out, rows: n5, columns: n4)
                            }
                            out += n4 * n5
                        }
                    }
                }
            }
        case .rows:
            for i0 in 0..<n0 {
                for i1 in 0..<n1 {
                    for i2 in 0..<n2 {
                        for i3 in 0..<n3 {
                            let base = i0 * s0 + i1 * s1 + i2 * s2 + i3 * s3
                            for i4 in 0..<n4 {
                                out.update(from: input + (base + i4 * s4), count: n5)
                                out += n5
                            }
                        }
                    }
                }
            }
        case .gather:
            for i0 in 0..<n0 {
                for i1 in 0..<n1 {
                    for i2 in 0..<n2 {
                        for i3 in 0..<n3 {
                            let base = i0 * s0 + i1 * s1 + i2 * s2 + i3 * s3
                            for i4 in 0..<n4 {
                                let source = input + (base + i4 * s4)
                                for i5 in 0..<n5 { out[i5] = source[i5 * s5] }
                                out += n5
                            }
                        }
                    }
                }
            }
        }
    }

    /// `destination[c * rows + r] = source[r * columns + c]`, in cache-sized tiles.
    @inline(__always)
    private static func transposeMatrix(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>,
                                        rows: Int, columns: Int) {
        let tile = Self.tile
        var rowStart = 0
        while rowStart < rows {
            let rowEnd = min(rowStart + tile, rows)
            var columnStart = 0
            while columnStart < columns {
                let columnEnd = min(columnStart + tile, columns)
                for column in columnStart..<columnEnd {
                    let target = destination + column * rows
                    let from = source + column
                    for row in rowStart..<rowEnd { target[row] = from[row * columns] }
                }
                columnStart = columnEnd
            }
            rowStart = rowEnd
        }
    }
}
