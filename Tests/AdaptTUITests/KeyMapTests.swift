import Testing
@testable import AdaptTUI

@Suite struct KeyMapTests {
    /// One table drives everything: each action has keys, no key does two things.
    @Test func everyActionIsBoundAndNoKeyTwice() {
        let actions = Set(KeyMap.bindings.map(\.action))
        #expect(actions == Set(DashboardAction.allCases))
        let keys = KeyMap.bindings.flatMap(\.keys)
        #expect(keys.count == Set(keys).count, "a key bound twice")
    }

    @Test func theIssuesKeysDoWhatTheySay() {
        let expected: [(Key, DashboardAction)] = [
            (.character("q"), .quit), (.character("h"), .help), (.character("?"), .help), (.f1, .help),
            (.up, .selectUp), (.character("k"), .selectUp), (.down, .selectDown), (.character("j"), .selectDown),
            (.enter, .details), (.character("p"), .togglePin), (.character("a"), .auto),
            (.character("["), .latencyBudgetDown), (.character("]"), .latencyBudgetUp),
            (.character("{"), .accuracyFloorDown), (.character("}"), .accuracyFloorUp), (.character("m"), .cycleMode),
            (.character(" "), .togglePause), (.character("t"), .cycleTheme), (.character("L"), .toggleCPULoad),
            (.character("D"), .toggleDrift), (.character("g"), .toggleLogAxis), (.character("+"), .refreshSlower), (.character("-"), .refreshFaster),
        ]
        for (key, action) in expected { #expect(KeyMap.binding(for: key)?.action == action, "\(key)") }
    }

    @Test func helpAndKeyBarComeFromTheTable() {
        let help = KeyMap.helpLines()
        #expect(help.count == KeyMap.bindings.count)
        #expect(help.contains { $0.hasPrefix("p ") && $0.contains("pin the selected variant") })
        #expect(KeyMap.helpLines(readOnly: true).filter { $0.hasSuffix("(read-only: off)") }.count
                == KeyMap.bindings.filter(\.mutates).count)
        #expect(KeyMap.keyBar.first.map { $0.key == "h" && $0.label == "Help" } == true)
        #expect(KeyMap.keyBar.contains { $0.key == "q" && $0.label == "Quit" })
    }
}
