import Foundation
import Testing

/// The real binary's dashboard in a real terminal (tmux), driven by keys as a person would: each test opens its
/// own tmux server with an interactive shell and types the adapt-top command into it.
@Suite(.serialized) struct DashboardTmuxTests {
    static let utf8 = ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"]
    /// The demo family without derived variants, profiled on 100 images: seven variants, ready in seconds.
    static let arguments = ["-d", "0.3"] + EngineCommandTests.quickProfile

    @Test(.enabled(if: TmuxDashboard.available, "tmux is not installed"))
    func panelsPinUnpinBudgetAndQuit() throws {
        let dashboard = try TmuxDashboard(width: 160, height: 48, environment: Self.utf8, arguments: Self.arguments)
        defer { dashboard.close() }
        let first = try dashboard.waitForPane { $0.contains("engine running") && $0.contains("variants 7") }
        for panel in ["resources", "pareto front", "variants 7", "inference", "events", "qQuit", "cpu0 [", "throughput"] {
            #expect(first.contains(panel), "missing \(panel) in\n\(first)")
        }
        // Select the second variant and pin it: the header and the table show it, and it becomes the active one.
        try dashboard.keys("j", "p")
        let pinned = try dashboard.waitForPane(timeout: 10) { $0.contains("PINNED cnn-w25") && $0.contains("▶ cnn-w25 ") }
        #expect(pinned.contains("PINNED cnn-w25"), "\(pinned)")
        #expect(pinned.contains("▶ cnn-w25 "), "the pinned variant is the active one:\n\(pinned)")
        // p again unpins: the badge goes and the engine chooses again.
        try dashboard.keys("p")
        let unpinned = try dashboard.waitForPane(timeout: 10) { !$0.contains("PINNED") && $0.contains("unpinned") }
        #expect(!unpinned.contains("PINNED") && unpinned.contains("unpinned"), "\(unpinned)")
        // ] loosens the latency budget from the manifest's 0.3 ms.
        try dashboard.keys("]")
        let budget = try dashboard.waitForPane(timeout: 10) { $0.contains("p95 ≤ 375µs") }
        #expect(budget.contains("p95 ≤ 375µs"), "\(budget)")
        // Squeeze the budget to 32 µs and lower the floor to 85 %: only the MLP (p95 ~10 µs, 87 %) fits, and the
        // engine must move to it by itself.
        try dashboard.keys("[", "[", "[", "[", "[", "[", "[", "[", "[", "[", "[", "{", "{", "{", "{", "{")
        let squeezed = try dashboard.waitForPane(timeout: 15) { $0.contains("p95 ≤ 32µs") && $0.contains("▶ mlp ") }
        #expect(squeezed.contains("p95 ≤ 32µs") && squeezed.contains("acc ≥ 85.0%"), "\(squeezed)")
        #expect(squeezed.contains("▶ mlp "), "the engine did not move to the one variant that fits:\n\(squeezed)")
        try dashboard.keys("q")
        #expect(try dashboard.lastExitStatus() == "0")
        let after = try dashboard.pane()
        #expect(!after.contains("variants 7"), "the terminal is restored after q:\n\(after)")
    }

    /// An SSH session from an old box: 80×24, no UTF-8 locale, NO_COLOR set. Everything still shows, in ASCII and
    /// without colour, and keys still pin and move budgets.
    @Test(.enabled(if: TmuxDashboard.available, "tmux is not installed"))
    func asciiWithoutColourAt80x24() throws {
        let dashboard = try TmuxDashboard(width: 80, height: 24, environment: ["LANG": "C", "LC_ALL": "C", "NO_COLOR": "1"],
                                          arguments: Self.arguments)
        defer { dashboard.close() }
        let first = try dashboard.waitForPane { $0.contains("engine running") && $0.contains("variants 7") }
        for panel in ["resources", "pareto", "variants 7", "inference", "events", "qQuit"] {
            #expect(first.contains(panel), "missing \(panel) in\n\(first)")
        }
        let foreign = first.unicodeScalars.filter { !$0.isASCII }
        #expect(foreign.isEmpty, "non-ASCII characters on a LANG=C terminal: \(String(String.UnicodeScalarView(foreign)))\n\(first)")
        // Bold and reverse stay (they are not colour); a foreground or background colour other than the default may not.
        let colours = Self.sgrParameters(in: try dashboard.pane(escapes: true)).filter {
            (30...38).contains($0) || (40...48).contains($0) || (90...97).contains($0) || (100...107).contains($0)
        }
        #expect(colours.isEmpty, "colour escapes despite NO_COLOR: \(Set(colours).sorted())")
        try dashboard.keys("j", "p")
        let pinned = try dashboard.waitForPane(timeout: 10) { $0.contains("PINNED cnn-w25") }
        #expect(pinned.contains("PINNED cnn-w25"), "\(pinned)")
        try dashboard.keys("]")
        let budget = try dashboard.waitForPane(timeout: 10) { $0.contains("p95 <= 375us") }
        #expect(budget.contains("p95 <= 375us"), "\(budget)")
        try dashboard.keys("q")
        #expect(try dashboard.lastExitStatus() == "0")
    }

    /// Every parameter of every SGR escape (ESC [ … m) in `text`.
    static func sgrParameters(in text: String) -> [Int] {
        text.components(separatedBy: "\u{1B}[").dropFirst().flatMap { sequence -> [Int] in
            guard let end = sequence.firstIndex(where: { !"0123456789;".contains($0) }), sequence[end] == "m" else { return [] }
            return sequence[..<end].split(separator: ";").compactMap { Int($0) }
        }
    }

