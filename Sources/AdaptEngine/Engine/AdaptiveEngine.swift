internal import AdaptInference
internal import Foundation
internal import Synchronization

/// The engine: inference runs on its own thread without pause while a control thread watches it and the device,
/// asks the policy, swaps variants between frames and publishes a snapshot about ten times a second. Operator
/// commands (`send`) are applied at once and always win over the policy.
public final class AdaptiveEngine: @unchecked Sendable {
    // @unchecked: `runner` is set once in `start` before any other thread reads it; `loop` belongs to the control
    // thread; everything shared is behind `shared`.
    public struct Configuration: Sendable {
        public var policy = AdaptationPolicy()
        /// How often the policy decides (a command wakes it at once).
        public var decisionInterval: Duration = .milliseconds(25)
        public var snapshotInterval: Duration = .milliseconds(100)
        /// The active variant's latency is judged over its frames of this many last seconds (short, to react to a
        /// load within a tenth of a second; a spurious step down costs little, the front's neighbours are close)…
        public var observationSeconds = 0.1
        /// …once it has at least this many.
        public var minimumObservedFrames = 16
        /// Seconds a measured latency of a variant is trusted over its profile × contention.
        public var observationLifetime = 5.0
        /// A probe (a few frames on a more accurate variant, to see whether it fits now) at most this often, in
        /// seconds; 0 turns probing off.
        public var probeInterval = 1.0
        public var probeFrames = 100
        public var probeMaxSeconds = 0.05
        /// A probe's first frames run on cold caches (another model's weights were just in them): left out.
        public var probeWarmupFrames = 4
        public var eventCapacity = 1000
        public var eventsPerSnapshot = 50
        /// Keep every frame's record (for trace evaluation; grows with the run).
        public var recordFrames = false
        /// Frames per second of the stream (nil: as fast as inference goes).
        public var framesPerSecond: Double?
        /// Told every frame's variant and latency on the inference thread (see `InferenceRunner.FrameObserver`).
        public var frameObserver: InferenceRunner.FrameObserver?

        public init() {}
    }

    public let configuration: Configuration
    public let profiles: [VariantProfile]
    public let family: String
    public let injections: DemoInjections
    private let pool: VariantPool
    private let sampler: ContextSampler?
    private let drops = LiveFrameSource.DropCounter()
    private let dataset: DatasetFrameSource
    private let profileByID: [String: VariantProfile]
    /// Every variant, as pins and commands see them…
    private let candidates: [PolicyCandidate]
    /// …and the front, which the policy chooses from: a variant off the front is beaten on every axis by one on it
    /// (on this device's profile), and scaling profiles by one contention factor could make it look better.
    private let frontCandidates: [PolicyCandidate]
    private let host = ProcessInfo.processInfo.hostName
    private var runner: InferenceRunner?

    private struct Shared {
        var controls: OperatorControls
        var events: RingBuffer<EngineEvent>
        var nextEvent = 0
        var snapshot: EngineSnapshot?
        /// The last decision (its sentence is written when a snapshot is made, not on every decision).
        var decision: PolicyDecision?
        var switchTimes: [Double] = []
        var decisionNanoseconds: RingBuffer<UInt64>
        var state = EngineSnapshot.EngineState.starting
    }
    private let shared: Mutex<Shared>
    private let wake = DispatchSemaphore(value: 0)
    private let stopping = Atomic<Bool>(false)
    private let controlFinished = DispatchSemaphore(value: 0)
    private let clock = ContinuousClock()

    /// The control thread's own state.
    private struct Loop {
        var active: String
        var lastSwitch: Double
        var observations: LatencyObservations
        var contention: Double?
        var lastProbe = -Double.infinity
        var lastSnapshot = -Double.infinity
        var framesAtLastSnapshot = 0
        var snapshotSequence = 0
        var stopAnnounced = false
        var preparedAnnounced = false
    }
    private var loop: Loop?

