import Foundation
import Testing

/// `adapt-top --attach` in a real terminal, on a real service: the same dashboard, keys that reach the service,
/// and a service restart seen as "disconnected — retrying" and recovered from.
@Suite(.serialized) struct AttachTmuxTests {
    @Test(.enabled(if: TmuxDashboard.available, "tmux is not installed"))
    func theDashboardFollowsTheServiceThroughARestart() throws {
        let cache = ["XDG_CACHE_HOME": FileManager.default.temporaryDirectory.appendingPathComponent("adapt-top-cli-\(UUID().uuidString)").path]
        defer { try? FileManager.default.removeItem(atPath: cache["XDG_CACHE_HOME"]!) }
        let service = try ServiceProcess(arguments: EngineCommandTests.quickProfile, environment: cache)
        defer { _ = service.terminate() }
        #expect(try service.waitUntilRunning(), "\(service.log)")
        let dashboard = try TmuxDashboard(width: 160, height: 48, environment: DashboardTmuxTests.utf8,
                                          arguments: ["--attach", service.socket, "-d", "0.3"])
        defer { dashboard.close() }
        let first = try dashboard.waitForPane(timeout: 20) { $0.contains("engine running") && $0.contains("variants 7") }
        for panel in ["resources", "pareto front", "variants 7", "inference", "events", "cpu0 ["] {
            #expect(first.contains(panel), "missing \(panel) in\n\(first)")
        }
        // A key pins on the service: the header shows it at once and the service says so too.
        try dashboard.keys("j", "p")
        let pinned = try dashboard.waitForPane(timeout: 10) { $0.contains("PINNED cnn-w25") && $0.contains("▶ cnn-w25 ") }
        #expect(pinned.contains("PINNED cnn-w25"), "\(pinned)")
        #expect((try service.status()?["policy"] as? [String: Any])?["pinned"] as? String == "cnn-w25")

        // The service goes away: the last figures stay, the header says the link is down.
        #expect(service.terminate() == 0)
        let lost = try dashboard.waitForPane(timeout: 15) { $0.contains("disconnected — retrying") }
        #expect(lost.contains("disconnected — retrying") && lost.contains("variants 7"), "\(lost)")
        #expect(lost.contains("engine unreachable") && !lost.contains("engine running"), "the header does not claim a live engine:\n\(lost)")
        // Keys are refused with the reason rather than lost silently.
        try dashboard.keys("p")
        let refused = try dashboard.waitForPane(timeout: 10) { $0.contains("not connected to the service") }
        #expect(refused.contains("not connected to the service"), "\(refused)")

        // It comes back on the same socket (the profile cache makes the start quick): the dashboard recovers.
        let restarted = try ServiceProcess(socket: service.socket, arguments: EngineCommandTests.quickProfile, environment: cache)
        defer { _ = restarted.terminate() }
        #expect(try restarted.waitUntilRunning(), "\(restarted.log)")
        let back = try dashboard.waitForPane(timeout: 20) { !$0.contains("disconnected") && $0.contains("engine running") }
        #expect(!back.contains("disconnected") && !back.contains("PINNED"), "a new engine, not pinned:\n\(back)")
        try dashboard.keys("q")
        #expect(try dashboard.lastExitStatus() == "0")
        #expect(restarted.log.contains("client subscribed"), "\(restarted.log)")
    }
}
