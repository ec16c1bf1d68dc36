public import AdaptEngine

/// The dashboard's own state: what is selected, what is open, how often it refreshes.
public struct DashboardState: Sendable, Equatable {
    public var selected = 0
    public var scroll = 0
    public var logLatencyAxis = true
    public var showHelp = false
    /// The variant whose details are open.
    public var details: String?
    public var refreshSeconds: Double
    public var readOnly: Bool
    /// A one-line message for the operator (a refused command, a read-only key), cleared by the next key.
    public var message: String?
    /// Attached to a service: what is wrong with the connection ("disconnected — retrying"); nil when it is fine.
    public var link: String?

    public init(refreshSeconds: Double = 1, readOnly: Bool = false) {
        (self.refreshSeconds, self.readOnly) = (refreshSeconds, readOnly)
    }
}

/// What a key leads to, beyond the state change: commands for the engine, or the app's own effects.
public enum DashboardEffect: Sendable, Equatable {
    case commands([EngineCommand])
    case cycleTheme
    case quit
}

/// Keys to state changes and engine commands, as pure logic: the app loop applies the effects, the tests check
/// them without a terminal.
public enum DashboardController {
    static let latencyStep = 1.25
    static let floorStep = 0.01

    public static func handle(_ action: DashboardAction, state: inout DashboardState, snapshot: EngineSnapshot) -> [DashboardEffect] {
        state.message = nil
        if state.readOnly, KeyMap.bindings.first(where: { $0.action == action })?.mutates == true {
            state.message = "read-only: \(KeyMap.bindings.first { $0.action == action }?.help ?? "this key") is off"
            return []
        }
        let count = snapshot.variants.count
        let policy = snapshot.policy
        switch action {
        case .quit: return [.quit]
        case .help:
            state.showHelp.toggle()
            state.details = nil
        case .selectUp: state.selected = max(0, state.selected - 1)
        case .selectDown: state.selected = min(max(0, count - 1), state.selected + 1)
        case .selectPageUp: state.selected = max(0, state.selected - 10)
        case .selectPageDown: state.selected = min(max(0, count - 1), state.selected + 10)
        case .selectFirst: state.selected = 0
        case .selectLast: state.selected = max(0, count - 1)
        case .details:
            let id = snapshot.variants.indices.contains(state.selected) ? snapshot.variants[state.selected].id : nil
            state.details = state.details == id ? nil : id
            state.showHelp = false
        case .togglePin:
            guard snapshot.variants.indices.contains(state.selected) else { return [] }
            let id = snapshot.variants[state.selected].id
            return [.commands([policy.pinned == id ? .unpin : .pin(variant: id)])]
        case .auto: return [.commands([.unpin, .resume])]
        case .latencyBudgetDown: return [.commands([.setLatencyBudget(milliseconds: policy.latencyBudgetMs / latencyStep)])]
        case .latencyBudgetUp: return [.commands([.setLatencyBudget(milliseconds: policy.latencyBudgetMs * latencyStep)])]
        case .accuracyFloorDown: return [.commands([.setAccuracyFloor(max(0, ((policy.accuracyFloor - floorStep) * 100).rounded() / 100))])]
        case .accuracyFloorUp: return [.commands([.setAccuracyFloor(min(1, ((policy.accuracyFloor + floorStep) * 100).rounded() / 100))])]
        case .cycleMode:
            let modes = PolicyMode.allCases
            let current = modes.firstIndex { $0.rawValue == policy.mode } ?? 0
            return [.commands([.setMode(modes[(current + 1) % modes.count])])]
        case .togglePause: return [.commands([policy.paused ? .resume : .pause])]
        case .cycleTheme: return [.cycleTheme]
        case .toggleCPULoad:
            if snapshot.context.injected.contains(where: { $0.hasPrefix("cpu load") }) { return [.commands([.stopCPULoad])] }
            // One hog more than cores: with no more hogs than cores the scheduler may leave inference a core.
            return [.commands([.startCPULoad(threads: max(1, snapshot.context.coreUtil.count) + 1, duty: 1)])]
        case .toggleDrift:
            if snapshot.context.injected.contains(where: { $0.hasPrefix("drift") }) { return [.commands([.setDrift(nil)])] }
            guard let drift = try? InputDrift(.noise, severity: 3) else { return [] }
            return [.commands([.setDrift(drift)])]
        case .toggleLogAxis: state.logLatencyAxis.toggle()
        case .refreshFaster: state.refreshSeconds = max(0.1, (state.refreshSeconds / 2 * 10).rounded() / 10)
        case .refreshSlower: state.refreshSeconds = min(10, state.refreshSeconds * 2)
        }
        return []
    }

    /// Escape closes what is open (help, details).
    public static func escape(_ state: inout DashboardState) {
        (state.showHelp, state.details, state.message) = (false, nil, nil)
    }
}
