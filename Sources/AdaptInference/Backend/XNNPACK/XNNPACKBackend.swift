/// The XNNPACK backend: fp32 operators from Debian's `libxnnpack-dev`, plus native kernels for what it lacks
/// and, on AVX-512 CPUs, for the dense convolutions where our own kernel beats XNNPACK's.
public struct XNNPACKBackend: InferenceBackend {
    public let name = "xnnpack"
    private let runtime: XNNPACKRuntime

    /// Initialises XNNPACK and creates the thread pool every model compiled by this backend shares.
    /// `nativeConvolution: false` keeps every convolution on XNNPACK (for comparisons and triage).
    public init(threads: Int = 1, nativeConvolution: Bool = true) throws {
        runtime = try XNNPACKRuntime(threads: threads, useNativeConvolution: nativeConvolution)
    }

    public var threads: Int { runtime.threads }

    public func compile(_ graph: Graph) throws -> any CompiledModel {
        try XNNPACKModel(graph: LayoutAssignment.run(graph), runtime: runtime)
    }
}
