import AdaptInference
import Foundation
import Testing
@testable import AdaptEngine

@Suite struct ProfileCacheTests {
    static let machine = ProfileCache.Machine(cpu: "Test CPU", threads: 1, engine: "1234-5678")

    static func key(threads: Int = 1, model: String = "00ff00ff00ff00ff") -> ProfileCache.Key {
        ProfileCache.Key(
            model: model, transform: "fp32", machine: .init(cpu: "Test CPU", threads: threads, engine: "1234-5678"),
            backend: "xnnpack", images: "0123456789abcdef", imageCount: 200, iterations: 20)
    }

    static let figures = ProfileCache.Figures(
        accuracy: AccuracyEvaluation(correct: 181, total: 200),
        latency: LatencyStatistics(samples: [.microseconds(40), .microseconds(41), .microseconds(57), .microseconds(43)]),
        memoryBytes: 123_456)

    private func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("adapt-top-cache-\(UUID())").path
    }

    @Test func storedFiguresComeBackUnderTheSameKeyOnly() throws {
        let cache = ProfileCache(directory: temporaryDirectory())
        defer { try? FileManager.default.removeItem(atPath: cache.directory) }
        #expect(cache.lookup(Self.key()) == .miss)
        try cache.store(.init(key: Self.key(), figures: Self.figures))
        #expect(cache.lookup(Self.key()) == .hit(.init(key: Self.key(), figures: Self.figures)))
        // Another thread count or model is another measurement.
        #expect(cache.lookup(Self.key(threads: 2)) == .miss)
        #expect(cache.lookup(Self.key(model: "1111111111111111")) == .miss)
        // Written by rename: no temporary file is left behind.
        let files = try FileManager.default.contentsOfDirectory(atPath: cache.directory)
        #expect(files.count == 1 && files[0].hasSuffix(".json"), "\(files)")
    }

    @Test func latencyAndAccuracySurviveTheRoundTrip() throws {
        let data = try JSONEncoder().encode(ProfileCache.Entry(key: Self.key(), figures: Self.figures))
        let back = try JSONDecoder().decode(ProfileCache.Entry.self, from: data)
        #expect(back.figures.latencyStatistics == Self.figures.latencyStatistics)
        #expect(back.figures.accuracy == AccuracyEvaluation(correct: 181, total: 200))
        #expect(back.figures.memoryBytes == 123_456)
    }

    @Test func residentMemoryIsReadFromStatm() throws {
        #expect(ProcessMemory.residentBytes(statm: "10283 2561 1024 1 0 4321 0\n", pageSize: 4096) == 2561 * 4096)
        #expect(ProcessMemory.residentBytes(statm: "10283", pageSize: 4096) == nil)
        #expect(ProcessMemory.residentBytes(statm: "", pageSize: 4096) == nil)
        #expect(ProcessMemory.residentBytes(statm: "/nonexistent/statm") == nil)
        // This process has a resident set, and loading a family grows it by something for every variant.
        #expect(try #require(ProcessMemory.residentBytes()) > 1 << 20)
        let manifest = try FamilyManifest.load(contentsOf: DemoFamilyTests.manifestPath)
        let family = try ModelFamily(manifest: manifest, backend: XNNPACKBackend())
        #expect(family.variants.allSatisfy { $0.residentGrowthBytes != nil })
    }

    @Test func energyIsCPUTimePerRunTimesTheConfiguredPower() {
        let latency = LatencyStatistics(
            iterations: 4, p50: .microseconds(400), p95: .microseconds(600), p99: .microseconds(700),
            mean: .microseconds(450), total: .microseconds(1800), cpuTime: .milliseconds(2))
        let profile = VariantProfile(
            id: "v", source: "v.onnx", parent: "v", transform: "fp32", backend: "xnnpack",
            accuracy: AccuracyEvaluation(correct: 9, total: 10), referenceAccuracy: nil, latency: latency, memoryBytes: 1)
        // 2 ms over 4 runs = 0.5 ms per run; × 5 W = 2.5 mJ.
        #expect(abs((profile.energyMillijoulesEstimate(coreWatts: 5) ?? 0) - 2.5) < 1e-9)
        #expect(profile.energyMillijoulesEstimate(coreWatts: nil) == nil)
        var unmeasured = profile
        unmeasured.latency.cpuTime = nil
        #expect(unmeasured.energyMillijoulesEstimate(coreWatts: 5) == nil)
        // The CPU time survives the cache.
        let figures = ProfileCache.Figures(accuracy: profile.accuracy, latency: latency, memoryBytes: 1)
        #expect(figures.latencyStatistics.cpuTime == .milliseconds(2))
    }

    /// A file in a key's place that holds another key's figures (a fingerprint collision) is not taken.
    @Test func aFileForAnotherKeyIsAMiss() throws {
        let cache = ProfileCache(directory: temporaryDirectory())
        defer { try? FileManager.default.removeItem(atPath: cache.directory) }
        try cache.store(.init(key: Self.key(threads: 4), figures: Self.figures))
        try FileManager.default.moveItem(atPath: cache.path(for: Self.key(threads: 4)), toPath: cache.path(for: Self.key()))
        #expect(cache.lookup(Self.key()) == .miss)
    }

    @Test(arguments: ["", "{\"key\": 3}", "garbage", "{\"figures\": {}, \"key\": {}}"])
    func aCorruptFileIsReportedWithItsPath(_ contents: String) throws {
        let cache = ProfileCache(directory: temporaryDirectory())
        defer { try? FileManager.default.removeItem(atPath: cache.directory) }
        try FileManager.default.createDirectory(atPath: cache.directory, withIntermediateDirectories: true)
        let path = cache.path(for: Self.key())
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        guard case .corrupt(let reason) = cache.lookup(Self.key()) else {
            Issue.record("a corrupt file was not reported")
            return
        }
        #expect(reason.hasPrefix(path + ": not a profile cache entry"), "\(reason)")
        // Storing again replaces it.
        try cache.store(.init(key: Self.key(), figures: Self.figures))
        #expect(cache.lookup(Self.key()) == .hit(.init(key: Self.key(), figures: Self.figures)))
    }

    @Test func theDirectoryFollowsTheXDGRule() {
        #expect(ProfileCache.defaultDirectory(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u"]) == "/x/cache/adapt-top/profiles")
        // A relative XDG_CACHE_HOME is invalid by the spec and ignored.
        #expect(ProfileCache.defaultDirectory(environment: ["XDG_CACHE_HOME": "cache", "HOME": "/home/u"]) == "/home/u/.cache/adapt-top/profiles")
        #expect(ProfileCache.defaultDirectory(environment: [:]) == nil)
    }

    @Test func theCPUModelComesFromCpuinfo() throws {
        let x86 = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu\n"
        let pi = "processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd\n\nHardware\t: BCM2835\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n"
        for (text, expected) in [(x86, "Intel(R) Xeon(R) Processor"), (pi, "Raspberry Pi 4 Model B Rev 1.4")] {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("cpuinfo-\(UUID())").path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(ProfileCache.Machine.cpuModel(cpuinfo: path) == expected)
        }
        // No cpuinfo: the architecture, never an empty string.
        #expect(!ProfileCache.Machine.cpuModel(cpuinfo: "/nonexistent/cpuinfo").isEmpty)
    }

    /// The profiler measures once, then takes every variant from the cache with the same figures.
    @Test func aSecondProfileComesFromTheCache() throws {
        let manifest = try FamilyManifest.load(contentsOf: DemoFamilyTests.manifestPath)
        let images = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: manifest.dataset.split)
        let family = try ModelFamily(manifest: manifest, backend: XNNPACKBackend())
        let cache = ProfileCache(directory: temporaryDirectory())
        defer { try? FileManager.default.removeItem(atPath: cache.directory) }
        let warnings = Warnings()
        let caching = VariantProfiler.Caching(cache: cache, machine: Self.machine, warn: { warnings.append($0) })
        let first = try VariantProfiler.profile(family, images: images, limit: 100, warmup: 2, iterations: 5, caching: caching)
        let second = try VariantProfiler.profile(family, images: images, limit: 100, warmup: 2, iterations: 5, caching: caching)
        #expect(first.cached == 0)
        #expect(second.cached == family.variants.count)
        #expect(first.profiles == second.profiles)
        // Other evaluation images are another measurement.
        let third = try VariantProfiler.profile(family, images: images, limit: 101, warmup: 2, iterations: 5, caching: caching)
        #expect(third.cached == 0)
        #expect(warnings.all.isEmpty)
    }

    /// `auto` races the backends per variant; the choice is cached with the figures under the key `auto`, so a
    /// warm start keeps each variant on the backend it was measured on.
    @Test(.enabled(if: OneDNN.status.available, "oneDNN is unavailable here"))
    func autoChoosesABackendPerVariantAndCachesTheChoice() throws {
        let manifest = try FamilyManifest.load(contentsOf: DemoFamilyTests.manifestPath)
        let images = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: manifest.dataset.split)
        let selection = try BackendSelection(.auto)
        let family = try ModelFamily(manifest: manifest, backend: selection.xnnpack)
        let catalog = VariantCatalog(manifest: manifest)
        let deriver = try VariantDeriver(
            family: family, catalog: catalog,
            calibration: MNISTStyleDataset.load(directory: manifest.dataset.path, split: .train, first: 64), backend: selection.xnnpack)
        let cache = ProfileCache(directory: temporaryDirectory())
        defer { try? FileManager.default.removeItem(atPath: cache.directory) }
        let caching = VariantProfiler.Caching(cache: cache, machine: Self.machine, warn: { _ in })
        let first = try VariantProfiler.profile(
            family, deriving: deriver, images: images, limit: 50, warmup: 2, iterations: 20, selection: selection, caching: caching)
        let second = try VariantProfiler.profile(
            family, deriving: deriver, images: images, limit: 50, warmup: 2, iterations: 20, selection: selection, caching: caching)
        #expect(second.cached == first.profiles.count)
        #expect(first.profiles.map(\.backend) == second.profiles.map(\.backend))
        #expect(Set(first.profiles.map(\.backend)).isSubset(of: ["xnnpack", "onednn"]))
        // The same variants profiled on XNNPACK alone are other cache entries.
        let xnnpackOnly = try VariantProfiler.profile(
            family, images: images, limit: 50, warmup: 2, iterations: 20, selection: BackendSelection(.xnnpack), caching: caching)
        #expect(xnnpackOnly.cached == 0)
        #expect(xnnpackOnly.profiles.allSatisfy { $0.backend == "xnnpack" })
    }
}

/// Collects warnings from the profiler's callback.
final class Warnings: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) {
        lock.withLock { lines.append(line) }
    }

    var all: [String] { lock.withLock { lines } }
}
