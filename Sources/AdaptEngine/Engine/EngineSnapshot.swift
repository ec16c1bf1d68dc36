/// Everything the engine shows, as one value (~10 Hz): what the dashboard renders, batch mode prints and the
/// control socket sends. Field names follow DESIGN.md's JSON contract (`EngineSnapshot+JSON` writes them in
/// snake case, units in the key); a value the device cannot give is nil, written `null`.
public struct EngineSnapshot: Sendable, Equatable, Codable, NullPreservingEncodable {
    /// The JSON contract's snake-case names, decoded without a key strategy (several times faster).
    enum CodingKeys: String, CodingKey {
        case sequence, timestamp, uptimeSeconds = "uptime_seconds", host, family, state, active, policy, context,
             inference, variants, events
    }

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

    public struct Active: Sendable, Equatable, Codable, NullPreservingEncodable {
        /// The JSON contract's snake-case names, decoded without a key strategy (several times faster).
        enum CodingKeys: String, CodingKey {
            case id, transform, pinned, secondsSinceSwitch = "seconds_since_switch"
        }

        /// Nil before the first variant runs.
        public var id: String?
        public var transform: String?
        public var pinned: Bool
        /// Seconds the active variant has run since the last switch.
        public var secondsSinceSwitch: Double?
    }

    public struct Policy: Sendable, Equatable, Codable, NullPreservingEncodable {
        /// The JSON contract's snake-case names, decoded without a key strategy (several times faster).
        enum CodingKeys: String, CodingKey {
            case mode, latencyBudgetMs = "latency_budget_ms", memoryBudgetMb = "memory_budget_mb",
                 accuracyFloor = "accuracy_floor", paused, pinned, contention, reason
        }

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

    public struct Context: Sendable, Equatable, Codable, NullPreservingEncodable {
        /// The JSON contract's snake-case names, decoded without a key strategy (several times faster).
        enum CodingKeys: String, CodingKey {
            case cpuUtil = "cpu_util", coreUtil = "core_util", loadAverageOne = "load_average_one",
                 memTotalMb = "mem_total_mb", memAvailableMb = "mem_available_mb", swapUsedMb = "swap_used_mb",
                 cpuPressureAvg10 = "cpu_pressure_avg10", memoryPressureAvg10 = "memory_pressure_avg10",
                 ioPressureAvg10 = "io_pressure_avg10", cpuStallShare = "cpu_stall_share",
                 processCpuCores = "process_cpu_cores", processRssMb = "process_rss_mb",
                 cgroupCpuLimitCores = "cgroup_cpu_limit_cores", cgroupMemoryLimitMb = "cgroup_memory_limit_mb",
                 temperatureC = "temperature_c", temperatureZone = "temperature_zone",
                 batteryPercent = "battery_percent", batteryInjected = "battery_injected",
                 networkRxBytesPerS = "network_rx_bytes_per_s", networkTxBytesPerS = "network_tx_bytes_per_s",
                 injected
        }

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

    public struct Inference: Sendable, Equatable, Codable, NullPreservingEncodable {
        /// The JSON contract's snake-case names, decoded without a key strategy (several times faster).
        enum CodingKeys: String, CodingKey {
            case count, throughputIps = "throughput_ips", latencyMs = "latency_ms",
                 latencyMsSinceStart = "latency_ms_since_start", accuracy, confidence, entropy, drops, switches,
                 stoppedBecause = "stopped_because"
        }

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

    public struct Variant: Sendable, Equatable, Codable, NullPreservingEncodable {
        /// The JSON contract's snake-case names, decoded without a key strategy (several times faster).
        enum CodingKeys: String, CodingKey {
            case id, parent, transform, accuracy, latencyMsP50 = "latency_ms_p50", latencyMsP95 = "latency_ms_p95",
                 memoryMb = "memory_mb", onFront = "on_front", state,
                 predictedLatencyMsP95 = "predicted_latency_ms_p95", observedLatencyMsP95 = "observed_latency_ms_p95",
                 detail, backend
        }

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
        /// The inference backend that runs it (`xnnpack`, `onednn`), as its profile chose.
        public var backend: String?
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
