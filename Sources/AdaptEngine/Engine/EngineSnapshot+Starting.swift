internal import Foundation

extension EngineSnapshot {
    /// What there is to show before the engine exists (its family still being loaded and profiled): the device's
    /// context, the manifest's budgets, no variants and no inference yet — so a dashboard can draw at once.
    /// - Parameters:
    ///   - status: what the start is doing now (shown as the policy's reason).
    public static func starting(family: String, controls: OperatorControls, context: Context, uptimeSeconds: Double,
                                sequence: Int, status: String) -> EngineSnapshot {
        EngineSnapshot(
            sequence: sequence, timestamp: Date().timeIntervalSince1970, uptimeSeconds: uptimeSeconds,
            host: ProcessInfo.processInfo.hostName, family: family, state: .starting,
            active: .init(id: nil, transform: nil, pinned: false, secondsSinceSwitch: nil),
            policy: .init(mode: controls.mode.rawValue, latencyBudgetMs: controls.budgets.latencyMs,
                          memoryBudgetMb: controls.budgets.memoryMB, accuracyFloor: controls.budgets.accuracyFloor,
                          paused: controls.paused, pinned: controls.pinned, contention: nil, reason: status),
            context: context,
            inference: .init(count: 0, throughputIps: nil, latencyMs: nil, latencyMsSinceStart: nil, accuracy: nil,
                             confidence: nil, entropy: nil, drops: 0, switches: 0, stoppedBecause: nil),
            variants: [], events: [])
    }
}
