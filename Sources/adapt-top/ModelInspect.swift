import AdaptInference
import ArgumentParser

struct ModelInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a model's layers: ops, tensor shapes, parameters and MACs, and the steps that run it.")

    @OptionGroup var model: ModelOptions

    func run() throws {
        let session = try reportingModelErrors { try model.load() }
        let graph = session.simplifiedGraph
        let summary = ModelSummary(graph)
        print("model \(model.file)  (graph '\(graph.name)', opset \(graph.opsetVersion))")
        for input in session.model.inputs { print("input  \(input.name) \(Format.shape(input.shape))") }
        for output in session.model.outputs { print("output \(output.name) \(Format.shape(output.shape))") }
        print("")
        let rows = summary.layers.map { layer in
            [layer.name, layer.op, layer.inputShapes.map(Format.shape).joined(separator: " "),
             layer.outputShapes.map(Format.shape).joined(separator: " "), Format.count(layer.parameters), Format.count(layer.macs)]
        }
        print(Format.table(header: ["layer", "op", "inputs", "outputs", "params", "MACs"], rows: rows, rightAligned: [4, 5]))
        print("total: \(summary.layers.count) layers, \(Format.count(summary.totalParameters)) parameters, "
              + "\(Format.count(summary.totalMACs)) MACs")
        print("")
        print("execution on \(session.backendName), \(model.threads) thread(s): \(session.model.steps.count) steps, "
              + "activation arena \(Format.bytes(session.model.arenaBytes))")
        if !session.backendRace.isEmpty { print("auto: " + Format.race(session.backendRace)) }
        let stepRows = session.model.steps.map { [$0.node, $0.op, $0.kernel] }
        print(Format.table(header: ["node", "op", "kernel"], rows: stepRows, rightAligned: []))
    }
}
