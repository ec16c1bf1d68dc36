internal import Foundation
public import AdaptEngine

/// The event log, newest at the bottom: when, what kind, and the engine's reason.
public struct EventsPanel {
    public var ascii: Bool

    public init(ascii: Bool = false) {
        self.ascii = ascii
    }

    public func draw(_ snapshot: EngineSnapshot, in rect: Rect, on buffer: inout ScreenBuffer) {
        let inner = Box(title: "events", ascii: ascii).draw(in: rect, on: &buffer)
        guard !inner.isEmpty else { return }
        for (row, event) in snapshot.events.suffix(inner.height).enumerated() {
            let y = inner.y + row
            var x = buffer.put(Units.pad(Units.duration(event.seconds), 7, right: true) + " ", x: inner.x, y: y, style: CellStyle(.dim), clip: inner)
            let role: ColorRole = switch event.kind {
            case .switch: .active
            case .pin, .unpin: .pinned
            case .error: .critical
            case .injection: .injected
            case .budget, .mode, .pause, .resume: .warn
            default: .text
            }
            x = buffer.put(Units.pad(event.kind.rawValue, 9), x: x, y: y, style: CellStyle(role, bold: true), clip: inner)
            buffer.put(Units.fit(event.reason, max(0, inner.maxX - x)), x: x, y: y, clip: inner)
        }
    }
}
