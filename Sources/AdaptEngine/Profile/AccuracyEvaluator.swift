public import AdaptInference
internal import Foundation
internal import Synchronization

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
        let correct = try countCorrect(model, images: images, range: 0..<total, normalization: normalization) { done in
            if let progress, done % 500 == 0 || done == total { try progress(done) }
        }
        return AccuracyEvaluation(correct: correct, total: total)
    }

    /// The same evaluation spread over `replicas` — separately compiled copies of one model, so each has its own
    /// buffers — each on its own thread with a contiguous share of the images (the first on the calling thread,
    /// which reports progress, scaled to the whole, and whose error, a cancellation, stops the others).
    public static func evaluate(
        replicas: [any CompiledModel], on images: LabeledImages, normalization: Normalization, limit: Int? = nil,
        progress: ((Int) throws -> Void)? = nil
    ) throws -> AccuracyEvaluation {
        guard replicas.count > 1 else {
            guard let model = replicas.first else { throw ModelError.badInput(reason: "no model to evaluate") }
            return try evaluate(model, on: images, normalization: normalization, limit: limit, progress: progress)
        }
        let total = min(limit ?? images.count, images.count)
        let shares = (0..<replicas.count).map { share in
            (total * share / replicas.count)..<(total * (share + 1) / replicas.count)
        }
        let workers = ReplicaWorkers(replicas)
        let finished = DispatchGroup()
        for share in 1..<replicas.count {
            finished.enter()
            let thread = Thread { [workers] in
                defer { finished.leave() }
                workers.run(share, images: images, range: shares[share], normalization: normalization)
            }
            thread.start()
        }
        let scale = Double(total) / Double(max(1, shares[0].count))
        var firstCorrect = 0
        do {
            firstCorrect = try countCorrect(replicas[0], images: images, range: shares[0], normalization: normalization) { done in
                if let progress, done % 500 == 0 { try progress(min(total, Int(Double(done) * scale))) }
            }
        } catch {
            workers.stop()
            finished.wait()
            throw error
        }
        finished.wait()
        let correct = firstCorrect + (try workers.correctOfOthers())
        try progress?(total)
        return AccuracyEvaluation(correct: correct, total: total)
    }

    /// Top-1 hits on `range`; `afterImage` gets the count done so far and may throw to stop.
    static func countCorrect(
        _ model: any CompiledModel, images: LabeledImages, range: Range<Int>, normalization: Normalization,
        afterImage: (Int) throws -> Void
    ) throws -> Int {
        let input = model.inputBuffer(0)
        var correct = 0
        for (done, index) in range.enumerated() {
            normalization.apply(images.image(index), into: input)
            try model.run()
            if Self.argmax(model.outputBuffer(0)) == images.labels[index] { correct += 1 }
            try afterImage(done + 1)
        }
        return correct
    }

    /// Index of the largest score; the first one on ties, as PyTorch's and numpy's argmax.
    public static func argmax(_ scores: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for index in scores.indices where scores[index] > scores[best] { best = index }
        return best
    }
}

/// The replicas other than the first, run on their own threads. Each replica is touched by exactly one thread
/// (hence `@unchecked Sendable`: compiled models are not `Sendable` because they must not be shared, and they are
/// not); results and the stop flag go through a mutex.
private final class ReplicaWorkers: @unchecked Sendable {
    private let replicas: [any CompiledModel]
    private let state = Mutex<(correct: [Int], errors: [String], stopped: Bool)>(([], [], false))

    init(_ replicas: [any CompiledModel]) {
        self.replicas = replicas
        state.withLock { $0.correct = Array(repeating: 0, count: replicas.count) }
    }

    func run(_ share: Int, images: LabeledImages, range: Range<Int>, normalization: Normalization) {
        do {
            let correct = try AccuracyEvaluator.countCorrect(replicas[share], images: images, range: range, normalization: normalization) { _ in
                if state.withLock({ $0.stopped }) { throw CancellationError() }
            }
            state.withLock { $0.correct[share] = correct }
        } catch is CancellationError {
            return
        } catch {
            state.withLock { $0.errors.append("\(error)") }
        }
    }

    func stop() {
        state.withLock { $0.stopped = true }
    }

    func correctOfOthers() throws -> Int {
        try state.withLock { state in
            if let error = state.errors.first { throw ModelError.badInput(reason: error) }
            return state.correct.dropFirst().reduce(0, +)
        }
    }
}
