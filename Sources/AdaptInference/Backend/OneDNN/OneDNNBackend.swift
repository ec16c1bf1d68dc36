/// oneDNN as an `InferenceBackend`: a model becomes one net of oneDNN primitives whose activations stay in the
/// layouts oneDNN picks (blocked, nChw16c on AVX-512) from layer to layer; ops it lacks run on XNNPACK.
public struct OneDNNBackend: InferenceBackend {
    public let name = "onednn"
    private let context: OneDNNContextBox
    private let fallback: XNNPACKBackend

    /// Throws `ModelError.backend` naming why when oneDNN cannot run here (not installed, built without it).
    public init(threads: Int = 1) throws {
        guard OneDNN.status.available else {
            throw ModelError.backend(node: "-", op: "-", reason: "oneDNN is unavailable: \(OneDNN.status.description)")
        }
        do {
            context = OneDNNContextBox(try OneDNNContext(threads: threads))
        } catch {
            throw ModelError.backend(node: "-", op: "-", reason: error.description)
        }
        fallback = try XNNPACKBackend(threads: threads)
    }

    public var threads: Int { context.context.threads }

    public func compile(_ graph: Graph) throws -> any CompiledModel {
        try OneDNNModel(graph: graph, context: context.context, fallback: fallback)
    }
}

/// The context shared by every model one backend compiles. @unchecked: the engine and stream are created once
/// and never changed; each compiled model runs on one thread at a time, as for XNNPACK's pool.
private final class OneDNNContextBox: @unchecked Sendable {
    let context: OneDNNContext
    init(_ context: OneDNNContext) { self.context = context }
}
