import Foundation
import Testing
@testable import AdaptEngine
@testable import AdaptService

/// The pieces wired as `serve --metrics-port` wires them, on a real engine running the demo family's models:
/// every frame into the histogram, the snapshot at each scrape, over loopback HTTP.
@Suite struct LiveEngineMetricsTests {
    static let manifestPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/fashion-mnist/family.yaml").path

    @Test func aRunningEngineIsScrapeable() throws {
        var options = ProfiledFamily.Options()
        (options.derive, options.limit, options.iterations) = (false, 300, 100)
        let family = try ProfiledFamily(manifestPath: Self.manifestPath, options: options)
        let metrics = EngineMetrics()
        var configuration = AdaptiveEngine.Configuration()
        configuration.frameObserver = metrics.frameObserver
        let sampler = ContextSampler(interval: .milliseconds(200))
        let engine = family.makeEngine(sampler: sampler, injections: DemoInjections(sampler: sampler), configuration: configuration)
        try engine.start()
        defer { engine.stop() }
        let server = MetricsHTTPServer(port: 0) {
            metrics.update(from: engine.snapshot)
            return metrics.exposition()
        }
        try server.start()
        defer { server.stop() }
        let port = try #require(server.port)

        func scrape() throws -> PrometheusExposition {
            let response = try RawHTTPClient.exchange(port: port, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(response.status == 200)
            return try PrometheusExposition(checking: response.text)
        }
        let deadline = Date().addingTimeInterval(20)
        while engine.snapshot.inference.count < 1000 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let first = try scrape()
        let sequence = engine.snapshot.sequence
        _ = engine.snapshot(after: sequence, timeout: 5)
        let second = try scrape()

        let total = try #require(second.value("adapt_inferences_total"))
        #expect(total >= 1000 && total > (first.value("adapt_inferences_total") ?? .infinity))
        // Frames are counted into the histogram as they end, the total as of the last snapshot: never more.
        let histogramCount = second.series("adapt_inference_latency_seconds_count").map(\.value).reduce(0, +)
        #expect(histogramCount >= total)
        let active = second.series("adapt_active_variant_info")
        #expect(active.count == 1 && family.outcome.profiles.contains { $0.id == active.first?.labels["variant"] })
        #expect(second.value("adapt_engine_up") == 1)
        #expect(second.series("adapt_variant_profile_latency_p95_seconds").count == family.outcome.profiles.count)
    }
}
