/// A constant tensor held in memory: an initializer, a `Constant` node's value or a folded result.
///
/// Values are stored as `Float` or `Int64`, whatever the file's narrower element type was, because those two are
/// all the folding arithmetic needs; int8 storage holds quantized weights (symmetric, one scale per output channel).
public struct Tensor: Sendable, Equatable {
    public enum Storage: Sendable, Equatable {
        case float([Float])
        case int64([Int64])
        /// Quantized weights: `real = channelScales[c] × q`, with `c` the index along axis 0.
        case int8([Int8])
    }

    public var dataType: DataType
    public var shape: [Int]
    public var storage: Storage
    /// For int8 storage, one scale per slice along axis 0 (output channel); nil otherwise.
    public var channelScales: [Float]?

    public init(shape: [Int], floats: [Float]) {
        precondition(shape.reduce(1, *) == floats.count, "shape \(shape) does not hold \(floats.count) values")
        self.dataType = .float32
        self.shape = shape
        self.storage = .float(floats)
    }

    public init(shape: [Int], int64s: [Int64], dataType: DataType = .int64) {
        precondition(shape.reduce(1, *) == int64s.count, "shape \(shape) does not hold \(int64s.count) values")
        self.dataType = dataType
        self.shape = shape
        self.storage = .int64(int64s)
    }

    /// Symmetric per-output-channel int8 weights (zero point 0).
    public init(shape: [Int], quantized: [Int8], channelScales: [Float]) {
        precondition(shape.reduce(1, *) == quantized.count, "shape \(shape) does not hold \(quantized.count) values")
        precondition(!shape.isEmpty && shape[0] == channelScales.count, "\(channelScales.count) scales for shape \(shape)")
        self.dataType = .int8
        self.shape = shape
        self.storage = .int8(quantized)
        self.channelScales = channelScales
    }

    public var count: Int { shape.reduce(1, *) }

    /// The values as floats, converting integers; quantized weights are dequantized.
    public var floats: [Float] {
        switch storage {
        case .float(let values): return values
        case .int64(let values): return values.map { Float($0) }
        case .int8(let values):
            guard let scales = channelScales, !scales.isEmpty else { return values.map { Float($0) } }
            let sliceLength = values.count / scales.count
            return values.enumerated().map { index, value in scales[index / sliceLength] * Float(value) }
        }
    }

    /// The values as integers, truncating floats.
    public var int64s: [Int64] {
        switch storage {
        case .float(let values): values.map { Int64($0) }
        case .int64(let values): values
        case .int8(let values): values.map { Int64($0) }
        }
    }

    public var isFloatingPoint: Bool {
        if case .float = storage { return true }
        return false
    }

    /// Bytes this tensor takes as the backend stores it (float32, int64, or int8 plus its scales).
    public var byteCount: Int {
        switch storage {
        case .float: count * 4
        case .int64: count * 8
        case .int8: count + (channelScales?.count ?? 0) * 4
        }
    }
}

extension Tensor {
    /// A row-major `rows × columns` matrix's values, transposed (float weights, or int8 codes).
    public static func transpose2D<Element>(_ values: [Element], rows: Int, columns: Int) -> [Element] {
        var result = values  // every element is overwritten below
        for row in 0..<rows {
            for column in 0..<columns { result[column * rows + row] = values[row * columns + column] }
        }
        return result
    }

    /// This rank-2 tensor transposed, as floats.
    public func transposed2D() -> Tensor {
        precondition(shape.count == 2, "transposed2D needs a matrix, has shape \(shape)")
        return Tensor(shape: [shape[1], shape[0]], floats: Self.transpose2D(floats, rows: shape[0], columns: shape[1]))
    }
}
