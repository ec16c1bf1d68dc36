/// One point of the accuracy–latency–memory trade-off.
public struct TradeOffPoint: Sendable, Equatable {
    public var accuracy: Double
    public var latencyMs: Double
    public var memoryMB: Double

    public init(accuracy: Double, latencyMs: Double, memoryMB: Double) {
        self.accuracy = accuracy
        self.latencyMs = latencyMs
        self.memoryMB = memoryMB
    }

    /// At least as good on every axis (accuracy ↑, latency ↓, memory ↓) and strictly better on one.
    public func dominates(_ other: TradeOffPoint) -> Bool {
        let noWorse = accuracy >= other.accuracy && latencyMs <= other.latencyMs && memoryMB <= other.memoryMB
        let better = accuracy > other.accuracy || latencyMs < other.latencyMs || memoryMB < other.memoryMB
        return noWorse && better
    }
}

/// The Pareto front of a set of points: those no other point dominates.
public enum ParetoFront {
    /// Indices of the non-dominated points, in input order.
    /// - Complexity: O(n²), for the tens of variants a family has.
    public static func members(of points: [TradeOffPoint]) -> [Int] {
        points.indices.filter { candidate in
            !points.contains { $0.dominates(points[candidate]) }
        }
    }
}
