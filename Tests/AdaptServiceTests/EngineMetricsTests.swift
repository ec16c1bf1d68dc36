import Foundation
import Testing
@testable import AdaptEngine
@testable import AdaptService

/// Snapshots shaped like the running demo family's, with every figure known.
enum MetricsSnapshots {
    static func variant(_ id: String, transform: String, accuracy: Double, p50: Double, p95: Double, memory: Double,
                        front: Bool, state: EngineSnapshot.Variant.State = .ready, predicted: Double? = nil,
                        observed: Double? = nil) -> EngineSnapshot.Variant {
        EngineSnapshot.Variant(
            id: id, parent: id.replacingOccurrences(of: "-int8", with: ""), transform: transform, accuracy: accuracy,
            latencyMsP50: p50, latencyMsP95: p95, memoryMb: memory, onFront: front, state: state,
            predictedLatencyMsP95: predicted, observedLatencyMsP95: observed, detail: nil)
    }

    /// A device that can tell everything: all cores but one known, PSI, a thermal zone, a battery, the network.
    static let fullContext = EngineSnapshot.Context(
        cpuUtil: 0.42, coreUtil: [0.5, nil, 0.25], loadAverageOne: 1.75, memTotalMb: 24_576, memAvailableMb: 20_000.5,
        swapUsedMb: 0, cpuPressureAvg10: 12.5, memoryPressureAvg10: 0, ioPressureAvg10: 1.25, cpuStallShare: 0.125,
        processCpuCores: 1.02, processRssMb: 96.25, cgroupCpuLimitCores: 2, cgroupMemoryLimitMb: 4096,
        temperatureC: 61.5, temperatureZone: "x86_pkg_temp", batteryPercent: 80, batteryInjected: false,
        networkRxBytesPerS: 1_234.5, networkTxBytesPerS: 99, injected: ["cpu load 2 × 50 %", #"drift "noise" 3\ of 5"#])

    static func running(count: Int = 123_456, switches: Int = 2, drops: Int = 0, active: String = "cnn-w100-int8",
                        transform: String = "int8", pinned: Bool = false, context: EngineSnapshot.Context = fullContext,
                        state: EngineSnapshot.EngineState = .running) -> EngineSnapshot {
        EngineSnapshot(
            sequence: 7, timestamp: 1_795_960_000, uptimeSeconds: 83.5, host: "vm", family: "fashion-mnist", state: state,
            active: .init(id: active, transform: transform, pinned: pinned, secondsSinceSwitch: 4.2),
            policy: .init(mode: "max-accuracy", latencyBudgetMs: 0.3, memoryBudgetMb: 8, accuracyFloor: 0.9, paused: false,
                          pinned: pinned ? active : nil, contention: 1.07, reason: "cnn-w100-int8 stays"),
            context: context,
            inference: .init(count: count, throughputIps: 12_345, latencyMs: .init(p50: 0.067, p95: 0.093, p99: 0.12),
                             latencyMsSinceStart: .init(p50: 0.066, p95: 0.09, p99: 0.2), accuracy: 0.926, confidence: 0.93,
                             entropy: 0.3, drops: drops, switches: switches, stoppedBecause: nil),
            variants: [
                variant("mlp-int8", transform: "int8", accuracy: 0.8983, p50: 0.002, p95: 0.0025, memory: 0.2, front: true,
                        predicted: 0.00268),
                variant("cnn-w100-int8", transform: "int8", accuracy: 0.93, p50: 0.07, p95: 0.091, memory: 0.140625,
                        front: true, state: .active, predicted: 0.1, observed: 0.093),
                variant("resnet-8-wide", transform: "fp32", accuracy: 0.9259, p50: 0.8, p95: 0.911, memory: 1.46, front: false),
            ],
            events: [EngineEvent(sequence: 0, seconds: 0, kind: .start, reason: "started on cnn-w100-int8")])
    }

    /// Before any variant runs: `EngineSnapshot.starting` on a device that can tell nothing.
    static let starting = EngineSnapshot.starting(
        family: "fashion-mnist", controls: OperatorControls(budgets: PolicyBudgets(latencyMs: 0.3, memoryMB: 8, accuracyFloor: 0.9)),
        context: .unavailable, uptimeSeconds: 0.4, sequence: 1, status: "profiling")
}

@Suite struct EngineMetricsTests {
    func scrape(_ metrics: EngineMetrics, _ snapshot: EngineSnapshot) throws -> PrometheusExposition {
        metrics.update(from: snapshot)
        return try PrometheusExposition(checking: String(decoding: metrics.exposition(), as: UTF8.self))
    }

    /// A running engine's every figure, in base units, in an exposition that keeps the format's rules.
    @Test func aRunningEngineInBaseUnits() throws {
        let metrics = EngineMetrics()
        for _ in 0..<3 { metrics.observeLatency(variant: "cnn-w100-int8", nanoseconds: 70_000) }
        metrics.observeLatency(variant: "mlp-int8", nanoseconds: 2_000)
        let exposition = try scrape(metrics, MetricsSnapshots.running())

        #expect(exposition.value("adapt_inferences_total") == 123_456)
        #expect(exposition.value("adapt_variant_switches_total") == 2)
        #expect(exposition.value("adapt_frames_dropped_total") == 0)
        #expect(exposition.types["adapt_inferences_total"] == "counter")
        #expect(exposition.value("adapt_engine_up") == 1)
        #expect(exposition.value("adapt_engine_state", ["state": "running"]) == 1)
        #expect(exposition.value("adapt_engine_state", ["state": "starting"]) == 0)
        #expect(exposition.value("adapt_engine_info", ["family": "fashion-mnist"]) == 1)
        #expect(exposition.value("adapt_engine_uptime_seconds") == 83.5)
        #expect(exposition.value("adapt_inferences_per_second") == 12_345)
        #expect(exposition.value("adapt_accuracy_ratio") == 0.926)
        #expect(exposition.value("adapt_active_variant_info", ["variant": "cnn-w100-int8", "transform": "int8", "pinned": "false"]) == 1)

        #expect(exposition.value("adapt_policy_latency_budget_seconds") == 0.3 / 1000)
        #expect(exposition.value("adapt_policy_memory_budget_bytes") == Double(8 << 20))
        #expect(exposition.value("adapt_policy_accuracy_floor_ratio") == 0.9)
        #expect(exposition.value("adapt_policy_paused") == 0)
        #expect(exposition.value("adapt_policy_mode_info", ["mode": "max-accuracy"]) == 1)
        #expect(exposition.value("adapt_policy_contention_ratio") == 1.07)

        #expect(exposition.value("adapt_context_cpu_utilization_ratio") == 0.42)
        #expect(exposition.series("adapt_context_core_utilization_ratio").map(\.labels).sorted { $0["core"]! < $1["core"]! }
                == [["core": "0"], ["core": "2"]], "the core the device could not read is left out")
        #expect(exposition.value("adapt_context_memory_total_bytes") == Double(24_576 << 20))
        #expect(exposition.value("adapt_context_memory_available_bytes") == 20_000.5 * 1_048_576)
        #expect(exposition.value("adapt_context_swap_used_bytes") == 0, "a measured 0 is a value")
        #expect(exposition.value("adapt_context_pressure_some_avg10_ratio", ["resource": "cpu"]) == 0.125)
        #expect(exposition.value("adapt_context_pressure_some_avg10_ratio", ["resource": "io"]) == 1.25 / 100)
        #expect(exposition.value("adapt_context_process_resident_memory_bytes") == 96.25 * 1_048_576)
        #expect(exposition.value("adapt_context_temperature_celsius", ["zone": "x86_pkg_temp"]) == 61.5)
        #expect(exposition.value("adapt_context_battery_ratio") == 0.8)
        #expect(exposition.value("adapt_context_network_receive_bytes_per_second") == 1_234.5)
        #expect(exposition.value("adapt_context_injection_info", ["injection": #"drift "noise" 3\ of 5"#]) == 1,
                "quotes and backslashes escaped and read back")

        #expect(exposition.series("adapt_variant_info").count == 3)
        #expect(exposition.value("adapt_variant_info", ["variant": "mlp-int8", "parent": "mlp", "transform": "int8"]) == 1)
        #expect(exposition.value("adapt_variant_profile_latency_p50_seconds", ["variant": "cnn-w100-int8"]) == 0.07 / 1000)
        #expect(exposition.value("adapt_variant_profile_latency_p95_seconds", ["variant": "resnet-8-wide"]) == 0.911 / 1000)
        #expect(exposition.value("adapt_variant_profile_accuracy_ratio", ["variant": "mlp-int8"]) == 0.8983)
        #expect(exposition.value("adapt_variant_profile_memory_bytes", ["variant": "cnn-w100-int8"]) == 147_456)
        #expect(exposition.value("adapt_variant_on_front", ["variant": "resnet-8-wide"]) == 0)
        #expect(exposition.series("adapt_variant_predicted_latency_p95_seconds").count == 2)
        #expect(exposition.series("adapt_variant_observed_latency_p95_seconds").map(\.labels) == [["variant": "cnn-w100-int8"]])

        #expect(exposition.types["adapt_inference_latency_seconds"] == "histogram")
        let cnn = ["variant": "cnn-w100-int8"]
        #expect(exposition.value("adapt_inference_latency_seconds_count", cnn) == 3)
        #expect(exposition.value("adapt_inference_latency_seconds_bucket", cnn.merging(["le": "0.00005"]) { $1 }) == 0)
        #expect(exposition.value("adapt_inference_latency_seconds_bucket", cnn.merging(["le": "0.0001"]) { $1 }) == 3)
        #expect(abs((exposition.value("adapt_inference_latency_seconds_sum", cnn) ?? 0) - 0.00021) < 1e-12)
        #expect(exposition.value("adapt_inference_latency_seconds_bucket", ["variant": "mlp-int8", "le": "0.0000025"]) == 1)
        // Every family has a HELP line, and every name its unit.
        #expect(Set(exposition.types.keys) == Set(exposition.help.keys))
    }

