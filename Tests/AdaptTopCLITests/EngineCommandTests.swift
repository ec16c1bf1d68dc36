import Foundation
import Testing

/// `adapt-top --batch` and `adapt-top eval` as a user runs them: the built binary, a fresh profile cache, the demo
/// family's imported models profiled on a few images so the test stays quick.
@Suite(.serialized) struct EngineCommandTests {
    static let quickProfile = ["--family", ProfileCommandTests.manifest, "--no-derive", "--profile-images", "100",
                               "--profile-iterations", "20"]

    func freshCache() -> [String: String] {
        ["XDG_CACHE_HOME": FileManager.default.temporaryDirectory.appendingPathComponent("adapt-top-cli-\(UUID().uuidString)").path]
    }

    @Test func batchJSONPrintsLiveSnapshotsWithTheContractFields() throws {
        let environment = freshCache()
        defer { try? FileManager.default.removeItem(atPath: environment["XDG_CACHE_HOME"]!) }
        let result = try CLIRunner.run(
            ["--batch", "-n", "3", "-d", "0.3", "--json", "--inject", "cpu=1@50%"] + Self.quickProfile, environment: environment)
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        let objects = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let counts = objects.compactMap { ($0["inference"] as? [String: Any])?["count"] as? Int }
        #expect(counts.count == 3 && counts[0] > 0 && counts[0] < counts[1] && counts[1] < counts[2], "frames keep coming: \(counts)")
        let last = try #require(objects.last)
        let policy = try #require(last["policy"] as? [String: Any])
        #expect(policy["mode"] as? String == "max-accuracy" && policy["paused"] as? Bool == false)
        let context = try #require(last["context"] as? [String: Any])
        #expect((context["injected"] as? [String])?.contains { $0.contains("cpu load 1") } == true, "\(context)")
        #expect(context.keys.contains("cpu_util") && context.keys.contains("mem_available_mb"))
        #expect((last["variants"] as? [[String: Any]])?.count == 7)
    }

    @Test func batchTextReadsLikeTopAndBadInjectionsAreRefused() throws {
        let environment = freshCache()
        defer { try? FileManager.default.removeItem(atPath: environment["XDG_CACHE_HOME"]!) }
        let text = try CLIRunner.run(["--batch", "-n", "1", "-d", "0.3"] + Self.quickProfile, environment: environment)
        #expect(text.status == 0, "\(text.standardError)")
        for expected in ["adapt-top - ", "Policy: max-accuracy", "Active: ", "Inference: ", "Context: ", "VARIANT", "started on"] {
            #expect(text.standardOutput.contains(expected), "missing \(expected) in \(text.standardOutput)")
        }
        let bad = try CLIRunner.run(["--batch", "--inject", "cpu=zero"] + Self.quickProfile, environment: environment)
        #expect(bad.status != 0)
        #expect(bad.standardError.contains("cpu=zero"), "\(bad.standardError)")
        let noBatch = try CLIRunner.run(["--json"], environment: environment)
        #expect(noBatch.status != 0 && noBatch.standardError.contains("--json needs --batch"))
    }

    @Test func evalPrintsOneLinePerPolicyWithTheContractKeys() throws {
        let environment = freshCache()
        let directory = try #require(environment["XDG_CACHE_HOME"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let trace = directory + "/short.yaml"
        try "name: short\nduration_s: 2\nsteps:\n  - {at_s: 1, latency_ms: 0.001}\n".write(toFile: trace, atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(
            ["eval", "--trace", trace, "--json", "--policies", "adaptive", "largest"] + Self.quickProfile, environment: environment)
        #expect(result.status == 0, "\(result.standardError)")
        let objects = try result.standardOutput.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        try #require(objects.compactMap { $0["policy"] as? String } == ["adaptive", "largest"])
        for object in objects {
            for key in ["policy", "slo_attainment", "accuracy", "switches", "decision_us_p50", "decision_us_p99", "reaction_ms"] {
                #expect(object.keys.contains(key), "missing \(key)")
            }
        }
        // A budget no variant meets from 1 s: the engine moves to the fastest at once, the largest never moves.
        #expect((objects[0]["switches"] as? Int ?? 0) >= 1)
        #expect(objects[1]["switches"] as? Int == 0 && objects[1]["decision_us_p50"] is NSNull)
        let missing = try CLIRunner.run(["eval", "--trace", directory + "/none.yaml"] + Self.quickProfile, environment: environment)
        #expect(missing.status != 0 && missing.standardError.contains("none.yaml"))
    }
}
