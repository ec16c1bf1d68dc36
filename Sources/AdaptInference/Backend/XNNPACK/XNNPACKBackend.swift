/// The XNNPACK backend: fp32 operators from Debian's `libxnnpack-dev`, plus native kernels for what it lacks.
public struct XNNPACKBackend: InferenceBackend {
    public let name = "xnnpack"

    public init() {}

    public func compile(_ graph: Graph, threads: Int) throws -> any CompiledModel {
        let runtime = try XNNPACKRuntime(threads: threads)
        return try XNNPACKModel(graph: LayoutAssignment.run(graph), runtime: runtime)
    }
}
