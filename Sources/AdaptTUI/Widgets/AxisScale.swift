internal import Foundation

/// One axis of a plot: a value range, linear or log10, mapped onto a number of dots, with "nice" ticks.
/// Pure arithmetic, kept apart from drawing so it can be tested on its own.
public struct AxisScale: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case linear, log
    }

    public let lower: Double
    public let upper: Double
    public let kind: Kind

    /// An empty or reversed range is widened around its value, and a log range is kept above zero, so the
    /// mapping never divides by zero or takes the log of a non-positive number.
    public init(lower: Double, upper: Double, kind: Kind = .linear) {
        var (low, high) = (lower.isFinite ? lower : 0, upper.isFinite ? upper : 1)
        if kind == .log {
            high = max(high, Double.leastNormalMagnitude * 10)
            low = max(low, high / 1e9)
        }
        if high <= low {
            let centre = kind == .log ? max(low, 1e-9) : low
            (low, high) = kind == .log ? (centre / 1.5, centre * 1.5) : (centre - max(abs(centre) * 0.1, 0.5), centre + max(abs(centre) * 0.1, 0.5))
        }
        (self.lower, self.upper, self.kind) = (low, high, kind)
    }

    /// Where `value` falls, 0 at `lower` and 1 at `upper` (outside 0…1 when the value is out of range).
    public func fraction(of value: Double) -> Double {
        switch kind {
        case .linear: (value - lower) / (upper - lower)
        case .log: value > 0 ? (log10(value) - log10(lower)) / (log10(upper) - log10(lower)) : -.infinity
        }
    }

    /// The dot (0 ..< `length`) that shows `value`, or nil when it is out of range.
    public func dot(of value: Double, length: Int) -> Int? {
        let fraction = fraction(of: value)
        guard length > 0, fraction.isFinite, fraction >= -1e-9, fraction <= 1 + 1e-9 else { return nil }
        return min(length - 1, max(0, Int((fraction * Double(length - 1)).rounded())))
    }

    /// The value at the dot a given `fraction` along the axis (the inverse of `fraction(of:)`).
    public func value(atFraction fraction: Double) -> Double {
        switch kind {
        case .linear: lower + fraction * (upper - lower)
        case .log: pow(10, log10(lower) + fraction * (log10(upper) - log10(lower)))
        }
    }

    /// At most `maxCount` round values inside the range: a 1-2-5 × 10ⁿ step on a linear axis; on a log axis the
    /// 1-2-5 values of each decade (thinned to 1s and then to every few decades when there are too many), or the
    /// linear ticks when the range is too narrow to hold two of them.
    public func ticks(maxCount: Int) -> [Double] {
        guard maxCount > 0 else { return [] }
        if kind == .log {
            let first = Int(floor(log10(lower))), last = Int(ceil(log10(upper)))
            for mantissas in [[1.0, 2, 5], [1.0]] {
                let ticks = (first...last).flatMap { decade in mantissas.map { $0 * pow(10, Double(decade)) } }
                    .filter(contains)
                if ticks.count >= 2 && ticks.count <= maxCount { return ticks }
                if ticks.count > maxCount && mantissas == [1] {
                    let stride = (ticks.count + maxCount - 1) / maxCount
                    return ticks.enumerated().filter { $0.offset % stride == 0 }.map(\.element)
                }
            }
        }
        return linearTicks(maxCount: maxCount)
    }

    private func contains(_ value: Double) -> Bool {
        let tolerance = (upper - lower) * 1e-9
        return value >= lower - tolerance && value <= upper + tolerance
    }

    private func linearTicks(maxCount: Int) -> [Double] {
        let span = upper - lower
        let steps = stride(from: floor(log10(span / Double(maxCount))) - 1, through: ceil(log10(span)) + 1, by: 1)
            .flatMap { power in [1.0, 2, 5].map { $0 * pow(10, power) } }
        for step in steps {
            let first = ceil(lower / step - 1e-9), last = floor(upper / step + 1e-9)
            guard last - first + 1 <= Double(maxCount) else { continue }
            // Multiplying the index, not adding steps, keeps 0.1 × 3 from printing as 0.30000000000000004.
            return stride(from: first, through: last, by: 1).map { ($0 * step * 1e9).rounded() / 1e9 }
        }
        return [lower]
    }

    /// `value` with at most `fractionDigits` decimals, trailing zeros dropped ("2.5", "10", "0.25").
    static func decimal(_ value: Double, fractionDigits: Int) -> String {
        var text = Units.fixed(value, fractionDigits)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    /// Accuracy ticks (0…1) as percents, with one decimal only when the ticks are closer than a percent.
    public static func percentLabels(_ ticks: [Double]) -> [String] {
        let fine = zip(ticks, ticks.dropFirst()).contains { abs($1 - $0) < 0.00999 }
        return ticks.map { decimal($0 * 100, fractionDigits: fine ? 1 : 0) + "%" }
    }

    /// Latency ticks (milliseconds) with their unit: µs when the whole axis is under a millisecond, ms otherwise;
    /// `ascii` spells µs "us" for terminals that cannot show µ.
    public func latencyLabels(_ ticks: [Double], ascii: Bool = false) -> [String] {
        // Each tick in its own unit: a log axis of a family spans microseconds to milliseconds, and one unit for all
        // wrote the smallest ticks as "0.001ms" twice.
        ticks.map { Self.latencyLabel($0, ascii: ascii) }
    }

    /// One latency (milliseconds) on its own, in the unit that suits it.
    public static func latencyLabel(_ milliseconds: Double, ascii: Bool = false) -> String {
        milliseconds < 1 ? decimal(milliseconds * 1000, fractionDigits: 1) + (ascii ? "us" : "µs") : decimal(milliseconds, fractionDigits: 2) + "ms"
    }
}
