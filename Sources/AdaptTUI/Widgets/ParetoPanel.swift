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
        ParetoScatter(xAxis: logAxis ? .log : .linear, glyphs: ascii ? .ascii : .braille).draw(snapshot, into: &buffer, in: inner)
    }
}
