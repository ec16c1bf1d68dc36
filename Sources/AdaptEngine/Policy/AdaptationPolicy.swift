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

/// A variant as the policy sees it: its profiled figures, and its latency as measured lately, if it was.
public struct PolicyCandidate: Sendable, Equatable {
    public var id: String
    public var accuracy: Double
    public var latencyP95Ms: Double
    public var memoryMB: Double
    /// p95 (ms) measured lately on this device (the active variant continuously, others by probes): where known it
    /// is the prediction, since contention does not slow every model alike.
    public var observedLatencyP95Ms: Double?

    public init(id: String, accuracy: Double, latencyP95Ms: Double, memoryMB: Double, observedLatencyP95Ms: Double? = nil) {
        (self.id, self.accuracy, self.latencyP95Ms, self.memoryMB) = (id, accuracy, latencyP95Ms, memoryMB)
    }
}

/// Everything one decision depends on; the policy keeps no state of its own.
public struct PolicyInput: Sendable {
    public var candidates: [PolicyCandidate]
    public var budgets: PolicyBudgets
    public var mode: PolicyMode
    /// Observed ÷ profiled latency of the active variant: how much slower the device runs now; a candidate with no
    /// observed latency is predicted at its profile × this.
    public var contention: Double
    public var active: String?
    public var secondsSinceSwitch: Double
    public var pinned: String?
    public var paused: Bool

    public init(candidates: [PolicyCandidate], budgets: PolicyBudgets, mode: PolicyMode, contention: Double = 1,
                active: String? = nil, secondsSinceSwitch: Double = .infinity,
                pinned: String? = nil, paused: Bool = false) {
        (self.candidates, self.budgets, self.mode, self.contention) = (candidates, budgets, mode, contention)
        (self.active, self.secondsSinceSwitch, self.pinned, self.paused) = (active, secondsSinceSwitch, pinned, paused)
    }
}

public struct PolicyDecision: Sendable, Equatable {
    public var variant: String?
    public var switched: Bool
    /// Why, as figures: the sentence is only written when someone reads `reason`, so deciding stays a few
    /// microseconds of arithmetic.
    public var explanation: Explanation

    public enum Broken: Sendable, Equatable {
        case latency(predictedMs: Double, budgetMs: Double)
        case memory(megabytes: Double, budgetMB: Double)
        case accuracyFloor
    }

    public enum Explanation: Sendable, Equatable {
        case noVariants
        case pinned(String)
        /// Pinned, but not ready to run yet (the engine is preparing it).
        case pinnedPreparing(String)
        case paused
        case nothingMeetsBudgets(contention: Double, fastest: String)
        case chosen(String, mode: PolicyMode, accuracy: Double, predictedMs: Double)
        case stays(String, mode: PolicyMode, accuracy: Double, predictedMs: Double)
        case leaves(String, for: String, because: Broken)
        case dwell(String, secondsSinceSwitch: Double, dwell: Double)
        case withinMargin(String, better: String, marginPercent: Int)
        case moves(String, to: String, mode: PolicyMode, accuracy: Double, predictedMs: Double)
    }