    /// A click on a row of the variants table selects that variant (tmux reports it as an xterm mouse event).
    @Test(.enabled(if: TmuxDashboard.available, "tmux is not installed"))
    func aClickSelectsTheVariantUnderIt() throws {
        let dashboard = try TmuxDashboard(width: 160, height: 48, environment: Self.utf8, arguments: Self.arguments)
        defer { dashboard.close() }
        let first = try dashboard.waitForPane { $0.contains("engine running") && $0.contains("variants 7") }
        let lines = first.components(separatedBy: "\n")
        let row = try #require(lines.firstIndex { $0.contains(" resnet-8 ") }, "no resnet-8 row in\n\(first)")
        // X10 encoding: ESC [ M, then button, column and row (1-based), each + 32; a press, then a release.
        func byte(_ value: Int) -> String { String(UnicodeScalar(UInt8(32 + value))) }
        try dashboard.literal("\u{1B}[M" + byte(0) + byte(10 + 1) + byte(row + 1) + "\u{1B}[M" + byte(3) + byte(10 + 1) + byte(row + 1))
        try dashboard.keys("p")
        let pinned = try dashboard.waitForPane(timeout: 10) { $0.contains("PINNED resnet-8") }
        #expect(pinned.contains("PINNED resnet-8") && !pinned.contains("PINNED resnet-8-"),
                "the clicked variant was not the one pinned:\n\(pinned)")
        try dashboard.keys("q")
        #expect(try dashboard.lastExitStatus() == "0")
    }

    /// Ctrl-Z gives the terminal back to the shell (its prompt, no dashboard); `fg` brings the dashboard back whole.
    @Test(.enabled(if: TmuxDashboard.available, "tmux is not installed"))
    func ctrlZSuspendsAndFgRestores() throws {
        let dashboard = try TmuxDashboard(width: 120, height: 40, environment: Self.utf8, arguments: Self.arguments)
        defer { dashboard.close() }
        _ = try dashboard.waitForPane { $0.contains("engine running") && $0.contains("variants 7") }
        try dashboard.keys("C-z")
        let suspended = try dashboard.waitForPane(timeout: 10) { $0.contains("Stopped") }
        #expect(suspended.contains("Stopped") && !suspended.contains("variants 7"), "\(suspended)")
        try dashboard.keys("fg", "Enter")
        // Wait for the whole redraw (the screen fills over a few writes), not just its first lines.
        let back = try dashboard.waitForPane(timeout: 10) {
            $0.contains("engine running") && $0.contains("variants 7") && $0.contains("qQuit") && !$0.contains("Stopped")
        }
        #expect(back.contains("variants 7") && back.contains("qQuit") && !back.contains("Stopped"), "\(back)")
        try dashboard.keys("q")
        #expect(try dashboard.lastExitStatus() == "0")
    }

    /// The config file's settings apply, a bad line is named in the message line, a flag beats the file, and the
    /// file is never rewritten.
    @Test(.enabled(if: TmuxDashboard.available, "tmux is not installed"))
    func theConfigFileAppliesAndItsMistakesAreShown() throws {
        let text = "latency_axis = linear\nmouse = maybe\nrefresh_seconds = 0.3\nreadonly = true\n"
        // --no-readonly must win over the file's readonly = true.
        let dashboard = try TmuxDashboard(width: 160, height: 48, environment: Self.utf8, config: text,
                                          arguments: ["--no-readonly"] + EngineCommandTests.quickProfile)
        defer { dashboard.close() }
        let pane = try dashboard.waitForPane { $0.contains("variants 7") && $0.contains("mouse must be") }
        #expect(pane.contains("pareto front: accuracy vs p95 (linear"), "latency_axis from the file:\n\(pane)")
        #expect(pane.contains("\(dashboard.configFile):2: mouse must be true or false, got \"maybe\""),
                "the bad line, in the message line:\n\(pane)")
        try dashboard.keys("j", "p")
        let pinned = try dashboard.waitForPane(timeout: 10) { $0.contains("PINNED cnn-w25") || $0.contains("read-only") }
        #expect(pinned.contains("PINNED cnn-w25"), "the flag wins over the file:\n\(pinned)")
        try dashboard.keys("q")
        #expect(try dashboard.lastExitStatus() == "0")
        #expect(try String(contentsOfFile: dashboard.configFile, encoding: .utf8) == text, "never rewritten")
    }

    @Test(.enabled(if: TmuxDashboard.available, "tmux is not installed"))
    func aTinyTerminalGetsTheSizeMessage() throws {
        let dashboard = try TmuxDashboard(width: 40, height: 12, environment: Self.utf8, arguments: Self.arguments)
        defer { dashboard.close() }
        let pane = try dashboard.waitForPane { $0.contains("this terminal: 40×12") }
        #expect(pane.contains("needs at least 60×18") && pane.contains("this terminal: 40×12"), "\(pane)")
        // Killing the terminal hangs it up: the dashboard must notice and end, not spin on a dead terminal.
        dashboard.close()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, dashboard.dashboardRunning { Thread.sleep(forTimeInterval: 0.2) }
        #expect(!dashboard.dashboardRunning, "adapt-top still runs after its terminal went away")
    }
}
