/// What the operator can ask of the dashboard.
public enum DashboardAction: String, Sendable, CaseIterable {
    case quit, help
    case selectUp, selectDown, selectPageUp, selectPageDown, selectFirst, selectLast
    case details, togglePin, auto
    case latencyBudgetDown, latencyBudgetUp, accuracyFloorDown, accuracyFloorUp
    case cycleMode, togglePause, cycleTheme, toggleCPULoad, toggleDrift, toggleLogAxis
    case refreshFaster, refreshSlower
}

/// A key as the terminal reports it, decoded once by the screen.
public enum Key: Hashable, Sendable {
    case character(Character)
    case up, down, left, right, enter, escape, f1, pageUp, pageDown, home, end
}

/// One line of the key map: the keys, what they do, how the help overlay and key bar name them.
public struct KeyBinding: Sendable {
    public var keys: [Key]
    public var action: DashboardAction
    /// How the help overlay shows the keys (`[ / ]`).
    public var keyLabel: String
    public var help: String
    /// The key bar's short word (htop's bottom line), for the bindings that have one.
    public var bar: String?
    /// Changes the engine (a pin, a budget, an injection): refused under `--readonly`.
    public var mutates: Bool
}

/// The one key → action table: the dispatcher, the help overlay and the key bar all read it, so they cannot
/// disagree.
public enum KeyMap {
    public static let bindings: [KeyBinding] = [
        .init(keys: [.character("h"), .character("?"), .f1], action: .help, keyLabel: "h ? F1", help: "this help", bar: "Help", mutates: false),
        .init(keys: [.character("q")], action: .quit, keyLabel: "q", help: "quit (the terminal is restored)", bar: "Quit", mutates: false),
        .init(keys: [.up, .character("k")], action: .selectUp, keyLabel: "↑ k", help: "select the variant above", bar: nil, mutates: false),
        .init(keys: [.down, .character("j")], action: .selectDown, keyLabel: "↓ j", help: "select the variant below", bar: nil, mutates: false),
        .init(keys: [.pageUp], action: .selectPageUp, keyLabel: "PgUp", help: "select a page up", bar: nil, mutates: false),
        .init(keys: [.pageDown], action: .selectPageDown, keyLabel: "PgDn", help: "select a page down", bar: nil, mutates: false),
        .init(keys: [.home], action: .selectFirst, keyLabel: "Home", help: "select the first variant", bar: nil, mutates: false),
        .init(keys: [.end], action: .selectLast, keyLabel: "End", help: "select the last variant", bar: nil, mutates: false),
        .init(keys: [.enter], action: .details, keyLabel: "Enter", help: "details of the selected variant: profile, budgets, why on or off the front", bar: "Details", mutates: false),
        .init(keys: [.character("p")], action: .togglePin, keyLabel: "p", help: "pin the selected variant (again: unpin)", bar: "Pin", mutates: true),
        .init(keys: [.character("a")], action: .auto, keyLabel: "a", help: "back to automatic: unpin and resume adaptation", bar: "Auto", mutates: true),
        .init(keys: [.character("[")], action: .latencyBudgetDown, keyLabel: "[", help: "tighten the latency budget", bar: nil, mutates: true),
        .init(keys: [.character("]")], action: .latencyBudgetUp, keyLabel: "]", help: "loosen the latency budget", bar: "Budget", mutates: true),
        .init(keys: [.character("{")], action: .accuracyFloorDown, keyLabel: "{", help: "lower the accuracy floor", bar: nil, mutates: true),
        .init(keys: [.character("}")], action: .accuracyFloorUp, keyLabel: "}", help: "raise the accuracy floor", bar: "Floor", mutates: true),
        .init(keys: [.character("m")], action: .cycleMode, keyLabel: "m", help: "policy mode: max-accuracy, min-latency, balanced", bar: "Mode", mutates: true),
        .init(keys: [.character(" ")], action: .togglePause, keyLabel: "space", help: "pause adaptation (inference goes on); again: resume", bar: "Pause", mutates: true),
        .init(keys: [.character("t")], action: .cycleTheme, keyLabel: "t", help: "next colour theme", bar: "Theme", mutates: false),
        .init(keys: [.character("L")], action: .toggleCPULoad, keyLabel: "L", help: "start or stop a real CPU load (demo injection)", bar: "Load", mutates: true),
        .init(keys: [.character("D")], action: .toggleDrift, keyLabel: "D", help: "start or stop input drift (demo injection)", bar: "Drift", mutates: true),
        .init(keys: [.character("g")], action: .toggleLogAxis, keyLabel: "g", help: "log or linear latency axis in the Pareto plot", bar: nil, mutates: false),
        .init(keys: [.character("+")], action: .refreshSlower, keyLabel: "+", help: "refresh less often", bar: nil, mutates: false),
        .init(keys: [.character("-")], action: .refreshFaster, keyLabel: "-", help: "refresh more often", bar: nil, mutates: false),
    ]

    private static let byKey: [Key: KeyBinding] = {
        var table: [Key: KeyBinding] = [:]
        for binding in bindings {
            for key in binding.keys { table[key] = binding }
        }
        return table
    }()

    public static func binding(for key: Key) -> KeyBinding? { byKey[key] }

    /// The help overlay's lines: `keys  what they do`, in table order, mutations marked when read-only.
    public static func helpLines(readOnly: Bool = false) -> [String] {
        let width = bindings.map(\.keyLabel.count).max() ?? 0
        return bindings.map { binding in
            let label = binding.keyLabel + String(repeating: " ", count: width - binding.keyLabel.count)
            return "\(label)  \(binding.help)" + (readOnly && binding.mutates ? " (read-only: off)" : "")
        }
    }

    /// The key bar's entries (first key, word), in table order.
    public static var keyBar: [(key: String, label: String)] {
        bindings.compactMap { binding in
            binding.bar.map { (binding.keyLabel.split(separator: " ").first.map(String.init) ?? binding.keyLabel, $0) }
        }
    }
}
