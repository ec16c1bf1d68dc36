import AdaptInference
import Foundation
import Testing
@testable import AdaptEngine

@Suite struct ProfilerTests {
    static func family() throws -> (ModelFamily, LabeledImages) {
        let manifest = try FamilyManifest.load(contentsOf: DemoFamilyTests.manifestPath)
        let images = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: manifest.dataset.split)
        return (try ModelFamily(manifest: manifest, backend: XNNPACKBackend()), images)
    }

    /// Progress covers every variant in order and ends at the whole run.
    @Test func progressRunsFromStartToEnd() throws {
        let (family, images) = try Self.family()
        var steps: [ProfileProgress] = []
        _ = try VariantProfiler.profile(family, images: images, limit: 1200, warmup: 1, iterations: 3) { steps.append($0) }
        #expect(steps.map(\.fraction) == steps.map(\.fraction).sorted())
        #expect(steps.last?.fraction == 1)
        #expect(Set(steps.map(\.variant)) == Set(family.variants.map(\.spec.id)))
        // 500, 1000 and the last image of every variant.
        #expect(steps.count == 3 * family.variants.count)
    }

    /// Cancelling mid-variant stops the run at the next check; what finished before stays in the cache.
    @Test func cancellationStopsTheRunAndKeepsFinishedVariants() throws {
        let (family, images) = try Self.family()
        let cancellation = ProfileCancellation()
        let cache = ProfileCache(directory: FileManager.default.temporaryDirectory.appendingPathComponent("adapt-top-cancel-\(UUID())").path)
        defer { try? FileManager.default.removeItem(atPath: cache.directory) }
        let caching = VariantProfiler.Caching(
            cache: cache, machine: .init(cpu: "Test CPU", threads: 1, engine: "test"), warn: { Issue.record("warning: \($0)") })
        var seen: [String] = []
        #expect(throws: ProfileCancelled()) {
            try VariantProfiler.profile(
                family, images: images, limit: 1000, warmup: 1, iterations: 3, caching: caching, cancellation: cancellation
            ) { step in
                seen.append(step.variant)
                // Cancel once the second variant has started.
                if step.variantIndex == 1 { cancellation.cancel() }
            }
        }
        #expect(Set(seen) == Set(family.variants.prefix(2).map(\.spec.id)))
        let stored = try FileManager.default.contentsOfDirectory(atPath: cache.directory)
        #expect(stored.count == 1, "\(stored)")  // the first variant only
        // A fresh run picks that variant up and measures the rest.
        let resumed = try VariantProfiler.profile(family, images: images, limit: 1000, warmup: 1, iterations: 3, caching: caching)
        #expect(resumed.cached == 1)
    }
}
