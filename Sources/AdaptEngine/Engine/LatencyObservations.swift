/// p95 latencies measured on this run for individual variants (the active one continuously, others by probes),
/// each valid for a while: under contention, a measurement beats a profile scaled by one factor, because
/// preemption hurts a long inference far more than a short one.
struct LatencyObservations: Sendable, Equatable {
    struct Observation: Sendable, Equatable {
        var p95Ms: Double
        /// Engine seconds when it was measured.
        var at: Double
    }

    /// Seconds an observation is trusted.
    let lifetime: Double
    private(set) var entries: [String: Observation] = [:]

    init(lifetime: Double) {
        self.lifetime = lifetime
    }

    mutating func record(_ id: String, p95Ms: Double, at seconds: Double) {
        entries[id] = Observation(p95Ms: p95Ms, at: seconds)
    }

    /// Observations younger than the lifetime.
    func fresh(at seconds: Double) -> [String: Double] {
        entries.compactMapValues { seconds - $0.at <= lifetime ? $0.p95Ms : nil }
    }

    /// Seconds since `id` was measured; nil if never.
    func age(of id: String, at seconds: Double) -> Double? {
        entries[id].map { seconds - $0.at }
    }
}
