/// htop's bottom line: each key with its word, from the key map.
public struct KeyBar {
    public var readOnly: Bool

    public init(readOnly: Bool = false) {
        self.readOnly = readOnly
    }

    public func draw(in rect: Rect, on buffer: inout ScreenBuffer) {
        guard rect.height >= 1 else { return }
        buffer.fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), style: CellStyle(.keyBar, reverse: true))
        var x = rect.x
        let mutating = Set(KeyMap.bindings.filter(\.mutates).compactMap(\.bar))
        for entry in KeyMap.keyBar where !(readOnly && mutating.contains(entry.label)) {
            guard x + entry.key.count + entry.label.count + 1 <= rect.maxX else { break }
            x = buffer.put(entry.key, x: x, y: rect.y, style: CellStyle(.keyLabel, bold: true), clip: rect)
            x = buffer.put(entry.label + " ", x: x, y: rect.y, style: CellStyle(.keyBar, reverse: true), clip: rect)
        }
    }
}
