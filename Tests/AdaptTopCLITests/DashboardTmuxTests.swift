import Foundation
import Testing

/// The real binary's dashboard in a real terminal (tmux), driven by keys as a person would.
@Suite(.serialized) struct DashboardTmuxTests {
    static let tmuxAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux")

    /// Runs tmux; only `capture-pane` output is read. Other commands get /dev/null: a tmux server started by
    /// `new-session` would inherit a pipe and hold it open, and reading to its end would never return.
    func tmux(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tmux")
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        guard arguments.first == "capture-pane" else {
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return ""
        }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Polls the pane until `condition` holds (at most `timeout` seconds); returns the last capture.
    func waitForPane(_ session: String, timeout: Double = 60, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var pane = ""
        while Date() < deadline {
            pane = try tmux(["capture-pane", "-p", "-t", session])
            if condition(pane) { return pane }
            Thread.sleep(forTimeInterval: 0.25)
        }
        return pane
    }

    @Test(.enabled(if: tmuxAvailable, "tmux is not installed"))
    func panelsPinBudgetAndQuit() throws {
        let session = "adapt-top-test-\(getpid())"
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("adapt-top-tmux-\(UUID().uuidString)").path
        let status = cache + "/status"
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        defer {
            _ = try? tmux(["kill-session", "-t", session])
            try? FileManager.default.removeItem(atPath: cache)
        }
        let command = "cd '\(CLIRunner.packageRoot.path)' && XDG_CACHE_HOME='\(cache)' '\(CLIRunner.executable.path)' -d 0.3 "
            + EngineCommandTests.quickProfile.joined(separator: " ") + "; echo $? > '\(status)'; sleep 30"
        _ = try tmux(["new-session", "-d", "-s", session, "-x", "160", "-y", "48", command])
        let first = try waitForPane(session) { $0.contains("engine running") && $0.contains("variants 7") }
        for panel in ["resources", "pareto front", "variants 7", "inference", "events", "qQuit"] {
            #expect(first.contains(panel), "missing \(panel) in\n\(first)")
        }
        // Select the second variant and pin it: the header and the table show it, and it becomes the active one.
        _ = try tmux(["send-keys", "-t", session, "j", "p"])
        let pinned = try waitForPane(session, timeout: 10) { $0.contains("PINNED cnn-w25") && $0.contains("▶ cnn-w25 ") }
        #expect(pinned.contains("PINNED cnn-w25"), "\(pinned)")
        #expect(pinned.contains("▶ cnn-w25 "), "the pinned variant is the active one:\n\(pinned)")
        // ] loosens the latency budget from the manifest's 0.3 ms.
        _ = try tmux(["send-keys", "-t", session, "]"])
        let budget = try waitForPane(session, timeout: 10) { $0.contains("p95 ≤ 375µs") }
        #expect(budget.contains("p95 ≤ 375µs"), "\(budget)")
        _ = try tmux(["send-keys", "-t", session, "q"])
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: status), Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        let exit = try String(contentsOfFile: status, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(exit == "0")
        let after = try tmux(["capture-pane", "-p", "-t", session])
        #expect(!after.contains("variants 7"), "the terminal is restored after q:\n\(after)")
    }

    @Test(.enabled(if: tmuxAvailable, "tmux is not installed"))
    func aTinyTerminalGetsTheSizeMessage() throws {
        let session = "adapt-top-tiny-\(getpid())"
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("adapt-top-tmux-\(UUID().uuidString)").path
        defer {
            _ = try? tmux(["kill-session", "-t", session])
            try? FileManager.default.removeItem(atPath: cache)
        }
        let command = "cd '\(CLIRunner.packageRoot.path)' && XDG_CACHE_HOME='\(cache)' '\(CLIRunner.executable.path)' "
            + EngineCommandTests.quickProfile.joined(separator: " ") + "; sleep 30"
        _ = try tmux(["new-session", "-d", "-s", session, "-x", "40", "-y", "12", command])
        let pane = try waitForPane(session) { $0.contains("this terminal: 40×12") }
        #expect(pane.contains("needs at least 60×18") && pane.contains("this terminal: 40×12"), "\(pane)")
    }
}
