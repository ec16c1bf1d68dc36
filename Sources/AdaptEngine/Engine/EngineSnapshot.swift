/// Everything the engine shows, as one value (~10 Hz): what the dashboard renders, batch mode prints and the
/// control socket sends. Field names follow DESIGN.md's JSON contract (`EngineSnapshot+JSON` writes them in
/// snake case, units in the key); a value the device cannot give is nil, written `null`.
public struct EngineSnapshot: Sendable, Equatable, Codable {
    public var sequence: Int
    /// Unix time of the snapshot, in seconds.
    public var timestamp: Double
    public var uptimeSeconds: Double
    public var host: String
    public var family: String
    public var state: EngineState
    public var active: Active
    public var policy: Policy
    public var context: Context
    public var inference: Inference
    /// Every variant of the catalog, in catalog order.
    public var variants: [Variant]
    /// The most recent events, oldest first.
    public var events: [EngineEvent]

    public enum EngineState: String, Sendable, Codable {
        /// Variants are being prepared; nothing runs yet.
        case starting
        case running
        /// The frame source ended or inference failed (`inference.stopped_because` says which).
        case stopped
    }

    public struct Active: Sendable, Equatable, Codable {
        /// Nil before the first variant runs.
        public var id: String?
        public var transform: String?
        public var pinned: Bool
        /// Seconds the active variant has run since the last switch.
        public var secondsSinceSwitch: Double?
    }

    public struct Policy: Sendable, Equatable, Codable {
        public var mode: String
        public var latencyBudgetMs: Double
        public var memoryBudgetMb: Double
        public var accuracyFloor: Double
        public var paused: Bool
        public var pinned: String?
        /// Observed ÷ profiled median latency of the active variant: the slowdown the policy scales unmeasured
        /// variants' profiles by; nil until enough frames ran.
        public var contention: Double?
        /// The last decision's one-line reason.
        public var reason: String
    }

    public struct Context: Sendable, Equatable, Codable {
        /// Busy fraction of all cores, 0…1.
        public var cpuUtil: Double?
        /// Busy fraction of each core, in core order.
        public var coreUtil: [Double?]
        /// The 1-minute load average.
        public var loadAverageOne: Double?
        public var memTotalMb: Double?
        public var memAvailableMb: Double?
        public var swapUsedMb: Double?
        /// PSI "some" avg10 of cpu, memory and io, in percent.
        public var cpuPressureAvg10: Double?
        public var memoryPressureAvg10: Double?
        public var ioPressureAvg10: Double?
        /// Share of the last sampling interval some task stalled on CPU (PSI total delta), 0…1.
        public var cpuStallShare: Double?
        /// This process's CPU use in cores, and its resident memory.
        public var processCpuCores: Double?
        public var processRssMb: Double?
        /// The cgroup's limits (nil where unlimited or unknown).
        public var cgroupCpuLimitCores: Double?
        public var cgroupMemoryLimitMb: Double?
        /// The hottest thermal zone and its name.
        public var temperatureC: Double?
        public var temperatureZone: String?
        public var batteryPercent: Double?
        public var batteryInjected: Bool
        public var networkRxBytesPerS: Double?
        public var networkTxBytesPerS: Double?
        /// Every active demo injection.
        public var injected: [String]

        /// Nothing measured yet (before the first sample).
        public static let unavailable = Context(
            cpuUtil: nil, coreUtil: [], loadAverageOne: nil, memTotalMb: nil, memAvailableMb: nil, swapUsedMb: nil,
            cpuPressureAvg10: nil, memoryPressureAvg10: nil, ioPressureAvg10: nil, cpuStallShare: nil,
            processCpuCores: nil, processRssMb: nil, cgroupCpuLimitCores: nil, cgroupMemoryLimitMb: nil,
            temperatureC: nil, temperatureZone: nil, batteryPercent: nil, batteryInjected: false,
            networkRxBytesPerS: nil, networkTxBytesPerS: nil, injected: [])
    }

    public struct Percentiles: Sendable, Equatable, Codable {
        public var p50: Double
        public var p95: Double
        public var p99: Double

        public init(p50: Double, p95: Double, p99: Double) {
            (self.p50, self.p95, self.p99) = (p50, p95, p99)
        }
    }

    public struct Inference: Sendable, Equatable, Codable {
        /// Frames inferred since the start.
        public var count: Int
        /// Frames per second over the last snapshot interval.
        public var throughputIps: Double?
        /// Over the last seconds' frames (all variants), and since the start.
        public var latencyMs: Percentiles?
        public var latencyMsSinceStart: Percentiles?
        /// Rolling top-1 against the frames' labels, 0…1.
        public var accuracy: Double?
        /// The last frame's top softmax probability and softmax entropy (nats).
        public var confidence: Double?
        public var entropy: Double?
        /// Frames the pacer could not run on time (0 when unpaced).
        public var drops: Int
        public var switches: Int
        public var stoppedBecause: String?
    }

    public struct Variant: Sendable, Equatable, Codable {
        public enum State: String, Sendable, Codable {
            case active, pinned, ready
            /// Being derived and compiled; the policy does not consider it yet.
            case preparing
            /// Could not be built; `detail` says why.
            case failed
        }

