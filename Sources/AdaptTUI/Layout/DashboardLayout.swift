/// Where each panel goes for a terminal size: pure, so every size is tested without a terminal.
public struct DashboardLayout: Sendable, Equatable {
    public static let minimumWidth = 60
    public static let minimumHeight = 18

    public var header: Rect
    public var resources: Rect
    public var pareto: Rect
    public var variants: Rect
    public var inference: Rect
    public var events: Rect
    public var keyBar: Rect

    /// Nil below the minimum size (the dashboard then shows only a message saying so).
    public init?(width: Int, height: Int) {
        guard width >= Self.minimumWidth, height >= Self.minimumHeight else { return nil }
        header = Rect(x: 0, y: 0, width: width, height: 2)
        keyBar = Rect(x: 0, y: height - 1, width: width, height: 1)
        let body = height - 3
        // Events take a fifth of the body (3–12 lines); the rest splits between the plot row and the table row.
        let eventsHeight = min(12, max(3, body / 5))
        let upper = (body - eventsHeight) * 9 / 20
        let lower = body - eventsHeight - upper
        let leftWidth = width * 2 / 5
        resources = Rect(x: 0, y: 2, width: leftWidth, height: upper)
        pareto = Rect(x: leftWidth, y: 2, width: width - leftWidth, height: upper)
        let tableWidth = width * 3 / 5
        variants = Rect(x: 0, y: 2 + upper, width: tableWidth, height: lower)
        inference = Rect(x: tableWidth, y: 2 + upper, width: width - tableWidth, height: lower)
        events = Rect(x: 0, y: 2 + upper + lower, width: width, height: eventsHeight)
    }

    /// What a terminal below the minimum shows instead of the panels.
    public static func sizeMessage(width: Int, height: Int) -> [String] {
        ["adapt-top needs at least \(minimumWidth)×\(minimumHeight)", "this terminal: \(width)×\(height)", "enlarge it, or q to quit"]
    }
}
