public import AdaptEngine
internal import Prometheus
internal import Synchronization

/// The engine as Prometheus metrics (text exposition 0.0.4): every frame's latency in a histogram per variant, and
/// at each scrape the latest `EngineSnapshot` as counters and gauges in base units (seconds, bytes, ratios 0…1).
/// A figure the snapshot does not have (nil: the device cannot give it, or not yet) is left out, never exported as 0.
///
/// Feed it `frameObserver` (through `AdaptiveEngine.Configuration.frameObserver`), and at each scrape call
/// `update(from:)` with the engine's latest snapshot, then `exposition()`. The histogram counts frames as they end and
/// `adapt_inferences_total` as of the snapshot (published every 0.1 s), so the histogram's `_count` runs a little ahead.
public final class EngineMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    /// The histogram of the variant that ran the last frame — nearly every frame finds it there, with no dictionary
    /// lookup — and every variant's, so a probe's first frame does not pay for the registry's name checks either.
    private let latencies = Mutex(LatencyHistograms())

    private struct LatencyHistograms {
        var last: (variant: String, histogram: DurationHistogram)?
        var byVariant: [String: DurationHistogram] = [:]
    }
    private let inferences: Counter
    private let switches: Counter
    private let drops: Counter
    private let published = Mutex(Published())

    /// What the last `update` exported, to advance counters by deltas and retire series that are gone.
    private struct Published {
        var inferences = 0
        var switches = 0
        var drops = 0
        /// Each gauge family's series by label values.
        var gauges: [String: [[String]: Gauge]] = [:]
    }

    public init() {
        // Counters exist from the start at 0, so the first scrape already has them (and rate() sees their start).
        inferences = registry.makeCounter(descriptor: Self.descriptor(Self.inferencesTotal))
        switches = registry.makeCounter(descriptor: Self.descriptor(Self.switchesTotal))
        drops = registry.makeCounter(descriptor: Self.descriptor(Self.dropsTotal))
    }

    // MARK: Per frame

    /// `observeLatency` as the engine's frame observer.
    public var frameObserver: InferenceRunner.FrameObserver {
        { [self] variant, nanoseconds in observeLatency(variant: variant, nanoseconds: nanoseconds) }
    }

    /// Records one frame's latency in `adapt_inference_latency_seconds{variant=…}`. Runs on the inference thread for
    /// every frame: two uncontended locks and a bucket scan (about 0.15 µs in a release build), no allocation once the
    /// variant's histogram exists.
    public func observeLatency(variant: String, nanoseconds: UInt64) {
        let histogram = latencies.withLock { histograms in
            if let last = histograms.last, last.variant == variant { return last.histogram }
            let histogram = histograms.byVariant[variant] ?? registry.makeDurationHistogram(
                descriptor: Self.descriptor(Self.latency), labels: [("variant", variant)], buckets: Self.latencyBuckets)
            histograms.byVariant[variant] = histogram
            histograms.last = (variant, histogram)
            return histogram
        }
        histogram.record(.nanoseconds(Int64(clamping: nanoseconds)))
    }

    /// Upper bounds of the latency buckets: 1–2–3–5 steps from 10 µs to 1 s (from the demo's int8 CNNs to a large
    /// model on a loaded board), and 2.5 and 5 µs for its int8 MLP; slower frames land in +Inf. Three steps per decade
    /// place a bound near any budget (the demo's default, 0.3 ms, exactly), so the share of frames within it is read
    /// off a bucket instead of interpolated.
    static let latencyBuckets: [Duration] = [
        .nanoseconds(2_500), .microseconds(5),
        .microseconds(10), .microseconds(20), .microseconds(30), .microseconds(50),
        .microseconds(100), .microseconds(200), .microseconds(300), .microseconds(500),
        .milliseconds(1), .milliseconds(2), .milliseconds(3), .milliseconds(5),
        .milliseconds(10), .milliseconds(20), .milliseconds(30), .milliseconds(50),
        .milliseconds(100), .milliseconds(200), .milliseconds(300), .milliseconds(500),
        .seconds(1),
    ]

    // MARK: Per scrape

    /// Sets every counter and gauge from `snapshot` (call it just before `exposition()`). Counters advance by how
    /// much the snapshot's totals grew; a total smaller than the last one (a new engine) counts from 0 again, so a
    /// counter never goes back. A series whose figure is gone (a nil value, another active variant) is removed.
    public func update(from snapshot: EngineSnapshot) {
        let samples = Self.samples(of: snapshot)
        published.withLock { published in
            Self.advance(inferences, from: &published.inferences, to: snapshot.inference.count)
            Self.advance(switches, from: &published.switches, to: snapshot.inference.switches)
            Self.advance(drops, from: &published.drops, to: snapshot.inference.drops)
            for family in Self.gaugeFamilies {
                var series = published.gauges[family.name] ?? [:]
                let wanted = samples[family.name] ?? [:]
                for (labels, gauge) in series where wanted[labels] == nil {
                    registry.unregisterGauge(gauge)
                    series[labels] = nil
                }
                for (labels, value) in wanted {
                    let gauge = series[labels] ?? registry.makeGauge(
                        descriptor: Self.descriptor(family), labels: Array(zip(family.labels, labels)))
                    gauge.set(to: value)
                    series[labels] = gauge
                }
                published.gauges[family.name] = series
            }
        }
    }

    /// Every metric in Prometheus's text format (version 0.0.4), UTF-8.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }

    private static func advance(_ counter: Counter, from last: inout Int, to total: Int) {
        let grown = total >= last ? total - last : total
        if grown > 0 { counter.increment(by: Int64(grown)) }
        last = total
    }

    /// The snapshot's gauge values by family name and label values; nil and non-finite figures are left out (a
    /// NaN would be written `nan`, which is not a Prometheus value, and would claim a reading there is none of).
    private static func samples(of snapshot: EngineSnapshot) -> [String: [[String]: Double]] {
        var samples: [String: [[String]: Double]] = [:]
        func set(_ family: Family, _ labels: [String] = [], _ value: Double?) {
            precondition(labels.count == family.labels.count, "\(family.name) takes \(family.labels.count) labels")
            guard let value, value.isFinite else { return }
            samples[family.name, default: [:]][labels] = value
        }
        func flag(_ on: Bool) -> Double { on ? 1 : 0 }
        func seconds(milliseconds: Double?) -> Double? { milliseconds.map { $0 / 1000 } }
        // The snapshot's MB are MiB (bytes / 2^20) throughout; whole bytes again.
        func bytes(mebibytes: Double?) -> Double? { mebibytes.map { ($0 * 1_048_576).rounded() } }
        func ratio(percent: Double?) -> Double? { percent.map { $0 / 100 } }

        set(engineInfo, [snapshot.family], 1)
        set(engineUp, [], flag(snapshot.state == .running))
        for state in [EngineSnapshot.EngineState.starting, .running, .stopped] {
            set(engineState, [state.rawValue], flag(snapshot.state == state))
        }
        set(uptime, [], snapshot.uptimeSeconds)

        let inference = snapshot.inference
        set(throughput, [], inference.throughputIps)
        set(accuracy, [], inference.accuracy)
        set(confidence, [], inference.confidence)
        set(entropy, [], inference.entropy)

        if let id = snapshot.active.id {
            set(activeVariant, [id, snapshot.active.transform ?? "", snapshot.active.pinned ? "true" : "false"], 1)
        }

        let policy = snapshot.policy
        set(policyMode, [policy.mode], 1)
        set(latencyBudget, [], seconds(milliseconds: policy.latencyBudgetMs))
        set(memoryBudget, [], bytes(mebibytes: policy.memoryBudgetMb))
        set(accuracyFloor, [], policy.accuracyFloor)
        set(paused, [], flag(policy.paused))
        set(contention, [], policy.contention)

        let context = snapshot.context
        set(cpuUtilization, [], context.cpuUtil)
        for (core, busy) in context.coreUtil.enumerated() { set(coreUtilization, ["\(core)"], busy) }
        set(load1, [], context.loadAverageOne)
        set(memoryTotal, [], bytes(mebibytes: context.memTotalMb))
        set(memoryAvailable, [], bytes(mebibytes: context.memAvailableMb))
        set(swapUsed, [], bytes(mebibytes: context.swapUsedMb))
        set(pressure, ["cpu"], ratio(percent: context.cpuPressureAvg10))
        set(pressure, ["memory"], ratio(percent: context.memoryPressureAvg10))
        set(pressure, ["io"], ratio(percent: context.ioPressureAvg10))
        set(cpuStall, [], context.cpuStallShare)
        set(processCPU, [], context.processCpuCores)
        set(processResident, [], bytes(mebibytes: context.processRssMb))
        set(cgroupCPULimit, [], context.cgroupCpuLimitCores)
        set(cgroupMemoryLimit, [], bytes(mebibytes: context.cgroupMemoryLimitMb))
        set(temperature, [context.temperatureZone ?? ""], context.temperatureC)
        set(battery, [], ratio(percent: context.batteryPercent))
        set(networkReceive, [], context.networkRxBytesPerS)
        set(networkTransmit, [], context.networkTxBytesPerS)
        for injection in context.injected { set(injectionInfo, [injection], 1) }

        for variant in snapshot.variants {
            let id = [variant.id]
            set(variantInfo, [variant.id, variant.parent, variant.transform], 1)
            set(profileLatencyP50, id, seconds(milliseconds: variant.latencyMsP50))
            set(profileLatencyP95, id, seconds(milliseconds: variant.latencyMsP95))
            set(profileAccuracy, id, variant.accuracy)
            set(profileMemory, id, bytes(mebibytes: variant.memoryMb))
            set(onFront, id, flag(variant.onFront))
            set(predictedLatencyP95, id, seconds(milliseconds: variant.predictedLatencyMsP95))
            set(observedLatencyP95, id, seconds(milliseconds: variant.observedLatencyMsP95))
        }
        return samples
    }

    // MARK: Names

    /// A metric's name, help text and label names. Names follow https://prometheus.io/docs/practices/naming/:
    /// `adapt_` prefix, base unit as suffix, `_total` on counters, `_info` on metadata gauges whose value is 1.
    struct Family: Sendable {
        let name: String
        let help: String
        var labels: [String] = []
    }

    private static func descriptor(_ family: Family) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: family.name, unitName: "", helpText: family.help)
    }

    static let latency = Family(
        name: "adapt_inference_latency_seconds", help: "Inference latency of each frame, by the variant that ran it.")
    static let inferencesTotal = Family(
        name: "adapt_inferences_total", help: "Frames inferred since the engine started (probe frames included).")
    static let switchesTotal = Family(name: "adapt_variant_switches_total", help: "Switches of the active variant.")
    static let dropsTotal = Family(
        name: "adapt_frames_dropped_total", help: "Frames of a paced stream that inference could not take on time.")

    static let engineInfo = Family(
        name: "adapt_engine_info", help: "The model family the engine serves (value 1).", labels: ["family"])
    static let engineUp = Family(name: "adapt_engine_up", help: "1 while inference runs, 0 while starting or stopped.")
    static let engineState = Family(
        name: "adapt_engine_state", help: "The engine's state: 1 for the current one, 0 for the others.", labels: ["state"])
    static let uptime = Family(name: "adapt_engine_uptime_seconds", help: "Seconds since the engine started.")

    static let throughput = Family(
        name: "adapt_inferences_per_second", help: "Frames inferred per second over the last snapshot interval.")
    static let accuracy = Family(
        name: "adapt_accuracy_ratio", help: "Rolling top-1 accuracy against the frames' labels (0-1).")
    static let confidence = Family(
        name: "adapt_inference_confidence_ratio", help: "The last frame's top softmax probability (0-1).")
    static let entropy = Family(name: "adapt_inference_entropy_nats", help: "The last frame's softmax entropy, in nats.")

    static let activeVariant = Family(
        name: "adapt_active_variant_info", help: "The variant inference runs now (value 1).",
        labels: ["variant", "transform", "pinned"])

    static let policyMode = Family(name: "adapt_policy_mode_info", help: "The policy's mode (value 1).", labels: ["mode"])
    static let latencyBudget = Family(
        name: "adapt_policy_latency_budget_seconds", help: "The p95 latency budget the policy keeps to.")
    static let memoryBudget = Family(name: "adapt_policy_memory_budget_bytes", help: "The policy's memory budget.")
    static let accuracyFloor = Family(
        name: "adapt_policy_accuracy_floor_ratio", help: "The accuracy the policy will not go below (0-1).")
    static let paused = Family(name: "adapt_policy_paused", help: "1 while the operator has paused adaptation.")
    static let contention = Family(
        name: "adapt_policy_contention_ratio",
        help: "Observed over profiled median latency of the active variant: the slowdown the policy predicts with.")

    static let cpuUtilization = Family(
        name: "adapt_context_cpu_utilization_ratio", help: "Busy share of all cores (0-1).")
    static let coreUtilization = Family(
        name: "adapt_context_core_utilization_ratio", help: "Busy share of each core (0-1).", labels: ["core"])
    static let load1 = Family(name: "adapt_context_load1", help: "The 1-minute load average.")
    static let memoryTotal = Family(name: "adapt_context_memory_total_bytes", help: "The device's memory.")
    static let memoryAvailable = Family(
        name: "adapt_context_memory_available_bytes", help: "Memory available to a new workload without swapping.")
    static let swapUsed = Family(name: "adapt_context_swap_used_bytes", help: "Swap in use.")
    static let pressure = Family(
        name: "adapt_context_pressure_some_avg10_ratio",
        help: "Pressure stall information: share of the last 10 s some task stalled on the resource (0-1).",
        labels: ["resource"])
    static let cpuStall = Family(
        name: "adapt_context_cpu_stall_ratio", help: "Share of the last sampling interval some task stalled on CPU (0-1).")
    static let processCPU = Family(name: "adapt_context_process_cpu_cores", help: "This process's CPU use, in cores.")
    static let processResident = Family(
        name: "adapt_context_process_resident_memory_bytes", help: "This process's resident memory.")
    static let cgroupCPULimit = Family(
        name: "adapt_context_cgroup_cpu_limit_cores", help: "The cgroup's CPU limit, in cores (absent when unlimited).")
    static let cgroupMemoryLimit = Family(
        name: "adapt_context_cgroup_memory_limit_bytes", help: "The cgroup's memory limit (absent when unlimited).")
    static let temperature = Family(
        name: "adapt_context_temperature_celsius", help: "Temperature of the hottest thermal zone.", labels: ["zone"])
    static let battery = Family(
        name: "adapt_context_battery_ratio", help: "Battery charge (0-1); an injected level is listed in adapt_context_injection_info.")
    static let networkReceive = Family(
        name: "adapt_context_network_receive_bytes_per_second", help: "Bytes received per second on all interfaces.")
    static let networkTransmit = Family(
        name: "adapt_context_network_transmit_bytes_per_second", help: "Bytes sent per second on all interfaces.")
    static let injectionInfo = Family(
        name: "adapt_context_injection_info", help: "A demo injection in force (value 1).", labels: ["injection"])

    static let variantInfo = Family(
        name: "adapt_variant_info", help: "A variant of the catalog (value 1).", labels: ["variant", "parent", "transform"])
    static let profileLatencyP50 = Family(
        name: "adapt_variant_profile_latency_p50_seconds", help: "Median latency profiled on this device.", labels: ["variant"])
    static let profileLatencyP95 = Family(
        name: "adapt_variant_profile_latency_p95_seconds", help: "95th percentile latency profiled on this device.",
        labels: ["variant"])
    static let profileAccuracy = Family(
        name: "adapt_variant_profile_accuracy_ratio", help: "Top-1 accuracy profiled on the held-out split (0-1).",
        labels: ["variant"])
    static let profileMemory = Family(
        name: "adapt_variant_profile_memory_bytes", help: "Peak memory profiled (weights and activations).", labels: ["variant"])
    static let onFront = Family(
        name: "adapt_variant_on_front", help: "1 if the variant is on the accuracy-latency-memory Pareto front.",
        labels: ["variant"])
    static let predictedLatencyP95 = Family(
        name: "adapt_variant_predicted_latency_p95_seconds",
        help: "The p95 latency the policy predicts for the variant now.", labels: ["variant"])
    static let observedLatencyP95 = Family(
        name: "adapt_variant_observed_latency_p95_seconds",
        help: "The variant's p95 latency observed lately on this run.", labels: ["variant"])

    /// Every gauge family `update` publishes: one missing from a snapshot has its series removed.
    static let gaugeFamilies = [
        engineInfo, engineUp, engineState, uptime, throughput, accuracy, confidence, entropy, activeVariant,
        policyMode, latencyBudget, memoryBudget, accuracyFloor, paused, contention,
        cpuUtilization, coreUtilization, load1, memoryTotal, memoryAvailable, swapUsed, pressure, cpuStall, processCPU,
        processResident, cgroupCPULimit, cgroupMemoryLimit, temperature, battery, networkReceive, networkTransmit,
        injectionInfo,
        variantInfo, profileLatencyP50, profileLatencyP95, profileAccuracy, profileMemory, onFront, predictedLatencyP95,
        observedLatencyP95,
    ]
}