    /// One line a person can read: why this variant, now.
    public var reason: String {
        let format = AdaptationPolicy.format
        func describe(_ mode: PolicyMode, _ accuracy: Double, _ predicted: Double) -> String {
            let figures = "\(format(accuracy * 100)) % top-1, predicted p95 \(format(predicted)) ms"
            switch mode {
            case .maxAccuracy: return "most accurate within the budgets (\(figures))"
            case .minLatency: return "fastest above the accuracy floor (\(figures))"
            case .balanced: return "most accurate with latency headroom (\(figures))"
            }
        }
        switch explanation {
        case .noVariants: return "no variants"
        case .pinned(let id): return "\(id) pinned by the operator"
        case .pinnedPreparing(let id): return "\(id) pinned by the operator: preparing it"
        case .paused: return "adaptation paused by the operator"
        case .nothingMeetsBudgets(let contention, let fastest):
            return "no variant meets the budgets under \(format(contention))× contention; running the fastest, \(fastest)"
        case .chosen(let id, let mode, let accuracy, let predicted): return "\(id): \(describe(mode, accuracy, predicted))"
        case .stays(let id, let mode, let accuracy, let predicted): return "\(id) stays: \(describe(mode, accuracy, predicted))"
        case .leaves(let id, let next, let broken):
            let why = switch broken {
            case .latency(let predicted, let budget): "its predicted p95 \(format(predicted)) ms exceeds the \(format(budget)) ms budget"
            case .memory(let megabytes, let budget): "its \(format(megabytes)) MB exceeds the \(format(budget)) MB budget"
            case .accuracyFloor: "its accuracy is below the floor"
            }
            return "\(id) → \(next): \(why)"
        case .dwell(let id, let since, let dwell):
            return "\(id) stays: switched \(format(since)) s ago (dwell \(format(dwell)) s)"
        case .withinMargin(let id, let better, let margin):
            return "\(id) stays: \(better) would sit within \(margin) % of the latency budget"
        case .moves(let id, let next, let mode, let accuracy, let predicted): return "\(id) → \(next): \(describe(mode, accuracy, predicted))"
        }
    }
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
        if let pinned = input.pinned {
            return PolicyDecision(variant: pinned, switched: pinned != input.active, explanation: .pinned(pinned))
        }
        if input.paused {
            return PolicyDecision(variant: input.active, switched: false, explanation: .paused)
        }
        let contention = max(input.contention, 0)
        // Each prediction once, by index, on the stack: a decision is a few passes over the candidates with no
        // allocation or hashing (decisions run every few tens of milliseconds; their cost is a benchmark).
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: max(1, input.candidates.count)) { buffer in
            for (index, candidate) in input.candidates.enumerated() {
                buffer[index] = candidate.observedLatencyP95Ms ?? candidate.latencyP95Ms * contention
            }
            return decide(input, contention: contention, predictions: UnsafeBufferPointer(buffer))
        }
    }

    private func decide(_ input: PolicyInput, contention: Double, predictions: UnsafeBufferPointer<Double>) -> PolicyDecision {
        let candidates = input.candidates
        let budgets = input.budgets
        func withinMemory(_ index: Int) -> Bool { candidates[index].memoryMB <= budgets.memoryMB }
        func withinLatency(_ index: Int, share: Double = 1) -> Bool { predictions[index] <= budgets.latencyMs * share }
        func aboveFloor(_ index: Int) -> Bool { candidates[index].accuracy >= budgets.accuracyFloor }
        func fastest(_ a: Int, _ b: Int) -> Bool { predictions[a] < predictions[b] }

        guard let bestIndex = choose(candidates, predictions, mode: input.mode, withinMemory: withinMemory,
                                     withinLatency: withinLatency, aboveFloor: aboveFloor) else {
            // Nothing meets the budgets: the fastest variant in memory (else overall) keeps frames flowing.
            guard let fallback = Self.best(in: candidates.indices, where: withinMemory, by: fastest)
                    ?? Self.best(in: candidates.indices, where: { _ in true }, by: fastest) else {
                return PolicyDecision(variant: input.active, switched: false, explanation: .noVariants)
            }
            let id = candidates[fallback].id
            return PolicyDecision(variant: id, switched: id != input.active,
                                  explanation: .nothingMeetsBudgets(contention: contention, fastest: id))
        }
        let best = candidates[bestIndex]
        guard let activeID = input.active, let activeIndex = candidates.firstIndex(where: { $0.id == activeID }) else {
            return PolicyDecision(variant: best.id, switched: true, explanation: .chosen(
                best.id, mode: input.mode, accuracy: best.accuracy, predictedMs: predictions[bestIndex]))
        }
        let active = candidates[activeIndex]
        if bestIndex == activeIndex {
            return PolicyDecision(variant: active.id, switched: false, explanation: .stays(
                active.id, mode: input.mode, accuracy: active.accuracy, predictedMs: predictions[activeIndex]))
        }
        // The active variant breaking a budget is left at once; otherwise switches wait for the dwell and a margin.
        let broken: PolicyDecision.Broken? = !withinLatency(activeIndex)
            ? .latency(predictedMs: predictions[activeIndex], budgetMs: budgets.latencyMs)
            : !withinMemory(activeIndex) ? .memory(megabytes: active.memoryMB, budgetMB: budgets.memoryMB)
            : input.mode == .minLatency && !aboveFloor(activeIndex) ? .accuracyFloor : nil
        if let broken {
            return PolicyDecision(variant: best.id, switched: true, explanation: .leaves(active.id, for: best.id, because: broken))
        }
        if input.secondsSinceSwitch < minimumDwellSeconds {
            return PolicyDecision(
                variant: active.id, switched: false,
                explanation: .dwell(active.id, secondsSinceSwitch: input.secondsSinceSwitch, dwell: minimumDwellSeconds))
        }
        if predictions[bestIndex] > predictions[activeIndex], !withinLatency(bestIndex, share: 1 - latencyMargin) {
            // The best sits at the budget's edge: the best that leaves the margin instead, if it beats the active.
            let roomy = choose(candidates, predictions, mode: input.mode, withinMemory: withinMemory,
                               withinLatency: { withinLatency($0, share: $1 * (1 - latencyMargin)) }, aboveFloor: aboveFloor)
            guard let roomy, roomy != activeIndex,
                  input.mode == .minLatency ? predictions[roomy] < predictions[activeIndex]
                                            : candidates[roomy].accuracy > active.accuracy else {
                return PolicyDecision(
                    variant: active.id, switched: false,
                    explanation: .withinMargin(active.id, better: best.id, marginPercent: Int(latencyMargin * 100)))
            }
            let next = candidates[roomy]
            return PolicyDecision(variant: next.id, switched: true, explanation: .moves(
                active.id, to: next.id, mode: input.mode, accuracy: next.accuracy, predictedMs: predictions[roomy]))
        }
        return PolicyDecision(variant: best.id, switched: true, explanation: .moves(
            active.id, to: best.id, mode: input.mode, accuracy: best.accuracy, predictedMs: predictions[bestIndex]))
    }

    private func choose(
        _ candidates: [PolicyCandidate], _ predictions: UnsafeBufferPointer<Double>, mode: PolicyMode, withinMemory: (Int) -> Bool,
        withinLatency: (Int, Double) -> Bool, aboveFloor: (Int) -> Bool
    ) -> Int? {
        // Ties go to the faster, then the smaller, then the id: the same input always gives the same answer.
        func moreAccurate(_ a: Int, _ b: Int) -> Bool {
            let (x, y) = (candidates[a], candidates[b])
            return (x.accuracy, -predictions[a], -x.memoryMB, x.id) > (y.accuracy, -predictions[b], -y.memoryMB, y.id)
        }
        func faster(_ a: Int, _ b: Int) -> Bool {
            let (x, y) = (candidates[a], candidates[b])
            return (predictions[a], -x.accuracy, x.memoryMB, x.id) < (predictions[b], -y.accuracy, y.memoryMB, y.id)
        }
        let all = candidates.indices
        switch mode {
        case .maxAccuracy:
            return Self.best(in: all, where: { withinMemory($0) && withinLatency($0, 1) }, by: moreAccurate)
        case .minLatency:
            return Self.best(in: all, where: { withinMemory($0) && aboveFloor($0) }, by: faster)
        case .balanced:
            return Self.best(in: all, where: { withinMemory($0) && aboveFloor($0) && withinLatency($0, balancedShare) }, by: moreAccurate)
                ?? Self.best(in: all, where: { withinMemory($0) && aboveFloor($0) && withinLatency($0, 1) }, by: moreAccurate)
        }
    }

    /// The index that passes `include` and beats every other that does, in one pass.
    private static func best(in indices: Range<Int>, where include: (Int) -> Bool, by better: (Int, Int) -> Bool) -> Int? {
        var best: Int?
        for index in indices where include(index) {
            if let current = best, !better(index, current) { continue }
            best = index
        }
        return best
    }

    static func format(_ value: Double) -> String {
        value.isFinite ? String(format: value < 10 ? "%.2f" : "%.1f", value) : "∞"
    }
}
