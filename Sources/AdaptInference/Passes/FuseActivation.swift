/// Folds a Relu or a constant Clip into the op that produces its input, as an output clamp
/// (`adapt.output_min` / `adapt.output_max` attributes): XNNPACK applies it inside the kernel for free.
public enum FuseActivation {
    public static let minKey = "adapt.output_min"
    public static let maxKey = "adapt.output_max"

    /// Ops whose backend kernels clamp their output at no cost.
    static let clampable: Set<String> = [
        "Conv", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "MaxPool", "AveragePool", "GlobalAveragePool",
    ]

    public static func run(_ graph: Graph) throws -> Graph {
        var graph = graph
        var removed = Set<Int>()
        for activationIndex in graph.nodes.indices {
            let activation = graph.nodes[activationIndex]
            guard let bounds = try clampBounds(of: activation, in: graph),
                  let input = activation.input(0),
                  let producerIndex = graph.producer(of: input),
                  !removed.contains(producerIndex),
                  clampable.contains(graph.nodes[producerIndex].opType),
                  graph.consumers(of: input) == [activationIndex],
                  !graph.isGraphOutput(input)
            else { continue }
            var producer = graph.nodes[producerIndex]
            let (oldMin, oldMax) = clampAttributes(of: producer)
            producer.attributes[minKey] = .float(max(oldMin, bounds.min))
            producer.attributes[maxKey] = .float(min(oldMax, bounds.max))
            producer.outputs = activation.outputs
            graph.nodes[producerIndex] = producer
            removed.insert(activationIndex)
        }
        graph.nodes = graph.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        graph.removeUnusedInitializers()
        return graph
    }

    /// The clamp a node already carries (−∞…+∞ when none).
    public static func clampAttributes(of node: Node) -> (min: Float, max: Float) {
        var low = -Float.infinity, high = Float.infinity
        if case .float(let value) = node.attributes[minKey] { low = value }
        if case .float(let value) = node.attributes[maxKey] { high = value }
        return (low, high)
    }

    /// The bounds of a Relu or Clip whose limits are known constants; nil for any other node.
    static func clampBounds(of node: Node, in graph: Graph) throws -> (min: Float, max: Float)? {
        switch node.opType {
        case "Relu":
            return (0, .infinity)
        case "Clip" where graph.opsetVersion < 11:
            return (try node.float("min", default: -.infinity, in: graph.source),
                    try node.float("max", default: .infinity, in: graph.source))
        case "Clip":
            var low = -Float.infinity, high = Float.infinity
            if let name = node.input(1) {
                guard let value = graph.constant(name)?.floats.first else { return nil }
                low = value
            }
            if let name = node.input(2) {
                guard let value = graph.constant(name)?.floats.first else { return nil }
                high = value
            }
            return (low, high)
        default:
            return nil
        }
    }
}