    /// What the device cannot give is absent — no series, no TYPE line — never a made-up 0.
    @Test func unavailableFiguresAreAbsent() throws {
        let metrics = EngineMetrics()
        let starting = try scrape(metrics, MetricsSnapshots.starting)
        let context = starting.types.keys.filter { $0.hasPrefix("adapt_context_") }
        #expect(context.isEmpty, "\(context)")
        for name in ["adapt_active_variant_info", "adapt_accuracy_ratio", "adapt_inferences_per_second",
                     "adapt_policy_contention_ratio", "adapt_variant_info", "adapt_variant_profile_latency_p50_seconds",
                     "adapt_inference_latency_seconds", "adapt_inference_confidence_ratio"] {
            #expect(!starting.has(family: name), "\(name)")
        }
        #expect(starting.value("adapt_engine_up") == 0)
        #expect(starting.value("adapt_engine_state", ["state": "starting"]) == 1)
        #expect(starting.value("adapt_inferences_total") == 0)
        #expect(starting.value("adapt_policy_latency_budget_seconds") == 0.3 / 1000)

        // Figures that were there and are gone (a sensor that stopped answering) are removed, not left stale.
        _ = try scrape(metrics, MetricsSnapshots.running())
        var context2 = MetricsSnapshots.fullContext
        (context2.temperatureC, context2.batteryPercent, context2.cpuPressureAvg10, context2.injected) = (nil, nil, nil, [])
        context2.coreUtil = []
        let later = try scrape(metrics, MetricsSnapshots.running(context: context2))
        for name in ["adapt_context_temperature_celsius", "adapt_context_battery_ratio", "adapt_context_injection_info",
                     "adapt_context_core_utilization_ratio"] {
            #expect(!later.has(family: name), "\(name)")
        }
        #expect(later.series("adapt_context_pressure_some_avg10_ratio").compactMap { $0.labels["resource"] }.sorted() == ["io", "memory"])
        #expect(later.value("adapt_context_cpu_utilization_ratio") == 0.42)
    }

