internal import Foundation

// Keys in snake case, units in the key (`latency_ms_p95`); absent values are `null`: every line carries every key.

extension EngineSnapshot {
    /// One line of JSON, as `--batch --json` prints it and the control socket sends it: DESIGN.md's fields, in a
    /// fixed order. Written field by field (`JSONLineWriter`), as ten times a second for every subscriber it must
    /// be cheap; `EngineSnapshotJSONTests` checks it against JSONEncoder's encoding of the same value.
    public func jsonLine() throws -> String {
        var writer = JSONLineWriter()
        writer.beginObject()
        writer.integer("sequence", sequence)
        try writer.number("timestamp", timestamp)
        try writer.number("uptime_seconds", uptimeSeconds)
        writer.string("host", host)
        writer.string("family", family)
        writer.string("state", state.rawValue)
        writer.beginObject("active")
        writer.string("id", active.id)
        writer.string("transform", active.transform)
        writer.bool("pinned", active.pinned)
        try writer.number("seconds_since_switch", active.secondsSinceSwitch)
        writer.endObject()
        try policy.write(into: &writer)
        try context.write(into: &writer)
        try inference.write(into: &writer)
        writer.beginArray("variants")
        for variant in variants { try variant.write(into: &writer) }
        writer.endArray()
        writer.beginArray("events")
        for event in events {
            writer.beginObject()
            writer.integer("sequence", event.sequence)
            try writer.number("seconds", event.seconds)
            writer.string("kind", event.kind.rawValue)
            writer.string("reason", event.reason)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// A snapshot read back from `jsonLine` (an attached client).
    public init(jsonLine: String) throws {
        // The types' CodingKeys carry the snake-case names: no key strategy (converting every key cost more than
        // the rest of decoding).
        self = try JSONDecoder().decode(EngineSnapshot.self, from: Data(jsonLine.utf8))
    }
}

extension EngineSnapshot.Policy {
    fileprivate func write(into writer: inout JSONLineWriter) throws(JSONLineWriter.NonFiniteNumber) {
        writer.beginObject("policy")
        writer.string("mode", mode)
        try writer.number("latency_budget_ms", latencyBudgetMs)
        try writer.number("memory_budget_mb", memoryBudgetMb)
        try writer.number("accuracy_floor", accuracyFloor)
        writer.bool("paused", paused)
        writer.string("pinned", pinned)
        try writer.number("contention", contention)
        writer.string("reason", reason)
        writer.endObject()
    }
}

extension EngineSnapshot.Context {
    fileprivate func write(into writer: inout JSONLineWriter) throws(JSONLineWriter.NonFiniteNumber) {
        writer.beginObject("context")
        try writer.number("cpu_util", cpuUtil)
        writer.beginArray("core_util")
        for core in coreUtil { try writer.number(nil, core) }
        writer.endArray()
        try writer.number("load_average_one", loadAverageOne)
        try writer.number("mem_total_mb", memTotalMb)
        try writer.number("mem_available_mb", memAvailableMb)
        try writer.number("swap_used_mb", swapUsedMb)
        try writer.number("cpu_pressure_avg10", cpuPressureAvg10)
        try writer.number("memory_pressure_avg10", memoryPressureAvg10)
        try writer.number("io_pressure_avg10", ioPressureAvg10)
        try writer.number("cpu_stall_share", cpuStallShare)
        try writer.number("process_cpu_cores", processCpuCores)
        try writer.number("process_rss_mb", processRssMb)
        try writer.number("cgroup_cpu_limit_cores", cgroupCpuLimitCores)
        try writer.number("cgroup_memory_limit_mb", cgroupMemoryLimitMb)
        try writer.number("temperature_c", temperatureC)
        writer.string("temperature_zone", temperatureZone)
        try writer.number("battery_percent", batteryPercent)
        writer.bool("battery_injected", batteryInjected)
        try writer.number("network_rx_bytes_per_s", networkRxBytesPerS)
        try writer.number("network_tx_bytes_per_s", networkTxBytesPerS)
        writer.beginArray("injected")
        for injection in injected { writer.string(nil, injection) }
        writer.endArray()
        writer.endObject()
    }
}

extension EngineSnapshot.Inference {
    fileprivate func write(into writer: inout JSONLineWriter) throws(JSONLineWriter.NonFiniteNumber) {
        func percentiles(_ key: String, _ value: EngineSnapshot.Percentiles?) throws(JSONLineWriter.NonFiniteNumber) {
            guard let value else { return writer.string(key, nil) }
            writer.beginObject(key)
            try writer.number("p50", value.p50)
            try writer.number("p95", value.p95)
            try writer.number("p99", value.p99)
            writer.endObject()
        }
        writer.beginObject("inference")
        writer.integer("count", count)
        try writer.number("throughput_ips", throughputIps)
        try percentiles("latency_ms", latencyMs)
        try percentiles("latency_ms_since_start", latencyMsSinceStart)
        try writer.number("accuracy", accuracy)
        try writer.number("confidence", confidence)
        try writer.number("entropy", entropy)
        writer.integer("drops", drops)
        writer.integer("switches", switches)
        writer.string("stopped_because", stoppedBecause)
        writer.endObject()
    }
}

extension EngineSnapshot.Variant {
    fileprivate func write(into writer: inout JSONLineWriter) throws(JSONLineWriter.NonFiniteNumber) {
        writer.beginObject()
        writer.string("id", id)
        writer.string("parent", parent)
        writer.string("transform", transform)
        try writer.number("accuracy", accuracy)
        try writer.number("latency_ms_p50", latencyMsP50)
        try writer.number("latency_ms_p95", latencyMsP95)
        try writer.number("memory_mb", memoryMb)
        writer.bool("on_front", onFront)
        writer.string("state", state.rawValue)
        try writer.number("predicted_latency_ms_p95", predictedLatencyMsP95)
        try writer.number("observed_latency_ms_p95", observedLatencyMsP95)
        writer.string("detail", detail)
        writer.string("backend", backend)
        writer.endObject()
    }
}
