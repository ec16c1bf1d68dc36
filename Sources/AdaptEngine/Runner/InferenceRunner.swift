public import AdaptInference
internal import Foundation
internal import Histogram
internal import Synchronization

/// A variant compiled and ready to run, handed to the runner's thread. Built off the hot path (by the engine), then
/// used by the runner's thread alone — hence `@unchecked Sendable` for a model that must not be shared.
public final class PreparedVariant: @unchecked Sendable {
    public let id: String
    let model: any CompiledModel

    public init(id: String, model: any CompiledModel) {
        (self.id, self.model) = (id, model)
    }
}

/// What the runner has done, read at any time from any thread.
public struct RunnerStatistics: Sendable {
    public var active: String
    public var frames: Int
    public var framesPerVariant: [String: Int]
    public var switches: Int
    /// Top-1 over the last `accuracyWindow` labelled frames; nil before the first one.
    public var rollingAccuracy: Double?
    /// The last frame's top softmax probability and the entropy of its softmax (nats).
    public var lastConfidence: Double?
    public var lastEntropy: Double?
    /// Latency over the last `latencyWindow` frames, and since the start.
    public var recentLatency: LatencyStatistics?
    public var latencySinceStart: LatencyStatistics?
    /// The frame source ended or an inference failed (the message); nil while running normally.
    public var stoppedBecause: String?
}

/// The inference thread: takes the next frame, runs the active variant, records what happened. A switch is
/// picked up between two frames, so no frame is dropped or run twice across it.
public final class InferenceRunner: @unchecked Sendable {
    // @unchecked: `source` and `variant` are touched by the runner's thread only; everything shared is in `shared`.
    public let accuracyWindow: Int
    public let latencyWindow: Int

    private var source: any FrameSource
    private var variant: PreparedVariant
    private struct Shared {
        var pending: PreparedVariant?
        var statistics: RunnerStatistics
        var hits: RingBuffer<Bool>
        var latencies: RingBuffer<UInt64>
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        var totalNanoseconds: UInt64 = 0
        /// (sequence, variant) of every frame, when asked for (tests count frames with it).
        var log: [(sequence: Int, variant: String)]?
    }
    private let shared: Mutex<Shared>
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let started = Atomic<Bool>(false)

    /// - Parameter recordFrames: keep every frame's sequence number and variant (for tests; grows without bound).
    public init(source: any FrameSource, initial: PreparedVariant, accuracyWindow: Int = 1000, latencyWindow: Int = 2000,
                recordFrames: Bool = false) {
        self.source = source
        variant = initial
        self.accuracyWindow = accuracyWindow
        self.latencyWindow = latencyWindow
        shared = Mutex(Shared(
            statistics: RunnerStatistics(active: initial.id, frames: 0, framesPerVariant: [:], switches: 0),
            hits: RingBuffer(capacity: accuracyWindow), latencies: RingBuffer(capacity: latencyWindow),
            log: recordFrames ? [] : nil))
    }

    deinit { stop() }

    /// Runs `variant` from the next frame on (replacing a switch not yet taken).
    public func switchTo(_ variant: PreparedVariant) {
        shared.withLock { $0.pending = variant }
    }

    /// Copies the windows under the lock and computes their percentiles outside it, so a reader never holds up the
    /// inference thread for long (the since-start percentiles are a quick walk of the histogram, taken in place:
    /// copying it would make the inference thread copy it back on its next record).
    public var statistics: RunnerStatistics {
        let (copied, hits, recent) = shared.withLock { state in
            var statistics = state.statistics
            if state.histogram.totalCount > 0 {
                statistics.latencySinceStart = LatencyStatistics(
                    histogram: state.histogram, total: .nanoseconds(Int64(state.totalNanoseconds)))
            }
            return (statistics, state.hits.values, state.latencies.values)
        }
        var statistics = copied
        statistics.rollingAccuracy = hits.isEmpty ? nil : Double(hits.filter { $0 }.count) / Double(hits.count)
        if !recent.isEmpty {
            var window = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
            for value in recent { window.record(value) }
            statistics.recentLatency = LatencyStatistics(histogram: window, total: .nanoseconds(Int64(recent.reduce(0, +))))
        }
        return statistics
    }

    /// Every frame's sequence number and variant, when the runner was made with `recordFrames`.
    public var frameLog: [(sequence: Int, variant: String)] { shared.withLock { $0.log ?? [] } }

    /// Starts the inference thread, running at most `maxFrames` frames (nil: until `stop` or the source ends).
    public func start(maxFrames: Int? = nil) {
        guard !started.exchange(true, ordering: .sequentiallyConsistent) else { return }
        let thread = Thread { [self] in
            defer { finished.signal() }
            run(maxFrames: maxFrames)
        }
        thread.name = "adapt-top inference"
        thread.start()
    }

    /// Stops after the frame in flight and waits for the thread.
    public func stop() {
        guard started.load(ordering: .sequentiallyConsistent) else { return }
        stopping.store(true, ordering: .sequentiallyConsistent)
        wait()
    }

    /// Waits for the thread to end (the source ended, `maxFrames` ran, or `stop`).
    public func wait() {
        guard started.exchange(false, ordering: .sequentiallyConsistent) else { return }
        finished.wait()
    }

    private func run(maxFrames: Int?) {
        let clock = ContinuousClock()
        var done = 0
        while !stopping.load(ordering: .relaxed), maxFrames.map({ done < $0 }) ?? true {
            // The switch happens here, between two frames: the frame below runs entirely on one variant.
            if let next = shared.withLock({ state -> PreparedVariant? in
                defer { state.pending = nil }
                return state.pending
            }), next !== variant {
                variant = next
                shared.withLock { state in
                    state.statistics.active = next.id
                    state.statistics.switches += 1
                }
            }
            let model = variant.model
            do {
                guard let frame = try source.next(into: model.inputBuffer(0)) else {
                    shared.withLock { $0.statistics.stoppedBecause = "the frame source ended" }
                    return
                }
                let start = clock.now
                try model.run()
                let elapsed = start.duration(to: clock.now)
                let scores = model.outputBuffer(0)
                let (top, confidence, entropy) = Self.softmaxSummary(scores)
                let nanoseconds = UInt64(max(0, LatencyStatistics.nanoseconds(elapsed)))
                let id = variant.id
                shared.withLock { state in
                    state.statistics.frames += 1
                    state.statistics.framesPerVariant[id, default: 0] += 1
                    state.statistics.lastConfidence = confidence
                    state.statistics.lastEntropy = entropy
                    if let label = frame.label { state.hits.append(label == top) }
                    state.latencies.append(nanoseconds)
                    state.histogram.record(nanoseconds)
                    state.totalNanoseconds += nanoseconds
                    state.log?.append((frame.sequence, id))
                }
            } catch {
                shared.withLock { $0.statistics.stoppedBecause = "\(error)" }
                return
            }
            done += 1
        }
    }

    /// The top class, its softmax probability and the softmax's entropy, computed stably from raw scores.
    static func softmaxSummary(_ scores: UnsafeBufferPointer<Float>) -> (top: Int, confidence: Double, entropy: Double) {
        guard let largest = scores.max() else { return (0, 0, 0) }
        let top = AccuracyEvaluator.argmax(scores)
        var sum = 0.0
        for score in scores { sum += exp(Double(score - largest)) }
        var entropy = 0.0
        for score in scores {
            let p = exp(Double(score - largest)) / sum
            if p > 0 { entropy -= p * log(p) }
        }
        return (top, 1 / sum, entropy)
    }
}