    /// Counters follow the snapshot's totals by their growth; a smaller total (a new engine) counts on from there.
    @Test func countersAdvanceByDeltasAndNeverGoBack() throws {
        let metrics = EngineMetrics()
        let first = try scrape(metrics, MetricsSnapshots.running(count: 100, switches: 1, drops: 5))
        #expect(first.value("adapt_inferences_total") == 100 && first.value("adapt_frames_dropped_total") == 5)
        let same = try scrape(metrics, MetricsSnapshots.running(count: 100, switches: 1, drops: 5))
        #expect(same.value("adapt_inferences_total") == 100, "a snapshot seen twice adds nothing")
        let grown = try scrape(metrics, MetricsSnapshots.running(count: 250, switches: 3, drops: 5))
        #expect(grown.value("adapt_inferences_total") == 250 && grown.value("adapt_variant_switches_total") == 3)
        let restarted = try scrape(metrics, MetricsSnapshots.running(count: 40, switches: 0, drops: 0))
        #expect(restarted.value("adapt_inferences_total") == 290, "the new engine's 40 frames on top, not a step back")
        #expect(restarted.value("adapt_variant_switches_total") == 3)
        let after = try scrape(metrics, MetricsSnapshots.running(count: 50, switches: 1, drops: 0))
        #expect(after.value("adapt_inferences_total") == 300 && after.value("adapt_variant_switches_total") == 4)
    }

