import Foundation

/// One adapt-top dashboard in a tmux server of its own, started from an interactive shell as a person would
/// start it (so Ctrl-Z and `fg` work as they do over SSH); keys are sent and the screen read with capture-pane.
struct TmuxDashboard {
    static let available = FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux")

    let socket: String
    /// XDG_CACHE_HOME and XDG_CONFIG_HOME of this run (a fresh profile cache, no user's config file), also how its
    /// processes are found.
    let cache: String

    /// The config file this run's adapt-top reads.
    var configFile: String { cache + "/adapt-top/adapt-top.conf" }

    /// Opens a `width`×`height` terminal with `environment` set, and launches adapt-top with `arguments`, with
    /// `config` as its config file if given.
    init(width: Int, height: Int, environment: [String: String] = ["LANG": "C.UTF-8"], config: String? = nil,
         arguments: [String]) throws {
        socket = "adapt-top-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        cache = FileManager.default.temporaryDirectory.appendingPathComponent("adapt-top-tmux-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: cache + "/adapt-top", withIntermediateDirectories: true)
        if let config { try config.write(toFile: cache + "/adapt-top/adapt-top.conf", atomically: true, encoding: .utf8) }
        let variables = environment.merging(["XDG_CACHE_HOME": cache, "XDG_CONFIG_HOME": cache, "PS1": "$ "]) { _, new in new }
            .map { "\($0.key)='\($0.value)'" }.sorted().joined(separator: " ")
        let shell = "cd '\(CLIRunner.packageRoot.path)' && env \(variables) bash --norc --noprofile -i"
        _ = try tmux(["new-session", "-d", "-s", "main", "-x", "\(width)", "-y", "\(height)", shell])
        let command = ([CLIRunner.executable.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        try keys(command, "Enter")
    }

    /// Ends the tmux server (and with it the terminal of anything still running) and removes the cache.
    func close() {
        _ = try? tmux(["kill-server"])
        try? FileManager.default.removeItem(atPath: cache)
    }

    /// Sends keys by tmux's names ("Enter", "C-z") or as text.
    func keys(_ keys: String...) throws {
        _ = try tmux(["send-keys", "-t", "main"] + keys)
    }

    /// Sends bytes as they are (a mouse report, say).
    func literal(_ bytes: String) throws {
        _ = try tmux(["send-keys", "-t", "main", "-l", bytes])
    }

    /// What the terminal shows; with `escapes`, with the attributes and colours as escape sequences.
    func pane(escapes: Bool = false) throws -> String {
        try tmux(["capture-pane", "-p", "-t", "main"] + (escapes ? ["-e"] : []))
    }

    /// Polls the pane until `condition` holds (at most `timeout` seconds); returns the last capture.
    func waitForPane(timeout: Double = 60, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var pane = ""
        while Date() < deadline {
            pane = try self.pane()
            if condition(pane) { return pane }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return pane
    }

    /// The exit status of the last command, asked of the shell (after the dashboard quit).
    func lastExitStatus(timeout: Double = 10) throws -> String? {
        let file = cache + "/status"
        try keys("echo $? > '\(file)'", "Enter")
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: file, encoding: .utf8), text.hasSuffix("\n") {
                return text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return nil
    }

    /// Whether an adapt-top of this run still runs (its environment names the run's cache folder).
    var dashboardRunning: Bool {
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return processes.contains { entry in
            guard Int(entry) != nil, let environment = FileManager.default.contents(atPath: "/proc/\(entry)/environ"),
                  let command = try? String(contentsOfFile: "/proc/\(entry)/comm", encoding: .utf8) else { return false }
            return command.hasPrefix("adapt-top") && String(decoding: environment, as: UTF8.self).contains(cache)
        }
    }

    /// Runs tmux on this run's server with posix_spawn and waits for that one child. Foundation's `Process` hung
    /// here when the whole suite ran (the tmux client stayed a zombie, never reaped); and only `capture-pane`
    /// output is read, through a file, because a tmux server started by `new-session` would inherit a pipe and
    /// hold it open.
    private func tmux(_ arguments: [String]) throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("tmux-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let capture = arguments.first == "capture-pane"
        posix_spawn_file_actions_addopen(&actions, 1, capture ? output : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // -f /dev/null: no user configuration changes what the test sees.
        let argv = (["/usr/bin/tmux", "-L", socket, "-f", "/dev/null"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // The test runner blocks most signals on its threads, and a spawned child inherits the mask: the tmux server
        // and everything in its panes would never see Ctrl-Z or a hang-up. Start it as a login shell would.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/usr/bin/tmux", &actions, &attributes, argv, environ) == 0 else {
            throw POSIXError(.ENOENT)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return capture ? (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" : ""
    }
}
