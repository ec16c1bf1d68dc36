public import AdaptEngine

/// One frame of the dashboard, composed from a snapshot and the dashboard's state: pure, so every size is a test.
public struct DashboardView {
    public var ascii: Bool

    public init(ascii: Bool = false) {
        self.ascii = ascii
    }

    /// Renders the frame; `state.scroll` is updated to keep the selection in view.
    public func render(_ snapshot: EngineSnapshot, state: inout DashboardState, history: ResourceHistory,
                       width: Int, height: Int) -> ScreenBuffer {
        var buffer = ScreenBuffer(width: width, height: height)
        guard let layout = DashboardLayout(width: width, height: height) else {
            let lines = DashboardLayout.sizeMessage(width: width, height: height)
            let top = max(0, (height - lines.count) / 2)
            for (index, line) in lines.enumerated() {
                buffer.put(Units.fit(line, width), x: max(0, (width - line.count) / 2), y: top + index,
                           style: CellStyle(index == 0 ? .warn : .text, bold: index == 0))
            }
            if ascii { buffer.replaceNonASCII() }
            return buffer
        }
        state.selected = min(state.selected, max(0, snapshot.variants.count - 1))
        HeaderPanel(ascii: ascii).draw(snapshot, link: state.link, in: layout.header, on: &buffer)
        ResourcesPanel(ascii: ascii).draw(snapshot, history: history, in: layout.resources, on: &buffer)
        ParetoPanel(ascii: ascii).draw(snapshot, logAxis: state.logLatencyAxis, in: layout.pareto, on: &buffer)
        state.scroll = VariantsPanel(ascii: ascii).draw(snapshot, selected: state.selected, scroll: state.scroll,
                                                        in: layout.variants, on: &buffer)
        InferencePanel(ascii: ascii).draw(snapshot, in: layout.inference, on: &buffer)
        EventsPanel(ascii: ascii).draw(snapshot, in: layout.events, on: &buffer)
        KeyBar(readOnly: state.readOnly).draw(in: layout.keyBar, on: &buffer)
        if let message = state.message {
            buffer.put(" " + Units.fit(message, width - 2) + " ", x: 0, y: layout.keyBar.y, style: CellStyle(.warn, bold: true, reverse: true))
        }
        if state.showHelp {
            overlay(title: "keys (Esc or h closes)", lines: KeyMap.helpLines(readOnly: state.readOnly), on: &buffer)
        } else if let id = state.details, let variant = snapshot.variants.first(where: { $0.id == id }) {
            overlay(title: "\(id) (Enter or Esc closes)", lines: Self.details(variant, snapshot: snapshot), on: &buffer)
        }
        if ascii { buffer.replaceNonASCII() }
        return buffer
    }

    /// Which variant row a click at (x, y) lands on, if any.
    public func variantIndex(atX x: Int, y: Int, state: DashboardState, width: Int, height: Int, count: Int) -> Int? {
        guard let layout = DashboardLayout(width: width, height: height) else { return nil }
        let table = layout.variants.inset(by: 1)
        guard x >= table.x, x < table.maxX, y > table.y, y < table.maxY else { return nil }
        let index = state.scroll + (y - table.y - 1)
        return index < count ? index : nil
    }

    /// What the details overlay says about a variant: its profile, where it stands, and why it is on or off the front.
    static func details(_ variant: EngineSnapshot.Variant, snapshot: EngineSnapshot) -> [String] {
        var lines = [
            "transform \(variant.transform) of \(variant.parent)    state \(variant.state.rawValue)",
            "top-1 \(Units.percent(variant.accuracy, decimals: 2))    p50 \(Units.milliseconds(variant.latencyMsP50))"
                + "    p95 \(Units.milliseconds(variant.latencyMsP95))    memory \(Units.megabytes(variant.memoryMb))",
            "predicted p95 now \(Units.milliseconds(variant.predictedLatencyMsP95))"
                + "    measured lately \(Units.milliseconds(variant.observedLatencyMsP95))",
        ]
        if variant.onFront {
            lines.append("on the Pareto front: no variant is at least as accurate, as fast (p95) and as small")
        } else if let better = snapshot.variants.first(where: {
            $0.accuracy >= variant.accuracy && $0.latencyMsP95 <= variant.latencyMsP95 && $0.memoryMb <= variant.memoryMb && $0.id != variant.id
        }) {
            lines.append("off the front: \(better.id) is at least as accurate (\(Units.percent(better.accuracy, decimals: 2))),"
                         + " as fast (\(Units.milliseconds(better.latencyMsP95))) and as small (\(Units.megabytes(better.memoryMb)))")
        }
        let budget = snapshot.policy
        let fits = (variant.predictedLatencyMsP95 ?? variant.latencyMsP95) <= budget.latencyBudgetMs
        lines.append("budgets now: latency \(fits ? "fits" : "over") \(Units.milliseconds(budget.latencyBudgetMs)), memory "
                     + "\(variant.memoryMb <= budget.memoryBudgetMb ? "fits" : "over") \(Units.megabytes(budget.memoryBudgetMb)), accuracy "
                     + "\(variant.accuracy >= budget.accuracyFloor ? "above" : "below") the \(Units.percent(budget.accuracyFloor)) floor")
        if let detail = variant.detail { lines.append("note: \(detail)") }
        return lines
    }

    private func overlay(title: String, lines: [String], on buffer: inout ScreenBuffer) {
        let width = min(buffer.width - 4, max(title.count + 6, (lines.map(\.count).max() ?? 0) + 4))
        let height = min(buffer.height - 2, lines.count + 2)
        let rect = Rect(x: (buffer.width - width) / 2, y: max(1, (buffer.height - height) / 2), width: width, height: height)
        buffer.fill(rect)
        let inner = Box(title: title, ascii: ascii).draw(in: rect, on: &buffer)
        for (index, line) in lines.prefix(inner.height).enumerated() {
            buffer.put(" " + Units.fit(line, inner.width - 1), x: inner.x, y: inner.y + index, clip: inner)
        }
    }
}
