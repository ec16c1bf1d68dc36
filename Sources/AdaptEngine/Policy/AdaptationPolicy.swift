internal import Foundation

/// What the operator asks the engine to optimise.
public enum PolicyMode: String, Sendable, CaseIterable {
    /// The most accurate variant predicted within the latency and memory budgets.
    case maxAccuracy = "max-accuracy"
    /// The fastest variant above the accuracy floor (and within memory).
    case minLatency = "min-latency"
    /// The most accurate variant that leaves headroom: predicted within `balancedShare` of the latency budget.
    case balanced
}

public struct PolicyBudgets: Sendable, Equatable {
    public var latencyMs: Double
    public var memoryMB: Double
    public var accuracyFloor: Double

    public init(latencyMs: Double, memoryMB: Double, accuracyFloor: Double) {
        (self.latencyMs, self.memoryMB, self.accuracyFloor) = (latencyMs, memoryMB, accuracyFloor)
    }
}

/// A variant as the policy sees it: its profiled figures.
public struct PolicyCandidate: Sendable, Equatable {
    public var id: String
    public var accuracy: Double
    public var latencyP95Ms: Double
    public var memoryMB: Double

    public init(id: String, accuracy: Double, latencyP95Ms: Double, memoryMB: Double) {
        (self.id, self.accuracy, self.latencyP95Ms, self.memoryMB) = (id, accuracy, latencyP95Ms, memoryMB)
    }
}

/// Everything one decision depends on; the policy keeps no state of its own.
public struct PolicyInput: Sendable {
    public var candidates: [PolicyCandidate]
    public var budgets: PolicyBudgets
    public var mode: PolicyMode
    /// Observed ÷ profiled latency of the active variant: how much slower the device runs now; every candidate's
    /// predicted latency is its profile × this.
    public var contention: Double
    /// p95 latencies (ms) measured lately on this device for some variants (the active one, probes): where one is
    /// known it is the prediction, since contention does not slow every model alike.
    public var observedLatencyP95Ms: [String: Double]
    public var active: String?
    public var secondsSinceSwitch: Double
    public var pinned: String?
    public var paused: Bool

    public init(candidates: [PolicyCandidate], budgets: PolicyBudgets, mode: PolicyMode, contention: Double = 1,
                observedLatencyP95Ms: [String: Double] = [:], active: String? = nil, secondsSinceSwitch: Double = .infinity,
                pinned: String? = nil, paused: Bool = false) {
        (self.candidates, self.budgets, self.mode, self.contention) = (candidates, budgets, mode, contention)
        self.observedLatencyP95Ms = observedLatencyP95Ms
        (self.active, self.secondsSinceSwitch, self.pinned, self.paused) = (active, secondsSinceSwitch, pinned, paused)
    }
}

public struct PolicyDecision: Sendable, Equatable {
    public var variant: String?
    public var switched: Bool
    /// One line a person can read: why this variant, now.
    public var reason: String
}

/// The adaptation policy: pure and deterministic, so it is tested on scripted inputs and replayed on traces.
public struct AdaptationPolicy: Sendable, Equatable {
    /// A move to a slower variant must fit within (1 − margin) of the latency budget, so that a variant sitting at
    /// the boundary does not flap in and out with the noise.
    public var latencyMargin: Double
    /// Seconds the active variant stays before a voluntary switch (a budget violation switches at once).
    public var minimumDwellSeconds: Double
    /// `balanced` keeps predicted latency within this share of the budget.
    public var balancedShare: Double

    public init(latencyMargin: Double = 0.1, minimumDwellSeconds: Double = 2, balancedShare: Double = 0.6) {
        (self.latencyMargin, self.minimumDwellSeconds, self.balancedShare) = (latencyMargin, minimumDwellSeconds, balancedShare)
    }

