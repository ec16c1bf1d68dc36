public import AdaptEngine

/// The variants table: profile figures, the p95 the policy predicts now, front membership and state; the selected
/// row highlighted and kept in view.
public struct VariantsPanel {
    public var ascii: Bool

    public init(ascii: Bool = false) {
        self.ascii = ascii
    }

    /// The first row shown for `selected` in a table of `rows` visible rows (the selection stays in view).
    public static func scrollOffset(selected: Int, count: Int, rows: Int, previous: Int) -> Int {
        guard rows > 0, count > rows else { return 0 }
        var offset = min(max(previous, 0), count - rows)
        if selected < offset { offset = selected }
        if selected >= offset + rows { offset = selected - rows + 1 }
        return offset
    }

    private static let leftAligned: Set<String> = ["STATE", "F", "BACKEND"]

    /// Draws the table; returns the scroll offset used (the caller keeps it for the next frame).
    @discardableResult
    public func draw(_ snapshot: EngineSnapshot, selected: Int, scroll: Int, in rect: Rect, on buffer: inout ScreenBuffer) -> Int {
        let inner = Box(title: "variants \(snapshot.variants.count), front \(snapshot.variants.filter(\.onFront).count)", ascii: ascii)
            .draw(in: rect, on: &buffer)
        guard inner.height >= 2, inner.width >= 20 else { return 0 }
        // Columns from right to left get dropped as the panel narrows; the id takes what is left.
        let columns: [(title: String, width: Int)] = [("ACC", 7), ("P50", 7), ("P95", 7), ("PRED", 7), ("MEM", 6), ("F", 1), ("STATE", 9), ("BACKEND", 7)]
        var shown: [(title: String, width: Int)] = []
        var used = 0
        for column in columns where inner.width - (used + column.width + 1) >= 12 {
            shown.append(column)
            used += column.width + 1
        }
        let idWidth = inner.width - used - 2
        var header = "  " + Units.pad("VARIANT", idWidth)
        for column in shown { header += " " + Units.pad(column.title, column.width, right: !Self.leftAligned.contains(column.title)) }
        buffer.put(header, x: inner.x, y: inner.y, style: CellStyle(.header, bold: true), clip: inner)
        let rows = inner.height - 1
        let offset = Self.scrollOffset(selected: selected, count: snapshot.variants.count, rows: rows, previous: scroll)
        for (row, index) in (offset..<min(snapshot.variants.count, offset + rows)).enumerated() {
            let variant = snapshot.variants[index]
            let y = inner.y + 1 + row
            let marker = variant.state == .active ? (ascii ? ">" : "▶") : variant.state == .pinned ? (ascii ? "P" : "●") : " "
            var cells = [marker + " " + Units.pad(variant.id, idWidth)]
            for column in shown {
                let text: String = switch column.title {
                case "ACC": Units.percent(variant.accuracy, decimals: 2)
                case "P50": Units.milliseconds(variant.latencyMsP50)
                case "P95": Units.milliseconds(variant.latencyMsP95)
                case "PRED": Units.milliseconds(variant.predictedLatencyMsP95)
                case "MEM": Units.megabytes(variant.memoryMb)
                case "F": variant.onFront ? (ascii ? "*" : "◆") : " "
                case "BACKEND": variant.backend ?? "-"
                default: variant.state.rawValue
                }
                cells.append(Units.pad(text, column.width, right: !Self.leftAligned.contains(column.title)))
            }
            let role: ColorRole = switch variant.state {
            case .active: .active
            case .pinned: .pinned
            case .failed: .critical
            case .preparing: .dim
            case .ready: variant.onFront ? .front : .text
            }
            let line = cells.joined(separator: " ")
            buffer.put(Units.pad(line, inner.width), x: inner.x, y: y,
                       style: CellStyle(index == selected ? .selected : role, bold: variant.state == .active, reverse: index == selected),
                       clip: inner)
        }
        return offset
    }
}
