/// The XNNPACK backend: fp32 operators from Debian's `libxnnpack-dev`, plus native kernels for what it lacks.
public struct XNNPACKBackend: InferenceBackend {
    public let name = "xnnpack"
    private let runtime: XNNPACKRuntime

    /// Initialises XNNPACK and creates the thread pool every model compiled by this backend shares.
    public init(threads: Int = 1) throws {
        runtime = try XNNPACKRuntime(threads: threads)
    }

    public var threads: Int { runtime.threads }

    public func compile(_ graph: Graph) throws -> any CompiledModel {
        try XNNPACKModel(graph: LayoutAssignment.run(graph), runtime: runtime)
    }
}
