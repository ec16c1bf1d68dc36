/// oneDNN as an `InferenceBackend`: a model becomes one net of oneDNN primitives whose activations stay in the
/// layouts oneDNN picks (blocked, nChw16c on AVX-512) from layer to layer; ops it lacks run on XNNPACK.
public struct OneDNNBackend: InferenceBackend {
    public let name = "onednn"
    private let context: OneDNNContext
    private let fallback: XNNPACKBackend

    /// Throws `ModelError.backendUnavailable` naming why when oneDNN cannot run here (not installed, built without it).
    /// - Parameter fallback: runs the nodes oneDNN lacks (an engine passes its own, to keep one XNNPACK pool);
    ///   nil makes one with `threads` threads.
    public init(threads: Int = 1, fallback: XNNPACKBackend? = nil) throws {
        guard OneDNN.status.available else {
            throw ModelError.backendUnavailable(backend: "onednn", reason: OneDNN.status.description)
        }
        do {
            context = try OneDNNContext(threads: threads)
        } catch {
            throw ModelError.backendUnavailable(backend: "onednn", reason: error.description)
        }
        self.fallback = try fallback ?? XNNPACKBackend(threads: threads)
    }

    public var threads: Int { context.threads }

    public func compile(_ graph: Graph) throws -> any CompiledModel {
        try OneDNNModel(graph: graph, context: context, fallback: fallback)
    }
}
