public import AdaptEngine

/// Live inference: throughput, latency percentiles (last frames and since the start), rolling accuracy,
/// confidence, frames, switches, drops.
public struct InferencePanel {
    public var ascii: Bool

    public init(ascii: Bool = false) {
        self.ascii = ascii
    }

    public func draw(_ snapshot: EngineSnapshot, in rect: Rect, on buffer: inout ScreenBuffer) {
        let inner = Box(title: "inference", ascii: ascii).draw(in: rect, on: &buffer)
        guard !inner.isEmpty else { return }
        let inference = snapshot.inference
        let budget = snapshot.policy.latencyBudgetMs
        let recent = inference.latencyMs
        let rows: [(String, String, ColorRole)] = [
            ("throughput", Units.rate(inference.throughputIps), .text),
            ("p50 / p95", "\(Units.milliseconds(recent?.p50)) / \(Units.milliseconds(recent?.p95))",
             (recent?.p95 ?? 0) > budget ? .critical : .good),
            ("p99", Units.milliseconds(recent?.p99), .text),
            ("p95 since start", Units.milliseconds(inference.latencyMsSinceStart?.p95), .dim),
            ("accuracy (rolling)", Units.percent(inference.accuracy, decimals: 2),
             (inference.accuracy ?? 1) < snapshot.policy.accuracyFloor ? .warn : .text),
            ("confidence", inference.confidence.map { Units.percent($0) } ?? Units.unavailable, .text),
            ("frames", Units.count(inference.count), .text),
            ("switches / drops", "\(inference.switches) / \(inference.drops)", inference.drops > 0 ? .warn : .text),
        ]
        let labelWidth = min(19, max(8, inner.width / 2))
        for (index, row) in rows.prefix(inner.height).enumerated() {
            let y = inner.y + index
            buffer.put(Units.pad(row.0, labelWidth), x: inner.x, y: y, style: CellStyle(.dim), clip: inner)
            buffer.put(row.1, x: inner.x + labelWidth + 1, y: y, style: CellStyle(row.2, bold: true), clip: inner)
        }
        if let stopped = inference.stoppedBecause, inner.height > rows.count {
            buffer.put(Units.fit("stopped: \(stopped)", inner.width), x: inner.x, y: inner.y + rows.count, style: CellStyle(.critical), clip: inner)
        }
    }
}
