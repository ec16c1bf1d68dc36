/// A node attribute, as ONNX defines them (graphs and sparse tensors are not supported).
public enum Attribute: Sendable, Equatable {
    case int(Int)
    case float(Float)
    case string(String)
    case tensor(Tensor)
    case ints([Int])
    case floats([Float])
    case strings([String])
}
