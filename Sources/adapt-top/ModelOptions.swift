import AdaptInference
import ArgumentParser
import Foundation

/// Options every `model` subcommand shares.
struct ModelOptions: ParsableArguments {
    @Argument(help: "The ONNX model file.", completion: .file(extensions: ["onnx"]))
    var file: String

    @Option(help: "Threads of the inference pool (1 runs on the calling thread).")
    var threads: Int = 1

    @Option(help: "Backend: xnnpack, onednn, or auto (times each backend that can run the model, keeps the fastest).",
            transform: BackendSelection.Mode.parse)
    var backend: BackendSelection.Mode = .xnnpack

    @Flag(help: "Run every convolution and fully connected layer on XNNPACK, not on adapt-top's own AVX-512 kernels (to compare them).")
    var noNativeKernels = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func load() throws -> InferenceSession {
        let session = try InferenceSession(
            contentsOf: file, selection: BackendSelection(backend, threads: threads, nativeKernels: !noNativeKernels))
        if let note = session.backendNote { FileHandle.standardError.write(Data("adapt-top: runs on \(session.backendName): \(note)\n".utf8)) }
        return session
    }
}

extension BackendSelection.Mode {
    /// For `--backend`: the mode, or a usage error listing the choices.
    static func parse(_ text: String) throws -> Self {
        guard let mode = Self(rawValue: text) else {
            throw ValidationError("unknown backend '\(text)' (choose \(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return mode
    }
}
