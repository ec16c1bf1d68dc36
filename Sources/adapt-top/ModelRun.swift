import Foundation
import AdaptInference
import ArgumentParser

struct ModelRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a model once on .npy inputs and write its outputs as .npy (float32, C order).")

    @OptionGroup var model: ModelOptions

    @Option(name: .customLong("input"), help: "An input .npy file, one per graph input, in order.")
    var inputs: [String] = []

    @Option(name: .customLong("output"), help: "Where to write an output, one per graph output, in order. Without it, outputs are printed.")
    var outputs: [String] = []

    func run() throws {
        try reportingModelErrors {
            let session = try model.load()
            guard inputs.count == session.model.inputs.count else {
                throw ModelError.badInput(reason: "the model takes \(session.model.inputs.count) input(s) ("
                    + session.model.inputs.map(\.name).joined(separator: ", ") + "), \(inputs.count) --input given")
            }
            guard outputs.isEmpty || outputs.count == session.model.outputs.count else {
                throw ModelError.badInput(reason: "the model has \(session.model.outputs.count) output(s), \(outputs.count) --output given")
            }
            var values: [[Float]] = []
            for (path, description) in zip(inputs, session.model.inputs) {
                let array = try NPY.read(contentsOf: path)
                guard array.values.count == description.count else {
                    throw ModelError.badInput(reason: "\(path) has shape \(Format.shape(array.shape)); input '\(description.name)' "
                        + "needs \(Format.shape(description.shape))")
                }
                values.append(array.values)
            }
            let results = try session.run(values)
            for (index, result) in results.enumerated() {
                let description = session.model.outputs[index]
                if outputs.isEmpty {
                    print("\(description.name) \(Format.shape(description.shape)): "
                          + result.prefix(32).map { String(format: "%.6g", $0) }.joined(separator: " ")
                          + (result.count > 32 ? " … (\(result.count) values)" : ""))
                } else {
                    try NPY.write(NPYArray(shape: description.shape, values: result), to: outputs[index])
                }
            }
        }
    }
}