    /// - Parameters:
    ///   - profiles: the variants' profiles (`VariantProfiler`), with the front marked; the policy chooses among them.
    ///   - pool: builds the variants (owns the family and deriver from now on).
    ///   - dataset: the frames to replay; drift injected through `injections` is applied to them.
    ///   - sampler: the device's context (started and stopped with the engine); nil shows it unavailable.
    public init(profiles: [VariantProfile], pool: VariantPool, family: String, dataset: DatasetFrameSource,
                controls: OperatorControls, sampler: ContextSampler?, injections: DemoInjections,
                configuration: Configuration = Configuration()) {
        self.profiles = profiles
        self.pool = pool
        self.family = family
        self.dataset = dataset
        self.sampler = sampler
        self.injections = injections
        self.configuration = configuration
        profileByID = Dictionary(profiles.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        candidates = profiles.map {
            PolicyCandidate(id: $0.id, accuracy: $0.accuracy.accuracy, latencyP95Ms: LatencyStatistics.milliseconds($0.latency.p95),
                            memoryMB: $0.memoryMB)
        }
        let onFront = Set(profiles.filter(\.onFront).map(\.id))
        frontCandidates = candidates.filter { onFront.contains($0.id) }
        shared = Mutex(Shared(
            controls: controls, events: RingBuffer(capacity: configuration.eventCapacity),
            decisionNanoseconds: RingBuffer(capacity: 100_000)))
    }

    deinit { stop() }

    // MARK: Lifecycle

    /// Prepares the first variant the policy picks from the profiles, starts inference on it, the context sampler,
    /// the background preparation of the other variants and the control thread.
    public func start() throws {
        guard runner == nil else { return }
        let controls = shared.withLock { $0.controls }
        // The policy's first pick; one that cannot be built is left out and the next pick tried (a pin must build).
        var choices = frontCandidates
        var first: PolicyDecision
        var prepared: PreparedVariant?
        repeat {
            first = configuration.policy.decide(PolicyInput(candidates: choices, budgets: controls.budgets, mode: controls.mode, pinned: controls.pinned))
            guard let id = first.variant else { throw ModelError.badInput(reason: "the family has no variant that can be built") }
            do {
                prepared = try pool.prepare(id)
            } catch where controls.pinned == nil {
                log(.prepare, "cannot prepare \(id): \(error)")
                choices.removeAll { $0.id == id }
            }
        } while prepared == nil
        guard let prepared, let firstID = first.variant else { return }
        // Front members first, most accurate first: the variants the policy is likeliest to want.
        let order = profiles.sorted { ($0.onFront ? 1 : 0, $0.accuracy.accuracy) > ($1.onFront ? 1 : 0, $1.accuracy.accuracy) }.map(\.id)
        pool.startPreparing(order: order)
        let source = LiveFrameSource(
            dataset: dataset, framesPerSecond: configuration.framesPerSecond, injections: injections, drops: drops)
        let runner = InferenceRunner(source: source, initial: prepared, recordFrames: configuration.recordFrames,
                                     frameObserver: configuration.frameObserver)
        self.runner = runner
        loop = Loop(active: firstID, lastSwitch: 0, observations: LatencyObservations(lifetime: configuration.observationLifetime))
        sampler?.start()
        runner.start()
        shared.withLock { shared in
            shared.state = .running
            shared.decision = first
            shared.switchTimes.append(0)
        }
        log(.start, "started on \(firstID): \(first.reason)")
        let thread = Thread { [self] in
            defer { controlFinished.signal() }
            controlLoop()
        }
        thread.name = "adapt-top engine"
        thread.start()
    }

    /// Stops inference after the frame in flight, the control thread, the sampler, the preparation and every
    /// injection.
    public func stop() {
        guard let runner, !stopping.exchange(true, ordering: .sequentiallyConsistent) else { return }
        wake.signal()
        controlFinished.wait()
        runner.stop()
        pool.stop()
        sampler?.stop()
        injections.stopAll()
    }

    // MARK: Reading

    /// The latest snapshot (a fresh one before the control thread made its first).
    ///
    /// Its policy fields (mode, budgets, pause, pin) are the operator controls as they are now, not as at the last
    /// publication: a command shows at once, and a key held down on a dashboard steps on from its last step.
    public var snapshot: EngineSnapshot {
        let (published, controls) = shared.withLock { ($0.snapshot, $0.controls) }
        guard var snapshot = published else { return makeSnapshot(sequence: 0, throughput: nil, loop: nil) }
        snapshot.policy.mode = controls.mode.rawValue
        snapshot.policy.latencyBudgetMs = controls.budgets.latencyMs
        snapshot.policy.memoryBudgetMb = controls.budgets.memoryMB
        snapshot.policy.accuracyFloor = controls.budgets.accuracyFloor
        snapshot.policy.paused = controls.paused
        snapshot.policy.pinned = controls.pinned
        return snapshot
    }

    /// Waits until a snapshot newer than `sequence` is published (or `timeout` seconds pass).
    public func snapshot(after sequence: Int, timeout: Double) -> EngineSnapshot? {
        let deadline = clock.now + .milliseconds(Int64(timeout * 1000))
        while clock.now < deadline {
            if let snapshot = shared.withLock({ $0.snapshot }), snapshot.sequence > sequence { return snapshot }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return nil
    }

    /// Engine seconds (the runner's time base: frame records, switch times and events share it).
    public var seconds: Double { runner?.seconds ?? 0 }
    public var statistics: RunnerStatistics? { runner?.statistics }
    public var frameRecords: [FrameRecord] { runner?.frameRecords ?? [] }
    /// When each variant started running (the first at 0).
    public var switchTimes: [Double] { shared.withLock { $0.switchTimes } }
    /// CPU time each policy decision took.
    public var decisionNanoseconds: [UInt64] { shared.withLock { $0.decisionNanoseconds.values } }
    public var variantStates: [String: VariantPool.State] { pool.states }
    public var events: [EngineEvent] { shared.withLock { $0.events.values } }

    // MARK: Commands

    /// Applies an operator command now; the event log records it. A refused command changes nothing.
    public func send(_ command: EngineCommand) throws(EngineCommandError) {
        switch command {
        case .startCPULoad(let threads, let duty):
            try injecting("CPU load \(threads) thread(s) at \(Int((duty * 100).rounded())) %") {
                try injections.setCPULoad(threads: threads, duty: duty)
            }
        case .stopCPULoad:
            injections.stopCPULoad()
            log(.injection, "CPU load stopped")
        case .startMemoryPressure(let megabytes):
            try injecting("memory pressure \(megabytes) MB") { try injections.setMemoryPressure(megabytes: megabytes) }
        case .stopMemoryPressure:
            injections.stopMemoryPressure()
            log(.injection, "memory pressure released")
        case .setDrift(let drift):
            injections.setDrift(drift)
            log(.injection, drift.map { "input drift \($0)" } ?? "input drift stopped")
        case .pin(let id):
            if case .failed(let reason) = pool.state(of: id) {
                throw EngineCommandError(message: "cannot pin \(id): it could not be prepared (\(reason))")
            }
            let line = try applyControl(command)
            pool.prioritise(id)
            log(.pin, line)
        default:
            let line = try applyControl(command)
            log(Self.eventKind(command), line)
        }
        wake.signal()
    }

    private func applyControl(_ command: EngineCommand) throws(EngineCommandError) -> String {
        let ids = candidates.map(\.id)
        let outcome: Result<String, EngineCommandError> = shared.withLock { shared in
            var controls = shared.controls
            do throws(EngineCommandError) {
                let line = try controls.apply(command, variants: ids)
                shared.controls = controls
                return .success(line)
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    private func injecting(_ what: String, _ body: () throws -> Void) throws(EngineCommandError) {
        do {
            try body()
        } catch {
            log(.error, "cannot start \(what): \(error)")
            throw EngineCommandError(message: "cannot start \(what): \(error)")
        }
        log(.injection, "\(what) started")
    }

    private static func eventKind(_ command: EngineCommand) -> EngineEvent.Kind {
        switch command {
        case .pin: .pin
        case .unpin: .unpin
        case .pause: .pause
        case .resume: .resume
        case .setLatencyBudget, .setMemoryBudget, .setAccuracyFloor: .budget
        case .setMode: .mode
        case .startCPULoad, .stopCPULoad, .startMemoryPressure, .stopMemoryPressure, .setDrift: .injection
        }
    }

    /// Adds a line to the event log from the program around the engine (e.g. how profiling went).
    public func note(_ kind: EngineEvent.Kind, _ reason: String) {
        log(kind, reason)
    }

    private func log(_ kind: EngineEvent.Kind, _ reason: String) {
        let seconds = self.seconds
        shared.withLock { shared in
            shared.events.append(EngineEvent(sequence: shared.nextEvent, seconds: seconds, kind: kind, reason: reason))
            shared.nextEvent += 1
        }
    }

    // MARK: The control thread

    private func controlLoop() {
        while !stopping.load(ordering: .sequentiallyConsistent) {
            tick()
            _ = wake.wait(timeout: .now() + .nanoseconds(Int(LatencyStatistics.nanoseconds(configuration.decisionInterval))))
        }
    }

    private func tick() {
        guard let runner, var loop else { return }
        defer { self.loop = loop }
        let now = runner.seconds
        for failure in pool.takeFailures() { log(.prepare, "cannot prepare \(failure.id): \(failure.reason)") }
        if !loop.preparedAnnounced, pool.settled {
            loop.preparedAnnounced = true
            let ready = pool.states.values.filter { $0 == .ready }.count
            log(.prepare, "\(ready) of \(candidates.count) variants ready to switch to (prepared in \(String(format: "%.1f", now)) s)")
        }
        observe(runner: runner, now: now, loop: &loop)
        decide(runner: runner, now: now, loop: &loop)
        let interval = LatencyStatistics.seconds(configuration.snapshotInterval)
        if now - loop.lastSnapshot >= interval * 0.95 {
            let frames = runner.frames
            let throughput = loop.lastSnapshot.isFinite
                ? Double(frames - loop.framesAtLastSnapshot) / max(1e-9, now - loop.lastSnapshot) : nil
            loop.snapshotSequence += 1
            (loop.lastSnapshot, loop.framesAtLastSnapshot) = (now, frames)
            let snapshot = makeSnapshot(sequence: loop.snapshotSequence, throughput: throughput, loop: loop)
            shared.withLock { $0.snapshot = snapshot }
        }
    }

    /// The active variant's latency now, and what probes found. Contention is the ratio of medians — how much of
    /// the CPU inference gets — while each variant's p95 is taken as measured: preemption lengthens the tail of a
    /// long inference far more than of a short one, so scaling every tail by one ratio mispredicts.
    private func observe(runner: InferenceRunner, now: Double, loop: inout Loop) {
        let window = runner.activeWindow(lastSeconds: configuration.observationSeconds)
        if window.variant == loop.active, window.latencies.count >= configuration.minimumObservedFrames,
           let profile = profileByID[loop.active] {
            let sorted = window.latencies.sorted()
            if let p95 = TraceMetrics.percentile(95, of: sorted), let p50 = TraceMetrics.percentile(50, of: sorted) {
                loop.observations.record(loop.active, p95Ms: Double(p95) / 1e6, at: now)
                loop.contention = Double(p50) / 1e6 / max(1e-9, LatencyStatistics.milliseconds(profile.latency.p50))
            }
        }
        for probe in runner.takeProbeResults() where probe.latencies.count >= configuration.probeWarmupFrames + configuration.minimumObservedFrames {
            if let p95 = TraceMetrics.percentile(95, of: probe.latencies.dropFirst(configuration.probeWarmupFrames).sorted()) {
                loop.observations.record(probe.variant, p95Ms: Double(p95) / 1e6, at: probe.endedAt)
            }
        }
        if let stopped = runner.stoppedBecause, !loop.stopAnnounced {
            loop.stopAnnounced = true
            shared.withLock { $0.state = .stopped }
            log(.stop, "inference stopped: \(stopped)")
        }
    }

    private func decide(runner: InferenceRunner, now: Double, loop: inout Loop) {
        // One switch in flight at a time: a second one before the runner took the first (a slow frame, a thread the
        // scheduler kept waiting) would replace it, and the log would list a switch that never ran.
        guard !runner.hasPendingSwitch else { return }
        var controls = shared.withLock { $0.controls }
        let states = pool.states
        let observed = loop.observations.fresh(at: now)
        var ready = frontCandidates.filter { states[$0.id] == .ready || $0.id == loop.active }
        if !ready.contains(where: { $0.id == loop.active }), let active = candidates.first(where: { $0.id == loop.active }) {
            ready.append(active)  // a pinned variant off the front, just unpinned: the policy moves off it
        }
        for index in ready.indices { ready[index].observedLatencyP95Ms = observed[ready[index].id] }
        var pinned = controls.pinned
        if let id = pinned, case .failed(let reason)? = states[id], id != loop.active {
            // The pinned variant turned out impossible to build: say so and hand back to the policy.
            _ = try? applyControl(.unpin)
            log(.error, "cannot run the pinned \(id): \(reason); unpinned")
            (pinned, controls.pinned) = (nil, nil)
        }
        if let id = pinned, states[id] != .ready, id != loop.active {
            pinned = nil
            pool.prioritise(id)
        }
        let input = PolicyInput(
            candidates: ready, budgets: controls.budgets, mode: controls.mode, contention: loop.contention ?? 1,
            active: loop.active,
            secondsSinceSwitch: now - loop.lastSwitch, pinned: pinned,
            paused: controls.paused || (controls.pinned != nil && pinned == nil))
        // Timed on the thread's CPU clock: what deciding costs, not how long the scheduler kept the thread waiting.
        let started = LatencyBenchmark.threadCPUTime()
        var decision = configuration.policy.decide(input)
        let finished = LatencyBenchmark.threadCPUTime()
        if let id = controls.pinned, pinned == nil { decision.explanation = .pinnedPreparing(id) }
        shared.withLock { shared in
            if let started, let finished {
                shared.decisionNanoseconds.append(UInt64(max(0, LatencyStatistics.nanoseconds(finished - started))))
            }
            shared.decision = decision
        }
        if let id = decision.variant, id != loop.active, let next = pool.prepared(id) {
            runner.switchTo(next)
            loop.active = id
            loop.lastSwitch = now
            shared.withLock { $0.switchTimes.append(now) }
            log(.switch, decision.reason)
        } else if pinned == nil, !controls.paused {
            probe(runner: runner, now: now, budgets: controls.budgets, mode: controls.mode, ready: ready, loop: &loop)
        }
    }

    /// Now and then runs a few frames on the next more accurate front variant whose latency was not measured lately
    /// and that fits the budgets on its profile: contention may let it fit, and only a measurement can tell.
    private func probe(runner: InferenceRunner, now: Double, budgets: PolicyBudgets, mode: PolicyMode, ready: [PolicyCandidate],
                       loop: inout Loop) {
        guard configuration.probeInterval > 0, mode != .minLatency, now - loop.lastProbe >= configuration.probeInterval,
              now - loop.lastSwitch >= configuration.observationSeconds, !runner.probing,
              let active = profileByID[loop.active] else { return }
        let stale = configuration.observationLifetime / 2
        let target = ready.filter { candidate in
            profileByID[candidate.id]?.onFront == true && candidate.accuracy > active.accuracy.accuracy
                && candidate.memoryMB <= budgets.memoryMB && candidate.latencyP95Ms <= budgets.latencyMs
                && (loop.observations.age(of: candidate.id, at: now) ?? .infinity) > stale
        }.min { $0.accuracy < $1.accuracy }
        guard let target, let prepared = pool.prepared(target.id) else { return }
        runner.probe(prepared, frames: configuration.probeFrames, maxSeconds: configuration.probeMaxSeconds)
        loop.lastProbe = now
    }

    // MARK: Snapshots

    /// The sampler's latest reading, with every injection listed (the engine's own, and the sampler's battery).
    private func context() -> EngineSnapshot.Context {
        var context = sampler?.latest.map(EngineSnapshot.Context.init) ?? .unavailable
        let labels = injections.labels
        context.injected = labels + context.injected.filter { !labels.contains($0) }
        return context
    }

    /// - Parameter loop: the control thread's state (nil from any other thread: the decision figures are left out).
    private func makeSnapshot(sequence: Int, throughput: Double?, loop: Loop?) -> EngineSnapshot {
        let (controls, events, decision, state) = shared.withLock { shared in
            (shared.controls, shared.events.values.suffix(configuration.eventsPerSnapshot), shared.decision, shared.state)
        }
        let statistics = runner?.statistics
        let now = seconds
        let states = pool.states
        let fresh = loop?.observations.fresh(at: now) ?? [:]
        let activeID = loop?.active
        func milliseconds(_ latency: LatencyStatistics?) -> EngineSnapshot.Percentiles? {
            latency.map { .init(p50: LatencyStatistics.milliseconds($0.p50), p95: LatencyStatistics.milliseconds($0.p95),
                                p99: LatencyStatistics.milliseconds($0.p99)) }
        }
        let variants = profiles.map { profile -> EngineSnapshot.Variant in
            let p95 = LatencyStatistics.milliseconds(profile.latency.p95)
            var variantState: EngineSnapshot.Variant.State
            var detail: String?
            switch states[profile.id] {
            case .ready?: variantState = .ready
            case .failed(let reason)?:
                variantState = .failed
                detail = reason
            case .preparing?, .waiting?, nil: variantState = .preparing
            }
            if profile.id == activeID { variantState = .active }
            if profile.id == controls.pinned { variantState = .pinned }
            return EngineSnapshot.Variant(
                id: profile.id, parent: profile.parent, transform: profile.transform, accuracy: profile.accuracy.accuracy,
                latencyMsP50: LatencyStatistics.milliseconds(profile.latency.p50), latencyMsP95: p95,
                memoryMb: profile.memoryMB, onFront: profile.onFront, state: variantState,
                predictedLatencyMsP95: fresh[profile.id] ?? loop?.contention.map { p95 * $0 },
                observedLatencyMsP95: fresh[profile.id], detail: detail, backend: profile.backend)
        }
        return EngineSnapshot(
            sequence: sequence, timestamp: Date().timeIntervalSince1970, uptimeSeconds: now, host: host, family: family,
            state: state,
            active: .init(id: activeID, transform: activeID.flatMap { profileByID[$0]?.transform },
                          pinned: activeID != nil && controls.pinned == activeID,
                          secondsSinceSwitch: loop.map { now - $0.lastSwitch }),
            policy: .init(mode: controls.mode.rawValue, latencyBudgetMs: controls.budgets.latencyMs,
                          memoryBudgetMb: controls.budgets.memoryMB, accuracyFloor: controls.budgets.accuracyFloor,
                          paused: controls.paused, pinned: controls.pinned, contention: loop?.contention, reason: decision?.reason ?? "starting"),
            context: context(),
            inference: .init(
                count: statistics?.frames ?? 0, throughputIps: throughput,
                latencyMs: milliseconds(statistics?.recentLatency), latencyMsSinceStart: milliseconds(statistics?.latencySinceStart),
                accuracy: statistics?.rollingAccuracy, confidence: statistics?.lastConfidence, entropy: statistics?.lastEntropy,
                drops: drops.value, switches: statistics?.switches ?? 0, stoppedBecause: statistics?.stoppedBecause),
            variants: variants, events: Array(events))
    }
}
