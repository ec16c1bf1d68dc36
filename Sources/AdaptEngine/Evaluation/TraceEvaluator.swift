internal import AdaptInference
internal import Foundation

/// Replays a context trace, in real time and with real injections, once per policy on a fresh engine:
/// - `adaptive`: the engine's policy;
/// - `largest`: always the most accurate variant on the front (pinned);
/// - `smallest`: always the fastest front variant that meets the trace's initial accuracy floor (pinned);
/// - `oracle`: in each stretch between two steps, the variant the policy would pick knowing every front variant's
///   p95 *measured* in that stretch — a survey replay first runs each front variant in turn under the same steps.
/// All of them run the same frames, the same steps at the same times; their metrics come from their own frames.
public struct TraceEvaluator {
    public enum Policy: String, Sendable, CaseIterable {
        case adaptive, largest, smallest, oracle
    }

    public let family: ProfiledFamily
    public let trace: ContextTrace
    public var configuration = AdaptiveEngine.Configuration()
    /// Seconds each variant runs per turn in the oracle's survey.
    public var surveySlice = 0.12
    /// Seconds between replays, for the last one's load threads to end and the device to settle.
    public var settleSeconds = 1.0

    public init(family: ProfiledFamily, trace: ContextTrace) {
        (self.family, self.trace) = (family, trace)
    }

    /// A stretch of the trace between two steps (or the start and the end).
    struct Stretch: Equatable {
        var start: Double
        var end: Double
    }

    var stretches: [Stretch] {
        let bounds = [0] + trace.steps.map(\.at).filter { $0 > 0 } + [trace.durationSeconds]
        return zip(bounds, bounds.dropFirst()).map { Stretch(start: $0, end: $1) }
    }

    var front: [VariantProfile] { family.outcome.profiles.filter(\.onFront) }

    /// One policy's replay: its metrics and the switches it made, with the engine's reasons.
    public struct Outcome: Sendable {
        public var metrics: TraceMetrics
        public var switches: [EngineEvent]
    }

    /// Runs `policies` in order; `progress` hears a line as each replay starts.
    public func evaluate(_ policies: [Policy] = Policy.allCases, progress: (String) -> Void = { _ in }) throws -> [Outcome] {
        // Every variant is built before any replay, so no replay pays for preparation.
        progress("preparing the variants")
        family.pool.startPreparing(order: front.map(\.id))
        family.pool.waitUntilSettled()
        let defaults = family.manifest.budgets
        var results: [Outcome] = []
        for policy in policies {
            let run: (PolicyRun, [EngineEvent])
            switch policy {
            case .adaptive:
                progress("replaying \(trace.name) (\(format(trace.durationSeconds)) s) with the adaptive policy")
                run = try replay(policy.rawValue, pins: [], keepDecisions: true)
            case .largest, .smallest:
                let variant = try baseline(policy)
                progress("replaying \(trace.name) with \(variant) always (\(policy.rawValue))")
                run = try replay(policy.rawValue, pins: [(0, variant)], keepDecisions: false)
            case .oracle:
                progress("surveying the front's \(front.count) variants under \(trace.name)")
                let schedule = try oracleSchedule(survey: try survey())
                progress("replaying \(trace.name) with the oracle: " + schedule.map { "\(format($0.at)) s \($0.variant)" }.joined(separator: ", "))
                run = try replay(policy.rawValue, pins: schedule, keepDecisions: false)
            }
            results.append(Outcome(metrics: TraceMetrics(run.0, trace: trace, defaults: defaults), switches: run.1))
        }
        return results
    }

    func baseline(_ policy: Policy) throws -> String {
        let floor = trace.initialControls(family.manifest.budgets).budgets.accuracyFloor
        let chosen: VariantProfile? = switch policy {
        case .largest: front.max { $0.accuracy.accuracy < $1.accuracy.accuracy }
        case .smallest: front.filter { $0.accuracy.accuracy >= floor }.min { $0.latency.p95 < $1.latency.p95 }
            ?? front.min { $0.latency.p95 < $1.latency.p95 }
        case .adaptive, .oracle: nil
        }
        guard let chosen else { throw ModelError.badInput(reason: "the family has no variant on the front") }
        return chosen.id
    }

