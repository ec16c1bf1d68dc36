import Foundation
import Testing

/// The real binary's dashboard in a real terminal (tmux), driven by keys as a person would.
@Suite(.serialized) struct DashboardTmuxTests {
    static let tmuxAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux")

    /// Runs tmux with posix_spawn and waits for that one child. Foundation's `Process` hung here when the whole
    /// suite ran (the tmux client stayed a zombie, never reaped); and only `capture-pane` output is read, through a
    /// file, because a tmux server started by `new-session` would inherit a pipe and hold it open.
    func tmux(_ arguments: [String]) throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("tmux-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let capture = arguments.first == "capture-pane"
        posix_spawn_file_actions_addopen(&actions, 1, capture ? output : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = (["/usr/bin/tmux"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/usr/bin/tmux", &actions, nil, argv, environ) == 0 else {
            throw POSIXError(.ENOENT)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return capture ? (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" : ""
    }

    /// Whether an adapt-top started with this test's cache folder still runs (its environment names the folder).
    func dashboardsRunning(cache: String) -> Bool {
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return processes.contains { entry in
            guard Int(entry) != nil, let environment = FileManager.default.contents(atPath: "/proc/\(entry)/environ"),
                  let command = try? String(contentsOfFile: "/proc/\(entry)/comm", encoding: .utf8) else { return false }
            return command.hasPrefix("adapt-top") && String(decoding: environment, as: UTF8.self).contains(cache)
        }
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
        let command = "cd '\(CLIRunner.packageRoot.path)' && XDG_CACHE_HOME='\(cache)' XDG_CONFIG_HOME='\(cache)' '\(CLIRunner.executable.path)' -d 0.3 "
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
    func theConfigFileAppliesAndItsMistakesAreShown() throws {
        let session = "adapt-top-config-\(getpid())"
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("adapt-top-tmux-\(UUID().uuidString)").path
        defer {
            _ = try? tmux(["kill-session", "-t", session])
            try? FileManager.default.removeItem(atPath: cache)
        }
        try FileManager.default.createDirectory(atPath: cache + "/adapt-top", withIntermediateDirectories: true)
        let config = cache + "/adapt-top/adapt-top.conf"
        let text = "latency_axis = linear\nmouse = maybe\nrefresh_seconds = 0.3\nreadonly = true\n"
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        // --no-readonly must win over the file's readonly = true.
        let command = "cd '\(CLIRunner.packageRoot.path)' && XDG_CACHE_HOME='\(cache)' XDG_CONFIG_HOME='\(cache)' "
            + "'\(CLIRunner.executable.path)' --no-readonly " + EngineCommandTests.quickProfile.joined(separator: " ") + "; sleep 30"
        _ = try tmux(["new-session", "-d", "-s", session, "-x", "160", "-y", "48", command])
        let pane = try waitForPane(session) { $0.contains("variants 7") && $0.contains("mouse must be") }
        #expect(pane.contains("pareto front: accuracy vs p95 (linear"), "latency_axis from the file:\n\(pane)")
        #expect(pane.contains("\(config):2: mouse must be true or false, got \"maybe\""), "the bad line, in the message line:\n\(pane)")
        _ = try tmux(["send-keys", "-t", session, "j", "p"])
        let pinned = try waitForPane(session, timeout: 10) { $0.contains("PINNED cnn-w25") || $0.contains("read-only") }
        #expect(pinned.contains("PINNED cnn-w25"), "the flag wins over the file:\n\(pinned)")
        #expect(try String(contentsOfFile: config, encoding: .utf8) == text, "never rewritten")
    }

    @Test(.enabled(if: tmuxAvailable, "tmux is not installed"))
    func aTinyTerminalGetsTheSizeMessage() throws {
        let session = "adapt-top-tiny-\(getpid())"
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("adapt-top-tmux-\(UUID().uuidString)").path
        defer {
            _ = try? tmux(["kill-session", "-t", session])
            try? FileManager.default.removeItem(atPath: cache)
        }
        let command = "cd '\(CLIRunner.packageRoot.path)' && XDG_CACHE_HOME='\(cache)' XDG_CONFIG_HOME='\(cache)' '\(CLIRunner.executable.path)' "
            + EngineCommandTests.quickProfile.joined(separator: " ") + "; sleep 30"
        _ = try tmux(["new-session", "-d", "-s", session, "-x", "40", "-y", "12", command])
        let pane = try waitForPane(session) { $0.contains("this terminal: 40×12") }
        #expect(pane.contains("needs at least 60×18") && pane.contains("this terminal: 40×12"), "\(pane)")
        // Killing the pane hangs the terminal up: the dashboard must notice and end, not spin on a dead terminal.
        _ = try tmux(["kill-session", "-t", session])
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, dashboardsRunning(cache: cache) { Thread.sleep(forTimeInterval: 0.2) }
        #expect(!dashboardsRunning(cache: cache), "adapt-top still runs after its terminal went away")
    }
}
