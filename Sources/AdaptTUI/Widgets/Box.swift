/// A panel's frame: a border with the title set into its top edge, like btop's boxes. Returns the inside.
struct Box {
    var title: String
    var ascii: Bool

    @discardableResult
    func draw(in rect: Rect, on buffer: inout ScreenBuffer) -> Rect {
        guard rect.width >= 2, rect.height >= 2 else { return Rect(x: rect.x, y: rect.y, width: 0, height: 0) }
        let border = CellStyle(.border)
        let (horizontal, vertical) = ascii ? ("-", "|") : ("─", "│")
        let corners = ascii ? ["+", "+", "+", "+"] : ["┌", "┐", "└", "┘"]
        let edge = String(repeating: horizontal, count: rect.width - 2)
        buffer.put(corners[0] + edge + corners[1], x: rect.x, y: rect.y, style: border)
        buffer.put(corners[2] + edge + corners[3], x: rect.x, y: rect.maxY - 1, style: border)
        for y in rect.y + 1..<rect.maxY - 1 {
            buffer.put(vertical, x: rect.x, y: y, style: border)
            buffer.put(vertical, x: rect.maxX - 1, y: y, style: border)
        }
        if rect.width > 6 {
            buffer.put(" " + Units.fit(title, rect.width - 6) + " ", x: rect.x + 2, y: rect.y, style: CellStyle(.title, bold: true))
        }
        return rect.inset(by: 1)
    }
}
