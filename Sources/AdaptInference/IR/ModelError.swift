/// Everything that can go wrong between an ONNX file and a result, each naming what is wrong and where.
public enum ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read (missing, unreadable).
    case unreadable(file: String, reason: String)
    /// The bytes are not a valid ONNX protobuf (empty, truncated, corrupted).
    case malformed(file: String, reason: String)
    /// Valid ONNX that we do not support as a whole (external data, opset outside 9–17, sparse tensors…).
    case unsupportedModel(file: String, reason: String)
    /// A node whose op (or op variant) has no implementation.
    case unsupportedOp(file: String, node: String, op: String, reason: String)
    /// A node whose inputs or attributes are inconsistent (bad shape, missing input, out-of-range axis…).
    case invalidNode(file: String, node: String, op: String, reason: String)
    /// The backend refused or failed an operation (XNNPACK status codes land here).
    case backend(node: String, op: String, reason: String)
    /// A backend that cannot run on this machine or build (oneDNN not installed), or could not start.
    case backendUnavailable(backend: String, reason: String)
    /// Input data given at run time does not fit the model.
    case badInput(reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): "\(file): cannot read: \(reason)"
        case .malformed(let file, let reason): "\(file): not a valid ONNX model: \(reason)"
        case .unsupportedModel(let file, let reason): "\(file): unsupported model: \(reason)"
        case .unsupportedOp(let file, let node, let op, let reason): "\(file): node '\(node)' (\(op)): unsupported: \(reason)"
        case .invalidNode(let file, let node, let op, let reason): "\(file): node '\(node)' (\(op)): \(reason)"
        case .backend(let node, let op, let reason): "node '\(node)' (\(op)): backend error: \(reason)"
        case .backendUnavailable(let backend, let reason): "the \(backend) backend is unavailable: \(reason)"
        case .badInput(let reason): "bad input: \(reason)"
        }
    }
}