    /// One active-variant series at a time: a switch or a pin replaces it, the old one is gone (not left at 1 or 0).
    @Test func theActiveVariantInfoChangesCleanly() throws {
        let metrics = EngineMetrics()
        let info = "adapt_active_variant_info"
        let first = try scrape(metrics, MetricsSnapshots.running(active: "cnn-w100-int8"))
        #expect(first.series(info).map(\.labels) == [["variant": "cnn-w100-int8", "transform": "int8", "pinned": "false"]])
        let switched = try scrape(metrics, MetricsSnapshots.running(active: "resnet-8-wide", transform: "fp32"))
        #expect(switched.series(info).map(\.labels) == [["variant": "resnet-8-wide", "transform": "fp32", "pinned": "false"]])
        let pinned = try scrape(metrics, MetricsSnapshots.running(active: "resnet-8-wide", transform: "fp32", pinned: true))
        #expect(pinned.series(info) == [.init(name: info, labels: ["variant": "resnet-8-wide", "transform": "fp32", "pinned": "true"], value: 1)])
        var stopped = MetricsSnapshots.running(state: .stopped)
        stopped.active.id = nil
        let none = try scrape(metrics, stopped)
        #expect(!none.has(family: info))
        #expect(none.value("adapt_engine_up") == 0 && none.value("adapt_engine_state", ["state": "stopped"]) == 1)
    }

