public import AdaptEngine

/// The Pareto scatter in its box: accuracy vs latency p95 of every variant, the front joined, the active one
/// marked, budget and floor drawn (`ParetoScatter`).
public struct ParetoPanel {
    public var ascii: Bool

    public init(ascii: Bool = false) {
        self.ascii = ascii
    }

    public func draw(_ snapshot: EngineSnapshot, logAxis: Bool, in rect: Rect, on buffer: inout ScreenBuffer) {
        let title = "pareto front: accuracy vs p95 (\(logAxis ? "log" : "linear"), g toggles)"
        let inner = Box(title: title, ascii: ascii).draw(in: rect, on: &buffer)
        guard !inner.isEmpty else { return }
        if snapshot.state == .starting && snapshot.variants.isEmpty {
            // No profiles yet: say what the start is doing where the plot will be.
            let lines = ["the engine is starting", snapshot.policy.reason]
            for (index, line) in lines.enumerated() {
                let text = Units.fit(line, inner.width)
                buffer.put(text, x: inner.x + max(0, (inner.width - Units.columns(text)) / 2), y: inner.y + inner.height / 2 - 1 + index,
                           style: CellStyle(index == 0 ? .warn : .dim, bold: index == 0), clip: inner)
            }
            return
        }
        ParetoScatter(xAxis: logAxis ? .log : .linear, glyphs: ascii ? .ascii : .braille).draw(snapshot, into: &buffer, in: inner)
    }
}
