/// A native kernel was asked for parameters it cannot honour (bad permutation, incompatible broadcast
/// shapes, reflect padding wider than the axis…). Thrown at kernel creation, never while running;
/// callers that know the node wrap `description` into a `ModelError.invalidNode`.
public enum KernelError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidParameters(kernel: String, reason: String)

    public var description: String {
        switch self {
        case .invalidParameters(let kernel, let reason): "\(kernel): \(reason)"
        }
    }
}

/// Shape helpers shared by the shape-generic kernels (transpose, pad, broadcast).
enum KernelShape {
    /// The highest rank those kernels accept; they iterate over this many (padded) axes.
    static let maxRank = 6

    /// Row-major strides of `shape`.
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var stride = 1
        for axis in shape.indices.reversed() {
            strides[axis] = stride
            stride *= shape[axis]
        }
        return strides
    }

    /// Element count of `shape`, or nil when a dimension is negative or the product overflows.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dim in shape {
            guard dim >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            if overflow { return nil }
            count = product
        }
        return count
    }
}
