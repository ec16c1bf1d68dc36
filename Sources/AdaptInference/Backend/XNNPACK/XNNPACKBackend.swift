/// The XNNPACK backend: fp32 operators from Debian's `libxnnpack-dev`, plus native kernels for what it lacks
/// and, on AVX-512 CPUs, our own kernels where they beat XNNPACK's (dense convolutions, one-row fully connected).
public struct XNNPACKBackend: InferenceBackend {
    public let name = "xnnpack"
    private let runtime: XNNPACKRuntime

    /// Initialises XNNPACK and creates the thread pool every model compiled by this backend shares.
    /// `nativeKernels: false` keeps every convolution and fully connected layer on XNNPACK (for comparisons
    /// and triage).
    public init(threads: Int = 1, nativeKernels: Bool = true) throws {
        runtime = try XNNPACKRuntime(threads: threads, useNativeKernels: nativeKernels)
    }

    public var threads: Int { runtime.threads }

    public func compile(_ graph: Graph) throws -> any CompiledModel {
        try XNNPACKModel(graph: LayoutAssignment.run(graph), runtime: runtime)
    }
}
