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

/// The active variant's latencies over the last moments, for the engine's contention estimate.
public struct ActiveWindow: Sendable {
    public var variant: String
    /// Latencies (nanoseconds) of the active variant's frames that ended in the window, oldest first; frames of
    /// the variant before it became active (and probe frames) are not in it.
    public var latencies: [UInt64]
}

/// A few frames run on another variant between two of the active one's, to see how fast it is now.
public struct ProbeResult: Sendable {
    public var variant: String
    public var latencies: [UInt64]
    /// Seconds since the runner started, when the probe ended.
    public var endedAt: Double
}

/// The inference thread: takes the next frame, runs the active variant, records what happened. A switch is
/// picked up between two frames, so no frame is dropped or run twice across it.
public final class InferenceRunner: @unchecked Sendable {
    // @unchecked: `source` and `variant` are touched by the runner's thread only; everything shared is in `shared`.
    public let accuracyWindow: Int
    public let latencyWindow: Int

    private var source: any FrameSource
    private var variant: PreparedVariant
    private struct Probe {
        var variant: PreparedVariant
        var framesLeft: Int
        /// Runner seconds after which the probe ends even if frames are left (a slow variant under load).
        var deadline: Double?
        let maxSeconds: Double
        var latencies: [UInt64] = []
    }
    /// A frame's end (runner nanoseconds) and latency.
    private struct Timed: Sendable {
        var end: UInt64
        var latency: UInt64
    }
    private struct Shared {
        var pending: PreparedVariant?
        var probe: Probe?
        var probeResults: [ProbeResult] = []
        var activeWindow: RingBuffer<Timed>
        var statistics: RunnerStatistics
        var hits: RingBuffer<Bool>
        var latencies: RingBuffer<UInt64>
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        var totalNanoseconds: UInt64 = 0
        /// Every frame with its sequence number, when asked for (tests count frames, evaluations score them).
        var log: [(sequence: Int, record: FrameRecord)]?
    }
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant
    private let shared: Mutex<Shared>
    private let frameObserver: FrameObserver?
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let started = Atomic<Bool>(false)

    /// Told each frame's variant and latency in nanoseconds, on the inference thread (e.g. a metrics histogram).
    /// Every frame is reported, probe frames too under the id of the variant that ran them: their answers are served
    /// and scored like any other frame's, so leaving them out would make the latencies disagree with the frame count
    /// (and with the snapshot's latency percentiles, which include them). Called outside the runner's lock, but
    /// between two frames: it must be cheap and never block.
    public typealias FrameObserver = @Sendable (_ variant: String, _ nanoseconds: UInt64) -> Void

    /// - Parameters:
    ///   - recordFrames: keep every frame's sequence number and variant (for tests; grows without bound).
    ///   - frameObserver: told about every frame as it ends.
    public init(source: any FrameSource, initial: PreparedVariant, accuracyWindow: Int = 1000, latencyWindow: Int = 2000,
                recordFrames: Bool = false, frameObserver: FrameObserver? = nil) {
        self.frameObserver = frameObserver
        self.source = source
        variant = initial
        self.accuracyWindow = accuracyWindow
        self.latencyWindow = latencyWindow
        origin = clock.now
        shared = Mutex(Shared(
            activeWindow: RingBuffer(capacity: 4096),
            statistics: RunnerStatistics(active: initial.id, frames: 0, framesPerVariant: [:], switches: 0),
            hits: RingBuffer(capacity: accuracyWindow), latencies: RingBuffer(capacity: latencyWindow),
            log: recordFrames ? [] : nil))
    }

    /// Seconds since the runner was made: the time base of frame records, probes and windows.
    public var seconds: Double { LatencyStatistics.seconds(origin.duration(to: clock.now)) }

    deinit { stop() }

    /// Runs `variant` from the next frame on (replacing a switch not yet taken).
    public func switchTo(_ variant: PreparedVariant) {
        shared.withLock { $0.pending = variant }
    }

    /// A switch asked for and not yet taken (it is taken before the next frame).
    public var hasPendingSwitch: Bool { shared.withLock { $0.pending != nil } }

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
    public var frameLog: [(sequence: Int, variant: String)] {
        shared.withLock { $0.log ?? [] }.map { ($0.sequence, $0.record.variant) }
    }

    /// Every frame run, when the runner was made with `recordFrames`.
    public var frameRecords: [FrameRecord] { shared.withLock { $0.log ?? [] }.map(\.record) }

