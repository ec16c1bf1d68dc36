/// A Concat input that its producing convolution writes straight into the Concat's buffer: its channels start
/// `channelOffset` floats into each output pixel, `pixelStride` floats apart (the Concat's channel count).
struct ConcatSlice: Equatable {
    let concat: String
    let channelOffset: Int
    let pixelStride: Int
}

extension XNNPACKLowering {
    /// Channel Concats whose inputs can be written in place, so the Concat copies nothing for them (SqueezeNet's
    /// and Inception's branches end this way). An input qualifies when a Conv computes it (XNNPACK's and the
    /// native convolution both take an output pixel stride), the Concat is its only reader, and it is neither a
    /// graph input or output nor repeated; other inputs are still copied into their slice.
    static func concatSlices(in graph: Graph, views: [String: String]) throws -> [String: ConcatSlice] {
        var slices: [String: ConcatSlice] = [:]
        let graphInputs = Set(graph.inputs.map(\.name))
        for (index, node) in graph.nodes.enumerated() where node.opType == "Concat" {
            guard let output = node.outputs.first, views[output] == nil, graph.channelsLast.contains(output),
                  graph.quantization[output] == nil,
                  let outputShape = graph.shapes[output], outputShape.count == 4
            else { continue }
            var axis = try node.int("axis", in: graph.source)
            if axis < 0 { axis += 4 }
            let inputs = node.inputs.filter { !$0.isEmpty }
            let shapes = inputs.compactMap { graph.shapes[$0] }
            guard axis == 1, shapes.count == inputs.count, shapes.allSatisfy({ $0.count == 4 }) else { continue }
            var channelOffset = 0
            for (name, shape) in zip(inputs, shapes) {
                defer { channelOffset += shape[1] }
                guard inputs.filter({ $0 == name }).count == 1, slices[name] == nil, views[name] == nil,
                      graph.initializers[name] == nil, !graphInputs.contains(name), !graph.isGraphOutput(name),
                      graph.channelsLast.contains(name),
                      let producer = graph.producer(of: name), graph.nodes[producer].opType == "Conv",
                      graph.consumers(of: name) == [index]
                else { continue }
                slices[name] = ConcatSlice(concat: output, channelOffset: channelOffset, pixelStride: outputShape[1])
            }
        }
        return slices
    }
}
