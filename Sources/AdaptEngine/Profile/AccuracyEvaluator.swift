public import AdaptInference

/// Top-1 accuracy of a compiled model on labelled images, through the same inference path the engine uses.
public struct AccuracyEvaluation: Sendable, Equatable {
    public var correct: Int
    public var total: Int

    public var accuracy: Double { total > 0 ? Double(correct) / Double(total) : 0 }
}

public enum AccuracyEvaluator {
    /// Runs `model` on the first `limit` images (all when nil) and counts top-1 hits.
    /// - Parameter progress: called with the number of images done, every 500 images and at the end; an error
    ///   it throws (a cancellation) stops the evaluation.
    public static func evaluate(
        _ model: any CompiledModel, on images: LabeledImages, normalization: Normalization, limit: Int? = nil,
        progress: ((Int) throws -> Void)? = nil
    ) throws -> AccuracyEvaluation {
        let total = min(limit ?? images.count, images.count)
        let input = model.inputBuffer(0)
        var correct = 0
        for index in 0..<total {
            normalization.apply(images.image(index), into: input)
            try model.run()
            if Self.argmax(model.outputBuffer(0)) == images.labels[index] { correct += 1 }
            if let progress, (index + 1) % 500 == 0 || index + 1 == total { try progress(index + 1) }
        }
        return AccuracyEvaluation(correct: correct, total: total)
    }

    /// Index of the largest score; the first one on ties, as PyTorch's and numpy's argmax.
    public static func argmax(_ scores: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for index in scores.indices where scores[index] > scores[best] { best = index }
        return best
    }
}
