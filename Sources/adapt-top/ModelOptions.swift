import AdaptInference
import ArgumentParser

/// Options every `model` subcommand shares.
struct ModelOptions: ParsableArguments {
    @Argument(help: "The ONNX model file.", completion: .file(extensions: ["onnx"]))
    var file: String

    @Option(help: "Threads of the inference pool (1 runs on the calling thread).")
    var threads: Int = 1

    @Flag(help: "Run every convolution and fully connected layer on XNNPACK, not on adapt-top's own AVX-512 kernels (to compare them).")
    var noNativeKernels = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func load() throws -> InferenceSession {
        try InferenceSession(contentsOf: file, backend: XNNPACKBackend(threads: threads, nativeKernels: !noNativeKernels))
    }
}
