/// One layer of `model inspect`: what it computes, on which shapes, with how many parameters and MACs.
public struct LayerSummary: Sendable, Equatable {
    public var name: String
    public var op: String
    public var inputShapes: [[Int]]
    public var outputShapes: [[Int]]
    public var parameters: Int
    public var macs: Int
}

/// Per-layer and total parameter and multiply–accumulate counts of a graph (backend-neutral).
public struct ModelSummary: Sendable, Equatable {
    public var layers: [LayerSummary]
    public var totalParameters: Int { layers.reduce(0) { $0 + $1.parameters } }
    public var totalMACs: Int { layers.reduce(0) { $0 + $1.macs } }

    /// - Parameter graph: a graph with shapes inferred (e.g. `InferenceSession.simplifiedGraph`).
    public init(_ graph: Graph) {
        layers = graph.nodes.map { node in
            let inputShapes = node.inputs.filter { !$0.isEmpty }.map { graph.shapes[$0] ?? graph.initializers[$0]?.shape ?? [] }
            let outputShapes = node.outputs.filter { !$0.isEmpty }.map { graph.shapes[$0] ?? [] }
            let parameters = node.inputs.compactMap { graph.initializers[$0]?.count }.reduce(0, +)
            return LayerSummary(
                name: node.name, op: node.opType, inputShapes: inputShapes, outputShapes: outputShapes,
                parameters: parameters, macs: Self.macs(node, inputShapes: inputShapes, outputShapes: outputShapes))
        }
    }

    /// Multiply–accumulates of the ops that dominate CNN cost; elementwise and data movement count as 0.
    static func macs(_ node: Node, inputShapes: [[Int]], outputShapes: [[Int]]) -> Int {
        guard let output = outputShapes.first, !output.isEmpty else { return 0 }
        let outputCount = output.reduce(1, *)
        switch node.opType {
        case "Conv":
            // Every output element sums C/groups × kernel taps products.
            guard inputShapes.count >= 2, inputShapes[1].count >= 2 else { return 0 }
            return outputCount * inputShapes[1].dropFirst().reduce(1, *)
        case "Gemm":
            guard let a = inputShapes.first, a.count == 2 else { return 0 }
            let transA: Bool = if case .int(let value) = node.attributes["transA"] { value != 0 } else { false }
            return outputCount * (transA ? a[0] : a[1])
        case "MatMul":
            guard let a = inputShapes.first, let depth = a.last else { return 0 }
            return outputCount * depth
        default:
            return 0
        }
    }
}
