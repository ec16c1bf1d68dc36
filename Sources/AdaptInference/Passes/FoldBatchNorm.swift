import Foundation

/// Folds a BatchNormalization into the Conv that feeds it: `W' = W · γ/σ`, `b' = (b − μ) · γ/σ + β`,
/// with `σ = sqrt(var + ε)`. The statistics and the unfolded weights are kept in `Graph.foldedBatchNorms`,
/// keyed by the convolution's node name, because domain adaptation re-estimates them later.
///
/// A BatchNormalization whose input is not a single-consumer Conv output stays as it is
/// (the backend runs it as a per-channel affine).
public enum FoldBatchNorm {
    public static func run(_ graph: Graph) throws -> Graph {
        var graph = graph
        var removed = Set<Int>()
        for bnIndex in graph.nodes.indices where graph.nodes[bnIndex].opType == "BatchNormalization" {
            let bn = graph.nodes[bnIndex]
            guard bn.outputs.count == 1 || bn.outputs.dropFirst().allSatisfy(\.isEmpty),
                  let input = bn.input(0),
                  let convIndex = graph.producer(of: input),
                  graph.nodes[convIndex].opType == "Conv",
                  graph.consumers(of: input) == [bnIndex],
                  !graph.isGraphOutput(input)
            else { continue }
            guard bn.inputs.count >= 5,
                  let gamma = graph.constant(bn.inputs[1]), let beta = graph.constant(bn.inputs[2]),
                  let mean = graph.constant(bn.inputs[3]), let variance = graph.constant(bn.inputs[4])
            else { continue }
            let conv = graph.nodes[convIndex]
            guard let weightName = conv.input(1), let weights = graph.constant(weightName) else { continue }
            let outChannels = weights.shape.first ?? 0
            guard [gamma, beta, mean, variance].allSatisfy({ $0.count == outChannels }) else {
                throw bn.invalid("statistics have \(gamma.count) channels, the convolution has \(outChannels)", in: graph.source)
            }
            let epsilon = try bn.float("epsilon", default: 1e-5, in: graph.source)
            let biasTensor = conv.input(2).flatMap { graph.constant($0) }
            if conv.input(2) != nil && biasTensor == nil { continue }

            let scale = zip(gamma.floats, variance.floats).map { g, v in g / (v + epsilon).squareRoot() }
            let perChannel = weights.count / max(outChannels, 1)
            var folded = weights.floats
            for channel in 0..<outChannels {
                let factor = scale[channel]
                for index in channel * perChannel..<(channel + 1) * perChannel { folded[index] *= factor }
            }
            let oldBias = biasTensor?.floats ?? [Float](repeating: 0, count: outChannels)
            let meanValues = mean.floats, betaValues = beta.floats
            let newBias = (0..<outChannels).map { (oldBias[$0] - meanValues[$0]) * scale[$0] + betaValues[$0] }

            graph.foldedBatchNorms[conv.name] = FoldedBatchNorm(
                batchNormName: bn.name, scale: gamma.floats, bias: betaValues, mean: meanValues,
                variance: variance.floats, epsilon: epsilon, unfoldedWeights: weights, unfoldedBias: biasTensor)

            let weightOut = graph.freshName("\(conv.name).folded_weight")
            graph.initializers[weightOut] = Tensor(shape: weights.shape, floats: folded)
            let biasOut = graph.freshName("\(conv.name).folded_bias")
            graph.initializers[biasOut] = Tensor(shape: [outChannels], floats: newBias)
            var newConv = conv
            newConv.inputs = [conv.inputs[0], weightOut, biasOut]
            newConv.outputs = [bn.outputs[0]]
            graph.nodes[convIndex] = newConv
            removed.insert(bnIndex)
        }
        graph.nodes = graph.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        graph.removeUnusedInitializers()
        return graph
    }
}

extension Graph {
    /// Drops initializers that no node and no graph output reads.
    public mutating func removeUnusedInitializers() {
        var used = Set(outputs.map(\.name))
        for node in nodes { used.formUnion(node.inputs) }
        initializers = initializers.filter { used.contains($0.key) }
    }
}
