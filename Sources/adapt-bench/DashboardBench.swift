import AdaptEngine
import AdaptInference
import AdaptTUI
import ArgumentParser
import Foundation

/// The dashboard's own cost per frame, without a terminal: composing a frame from a real snapshot and finding the
/// cells that changed since the last one (what `CursesScreen` hands curses). curses' share is measured in tmux.
struct DashboardBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Time composing dashboard frames from real snapshots (a benchmark, not a test).",
        discussion: """
            Reads snapshots from `adapt-top --batch --json` output, renders them one after the other at --width × \
            --height (the history filling as it would live), and prints the median and p99 thread CPU time of \
            composing a frame and of diffing it against the previous one, over --rounds rounds.
            """)

    @Option(help: "`adapt-top --batch --json` output (JSON lines).")
    var snapshots: String

    @Option(help: "Terminal columns.")
    var width = 200

    @Option(help: "Terminal rows.")
    var height = 50

    @Option(help: "Rounds over all the snapshots.")
    var rounds = 20

    func run() throws {
        let text = try String(contentsOfFile: snapshots, encoding: .utf8)
        let frames = try text.split(separator: "\n").map { try EngineSnapshot(jsonLine: String($0)) }
        guard !frames.isEmpty else { throw ValidationError("\(snapshots) holds no snapshots") }
        let view = DashboardView()
        var renderTimes: [Double] = []
        var diffTimes: [Double] = []
        var changed: [Int] = []
        for _ in 0..<rounds {
            var state = DashboardState(refreshSeconds: 1, readOnly: false)
            var history = ResourceHistory()
            var previous: ScreenBuffer?
            for snapshot in frames {
                history.record(snapshot)
                let start = threadCPUSeconds()
                let buffer = view.render(snapshot, state: &state, history: history, width: width, height: height)
                let rendered = threadCPUSeconds()
                var differing = 0
                if let previous {
                    for y in 0..<buffer.height {
                        for x in 0..<buffer.width where previous[x, y] != buffer[x, y] { differing += 1 }
                    }
                }
                let diffed = threadCPUSeconds()
                renderTimes.append((rendered - start) * 1e6)
                diffTimes.append((diffed - rendered) * 1e6)
                if previous != nil { changed.append(differing) }
                previous = buffer
            }
        }
        func percentile(_ values: [Double], _ percent: Int) -> Double {
            TraceMetrics.percentile(percent, of: values.sorted()) ?? .nan
        }
        print("\(frames.count) snapshots × \(rounds) rounds at \(width)×\(height) (thread CPU time)")
        print("| step | p50 µs | p99 µs |")
        print("|---|---:|---:|")
        print("| compose frame | \(String(format: "%.0f", percentile(renderTimes, 50))) | \(String(format: "%.0f", percentile(renderTimes, 99))) |")
        print("| diff against last | \(String(format: "%.0f", percentile(diffTimes, 50))) | \(String(format: "%.0f", percentile(diffTimes, 99))) |")
        print("cells changed per frame: median \(Int(percentile(changed.map(Double.init), 50))) of \(width * height)")
    }
}
