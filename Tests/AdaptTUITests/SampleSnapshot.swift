@testable import AdaptEngine

/// A snapshot like the demo family's, made by hand so panel tests know every figure.
enum SampleSnapshot {
    static func variant(_ id: String, _ accuracy: Double, p95: Double, memory: Double, front: Bool,
                        state: EngineSnapshot.Variant.State = .ready) -> EngineSnapshot.Variant {
        EngineSnapshot.Variant(
            id: id, parent: id, transform: "fp32", accuracy: accuracy, latencyMsP50: p95 * 0.8, latencyMsP95: p95,
            memoryMb: memory, onFront: front, state: state, predictedLatencyMsP95: p95 * 1.1, observedLatencyMsP95: nil,
            detail: nil)
    }

    static func make(variants count: Int = 6, pinned: String? = nil, paused: Bool = false) -> EngineSnapshot {
        var variants = [
            variant("mlp-int8", 0.8983, p95: 0.0025, memory: 0.20, front: true),
            variant("cnn-w25-int8", 0.9037, p95: 0.031, memory: 0.03, front: true),
            variant("cnn-w50-int8", 0.9190, p95: 0.047, memory: 0.06, front: true),
            variant("cnn-w100-int8", 0.9300, p95: 0.091, memory: 0.14, front: true, state: .active),
            variant("cnn-w100", 0.9303, p95: 0.431, memory: 0.56, front: true),
            variant("resnet-8-wide", 0.9259, p95: 0.911, memory: 1.46, front: false),
        ]
        while variants.count < count {
            variants.append(variant("extra-\(variants.count)", 0.5, p95: 0.2, memory: 0.1, front: false, state: .preparing))
        }
        if let pinned, let index = variants.firstIndex(where: { $0.id == pinned }) { variants[index].state = .pinned }
        return EngineSnapshot(
            sequence: 7, timestamp: 1_795_960_000, uptimeSeconds: 83.5, host: "vm", family: "fashion-mnist", state: .running,
            active: .init(id: "cnn-w100-int8", transform: "int8", pinned: pinned == "cnn-w100-int8", secondsSinceSwitch: 4.2),
            policy: .init(mode: "max-accuracy", latencyBudgetMs: 0.3, memoryBudgetMb: 8, accuracyFloor: 0.9, paused: paused,
                          pinned: pinned, contention: 1.07,
                          reason: "cnn-w100-int8 stays: most accurate within the budgets (93.0 % top-1, predicted p95 0.10 ms)"),
            context: .unavailable,
            inference: .init(count: 123_456, throughputIps: 12_345, latencyMs: .init(p50: 0.067, p95: 0.093, p99: 0.12),
                             latencyMsSinceStart: .init(p50: 0.066, p95: 0.09, p99: 0.2), accuracy: 0.926, confidence: 0.93,
                             entropy: 0.3, drops: 0, switches: 2, stoppedBecause: nil),
            variants: variants,
            events: [EngineEvent(sequence: 0, seconds: 0, kind: .start, reason: "started on cnn-w100-int8"),
                     EngineEvent(sequence: 1, seconds: 12.5, kind: .switch, reason: "cnn-w100 → cnn-w100-int8: its predicted p95 4.28 ms exceeds the 0.30 ms budget")])
    }
}
