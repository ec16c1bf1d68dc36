internal import Foundation

/// Numbers as the dashboard shows them: the unit always written, "n/a" for what the device cannot give.
enum Units {
    static let unavailable = "n/a"

    static func milliseconds(_ value: Double?) -> String {
        guard let value, value.isFinite else { return unavailable }
        if value < 1 { return String(format: "%.0fµs", value * 1000) }
        return value < 10 ? String(format: "%.2fms", value) : String(format: "%.1fms", value)
    }

    static func percent(_ fraction: Double?, decimals: Int = 1) -> String {
        guard let fraction, fraction.isFinite else { return unavailable }
        return String(format: "%.\(decimals)f%%", fraction * 100)
    }

    static func megabytes(_ value: Double?) -> String {
        guard let value, value.isFinite else { return unavailable }
        if value >= 1024 { return String(format: "%.1fG", value / 1024) }
        return value < 10 ? String(format: "%.2fM", value) : String(format: "%.0fM", value)
    }

    static func rate(_ perSecond: Double?) -> String {
        guard let perSecond, perSecond.isFinite else { return unavailable }
        if perSecond >= 10_000 { return String(format: "%.1fk/s", perSecond / 1000) }
        return String(format: "%.0f/s", perSecond)
    }

    static func count(_ value: Int) -> String {
        switch value {
        case 10_000_000...: return String(format: "%.1fM", Double(value) / 1e6)
        case 100_000...: return String(format: "%.0fk", Double(value) / 1e3)
        default: return String(value)
        }
    }

    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return unavailable }
        let whole = Int(seconds)
        if whole < 60 { return String(format: "%.1fs", seconds) }
        if whole < 3600 { return String(format: "%d:%02d", whole / 60, whole % 60) }
        return String(format: "%d:%02d:%02d", whole / 3600, whole / 60 % 60, whole % 60)
    }

    /// `text` cut to `width` columns, with an ellipsis when cut.
    static func fit(_ text: String, _ width: Int) -> String {
        guard width > 0 else { return "" }
        return text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }

    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fitted = fit(text, width)
        let padding = String(repeating: " ", count: max(0, width - fitted.count))
        return right ? padding + fitted : fitted + padding
    }
}
