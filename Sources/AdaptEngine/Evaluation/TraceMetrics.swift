/// One replay of a context trace under one policy: what the evaluation recorded, before any scoring.
public struct PolicyRun: Sendable, Equatable {
    /// `adaptive`, `largest`, `smallest` or `oracle`.
    public var policy: String
    /// Every inferred frame, times in seconds since the replay started.
    public var frames: [FrameRecord]
    public var durationSeconds: Double
    /// Seconds since the replay started of each variant switch.
    public var switchTimes: [Double]
    /// How long each policy decision took; empty for the baselines, which decide nothing.
    public var decisionNanoseconds: [UInt64]
    /// Each variant's memory (MB), to judge the memory budget; empty leaves that metric out.
    public var variantMemoryMB: [String: Double]

    public init(policy: String, frames: [FrameRecord], durationSeconds: Double, switchTimes: [Double],
                decisionNanoseconds: [UInt64] = [], variantMemoryMB: [String: Double] = [:]) {
        (self.policy, self.frames, self.durationSeconds) = (policy, frames, durationSeconds)
        (self.switchTimes, self.decisionNanoseconds, self.variantMemoryMB) = (switchTimes, decisionNanoseconds, variantMemoryMB)
    }
}

/// How one policy fared on one trace: DESIGN.md's `eval` line. Pure arithmetic on a recorded run and the trace's
/// budgets, so it is tested on hand-made frames. Percentiles are nearest-rank: the smallest recorded value with at
/// least p % of the values at or below it, always a value that was really observed.
public struct TraceMetrics: Sendable, Equatable {
    public var policy: String
    /// Share of the run's whole seconds [k, k+1) whose frames (by start time) have a p95 latency within the latency
    /// budget in force at the second's midpoint; a second without a frame is missed. Nil when the run is shorter
    /// than a second.
    public var sloAttainment: Double?
    /// Share of the judged seconds in which at least 95 % of the frames ran on variants within the memory budget in
    /// force at the second's midpoint (as latency is judged); nil without the variants' memory figures.
    public var memoryAttainment: Double?
    /// Top-1 accuracy over the labelled frames; nil when no frame had a label.
    public var accuracy: Double?
    public var switches: Int
    public var decisionUsP50: Double?
    public var decisionUsP99: Double?
    /// The slowest reaction of `reactionMsEach`; nil when no step was followed by a switch.
    public var reactionMs: Double?
    /// One per trace step: milliseconds from the moment the step took effect to the first switch at or after it
    /// and before the next step (or the end); nil when no switch followed. The step takes effect at its time, or
    /// later at the first frame over the latency budget if one came before the switch: a load's threads may take a
    /// while to land on the inference thread's core, and no policy can react to a slowdown that has not happened.
    public var reactionMsEach: [Double?]
    /// The same from the step's own time, whatever happened when.
    public var reactionFromStepMsEach: [Double?]
    /// What a swap costs the stream: microseconds from the end of the last frame on one variant to the start of the
    /// first on the next, median and worst over the run (nil without a swap), beside the gaps between two frames
    /// of one variant (under load either may include a preemption).
    public var switchGapUsP50: Double?
    public var switchGapUsMax: Double?
    public var frameGapUsP50: Double?
    public var frameGapUsP99: Double?
    public var frames: Int
    /// Whole seconds judged, and how many of them met the latency budget.
    public var windows: Int
    public var windowsMet: Int

    public init(policy: String, sloAttainment: Double?, accuracy: Double?, switches: Int, decisionUsP50: Double?,
                decisionUsP99: Double?, reactionMs: Double?, reactionMsEach: [Double?], frames: Int, windows: Int,
                windowsMet: Int, reactionFromStepMsEach: [Double?]? = nil, switchGapUsP50: Double? = nil,
                switchGapUsMax: Double? = nil, frameGapUsP50: Double? = nil, frameGapUsP99: Double? = nil,
                memoryAttainment: Double? = nil) {
        self.memoryAttainment = memoryAttainment
        self.reactionFromStepMsEach = reactionFromStepMsEach ?? reactionMsEach
        (self.switchGapUsP50, self.switchGapUsMax) = (switchGapUsP50, switchGapUsMax)
        (self.frameGapUsP50, self.frameGapUsP99) = (frameGapUsP50, frameGapUsP99)
        (self.policy, self.sloAttainment, self.accuracy, self.switches) = (policy, sloAttainment, accuracy, switches)
        (self.decisionUsP50, self.decisionUsP99, self.reactionMs) = (decisionUsP50, decisionUsP99, reactionMs)
        (self.reactionMsEach, self.frames, self.windows, self.windowsMet) = (reactionMsEach, frames, windows, windowsMet)
    }

