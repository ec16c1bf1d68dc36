import AdaptEngine
import ArgumentParser
import Foundation

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Replay a context trace against the engine and baselines, and compare them.",
        discussion: """
            A trace (YAML, see Examples/traces/README.md) is a list of timed steps: CPU load and memory pressure \
            on/off, input drift, budget and mode changes. Each policy replays it in real time on a fresh engine with \
            real injections: adaptive (the engine), largest (the most accurate front variant, always), smallest \
            (the fastest front variant above the accuracy floor, always) and oracle (per stretch between steps, the \
            variant the policy would pick knowing every front variant's latency as measured in that stretch by a \
            survey replay). A run takes about (policies + 1 for the oracle's survey) × the trace's duration.

            SLO attainment is the share of whole seconds whose frames' p95 latency is within the latency budget in \
            force; accuracy is top-1 over every frame inferred; reaction is the time from a step to the first switch \
            after it (the worst over the steps).
            """)

    @Option(help: "The context trace (YAML).", completion: .file(extensions: ["yaml", "yml"]))
    var trace: String

    @Option(parsing: .upToNextOption, help: "Policies to replay, in order (default: adaptive largest smallest oracle).")
    var policies: [String] = TraceEvaluator.Policy.allCases.map(\.rawValue)

    @Flag(help: "One JSON object per policy and line instead of a table.")
    var json = false

    @Flag(help: "After the table, list each policy's switches with the engine's reasons.")
    var switches = false

    @OptionGroup var engine: EngineOptions

    func validate() throws {
        for name in policies where TraceEvaluator.Policy(rawValue: name) == nil {
            throw ValidationError("unknown policy '\(name)' (known: \(TraceEvaluator.Policy.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    func run() throws {
        try reportingModelErrors {
            let loaded = try ContextTrace.load(contentsOf: trace)
            let family = try engine.loadFamily(quiet: json)
            let evaluator = TraceEvaluator(family: family, trace: loaded)
            let chosen = policies.compactMap(TraceEvaluator.Policy.init(rawValue:))
            let results = try evaluator.evaluate(chosen) { line in
                if !json { printError(line) }
            }
            if json {
                for result in results { print(try Format.jsonLine(result.metrics)) }
            } else {
                printTable(results.map(\.metrics), trace: loaded, budgets: loaded.initialControls(family.manifest.budgets).budgets)
            }
            if switches {
                for result in results where !result.switches.isEmpty {
                    print("\n\(result.metrics.policy):")
                    for event in result.switches { print(String(format: "%9.3f s  ", event.seconds) + event.reason) }
                }
            }
        }
    }

    private func printTable(_ results: [TraceMetrics], trace: ContextTrace, budgets: PolicyBudgets) {
        print("trace \(trace.name): \(String(format: "%g", trace.durationSeconds)) s, \(trace.steps.count) steps, "
              + "latency budget \(BatchText.ms(budgets.latencyMs)) at the start")
        func optional(_ value: Double?, _ format: String) -> String { value.map { String(format: format, $0) } ?? "n/a" }
        let rows = results.map { result in
            [result.policy, optional(result.sloAttainment.map { $0 * 100 }, "%.1f %%") + " (\(result.windowsMet)/\(result.windows))",
             optional(result.memoryAttainment.map { $0 * 100 }, "%.1f %%"),
             optional(result.accuracy.map { $0 * 100 }, "%.2f %%"), String(result.switches), String(result.frames),
             optional(result.decisionUsP50, "%.1f µs"), optional(result.decisionUsP99, "%.1f µs"), optional(result.reactionMs, "%.0f ms"),
             optional(result.switchGapUsP50, "%.0f") + " / " + optional(result.switchGapUsMax, "%.0f µs"),
             optional(result.frameGapUsP50, "%.1f") + " / " + optional(result.frameGapUsP99, "%.0f µs")]
        }
        print(Format.table(
            header: ["policy", "SLO attainment", "memory budget met", "accuracy", "switches", "frames", "decision p50", "decision p99", "reaction (worst)",
                     "swap gap p50 / max", "frame gap p50 / p99"],
            rows: rows, rightAligned: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))
        // Reaction step by step: a load arriving should be met within a moment; a load leaving is confirmed first.
        for result in results where result.reactionMsEach.contains(where: { $0 != nil }) {
            let steps = zip(trace.steps, result.reactionMsEach).map { step, reaction in
                String(format: "%g s: ", step.at) + (reaction.map { String(format: "%.0f ms", $0) } ?? "no switch")
            }
            print("reaction of \(result.policy) per step: " + steps.joined(separator: ", "))
        }
    }
}
