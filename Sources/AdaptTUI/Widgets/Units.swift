internal import Foundation

/// Numbers as the dashboard shows them: the unit always written, "n/a" for what the device cannot give.
enum Units {
    static let unavailable = "n/a"

    static func milliseconds(_ value: Double?) -> String {
        guard let value, value.isFinite else { return unavailable }
        if value < 1 { return fixed(value * 1000, 0) + "µs" }
        return fixed(value, value < 10 ? 2 : 1) + "ms"
    }

    static func percent(_ fraction: Double?, decimals: Int = 1) -> String {
        guard let fraction, fraction.isFinite else { return unavailable }
        return fixed(fraction * 100, decimals) + "%"
    }

    static func megabytes(_ value: Double?) -> String {
        guard let value, value.isFinite else { return unavailable }
        if value >= 1024 { return fixed(value / 1024, 1) + "G" }
        return fixed(value, value < 10 ? 2 : 0) + "M"
    }

    static func rate(_ perSecond: Double?) -> String {
        guard let perSecond, perSecond.isFinite else { return unavailable }
        if perSecond >= 10_000 { return fixed(perSecond / 1000, 1) + "k/s" }
        return fixed(perSecond, 0) + "/s"
    }

    static func count(_ value: Int) -> String {
        switch value {
        case 10_000_000...: return fixed(Double(value) / 1e6, 1) + "M"
        case 100_000...: return fixed(Double(value) / 1e3, 0) + "k"
        default: return String(value)
        }
    }

    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return unavailable }
        let whole = Int(seconds)
        if whole < 60 { return fixed(seconds, 1) + "s" }
        if whole < 3600 { return "\(whole / 60):" + twoDigits(whole % 60) }
        return "\(whole / 3600):" + twoDigits(whole / 60 % 60) + ":" + twoDigits(whole % 60)
    }

    /// `value` with `decimals` digits after the point, as `%.Nf` writes it (halves round away from zero) but without
    /// Foundation's formatter: a frame formats a few hundred numbers, and `String(format:)` made up a third of its time.
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        let decimals = min(max(decimals, 0), 6)
        let scale = (0..<decimals).reduce(1) { product, _ in product * 10 }
        let scaled = (abs(value) * Double(scale)).rounded()
        guard value.isFinite, scaled < 1e15 else { return String(format: "%.\(decimals)f", value) }
        let units = Int(scaled)
        var text = value < 0 && units != 0 ? "-" : ""
        text += String(units / scale)
        guard decimals > 0 else { return text }
        let fraction = String(units % scale)
        return text + "." + String(repeating: "0", count: decimals - fraction.utf8.count) + fraction
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : String(value)
    }

    /// Columns `text` takes: one per scalar (the dashboard draws no wide or combined characters).
    static func columns(_ text: String) -> Int {
        text.unicodeScalars.count
    }

    /// `text` cut to `width` columns, with an ellipsis when cut.
    static func fit(_ text: String, _ width: Int) -> String {
        guard width > 0 else { return "" }
        let scalars = text.unicodeScalars
        guard scalars.count > width else { return text }
        var cut = String.UnicodeScalarView(scalars.prefix(width - 1))
        cut.append("…")
        return String(cut)
    }

    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fitted = fit(text, width)
        let padding = String(repeating: " ", count: max(0, width - columns(fitted)))
        return right ? padding + fitted : fitted + padding
    }
}