    /// Scores `run` against the budgets `trace` puts in force over the family's `defaults`.
    /// - Complexity: O(f log f + s log s + w · p) for f frames, s switches, w windows and p budget phases.
    public init(_ run: PolicyRun, trace: ContextTrace, defaults: PolicyBudgets) {
        let phases = trace.phases(startingFrom: defaults)
        func budgets(at time: Double) -> PolicyBudgets {
            (phases.last { $0.start <= time } ?? phases[0]).controls.budgets
        }
        func latencyBudgetMs(at time: Double) -> Double { budgets(at: time).latencyMs }

        let windows = max(0, Int(run.durationSeconds.rounded(.down)))
        var latencies = [[Double]](repeating: [], count: windows)
        for frame in run.frames where frame.start >= 0 {
            let window = Int(frame.start.rounded(.down))
            if window < windows { latencies[window].append(frame.latency) }
        }
        let met = latencies.indices.count { window in
            guard let p95 = Self.percentile(95, of: latencies[window].sorted()) else { return false }
            return p95 * 1000 <= latencyBudgetMs(at: Double(window) + 0.5)
        }
        // Judged like latency: a second meets the memory budget in force at its midpoint when at least 95 % of its
        // frames ran on variants within it (a frame already running when the budget drops is not a miss).
        var memoryMet: Double?
        if !run.variantMemoryMB.isEmpty, windows > 0 {
            var total = [Int](repeating: 0, count: windows)
            var over = [Int](repeating: 0, count: windows)
            for frame in run.frames where frame.start >= 0 {
                let window = Int(frame.start.rounded(.down))
                guard window < windows else { continue }
                total[window] += 1
                if let megabytes = run.variantMemoryMB[frame.variant], megabytes > budgets(at: Double(window) + 0.5).memoryMB {
                    over[window] += 1
                }
            }
            let met = (0..<windows).count { total[$0] > 0 && over[$0] * 20 <= total[$0] }
            memoryMet = Double(met) / Double(windows)
        }

        let labelled = run.frames.compactMap(\.correct)
        let decisions = run.decisionNanoseconds.sorted()
        let switchTimes = run.switchTimes.sorted()
        let byStart = run.frames.sorted { $0.start < $1.start }
        let starts = byStart.map(\.start)
        func firstIndex(atOrAfter time: Double) -> Int {
            var (low, high) = (0, starts.count)
            while low < high {
                let middle = (low + high) / 2
                if starts[middle] < time { low = middle + 1 } else { high = middle }
            }
            return low
        }
        var fromStep: [Double?] = []
        let reactions = trace.steps.indices.map { index -> Double? in
            let step = trace.steps[index].at
            let next = index + 1 < trace.steps.count ? trace.steps[index + 1].at : .infinity
            guard let switched = switchTimes.first(where: { $0 >= step && $0 < next }) else {
                fromStep.append(nil)
                return nil
            }
            fromStep.append((switched - step) * 1000)
            var effect = step
            var frame = firstIndex(atOrAfter: step)
            while frame < byStart.count, byStart[frame].start < switched {
                if byStart[frame].latency * 1000 > latencyBudgetMs(at: byStart[frame].start) {
                    effect = byStart[frame].start
                    break
                }
                frame += 1
            }
            return (switched - effect) * 1000
        }

        var switchGaps: [Double] = []
        var frameGaps: [Double] = []
        for (previous, frame) in zip(byStart, byStart.dropFirst()) {
            let gap = (frame.start - previous.start - previous.latency) * 1e6
            if previous.variant == frame.variant { frameGaps.append(gap) } else { switchGaps.append(gap) }
        }

        self.init(
            policy: run.policy,
            sloAttainment: windows > 0 ? Double(met) / Double(windows) : nil,
            accuracy: labelled.isEmpty ? nil : Double(labelled.count { $0 }) / Double(labelled.count),
            switches: run.switchTimes.count,
            decisionUsP50: Self.percentile(50, of: decisions).map { Double($0) / 1000 },
            decisionUsP99: Self.percentile(99, of: decisions).map { Double($0) / 1000 },
            reactionMs: reactions.compactMap { $0 }.max(),
            reactionMsEach: reactions, frames: run.frames.count, windows: windows, windowsMet: met,
            reactionFromStepMsEach: fromStep, switchGapUsP50: Self.percentile(50, of: switchGaps.sorted()),
            switchGapUsMax: switchGaps.max(), frameGapUsP50: Self.percentile(50, of: frameGaps.sorted()),
            frameGapUsP99: Self.percentile(99, of: frameGaps.sorted()), memoryAttainment: memoryMet)
    }

    /// The nearest-rank percentile of ascending `sorted` values: the value at rank ⌈percent/100 · n⌉ (integer
    /// arithmetic, so p99 of 100 values is the 99th, never the 100th by rounding); nil when there are none.
    public static func percentile<T>(_ percent: Int, of sorted: [T]) -> T? {
        guard !sorted.isEmpty else { return nil }
        let rank = (min(max(percent, 0), 100) * sorted.count + 99) / 100
        return sorted[max(rank, 1) - 1]
    }
}

/// DESIGN.md's `eval` keys (and more), absent values `null`, once an encoder turns the names into snake case.
extension TraceMetrics: NullPreservingEncodable {}
