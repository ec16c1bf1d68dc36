import Foundation
import Testing

/// `adapt-top serve`, `ctl` and `--attach` as an operator uses them: the built binary, a real service process,
/// its socket, its log.
@Suite(.serialized) struct ServeCommandTests {
    func freshCache() -> [String: String] {
        ["XDG_CACHE_HOME": FileManager.default.temporaryDirectory.appendingPathComponent("adapt-top-cli-\(UUID().uuidString)").path]
    }

    /// The acceptance path: serve runs with a 0600 socket; --attach --batch --json shows live snapshots; ctl pins
    /// (the next snapshot shows it) and reports refusals with exit 1; malformed and huge lines get errors while
    /// inference goes on; a SIGKILLed client disturbs nothing; Prometheus can scrape it; SIGTERM ends it cleanly
    /// and removes the socket.
    @Test func serveAttachCtlAndShutDown() throws {
        let environment = freshCache()
        defer { try? FileManager.default.removeItem(atPath: environment["XDG_CACHE_HOME"]!) }
        let service = try ServiceProcess(arguments: ["--metrics-port", "0"] + EngineCommandTests.quickProfile, environment: environment)
        defer { _ = service.terminate() }
        #expect(try service.waitUntilRunning(), "\(service.log)")
        let mode = try #require(FileManager.default.attributesOfItem(atPath: service.socket)[.posixPermissions] as? Int)
        #expect(mode & 0o777 == 0o600, "socket mode \(String(mode, radix: 8))")

        let attached = try CLIRunner.run(["--attach", service.socket, "--batch", "--json", "-n", "2", "-d", "0.3"], environment: environment)
        #expect(attached.status == 0, "\(attached.standardError)")
        let counts = try attached.standardOutput.split(separator: "\n").map {
            let object = try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            return try #require((object["inference"] as? [String: Any])?["count"] as? Int)
        }
        #expect(counts.count == 2 && counts[0] > 0 && counts[0] < counts[1], "live snapshots: \(counts)")

        let pin = try service.ctl(["pin", "mlp"])
        #expect(pin.status == 0 && pin.standardOutput.isEmpty && pin.standardError.isEmpty, "\(pin)")
        let pinned = try #require(try service.status(within: 5) { ($0["active"] as? [String: Any])?["id"] as? String == "mlp" })
        #expect((pinned["policy"] as? [String: Any])?["pinned"] as? String == "mlp")
        #expect((pinned["active"] as? [String: Any])?["id"] as? String == "mlp")
        let refused = try service.ctl(["pin", "no-such-variant"])
        #expect(refused.status == 1 && refused.standardError.contains("no variant 'no-such-variant'"), "\(refused)")
        let budget = try service.ctl(["budget", "--latency-ms", "2.5", "--accuracy-floor", "0.5"])
        #expect(budget.status == 0, "\(budget)")
        let policy = try #require(try service.status()?["policy"] as? [String: Any])
        #expect(policy["latency_budget_ms"] as? Double == 2.5 && policy["accuracy_floor"] as? Double == 0.5)
        let badMode = try service.ctl(["policy", "fastest"])
        #expect(badMode.status == 64 && badMode.standardError.contains("unknown mode 'fastest'"))

        // By hand: a line that is not JSON, an unknown command, a 100 KB line, then a good one.
        let before = try #require(try service.frames())
        let raw = try #require(RawUnixConnection(path: service.socket))
        raw.send(#"{"type":"hello","version":1,"client":"test"}"# + "\n" + "pin mlp\n" + #"{"type":"command","command":"explode"}"# + "\n"
                 + String(repeating: "x", count: 100_000) + "\n" + #"{"type":"command","id":4,"command":"unpin"}"# + "\n")
        let lines = raw.lines(5)
        #expect(lines.count == 5 && lines[0].contains(#""type":"hello""#), "\(lines)")
        #expect(lines.dropFirst().prefix(3).allSatisfy { $0.contains(#""type":"error""#) }, "\(lines)")
        #expect(lines.count == 5 && lines[2].contains("unknown command") && lines[3].contains("line too long"), "\(lines)")
        #expect(lines.last == #"{"id":4,"type":"ok"}"# || lines.last == #"{"type":"ok","id":4}"#, "\(lines)")
        Thread.sleep(forTimeInterval: 0.3)
        #expect(try service.frames() ?? 0 > before, "inference continues")

        // A dashboard-like client killed outright.
        let client = Process()
        client.executableURL = CLIRunner.executable
        client.arguments = ["--attach", service.socket, "--batch", "-d", "0.1"]
        client.standardOutput = FileHandle.nullDevice
        try client.run()
        Thread.sleep(forTimeInterval: 0.5)
        kill(client.processIdentifier, SIGKILL)
        client.waitUntilExit()
        let afterKill = try #require(try service.frames())
        Thread.sleep(forTimeInterval: 0.3)
        #expect(try service.frames() ?? 0 > afterKill, "inference continues after a client was killed")

        // Scraped as Prometheus does: its content type, the frame counter, the latency histogram, the pinned variant gone.
        let port = try #require(service.metricsPort, "\(service.log)")
        let scrape = try #require(ServiceProcess.httpGet(port: port, path: "/metrics"))
        #expect(scrape.hasPrefix("HTTP/1.1 200 OK\r\n") && scrape.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
                "\(scrape.prefix(300))")
        let samples = scrape.split(separator: "\n").filter { !$0.hasPrefix("#") }
        let total = samples.first { $0.hasPrefix("adapt_inferences_total ") }.flatMap { Double($0.split(separator: " ")[1]) }
        #expect(total ?? 0 > 0, "\(samples.prefix(20))")
        #expect(scrape.contains("# TYPE adapt_inference_latency_seconds histogram")
                && samples.contains { $0.hasPrefix("adapt_inference_latency_seconds_bucket{") && $0.contains(#"le="+Inf""#) })
        #expect(samples.contains { $0.hasPrefix("adapt_active_variant_info{") && $0.contains(#"pinned="false""#) }, "unpinned by the raw client")
        #expect(ServiceProcess.httpGet(port: port, path: "/nope")?.hasPrefix("HTTP/1.1 404") == true)

        #expect(service.terminate() == 0, "\(service.log)")
        #expect(!FileManager.default.fileExists(atPath: service.socket), "the socket file is removed")
        let log = service.log
        #expect(log.contains("serving") && log.contains("engine running") && log.contains("applied a command")
                && log.contains("engine stopped") && log.contains("stopped"), "\(log)")
    }

    /// The kernel's peer credentials decide: another user is refused even where the socket file was opened to
    /// everyone by mistake, and let in when the operator named its group (the socket file is then the group's,
    /// 0660). Needs root (to be another user).
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func anotherUserIsRefusedUnlessItsGroupIsAllowed() throws {
        let environment = freshCache()
        defer { try? FileManager.default.removeItem(atPath: environment["XDG_CACHE_HOME"]!) }
        // A folder nobody can enter, so the socket's own mode and the peer check are what is tested.
        let folder = "/tmp/adapt-top-peer-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func asNobody(_ socket: String) throws -> CLIRunner.Result {
            try CLIRunner.run(["--reuid=65534", "--regid=65534", "--clear-groups", CLIRunner.executable.path, "ctl", "--socket", socket, "status"],
                              executable: URL(fileURLWithPath: "/usr/bin/setpriv"), environment: environment)
        }
        let service = try ServiceProcess(socket: folder + "/control.sock", arguments: EngineCommandTests.quickProfile, environment: environment)
        defer { _ = service.terminate() }
        var waited = 0
        while !FileManager.default.fileExists(atPath: service.socket), waited < 200 {
            Thread.sleep(forTimeInterval: 0.05)
            waited += 1
        }
        let byMode = try asNobody(service.socket)
        #expect(byMode.status == 3 && byMode.standardError.contains("Permission denied"), "0600 keeps others out: \(byMode)")
        chmod(service.socket, 0o666)
        let byCredentials = try asNobody(service.socket)
        #expect(byCredentials.status == 3 && byCredentials.standardError.contains("permission denied"), "\(byCredentials)")
        #expect(service.log.contains("refused a connection") && service.log.contains("uid 65534"), "\(service.log)")
        #expect(service.terminate() == 0)

        let grouped = try ServiceProcess(socket: folder + "/grouped.sock", arguments: ["--allow-group", "65534"] + EngineCommandTests.quickProfile,
                                         environment: environment)
        defer { _ = grouped.terminate() }
        waited = 0
        while !FileManager.default.fileExists(atPath: grouped.socket), waited < 200 {
            Thread.sleep(forTimeInterval: 0.05)
            waited += 1
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: grouped.socket)
        #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o777 } == 0o660 && (attributes[.groupOwnerAccountID] as? Int) == 65534,
                "the socket is the group's, 0660: \(attributes)")
        let member = try asNobody(grouped.socket)
        #expect(member.status == 0 && member.standardOutput.contains("adapt-top - "), "\(member)")
    }
}
