/// Recognises ShuffleNet's channel shuffle, `Reshape [N,g,C/g,H,W] → Transpose [0,2,1,3,4] → Reshape [N,C,H,W]`,
/// and replaces the three nodes by one `ChannelShuffle` node (attribute `group`), which a channels-last backend
/// runs as a single strided pass instead of two layout round trips and a 5-D transpose.
public enum FuseChannelShuffle {
    /// The op type of the fused node; not an ONNX op, so it cannot collide with a file's nodes.
    public static let opType = "adapt.ChannelShuffle"

    public static func run(_ graph: Graph) throws -> Graph {
        var graph = graph
        var removed = Set<Int>()
        for firstIndex in graph.nodes.indices where graph.nodes[firstIndex].opType == "Reshape" {
            let first = graph.nodes[firstIndex]
            guard let input = first.input(0), let inputShape = graph.shapes[input], inputShape.count == 4,
                  let split = graph.shapes[first.outputs[0]], split.count == 5,
                  split[0] == inputShape[0], split[1] * split[2] == inputShape[1],
                  split[3] == inputShape[2], split[4] == inputShape[3],
                  let transposeIndex = soleConsumer(of: first.outputs[0], in: graph),
                  graph.nodes[transposeIndex].opType == "Transpose",
                  (try? graph.nodes[transposeIndex].ints("perm", in: graph.source)) == [0, 2, 1, 3, 4],
                  let lastIndex = soleConsumer(of: graph.nodes[transposeIndex].outputs[0], in: graph),
                  graph.nodes[lastIndex].opType == "Reshape",
                  graph.shapes[graph.nodes[lastIndex].outputs[0]] == inputShape
            else { continue }
            let last = graph.nodes[lastIndex]
            graph.nodes[lastIndex] = Node(
                name: "\(first.name)+channel_shuffle", opType: opType, inputs: [input], outputs: last.outputs,
                attributes: ["group": .int(split[1])])
            removed.formUnion([firstIndex, transposeIndex])
        }
        graph.nodes = graph.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        graph.removeUnusedInitializers()
        return graph
    }

    private static func soleConsumer(of value: String, in graph: Graph) -> Int? {
        let consumers = graph.consumers(of: value)
        guard consumers.count == 1, !graph.isGraphOutput(value) else { return nil }
        return consumers[0]
    }
}
