import AdaptEngine
import Foundation

/// `--batch` without `--json`: one block of text per snapshot, like `top -b` — a few summary lines, the variants
/// table, the newest events. Absent figures read "n/a".
enum BatchText {
    static func render(_ snapshot: EngineSnapshot, events: Int = 8) -> String {
        var lines: [String] = []
        let policy = snapshot.policy
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        let clock = formatter.string(from: Date(timeIntervalSince1970: snapshot.timestamp))
        lines.append("adapt-top - \(clock) up \(duration(snapshot.uptimeSeconds)), host \(snapshot.host), family \(snapshot.family), "
                     + "engine \(snapshot.state.rawValue)")
        var badges: [String] = []
        if policy.paused { badges.append("[paused]") }
        if let pinned = policy.pinned { badges.append("[pinned \(pinned)]") }
        lines.append("Policy: \(policy.mode), p95 ≤ \(ms(policy.latencyBudgetMs)), memory ≤ \(mb(policy.memoryBudgetMb)), "
                     + "accuracy ≥ \(percent(policy.accuracyFloor))" + (badges.isEmpty ? "" : "  " + badges.joined(separator: " ")))
        let active = snapshot.active
        lines.append("Active: \(active.id ?? "none")" + (active.transform.map { " (\($0))" } ?? "")
                     + (active.secondsSinceSwitch.map { " for \(duration($0))" } ?? "")
                     + ", contention " + (policy.contention.map { String(format: "×%.2f", $0) } ?? "n/a")
                     + " — \(policy.reason)")
        let inference = snapshot.inference
        let latency = inference.latencyMs.map { "p50 \(ms($0.p50)), p95 \(ms($0.p95)), p99 \(ms($0.p99))" } ?? "latency n/a"
        lines.append("Inference: \(inference.count) frames, \(inference.throughputIps.map { String(format: "%.0f/s", $0) } ?? "n/a"), "
                     + "\(latency), accuracy \(inference.accuracy.map(percent) ?? "n/a"), "
                     + "confidence \(inference.confidence.map { String(format: "%.2f", $0) } ?? "n/a"), "
                     + "switches \(inference.switches), drops \(inference.drops)"
                     + (inference.stoppedBecause.map { ", stopped: \($0)" } ?? ""))
        let context = snapshot.context
        let cores = context.coreUtil.map { $0.map { String(format: "%.0f%%", $0 * 100) } ?? "n/a" }.joined(separator: " ")
        let memory = context.memAvailableMb.map { available in
            context.memTotalMb.map { String(format: "%.0f of %.0f MB available", available, $0) } ?? String(format: "%.0f MB available", available)
        } ?? "n/a"
        lines.append("Context: cpu \(context.cpuUtil.map(percent) ?? "n/a")" + (cores.isEmpty ? "" : " [\(cores)]")
                     + ", mem \(memory), cpu pressure \(context.cpuPressureAvg10.map { String(format: "%.1f%%", $0) } ?? "n/a")"
                     + ", temp \(context.temperatureC.map { String(format: "%.0f°C", $0) } ?? "n/a")"
                     + ", battery \(context.batteryPercent.map { String(format: "%.0f%%", $0) + (context.batteryInjected ? " (injected)" : "") } ?? "n/a")"
                     + ", injected: \(context.injected.isEmpty ? "none" : context.injected.joined(separator: ", "))")
        lines.append("")
        let rows = snapshot.variants.map { variant in
            [variant.id, variant.transform, percent(variant.accuracy), ms(variant.latencyMsP50), ms(variant.latencyMsP95),
             variant.predictedLatencyMsP95.map(ms) ?? "n/a", mb(variant.memoryMb), variant.onFront ? "yes" : "", variant.state.rawValue,
             variant.backend ?? "n/a"]
        }
        lines.append(Format.table(
            header: ["VARIANT", "TRANSFORM", "ACC", "P50", "P95", "PRED P95", "MEM", "FRONT", "STATE", "BACKEND"],
            rows: rows, rightAligned: [2, 3, 4, 5, 6]))
        lines.append("")
        for event in snapshot.events.suffix(events) {
            lines.append(String(format: "%9.3f s  ", event.seconds) + event.kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
                         + " " + event.reason)
        }
        return lines.joined(separator: "\n")
    }

    static func ms(_ value: Double) -> String { value < 1 ? String(format: "%.3f ms", value) : String(format: "%.2f ms", value) }
    static func mb(_ value: Double) -> String { String(format: "%.2f MB", value) }
    static func percent(_ fraction: Double) -> String { String(format: "%.2f %%", fraction * 100) }
    static func duration(_ seconds: Double) -> String {
        seconds < 60 ? String(format: "%.1f s", seconds) : String(format: "%d:%02d", Int(seconds) / 60, Int(seconds) % 60)
    }
}
