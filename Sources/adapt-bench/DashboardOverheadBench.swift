import AdaptEngine
import AdaptInference
import AdaptTUI
import ArgumentParser
import Foundation

/// What the open dashboard costs inference: one engine, one pinned variant, alternating stretches with the
/// dashboard drawing on the terminal and without it (the main thread only fetching a snapshot each refresh, as
/// batch mode does), interleaved so a drifting machine hits both alike.
struct DashboardOverheadBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard-overhead",
        abstract: "Inference throughput with the dashboard open vs without, in one run (a benchmark; needs a terminal).",
        discussion: """
            Run it in a terminal (e.g. tmux at 200×50): it loads and profiles --family (profile cache as adapt-top \
            uses it), starts the engine, pins the variant it picks first (so every stretch runs the same model), waits \
            for the background preparation of the other variants to finish, then runs --rounds rounds of: --seconds \
            headless, --seconds with the dashboard. Prints per stretch the frames per second and the main thread's \
            CPU time per refresh, and the median ratio dashboard ÷ headless, into --output (and on the terminal \
            after the last round).
            """)

    @Option(help: "The family manifest (YAML).")
    var family = "Examples/fashion-mnist/family.yaml"

    @Option(help: "Seconds per stretch.")
    var seconds = 10.0

    @Option(help: "Rounds (each: one stretch headless, one with the dashboard).")
    var rounds = 3

    @Option(help: "Seconds between refreshes, both ways (the dashboard's default is 1).")
    var refresh = 1.0

    @Option(help: "Write the results to this file too.")
    var output: String?

    func run() throws {
        guard isatty(STDOUT_FILENO) != 0 else { throw ValidationError("run it in a terminal: the dashboard needs one") }
        let pinned = try PinnedEngine.start(family: family)
        let (engine, pick) = (pinned.engine, pinned.variant)
        defer { engine.stop() }

        var lines = ["\(pick) pinned, \(rounds) rounds of \(seconds) s each way, refresh \(refresh) s",
                     "| round | headless frames/s | dashboard frames/s | ratio | dashboard CPU/refresh |",
                     "|---|---:|---:|---:|---:|"]
        var ratios: [Double] = []
        var cpuPerRefresh: [Double] = []
        for round in 1...rounds {
            let headless = pinned.measure {
                let end = Date().addingTimeInterval(seconds)
                while Date() < end {
                    _ = engine.snapshot
                    Thread.sleep(forTimeInterval: min(refresh, max(0, end.timeIntervalSinceNow)))
                }
            }
            let drawn = pinned.measure {
                var appOptions = DashboardApp.Options()
                appOptions.refreshSeconds = refresh
                appOptions.themes = ThemeCatalog(contentsOf: "themes")
                let end = Date().addingTimeInterval(seconds)
                DashboardApp(options: appOptions, snapshot: { engine.snapshot }, send: { try engine.send($0) },
                             shouldStop: { Date() >= end }).run()
            }
            let ratio = drawn.framesPerSecond / headless.framesPerSecond
            ratios.append(ratio)
            cpuPerRefresh.append(drawn.cpuSeconds / (seconds / refresh) * 1000)
            lines.append("| \(round) | \(Int(headless.framesPerSecond)) | \(Int(drawn.framesPerSecond)) | "
                         + String(format: "%.3f", ratio) + " | " + String(format: "%.2f ms", cpuPerRefresh.last ?? 0) + " |")
        }
        lines.append("median ratio " + String(format: "%.3f", median(ratios)) + ", dashboard main-thread CPU "
                     + String(format: "%.2f ms", median(cpuPerRefresh)) + " per refresh (median)")
        let text = lines.joined(separator: "\n")
        print(text)
        if let output { try (text + "\n").write(toFile: output, atomically: true, encoding: .utf8) }
    }
}