    public func decide(_ input: PolicyInput) -> PolicyDecision {
        let byID = Dictionary(input.candidates.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        if let pinned = input.pinned {
            return PolicyDecision(variant: pinned, switched: pinned != input.active, reason: "\(pinned) pinned by the operator")
        }
        if input.paused {
            return PolicyDecision(variant: input.active, switched: false, reason: "adaptation paused by the operator")
        }
        let contention = max(input.contention, 0)
        let observed = input.observedLatencyP95Ms
        func predicted(_ candidate: PolicyCandidate) -> Double {
            observed[candidate.id] ?? candidate.latencyP95Ms * contention
        }
        let budgets = input.budgets
        func withinMemory(_ candidate: PolicyCandidate) -> Bool { candidate.memoryMB <= budgets.memoryMB }
        func withinLatency(_ candidate: PolicyCandidate, share: Double = 1) -> Bool { predicted(candidate) <= budgets.latencyMs * share }
        func aboveFloor(_ candidate: PolicyCandidate) -> Bool { candidate.accuracy >= budgets.accuracyFloor }

        let best = choose(input.candidates, mode: input.mode, predicted: predicted, withinMemory: withinMemory,
                          withinLatency: withinLatency, aboveFloor: aboveFloor)
        guard let best else {
            // Nothing meets the budgets: the fastest variant in memory (else overall) keeps frames flowing.
            let fallback = input.candidates.filter(withinMemory).min { predicted($0) < predicted($1) }
                ?? input.candidates.min { predicted($0) < predicted($1) }
            guard let fallback else { return PolicyDecision(variant: input.active, switched: false, reason: "no variants") }
            return PolicyDecision(
                variant: fallback.id, switched: fallback.id != input.active,
                reason: "no variant meets the budgets under \(Self.format(contention))× contention; running the fastest, \(fallback.id)")
        }
        guard let activeID = input.active, let active = byID[activeID] else {
            return PolicyDecision(variant: best.id, switched: true, reason: "\(best.id): \(describe(best, input.mode, predicted(best)))")
        }
        if best.id == active.id {
            return PolicyDecision(variant: active.id, switched: false, reason: "\(active.id) stays: \(describe(active, input.mode, predicted(active)))")
        }
        // The active variant breaking a budget is left at once; otherwise switches wait for the dwell and a margin.
        let activeBreaks = !withinMemory(active) || !withinLatency(active)
            || (input.mode == .minLatency && !aboveFloor(active))
        if activeBreaks {
            let broken = !withinLatency(active)
                ? "its predicted p95 \(Self.format(predicted(active))) ms exceeds the \(Self.format(budgets.latencyMs)) ms budget"
                : !withinMemory(active) ? "its \(Self.format(active.memoryMB)) MB exceeds the \(Self.format(budgets.memoryMB)) MB budget"
                : "its accuracy is below the floor"
            return PolicyDecision(variant: best.id, switched: true, reason: "\(active.id) → \(best.id): \(broken)")
        }
        if input.secondsSinceSwitch < minimumDwellSeconds {
            return PolicyDecision(
                variant: active.id, switched: false,
                reason: "\(active.id) stays: switched \(Self.format(input.secondsSinceSwitch)) s ago (dwell \(Self.format(minimumDwellSeconds)) s)")
        }
        if predicted(best) > predicted(active), !withinLatency(best, share: 1 - latencyMargin) {
            return PolicyDecision(
                variant: active.id, switched: false,
                reason: "\(active.id) stays: \(best.id) would sit within \(Int(latencyMargin * 100)) % of the latency budget")
        }
        return PolicyDecision(variant: best.id, switched: true, reason: "\(active.id) → \(best.id): \(describe(best, input.mode, predicted(best)))")
    }

    private func choose(
        _ candidates: [PolicyCandidate], mode: PolicyMode, predicted: (PolicyCandidate) -> Double,
        withinMemory: (PolicyCandidate) -> Bool, withinLatency: (PolicyCandidate, Double) -> Bool,
        aboveFloor: (PolicyCandidate) -> Bool
    ) -> PolicyCandidate? {
        // Ties go to the faster, then the smaller, then the id: the same input always gives the same answer.
        func moreAccurate(_ a: PolicyCandidate, _ b: PolicyCandidate) -> Bool {
            (a.accuracy, -predicted(a), -a.memoryMB, a.id) > (b.accuracy, -predicted(b), -b.memoryMB, b.id)
        }
        switch mode {
        case .maxAccuracy:
            return candidates.filter { withinMemory($0) && withinLatency($0, 1) }.max { moreAccurate($1, $0) }
        case .minLatency:
            return candidates.filter { withinMemory($0) && aboveFloor($0) }
                .min { (predicted($0), -$0.accuracy, $0.memoryMB, $0.id) < (predicted($1), -$1.accuracy, $1.memoryMB, $1.id) }
        case .balanced:
            return candidates.filter { withinMemory($0) && aboveFloor($0) && withinLatency($0, balancedShare) }.max { moreAccurate($1, $0) }
                ?? candidates.filter { withinMemory($0) && aboveFloor($0) && withinLatency($0, 1) }.max { moreAccurate($1, $0) }
        }
    }

    private func describe(_ candidate: PolicyCandidate, _ mode: PolicyMode, _ predicted: Double) -> String {
        let figures = "\(Self.format(candidate.accuracy * 100)) % top-1, predicted p95 \(Self.format(predicted)) ms"
        switch mode {
        case .maxAccuracy: return "most accurate within the budgets (\(figures))"
        case .minLatency: return "fastest above the accuracy floor (\(figures))"
        case .balanced: return "most accurate with latency headroom (\(figures))"
        }
    }

    static func format(_ value: Double) -> String {
        value.isFinite ? String(format: value < 10 ? "%.2f" : "%.1f", value) : "∞"
    }
}
