public import AdaptInference

/// The range every activation of a graph took on calibration images: what int8 post-training quantization derives
/// each tensor's scale and zero point from (per tensor, as XNNPACK's qs8 operators take them).
public struct ActivationRanges: Sendable, Equatable {
    /// Graph input and every node output, by value name.
    public var ranges: [String: ClosedRange<Float>]
    public var imageCount: Int
}

public enum ActivationCalibrator {
    /// Runs `graph` — a backend-ready graph, as `InferenceSession.optimizedGraph`, so the ranges are those of the
    /// tensors the quantized operators will see (BatchNorm folded, activations fused) — on images `start ..< start
    /// + count` (used unlabelled: the training split, not the test images accuracy is measured on) and records the
    /// minimum and maximum of its input and of every node output.
    ///
    /// Every activation is made a graph output of a model compiled for this purpose, so none shares memory with
    /// another and each can be read after the run.
    public static func calibrate(
        _ graph: Graph, backend: any InferenceBackend, images: LabeledImages, normalization: Normalization,
        count: Int, start: Int = 0
    ) throws -> ActivationRanges {
        let end = min(images.count, start + max(0, count))
        guard start < end else {
            throw ModelError.badInput(reason: "calibration needs at least one image (asked for \(count) from image \(start) of \(images.count))")
        }
        var observed = graph
        let existing = Set(graph.outputs.map(\.name))
        for node in graph.nodes {
            for value in node.outputs where !value.isEmpty && !existing.contains(value) {
                guard let shape = graph.shapes[value] else { continue }
                observed.outputs.append(ValueInfo(name: value, dataType: .float32, shape: shape.map { $0 }))
            }
        }
        let model = try backend.compile(observed)
        guard model.inputs.count == 1 else {
            throw ModelError.badInput(reason: "calibration feeds images to one input; the model has \(model.inputs.count)")
        }
        let input = model.inputBuffer(0)
        var low = [Float](repeating: .infinity, count: model.outputs.count + 1)
        var high = [Float](repeating: -.infinity, count: model.outputs.count + 1)
        func observe(_ values: UnsafeBufferPointer<Float>, _ slot: Int) {
            for value in values {
                low[slot] = min(low[slot], value)
                high[slot] = max(high[slot], value)
            }
        }
        for index in start..<end {
            normalization.apply(images.image(index), into: input)
            observe(UnsafeBufferPointer(input), 0)
            try model.run()
            for output in model.outputs.indices { observe(model.outputBuffer(output), output + 1) }
        }
        var ranges: [String: ClosedRange<Float>] = [:]
        let names = [model.inputs[0].name] + model.outputs.map(\.name)
        for (slot, name) in names.enumerated() where low[slot] <= high[slot] {
            ranges[name] = low[slot]...high[slot]
        }
        return ActivationRanges(ranges: ranges, imageCount: end - start)
    }
}