    /// The histogram of each variant keeps its own counts while frames alternate between variants (the cached
    /// histogram is the last variant's, never another's).
    @Test func latenciesLandInTheirVariantsHistogram() throws {
        let metrics = EngineMetrics()
        let observe = metrics.frameObserver
        for frame in 0..<1_000 {
            let probe = frame % 100 < 10
            observe(probe ? "cnn-w100" : "mlp-int8", probe ? 400_000 : 3_000)
        }
        observe("mlp-int8", 3_000_000_000)  // slower than the last bucket
        let exposition = try scrape(metrics, MetricsSnapshots.running())
        #expect(exposition.value("adapt_inference_latency_seconds_count", ["variant": "cnn-w100"]) == 100)
        #expect(exposition.value("adapt_inference_latency_seconds_bucket", ["variant": "cnn-w100", "le": "0.0003"]) == 0)
        #expect(exposition.value("adapt_inference_latency_seconds_bucket", ["variant": "cnn-w100", "le": "0.0005"]) == 100)
        #expect(exposition.value("adapt_inference_latency_seconds_count", ["variant": "mlp-int8"]) == 901)
        #expect(exposition.value("adapt_inference_latency_seconds_bucket", ["variant": "mlp-int8", "le": "1.0"]) == 900)
        #expect(exposition.value("adapt_inference_latency_seconds_bucket", ["variant": "mlp-int8", "le": "+Inf"]) == 901)
        #expect(EngineMetrics.latencyBuckets == EngineMetrics.latencyBuckets.sorted())
    }
}

/// The checker itself: it has to refuse what Prometheus would, or the tests above prove nothing.
@Suite struct PrometheusExpositionTests {
    @Test func aWellFormedExpositionPasses() throws {
        let text = """
            # HELP a_total Things, with a \\\\ and a \\n in the help.
            # TYPE a_total counter
            a_total{x="1"} 3
            a_total{x="q\\"\\\\\\n"} 0 1700000000000
            # TYPE h_seconds histogram
            h_seconds_bucket{le="0.1"} 1
            h_seconds_bucket{le="+Inf"} 2
            h_seconds_sum 0.35
            h_seconds_count 2
            # TYPE g gauge
            g NaN
            g2 -Inf
            g3 1e-05

            """
        let exposition = try PrometheusExposition(checking: text)
        #expect(exposition.value("a_total", ["x": "q\"\\\n"]) == 0)
        #expect(exposition.value("g3") == 0.00001 && exposition.value("g2") == -.infinity)
    }

    @Test(arguments: [
        ("a 1", "no final line feed"),
        ("1a 1\n", "metric name starting with a digit"),
        ("a-b 1\n", "metric name with a dash"),
        ("a{1x=\"v\"} 1\n", "label name starting with a digit"),
        ("a{x:y=\"v\"} 1\n", "label name with a colon"),
        ("a{__x=\"v\"} 1\n", "reserved label name"),
        ("a{x=\"\\t\"} 1\n", "unknown escape in a label value"),
        ("a{x=v} 1\n", "unquoted label value"),
        ("a{x=\"1\",x=\"2\"} 1\n", "a label twice"),
        ("a nan\n", "Swift's nan"),
        ("a inf\n", "Swift's inf"),
        ("a 1.2.3\n", "not a float"),
        ("a 1 1.5\n", "fractional timestamp"),
        ("a 1\na 2\n", "duplicate series"),
        ("a 1\n# TYPE a gauge\n", "TYPE after samples"),
        ("# TYPE a gauge\n# TYPE a gauge\na 1\n", "two TYPEs"),
        ("# HELP a x\n# HELP a y\na 1\n", "two HELPs"),
        ("# HELP a bad \\t escape\na 1\n", "bad escape in HELP"),
        ("a{x=\"1\"} 1\nb 1\na{x=\"2\"} 1\n", "family not contiguous"),
        ("# TYPE c counter\nc 1\n", "counter without _total"),
        ("# TYPE c_total counter\nc_total -1\n", "negative counter"),
        ("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", "no +Inf bucket"),
        ("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "decreasing buckets"),
        ("# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "le out of order"),
        ("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n", "+Inf bucket not the count"),
        ("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n", "no _sum"),
        ("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\n", "no _count"),
        ("# TYPE h histogram\nh_bucket 1\nh_sum 1\nh_count 1\n", "bucket without le"),
        ("# TYPE h histogram\nh_bucket{le=\"x\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "le not a number"),
    ])
    func aBrokenRuleIsCaught(_ text: String, _ rule: String) {
        #expect(throws: PrometheusExposition.Violations.self, "\(rule)") { try PrometheusExposition(checking: text) }
    }
}