    /// One replay on a fresh engine: the trace's steps at their times, and `pins` (time, variant) sent as commands.
    func replay(_ name: String, pins: [(at: Double, variant: String)], keepDecisions: Bool) throws -> (PolicyRun, [EngineEvent]) {
        Thread.sleep(forTimeInterval: settleSeconds)
        var configuration = self.configuration
        configuration.recordFrames = true
        if !pins.isEmpty { configuration.probeInterval = 0 }
        let sampler = ContextSampler()
        let engine = family.makeEngine(
            controls: trace.initialControls(family.manifest.budgets), sampler: sampler,
            injections: DemoInjections(sampler: sampler), configuration: configuration)
        // Commands at time 0 go in before the start, so the first variant already obeys them.
        // A pin goes before a step at the same time: an injection may take a while to start (memory is touched
        // page by page), and the pinned variant should not wait for it.
        let timeline = (pins.map { (at: $0.at, order: 0, command: EngineCommand.pin(variant: $0.variant)) }
            + trace.steps.flatMap { step in step.commands.enumerated().map { (at: step.at, order: 1 + $0.offset, command: $0.element) } })
            .sorted { ($0.at, $0.order) < ($1.at, $1.order) }
        var next = 0
        while next < timeline.count, timeline[next].at <= 0 {
            try engine.send(timeline[next].command)
            next += 1
        }
        try engine.start()
        defer { engine.stop() }
        while engine.seconds < trace.durationSeconds {
            if next < timeline.count, engine.seconds >= timeline[next].at {
                try engine.send(timeline[next].command)
                next += 1
                continue
            }
            let until = min(trace.durationSeconds, next < timeline.count ? timeline[next].at : trace.durationSeconds)
            Thread.sleep(forTimeInterval: max(0, min(0.002, until - engine.seconds)))
        }
        engine.stop()
        let frames = engine.frameRecords.filter { $0.start < trace.durationSeconds }
        let run = PolicyRun(
            policy: name, frames: frames, durationSeconds: trace.durationSeconds,
            switchTimes: Array(engine.switchTimes.dropFirst()),
            decisionNanoseconds: keepDecisions ? engine.decisionNanoseconds : [],
            variantMemoryMB: Dictionary(family.outcome.profiles.map { ($0.id, $0.memoryMB) }, uniquingKeysWith: { first, _ in first }))
        return (run, engine.events.filter { $0.kind == .switch })
    }

    /// Each front variant's p95 (ms) in each stretch, from a replay that runs them in turn for `surveySlice` seconds.
    func survey() throws -> [[String: Double]] {
        let ids = front.map(\.id)
        var pins: [(at: Double, variant: String)] = []
        var time = 0.0
        var turn = 0
        while time < trace.durationSeconds {
            pins.append((time, ids[turn % ids.count]))
            (time, turn) = (time + surveySlice, turn + 1)
        }
        let (run, _) = try replay("survey", pins: pins, keepDecisions: false)
        // A variant's first frames after a swap run on cold caches: left out, as they would be after one switch.
        let warm = 0.01
        let switches = run.switchTimes
        return stretches.map { stretch in
            var latencies: [String: [Double]] = [:]
            for frame in run.frames where frame.start >= stretch.start && frame.start + frame.latency <= stretch.end {
                let lastSwitch = switches.last { $0 <= frame.start } ?? 0
                if frame.start - lastSwitch >= warm { latencies[frame.variant, default: []].append(frame.latency) }
            }
            return latencies.compactMapValues { values in
                values.count >= 8 ? TraceMetrics.percentile(95, of: values.sorted()).map { $0 * 1000 } : nil
            }
        }
    }

    /// The oracle's variant per stretch: the policy's pick (budgets and mode in force then) with every variant's
    /// latency as measured in that stretch.
    func oracleSchedule(survey: [[String: Double]]) throws -> [(at: Double, variant: String)] {
        let phases = trace.phases(startingFrom: family.manifest.budgets)
        let policy = configuration.policy
        return try zip(stretches, survey).map { stretch, measured in
            let controls = phases.last { $0.start <= stretch.start }?.controls ?? trace.initialControls(family.manifest.budgets)
            let candidates = front.filter { measured[$0.id] != nil }.map {
                PolicyCandidate(id: $0.id, accuracy: $0.accuracy.accuracy, latencyP95Ms: measured[$0.id] ?? .infinity,
                                memoryMB: $0.memoryMB)
            }
            let decision = policy.decide(PolicyInput(candidates: candidates, budgets: controls.budgets, mode: controls.mode))
            guard let variant = decision.variant else {
                throw ModelError.badInput(reason: "the survey measured no variant between \(format(stretch.start)) s and \(format(stretch.end)) s")
            }
            return (stretch.start, variant)
        }
    }

    private func format(_ seconds: Double) -> String { String(format: "%g", seconds) }
}
