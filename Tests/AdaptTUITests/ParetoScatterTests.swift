import Testing
@testable import AdaptEngine
@testable import AdaptTUI

@Suite struct ParetoScatterTests {
    static func variant(_ id: String, accuracy: Double, p95: Double, front: Bool,
                        state: EngineSnapshot.Variant.State = .ready, predicted: Double? = nil) -> EngineSnapshot.Variant {
        EngineSnapshot.Variant(
            id: id, parent: "base", transform: id == "base" ? "none" : "derived", accuracy: accuracy,
            latencyMsP50: p95 * 0.8, latencyMsP95: p95, memoryMb: 1, onFront: front, state: state,
            predictedLatencyMsP95: predicted, observedLatencyMsP95: nil, detail: nil)
    }

    /// Six variants between 50 µs and 0.4 ms; "q8" runs and is predicted at 0.3 ms under contention.
    static func snapshot(budget: Double = 0.25, floor: Double = 0.9, predicted: Double? = 0.3) -> EngineSnapshot {
        EngineSnapshot(
            sequence: 1, timestamp: 0, uptimeSeconds: 1, host: "test", family: "mnist", state: .running,
            active: .init(id: "q8", transform: "derived", pinned: false, secondsSinceSwitch: 1),
            policy: .init(mode: "auto", latencyBudgetMs: budget, memoryBudgetMb: 100, accuracyFloor: floor,
                          paused: false, pinned: nil, contention: 2, reason: ""),
            context: .unavailable,
            inference: .init(count: 0, throughputIps: nil, latencyMs: nil, latencyMsSinceStart: nil, accuracy: nil,
                             confidence: nil, entropy: nil, drops: 0, switches: 0, stoppedBecause: nil),
            variants: [
                variant("base", accuracy: 0.95, p95: 0.40, front: true),
                variant("q8", accuracy: 0.945, p95: 0.15, front: true, state: .active, predicted: predicted),
                variant("p50", accuracy: 0.93, p95: 0.10, front: true),
                variant("p50-q8", accuracy: 0.92, p95: 0.12, front: false),
                variant("p75", accuracy: 0.90, p95: 0.06, front: true),
                variant("p90", accuracy: 0.85, p95: 0.05, front: true, state: .failed),
            ],
            events: [])
    }

    static func render(_ scatter: ParetoScatter, _ snapshot: EngineSnapshot, buffer size: (Int, Int), rect: Rect) -> ScreenBuffer {
        var buffer = ScreenBuffer(width: size.0, height: size.1)
        buffer.fill(buffer.bounds, with: "#")
        scatter.draw(snapshot, into: &buffer, in: rect)
        return buffer
    }

    @Test func printIt() {
        for (xAxis, glyphs) in [(AxisScale.Kind.log, BrailleCanvas.Glyphs.braille), (.linear, .braille), (.log, .ascii)] {
            let buffer = Self.render(ParetoScatter(xAxis: xAxis, glyphs: glyphs), Self.snapshot(), buffer: (64, 18), rect: Rect(x: 2, y: 1, width: 60, height: 16))
            print(buffer.lines.joined(separator: "\n"))
        }
    }
}
