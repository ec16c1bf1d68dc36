/// Element types the IR knows. Activations are `float32`; integer types appear in shape arithmetic
/// (Shape, Gather, Reshape targets) and are folded away before execution.
public enum DataType: String, Sendable, Hashable, CustomStringConvertible {
    case float32
    case float16
    case float64
    case int8
    case uint8
    case int32
    case int64
    case bool

    public var description: String { rawValue }
}
