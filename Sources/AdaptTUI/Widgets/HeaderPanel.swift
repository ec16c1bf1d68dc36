public import AdaptEngine
internal import Foundation

/// The top two lines: who and what (host, uptime, engine state, family), then the policy, its budgets, the
/// operator's overrides as badges, and the active variant with the reason for the last decision.
public struct HeaderPanel {
    public var ascii: Bool

    public init(ascii: Bool = false) {
        self.ascii = ascii
    }

    /// - Parameter link: the connection's trouble when attached to a service, shown first among the badges.
    public func draw(_ snapshot: EngineSnapshot, link: String? = nil, in rect: Rect, on buffer: inout ScreenBuffer) {
        guard rect.height >= 1 else { return }
        let policy = snapshot.policy
        var x = buffer.put("adapt-top", x: rect.x, y: rect.y, style: CellStyle(.title, bold: true), clip: rect)
        x = buffer.put("  \(snapshot.host)  up \(Units.duration(snapshot.uptimeSeconds))  family \(snapshot.family)  engine ",
                       x: x, y: rect.y, clip: rect)
        // Attached and cut off, the last state is old news: say the engine cannot be seen rather than "running".
        let stateRole: ColorRole = link != nil ? .critical : snapshot.state == .running ? .good : snapshot.state == .starting ? .warn : .critical
        x = buffer.put(link != nil ? "unreachable" : snapshot.state.rawValue, x: x, y: rect.y, style: CellStyle(stateRole, bold: true), clip: rect)
        // Badges at the right edge, where htop puts its tags.
        var badges: [(String, ColorRole)] = []
        if let link { badges.append((link, .critical)) }
        if policy.paused { badges.append(("PAUSED", .warn)) }
        if let pinned = policy.pinned { badges.append(("PINNED \(pinned)", .pinned)) }
        if !snapshot.context.injected.isEmpty { badges.append(("INJECTED", .injected)) }
        let badgeText = badges.map { " \($0.0) " }
        let badgeWidth = badgeText.reduce(0) { $0 + $1.count + 1 }
        var badgeX = max(x + 1, rect.maxX - badgeWidth)
        for (text, badge) in zip(badgeText, badges) {
            badgeX = buffer.put(text, x: badgeX, y: rect.y, style: CellStyle(badge.1, bold: true, reverse: true), clip: rect) + 1
        }
        guard rect.height >= 2 else { return }
        let y = rect.y + 1
        x = buffer.put("\(policy.mode)", x: rect.x, y: y, style: CellStyle(.header, bold: true), clip: rect)
        x = buffer.put(ascii ? "  p95 <= " : "  p95 ≤ ", x: x, y: y, style: CellStyle(.dim), clip: rect)
        x = buffer.put(Units.milliseconds(policy.latencyBudgetMs), x: x, y: y, style: CellStyle(.budget, bold: true), clip: rect)
        x = buffer.put(ascii ? "  mem <= " : "  mem ≤ ", x: x, y: y, style: CellStyle(.dim), clip: rect)
        x = buffer.put(Units.megabytes(policy.memoryBudgetMb), x: x, y: y, clip: rect)
        x = buffer.put(ascii ? "  acc >= " : "  acc ≥ ", x: x, y: y, style: CellStyle(.dim), clip: rect)
        x = buffer.put(Units.percent(policy.accuracyFloor), x: x, y: y, style: CellStyle(.floor, bold: true), clip: rect)
        x = buffer.put("  ▶ ", x: x, y: y, style: CellStyle(.dim), clip: rect)
        x = buffer.put(snapshot.active.id ?? "none", x: x, y: y, style: CellStyle(.active, bold: true), clip: rect)
        let contention = policy.contention.map { Units.fixed($0, 2) } ?? Units.unavailable
        x = buffer.put("  ×\(contention)  ", x: x, y: y, style: CellStyle(.dim), clip: rect)
        buffer.put(Units.fit(policy.reason, max(0, rect.maxX - x)), x: x, y: y, clip: rect)
    }
}
