public import AdaptEngine

/// The Pareto panel: accuracy (up) against latency p95 (right) for every variant, the front joined, the active
/// variant marked and labelled, where the policy predicts it now, and the latency budget and accuracy floor as
/// lines. Pure: it reads a snapshot and writes cells inside its rectangle, nothing else.
public struct ParetoScatter: Sendable {
    public var xAxis: AxisScale.Kind
    public var glyphs: BrailleCanvas.Glyphs

    /// Below this size there is no room for axes and points; a one-line message is drawn instead.
    public static let minimumWidth = 20
    public static let minimumHeight = 6
    /// Longest first; the longest that fits is shown, so the message is never cut mid-word.
    public static let tooSmallMessages = ["enlarge for the Pareto plot", "enlarge for the plot", "enlarge"]

    public init(xAxis: AxisScale.Kind = .log, glyphs: BrailleCanvas.Glyphs = .braille) {
        (self.xAxis, self.glyphs) = (xAxis, glyphs)
    }

    /// A reference line is drawn when it lies within this factor of the data; further away it would squash the
    /// points into a corner, so an arrow at the edge says where it is instead.
    static let latencyReach = 3.0
    static let accuracyReach = 0.15

    public func draw(_ snapshot: EngineSnapshot, into buffer: inout ScreenBuffer, in rect: Rect) {
        buffer.fill(rect)
        guard rect.width >= Self.minimumWidth, rect.height >= Self.minimumHeight else {
            if rect.height > 0, let message = Self.tooSmallMessages.first(where: { $0.count <= rect.width }) {
                buffer.put(message, x: rect.x, y: rect.y + (rect.height - 1) / 2, style: CellStyle(.dim), clip: rect)
            }
            return
        }
        let utf8 = glyphs == .braille
        let budget = snapshot.policy.latencyBudgetMs, floor = snapshot.policy.accuracyFloor
        let plotted = snapshot.variants.filter { $0.latencyMsP95.isFinite && $0.latencyMsP95 > 0 && $0.accuracy.isFinite }
        let active = plotted.first { $0.id == snapshot.active.id }
        let predicted = active?.predictedLatencyMsP95.flatMap { $0.isFinite && $0 > 0 ? $0 : nil }

        // Ranges from the data, padded, taking in the budget and floor when they are near enough to it.
        let latencies = plotted.map(\.latencyMsP95) + (predicted.map { [$0] } ?? [])
        let accuracies = plotted.map(\.accuracy)
        let (dataLow, dataHigh) = (latencies.min() ?? budget / 2, latencies.max() ?? budget)
        let budgetShown = budget > 0 && budget >= dataLow / Self.latencyReach && budget <= dataHigh * Self.latencyReach
        let xScale = paddedLatencyScale(latencies + (budgetShown ? [budget] : []))
        let (accLow, accHigh) = (accuracies.min() ?? floor, accuracies.max() ?? floor)
        let floorShown = floor >= accLow - Self.accuracyReach && floor <= max(accHigh, 1)
        let yScale = paddedAccuracyScale(accuracies + (floorShown ? [floor] : []))

        // Layout: title row, plot, axis row, label row; y labels at the left.
        let yTicks = yScale.ticks(maxCount: max(2, min(5, (rect.height - 3) / 2)))
        let yLabels = AxisScale.percentLabels(yTicks)
        let labelWidth = (yLabels.map(\.count).max() ?? 3)
        let plot = Rect(x: rect.x + labelWidth + 1, y: rect.y + 1, width: rect.width - labelWidth - 1, height: rect.height - 3)
        var canvas = BrailleCanvas(columns: plot.width, rows: plot.height, glyphs: glyphs)
        let (pw, ph) = (canvas.pixelWidth, canvas.pixelHeight)
        func dot(_ latency: Double, _ accuracy: Double) -> (x: Int, y: Int)? {
            guard let x = xScale.dot(of: latency, length: pw), let y = yScale.dot(of: accuracy, length: ph) else { return nil }
            return (x, ph - 1 - y)
        }
        func cell(_ point: (x: Int, y: Int)) -> (x: Int, y: Int) {
            (plot.x + point.x / canvas.dotsPerColumn, plot.y + point.y / canvas.dotsPerRow)
        }

        let title = "Pareto: accuracy vs p95 latency" + (xAxis == .log ? " (log)" : "")
        buffer.put(title, x: rect.x, y: rect.y, style: CellStyle(.title, bold: true), clip: rect)
        let legend = utf8 ? "◆ active ◇ predicted now" : "@ active + predicted now"
        if title.count + 2 + legend.count <= rect.width {
            buffer.put(legend, x: rect.maxX - legend.count, y: rect.y, style: CellStyle(.dim), clip: rect)
        }

        // Axes: the y axis with its ticks, the x axis with its ticks and labels underneath.
        let axisRow = plot.maxY, axisStyle = CellStyle(.border)
        for row in plot.y..<plot.maxY { buffer.put(utf8 ? "│" : "|", x: plot.x - 1, y: row, style: axisStyle, clip: rect) }
        buffer.put(utf8 ? "└" : "+", x: plot.x - 1, y: axisRow, style: axisStyle, clip: rect)
        buffer.put(String(repeating: utf8 ? "─" : "-", count: plot.width), x: plot.x, y: axisRow, style: axisStyle, clip: rect)
        for (tick, label) in zip(yTicks, yLabels) {
            guard let y = yScale.dot(of: tick, length: ph) else { continue }
            let row = cell((0, ph - 1 - y)).y
            buffer.put(utf8 ? "┤" : "+", x: plot.x - 1, y: row, style: axisStyle, clip: rect)
            buffer.put(label, x: plot.x - 1 - label.count, y: row, style: CellStyle(.dim), clip: rect)
        }
        let xTicks = xScale.ticks(maxCount: max(2, plot.width / 8))
        var nextFree = rect.x
        for (tick, label) in zip(xTicks, xScale.latencyLabels(xTicks, ascii: !utf8)) {
            guard let x = xScale.dot(of: tick, length: pw) else { continue }
            let column = cell((x, 0)).x
            buffer.put(utf8 ? "┬" : "+", x: column, y: axisRow, style: axisStyle, clip: rect)
            // Centred under the tick, moved left to stay inside, skipped where it would run into the previous one.
            let start = min(max(column - label.count / 2, nextFree), rect.maxX - label.count)
            guard start >= nextFree else { continue }
            buffer.put(label, x: start, y: axisRow + 1, style: CellStyle(.dim), clip: rect)
            nextFree = start + label.count + 1
        }

        // Reference lines first, so the points and the front go over them.
        if budgetShown, let x = xScale.dot(of: budget, length: pw) {
            canvas.line(from: (x, 0), to: (x, ph - 1), role: .budget)
        }
        if floorShown, let y = yScale.dot(of: floor, length: ph) {
            canvas.line(from: (0, ph - 1 - y), to: (pw - 1, ph - 1 - y), role: .floor)
        }
        let front = plotted.filter(\.onFront).sorted { $0.latencyMsP95 < $1.latencyMsP95 }.compactMap { dot($0.latencyMsP95, $0.accuracy) }
        for (from, to) in zip(front, front.dropFirst()) { canvas.line(from: from, to: to, role: .front) }
        for variant in plotted {
            guard let point = dot(variant.latencyMsP95, variant.accuracy) else { continue }
            let role: ColorRole = switch variant.state {
            case .active: .active
            case .pinned: .pinned
            case .failed: .dim
            default: variant.onFront ? .front : .text
            }
            canvas.set(x: point.x, y: point.y, role: role)
        }
        canvas.draw(into: &buffer, at: plot)

        // Out-of-range budget or floor: an arrow at the edge the line lies beyond.
        if budget > 0 && !budgetShown {
            let beyond = budget > dataHigh
            let value = AxisScale.latencyLabel(budget, ascii: !utf8)
            let text = beyond ? "budget \(value)" + (utf8 ? "→" : ">") : (utf8 ? "←" : "<") + "budget \(value)"
            buffer.put(text, x: beyond ? plot.maxX - text.count : plot.x, y: plot.y, style: CellStyle(.budget), clip: plot)
        }
        if !floorShown {
            let above = floor > accHigh
            let text = (above ? (utf8 ? "↑" : "^") : (utf8 ? "↓" : "v")) + "floor " + AxisScale.percentLabels([floor])[0]
            buffer.put(text, x: plot.x, y: above ? plot.y : plot.maxY - 1, style: CellStyle(.floor), clip: plot)
        }
        if plotted.isEmpty {
            buffer.put("no variants yet", x: plot.x + max(0, (plot.width - 15) / 2), y: plot.y + plot.height / 2,
                       style: CellStyle(.dim), clip: plot)
        }

        // The active variant: where the policy predicts it now (when that is another cell), its profiled point,
        // and its name beside it, right if it fits, else left.
        guard let active, let activeDot = dot(active.latencyMsP95, active.accuracy) else { return }
        let at = cell(activeDot)
        if let predicted, let predictedDot = dot(predicted, active.accuracy) {
            let predictedAt = cell(predictedDot)
            if predictedAt != at {
                buffer.put(utf8 ? "◇" : "+", x: predictedAt.x, y: predictedAt.y, style: CellStyle(.active), clip: plot)
            }
        }
        buffer.put(utf8 ? "◆" : "@", x: at.x, y: at.y, style: CellStyle(.active, bold: true), clip: plot)
        let label = active.id
        if at.x + 2 + label.count <= plot.maxX {
            buffer.put(label, x: at.x + 2, y: at.y, style: CellStyle(.active), clip: plot)
        } else if at.x - 1 - label.count >= plot.x {
            buffer.put(label, x: at.x - 1 - label.count, y: at.y, style: CellStyle(.active), clip: plot)
        }
    }

    /// The latency axis over `values` with a little room either side (in log space on a log axis).
    func paddedLatencyScale(_ values: [Double]) -> AxisScale {
        let (low, high) = (values.min() ?? 0.1, values.max() ?? 1)
        switch xAxis {
        case .linear:
            let pad = high > low ? (high - low) * 0.08 : max(high * 0.1, 0.01)
            return AxisScale(lower: max(0, low - pad), upper: high + pad, kind: .linear)
        case .log:
            let factor = high > low ? max(1.1, (high / low).squareRoot().squareRoot().squareRoot()) : 1.5
            return AxisScale(lower: low / factor, upper: high * factor, kind: .log)
        }
    }

    /// The accuracy axis over `values`, padded, kept within 0…100 %.
    func paddedAccuracyScale(_ values: [Double]) -> AxisScale {
        let (low, high) = (values.min() ?? 0, values.max() ?? 1)
        let pad = max((high - low) * 0.08, 0.005)
        var (lower, upper) = (max(0, low - pad), min(1, high + pad))
        if upper - lower < 0.01 { (lower, upper) = (max(0, min(lower, upper - 0.01)), max(upper, lower + 0.01)) }
        return AxisScale(lower: lower, upper: upper, kind: .linear)
    }
}
