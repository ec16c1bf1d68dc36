/// An ONNX model imported, optimised and compiled for one backend: the entry point for running a model.
///
/// Not `Sendable`: one thread owns a session and its buffers, as one inference thread owns a runtime.
public final class InferenceSession {
    /// The graph as imported and simplified (constants folded, Identity/Dropout removed), before backend fusions.
    public let simplifiedGraph: Graph
    /// The graph the backend compiled (BatchNorm folded, activations fused).
    public let optimizedGraph: Graph
    public let model: any CompiledModel
    /// The backend that compiled the model (`xnnpack`, `onednn`).
    public let backendName: String
    /// With a `BackendSelection`: the `auto` race (each candidate's p50 or why it could not compile the model) and
    /// why the model is not on the backend asked for; empty and nil otherwise.
    public let backendRace: [BackendSelection.Candidate]
    public let backendNote: String?

    /// - Parameter backend: compiles the model; nil means XNNPACK on the calling thread.
    public convenience init(contentsOf path: String, backend: (any InferenceBackend)? = nil) throws {
        try self.init(graph: ONNXImporter.load(contentsOf: path), backend: backend)
    }

    public init(graph: Graph, backend: (any InferenceBackend)? = nil) throws {
        let backend = try backend ?? XNNPACKBackend(threads: 1)
        simplifiedGraph = try GraphSimplifier.run(graph)
        optimizedGraph = try Self.optimize(simplifiedGraph)
        model = try backend.compile(optimizedGraph)
        backendName = backend.name
        (backendRace, backendNote) = ([], nil)
    }

    public convenience init(contentsOf path: String, selection: BackendSelection) throws {
        try self.init(graph: ONNXImporter.load(contentsOf: path), selection: selection)
    }

    /// Compiles as `selection` says: one backend, or (`auto`) the fastest of those that compile the model.
    public init(graph: Graph, selection: BackendSelection) throws {
        simplifiedGraph = try GraphSimplifier.run(graph)
        optimizedGraph = try Self.optimize(simplifiedGraph)
        let choice = try selection.compile(optimizedGraph)
        (model, backendName) = (choice.model, choice.backend.name)
        (backendRace, backendNote) = (choice.race, choice.note)
    }

    /// The backend-neutral fusions every backend starts from.
    public static func optimize(_ simplified: Graph) throws -> Graph {
        var graph = try FoldQuantizeDequantize.run(simplified)
        graph = try FoldBatchNorm.run(graph)
        graph = try FuseChannelShuffle.run(graph)
        graph = try FuseActivation.run(graph)
        return graph
    }

    /// Runs the model on one input per graph input and returns a copy of each output.
    /// Allocates the results; hot loops should write `model.inputBuffer` and read `model.outputBuffer` instead.
    public func run(_ inputs: [[Float]]) throws -> [[Float]] {
        guard inputs.count == model.inputs.count else {
            throw ModelError.badInput(reason: "the model takes \(model.inputs.count) input(s), \(inputs.count) given")
        }
        for (index, values) in inputs.enumerated() {
            let description = model.inputs[index]
            guard values.count == description.count else {
                throw ModelError.badInput(
                    reason: "input '\(description.name)' needs \(description.count) values (shape \(description.shape)), \(values.count) given")
            }
            let buffer = model.inputBuffer(index)
            values.withUnsafeBufferPointer { source in
                if let base = source.baseAddress, let target = buffer.baseAddress { target.update(from: base, count: values.count) }
            }
        }
        try model.run()
        return model.outputs.indices.map { Array(model.outputBuffer($0)) }
    }
}