        public var id: String
        public var parent: String
        public var transform: String
        public var accuracy: Double
        public var latencyMsP50: Double
        public var latencyMsP95: Double
        public var memoryMb: Double
        public var onFront: Bool
        public var state: State
        /// The p95 the policy predicts for it now (profile × contention, or a fresh observation).
        public var predictedLatencyMsP95: Double?
        /// Its p95 observed on this run under conditions like the present ones (nil: none fresh).
        public var observedLatencyMsP95: Double?
        public var detail: String?
    }
}

/// One line of the event log.
public struct EngineEvent: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case start, `switch`, pin, unpin, pause, resume, budget, mode, injection, probe, profile, prepare, error, stop
    }

    public var sequence: Int
    /// Seconds since the engine started.
    public var seconds: Double
    public var kind: Kind
    public var reason: String

    public init(sequence: Int, seconds: Double, kind: Kind, reason: String) {
        (self.sequence, self.seconds, self.kind, self.reason) = (sequence, seconds, kind, reason)
    }
}

// Encoders written out (not synthesised) so an absent value is `null` rather than a missing key: DESIGN.md's
// contract is that every line has every field. They live here because the synthesised `CodingKeys` are private.

extension EngineSnapshot {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sequence, forKey: .sequence)
        try container.encode(timestamp, forKey: .timestamp)
        try container.encode(uptimeSeconds, forKey: .uptimeSeconds)
        try container.encode(host, forKey: .host)
        try container.encode(family, forKey: .family)
        try container.encode(state, forKey: .state)
        try container.encode(active, forKey: .active)
        try container.encode(policy, forKey: .policy)
        try container.encode(context, forKey: .context)
        try container.encode(inference, forKey: .inference)
        try container.encode(variants, forKey: .variants)
        try container.encode(events, forKey: .events)
    }
}

extension EngineSnapshot.Active {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(transform, forKey: .transform)
        try container.encode(pinned, forKey: .pinned)
        try container.encode(secondsSinceSwitch, forKey: .secondsSinceSwitch)
    }
}

extension EngineSnapshot.Policy {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(mode, forKey: .mode)
        try container.encode(latencyBudgetMs, forKey: .latencyBudgetMs)
        try container.encode(memoryBudgetMb, forKey: .memoryBudgetMb)
        try container.encode(accuracyFloor, forKey: .accuracyFloor)
        try container.encode(paused, forKey: .paused)
        try container.encode(pinned, forKey: .pinned)
        try container.encode(contention, forKey: .contention)
        try container.encode(reason, forKey: .reason)
    }
}

extension EngineSnapshot.Context {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(cpuUtil, forKey: .cpuUtil)
        try container.encode(coreUtil, forKey: .coreUtil)
        try container.encode(loadAverageOne, forKey: .loadAverageOne)
        try container.encode(memTotalMb, forKey: .memTotalMb)
        try container.encode(memAvailableMb, forKey: .memAvailableMb)
        try container.encode(swapUsedMb, forKey: .swapUsedMb)
        try container.encode(cpuPressureAvg10, forKey: .cpuPressureAvg10)
        try container.encode(memoryPressureAvg10, forKey: .memoryPressureAvg10)
        try container.encode(ioPressureAvg10, forKey: .ioPressureAvg10)
        try container.encode(cpuStallShare, forKey: .cpuStallShare)
        try container.encode(processCpuCores, forKey: .processCpuCores)
        try container.encode(processRssMb, forKey: .processRssMb)
        try container.encode(cgroupCpuLimitCores, forKey: .cgroupCpuLimitCores)
        try container.encode(cgroupMemoryLimitMb, forKey: .cgroupMemoryLimitMb)
        try container.encode(temperatureC, forKey: .temperatureC)
        try container.encode(temperatureZone, forKey: .temperatureZone)
        try container.encode(batteryPercent, forKey: .batteryPercent)
        try container.encode(batteryInjected, forKey: .batteryInjected)
        try container.encode(networkRxBytesPerS, forKey: .networkRxBytesPerS)
        try container.encode(networkTxBytesPerS, forKey: .networkTxBytesPerS)
        try container.encode(injected, forKey: .injected)
    }
}

extension EngineSnapshot.Inference {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(count, forKey: .count)
        try container.encode(throughputIps, forKey: .throughputIps)
        try container.encode(latencyMs, forKey: .latencyMs)
        try container.encode(latencyMsSinceStart, forKey: .latencyMsSinceStart)
        try container.encode(accuracy, forKey: .accuracy)
        try container.encode(confidence, forKey: .confidence)
        try container.encode(entropy, forKey: .entropy)
        try container.encode(drops, forKey: .drops)
        try container.encode(switches, forKey: .switches)
        try container.encode(stoppedBecause, forKey: .stoppedBecause)
    }
}

extension EngineSnapshot.Variant {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(parent, forKey: .parent)
        try container.encode(transform, forKey: .transform)
        try container.encode(accuracy, forKey: .accuracy)
        try container.encode(latencyMsP50, forKey: .latencyMsP50)
        try container.encode(latencyMsP95, forKey: .latencyMsP95)
        try container.encode(memoryMb, forKey: .memoryMb)
        try container.encode(onFront, forKey: .onFront)
        try container.encode(state, forKey: .state)
        try container.encode(predictedLatencyMsP95, forKey: .predictedLatencyMsP95)
        try container.encode(observedLatencyMsP95, forKey: .observedLatencyMsP95)
        try container.encode(detail, forKey: .detail)
    }
}
