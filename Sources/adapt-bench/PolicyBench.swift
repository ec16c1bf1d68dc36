import AdaptEngine
import AdaptInference
import ArgumentParser
import Foundation

/// The cost of one policy decision, on a family's real profiles: scripted inputs (contention sweeping 1…8×, the
/// active variant changing, a few observed latencies as the engine passes them), every mode, timed one by one.
struct PolicyBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Time policy decisions on a family's profiled variants (a benchmark, not a test).",
        discussion: """
            Reads the variants from `adapt-top profile --json` output (a file, or - for stdin), so the candidates \
            are the device's own figures. Each round times --decisions decisions one by one on the thread's CPU \
            clock; prints p50 and p99 per mode, the median over --rounds rounds.
            """)

    @Option(help: "`adapt-top profile --json` output (- reads stdin).")
    var profiles: String

    @Option(help: "Rounds.")
    var rounds = 5

    @Option(help: "Decisions per round and mode.")
    var decisions = 20_000

    func run() throws {
        let text = profiles == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            : try String(contentsOfFile: profiles, encoding: .utf8)
        let candidates = try text.split(separator: "\n").map { line -> PolicyCandidate in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            guard let object, let id = object["id"] as? String, let accuracy = object["accuracy"] as? Double,
                  let p95 = object["latency_ms_p95"] as? Double, let memory = object["memory_mb"] as? Double else {
                throw ValidationError("\(profiles): a line is not `adapt-top profile --json` output: \(line.prefix(80))")
            }
            return PolicyCandidate(id: id, accuracy: accuracy, latencyP95Ms: p95, memoryMB: memory)
        }
        guard !candidates.isEmpty else { throw ValidationError("\(profiles) lists no variants") }
        let policy = AdaptationPolicy()
        let budgets = PolicyBudgets(latencyMs: 0.3, memoryMB: 8, accuracyFloor: 0.9)
        print("\(candidates.count) candidates, \(decisions) decisions per round and mode, \(rounds) rounds (thread CPU time)")
        print("| mode | p50 µs | p99 µs |")
        print("|---|---:|---:|")
        for mode in PolicyMode.allCases {
            var p50s: [Double] = []
            var p99s: [Double] = []
            for _ in 0..<rounds {
                var times: [Double] = []
                times.reserveCapacity(decisions)
                var kept = 0
                for index in 0..<decisions {
                    // As the engine passes them: the active variant and one probed variant with a measured latency.
                    var scripted = candidates
                    let (active, probed) = (index % candidates.count, (index * 7) % candidates.count)
                    scripted[active].observedLatencyP95Ms = 0.1 + Double(index % 7) * 0.05
                    scripted[probed].observedLatencyP95Ms = 0.2
                    let input = PolicyInput(
                        candidates: scripted, budgets: budgets, mode: mode, contention: 1 + Double(index % 8),
                        active: candidates[active].id, secondsSinceSwitch: Double(index % 5))
                    guard let start = LatencyBenchmark.threadCPUTime() else { throw ValidationError("no thread CPU clock") }
                    let decision = policy.decide(input)
                    guard let end = LatencyBenchmark.threadCPUTime() else { throw ValidationError("no thread CPU clock") }
                    if decision.switched { kept += 1 }  // keeps the decision from being optimised away
                    times.append(LatencyStatistics.seconds(end - start) * 1e6)
                }
                times.sort()
                p50s.append(times[times.count / 2])
                p99s.append(times[min(times.count - 1, times.count * 99 / 100)])
                if kept < 0 { print(kept) }
            }
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            print(String(format: "| %@ | %.2f | %.2f |", mode.rawValue, median(p50s), median(p99s)))
        }
    }
}
