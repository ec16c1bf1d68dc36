/// A constant tensor held in memory: an initializer, a `Constant` node's value or a folded result.
///
/// Values are stored as `Float` or `Int64`, whatever the file's narrower element type was,
/// because those two are all the folding arithmetic and the backends need.
public struct Tensor: Sendable, Equatable {
    public enum Storage: Sendable, Equatable {
        case float([Float])
        case int64([Int64])
    }

    public var dataType: DataType
    public var shape: [Int]
    public var storage: Storage

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

    public var count: Int { shape.reduce(1, *) }

    /// The values as floats, converting integers.
    public var floats: [Float] {
        switch storage {
        case .float(let values): values
        case .int64(let values): values.map { Float($0) }
        }
    }

    /// The values as integers, truncating floats.
    public var int64s: [Int64] {
        switch storage {
        case .float(let values): values.map { Int64($0) }
        case .int64(let values): values
        }
    }

    public var isFloatingPoint: Bool {
        if case .float = storage { return true }
        return false
    }

    /// Bytes this tensor takes as the backend stores it (float32 or int64).
    public var byteCount: Int { isFloatingPoint ? count * 4 : count * 8 }
}
