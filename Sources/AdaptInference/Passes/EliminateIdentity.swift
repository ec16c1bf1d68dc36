/// Removes Identity and Dropout nodes (Dropout is the identity in inference mode), rewiring their
/// consumers to the node's input.
///
/// When the removed node's output is a graph output, the output name must survive: the producer of the
/// node's input is renamed to write the graph output directly (its other consumers follow the rename).
/// Only when that is impossible — the input is a graph input, an initializer or itself a graph output —
/// does a plain Identity stay.
///
/// A Dropout whose mask output is read, or whose `training_mode` is true or not constant, is unsupported.
public enum EliminateIdentity {
    public static func run(_ graph: Graph) throws -> Graph {
        var result = graph
        let graphOutputs = Set(graph.outputs.map(\.name))
        var index = 0
        while index < result.nodes.count {
            let node = result.nodes[index]
            guard node.opType == "Identity" || node.opType == "Dropout" else {
                index += 1
                continue
            }
            if node.opType == "Dropout" { try checkInferenceMode(node, in: result) }
            guard let input = node.input(0) else { throw node.invalid("missing input", in: graph.source) }
            guard let output = node.outputs.first, !output.isEmpty else {
                throw node.invalid("missing output", in: graph.source)
            }
            guard input != output else { throw node.invalid("reads its own output '\(output)'", in: graph.source) }

            if !graphOutputs.contains(output) {
                result.nodes.remove(at: index)
                rename(output, to: input, in: &result, outputsToo: false)
                continue
            }
            let producer = result.nodes.firstIndex { $0.outputs.contains(input) }
            if producer != nil, !graphOutputs.contains(input) {
                result.nodes.remove(at: index)
                rename(input, to: output, in: &result, outputsToo: true)
                continue
            }
            result.nodes[index] = Node(name: node.name, opType: "Identity", inputs: [input], outputs: [output])
            index += 1
        }
        return result
    }

    /// Replaces `old` by `new` in every node's inputs (and outputs when `outputsToo`), moving its known shape.
    private static func rename(_ old: String, to new: String, in graph: inout Graph, outputsToo: Bool) {
        for index in graph.nodes.indices {
            if graph.nodes[index].inputs.contains(old) {
                graph.nodes[index].inputs = graph.nodes[index].inputs.map { $0 == old ? new : $0 }
            }
            if outputsToo && graph.nodes[index].outputs.contains(old) {
                graph.nodes[index].outputs = graph.nodes[index].outputs.map { $0 == old ? new : $0 }
            }
        }
        if let shape = graph.shapes.removeValue(forKey: old), outputsToo {
            graph.shapes[new] = shape
        }
    }

    private static func checkInferenceMode(_ node: Node, in graph: Graph) throws {
        if node.outputs.count > 1, !node.outputs[1].isEmpty {
            let mask = node.outputs[1]
            if graph.outputs.contains(where: { $0.name == mask }) || graph.nodes.contains(where: { $0.inputs.contains(mask) }) {
                throw node.unsupported("the mask output '\(mask)' is used; only inference-mode Dropout is supported", in: graph.source)
            }
        }
        guard let trainingMode = node.input(2) else { return }
        var value = graph.initializers[trainingMode]
        if value == nil, let producer = graph.nodes.first(where: { $0.outputs.first == trainingMode }),
           producer.opType == "Constant", case .tensor(let tensor)? = producer.attributes["value"] {
            value = tensor
        }
        guard let value else {
            throw node.unsupported("training_mode '\(trainingMode)' is not a constant; only inference is supported", in: graph.source)
        }
        if value.floats.contains(where: { $0 != 0 }) {
            throw node.unsupported("training_mode is true; only inference is supported", in: graph.source)
        }
    }
}