    /// The active variant's frames that ended in the last `seconds`, at most the newest `maxFrames` of them.
    public func activeWindow(lastSeconds seconds: Double, maxFrames: Int = 2048) -> ActiveWindow {
        let now = UInt64(max(0, LatencyStatistics.nanoseconds(origin.duration(to: clock.now))))
        let since = now - min(now, UInt64(seconds * 1e9))
        let (variant, timed) = shared.withLock { ($0.statistics.active, $0.activeWindow.values) }
        return ActiveWindow(variant: variant, latencies: timed.suffix(maxFrames).filter { $0.end >= since }.map(\.latency))
    }

    /// Runs the next `frames` frames (or fewer, once `maxSeconds` have passed since the probe began) on `variant`,
    /// then the active variant again; the latencies come back from `takeProbeResults`. Replaces a probe in progress.
    public func probe(_ variant: PreparedVariant, frames: Int, maxSeconds: Double) {
        shared.withLock { $0.probe = Probe(variant: variant, framesLeft: max(1, frames), deadline: nil, maxSeconds: maxSeconds) }
    }

    /// Why inference stopped (nil while it runs): cheap, unlike `statistics`.
    public var stoppedBecause: String? { shared.withLock { $0.statistics.stoppedBecause } }

    /// Frames inferred so far: cheap, unlike `statistics`.
    public var frames: Int { shared.withLock { $0.statistics.frames } }

    /// Whether a probe is asked for or running.
    public var probing: Bool { shared.withLock { $0.probe != nil } }

    /// Probes finished since the last call.
    public func takeProbeResults() -> [ProbeResult] {
        shared.withLock { state in
            defer { state.probeResults.removeAll() }
            return state.probeResults
        }
    }

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
        var done = 0
        while !stopping.load(ordering: .relaxed), maxFrames.map({ done < $0 }) ?? true {
            // The switch happens here, between two frames: the frame below runs entirely on one variant.
            let (next, probe) = shared.withLock { state -> (PreparedVariant?, PreparedVariant?) in
                defer { state.pending = nil }
                return (state.pending, state.probe?.variant)
            }
            if let next, next !== variant {
                variant = next
                shared.withLock { state in
                    state.statistics.active = next.id
                    state.statistics.switches += 1
                    state.activeWindow.removeAll()
                }
            }
            let running = probe ?? variant
            let model = running.model
            do {
                guard let frame = try source.next(into: model.inputBuffer(0)) else {
                    shared.withLock { $0.statistics.stoppedBecause = "the frame source ended" }
                    return
                }
                let start = clock.now
                try model.run()
                let end = clock.now
                let scores = model.outputBuffer(0)
                let (top, confidence, entropy) = Self.softmaxSummary(scores)
                let nanoseconds = UInt64(max(0, LatencyStatistics.nanoseconds(start.duration(to: end))))
                let endNanoseconds = UInt64(max(0, LatencyStatistics.nanoseconds(origin.duration(to: end))))
                let id = running.id
                shared.withLock { state in
                    state.statistics.frames += 1
                    state.statistics.framesPerVariant[id, default: 0] += 1
                    state.statistics.lastConfidence = confidence
                    state.statistics.lastEntropy = entropy
                    if let label = frame.label { state.hits.append(label == top) }
                    state.latencies.append(nanoseconds)
                    state.histogram.record(nanoseconds)
                    state.totalNanoseconds += nanoseconds
                    if probe != nil {
                        record(probeFrame: nanoseconds, endingAt: endNanoseconds, in: &state)
                    } else {
                        state.activeWindow.append(Timed(end: endNanoseconds, latency: nanoseconds))
                    }
                    if state.log != nil {
                        let startSeconds = Double(endNanoseconds - min(endNanoseconds, nanoseconds)) / 1e9
                        state.log?.append((frame.sequence, FrameRecord(
                            start: startSeconds, latency: Double(nanoseconds) / 1e9, variant: id,
                            correct: frame.label.map { $0 == top })))
                    }
                }
                frameObserver?(id, nanoseconds)
            } catch {
                shared.withLock { $0.statistics.stoppedBecause = "\(error)" }
                return
            }
            done += 1
        }
    }

    private func record(probeFrame nanoseconds: UInt64, endingAt end: UInt64, in state: inout Shared) {
        guard var probe = state.probe else { return }
        let now = Double(end) / 1e9
        probe.latencies.append(nanoseconds)
        probe.framesLeft -= 1
        if probe.deadline == nil { probe.deadline = now - Double(nanoseconds) / 1e9 + probe.maxSeconds }
        if probe.framesLeft <= 0 || now >= probe.deadline ?? now {
            state.probeResults.append(ProbeResult(variant: probe.variant.id, latencies: probe.latencies, endedAt: now))
            state.probe = nil
        } else {
            state.probe = probe
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
