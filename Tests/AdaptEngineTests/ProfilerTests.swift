import AdaptInference
import Foundation
import Synchronization
import Testing
@testable import AdaptEngine

@Suite struct ProfilerTests {
    static func family() throws -> (ModelFamily, LabeledImages) {
        let manifest = try FamilyManifest.load(contentsOf: DemoFamilyTests.manifestPath)
        let images = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: manifest.dataset.split)
        return (try ModelFamily(manifest: manifest, backend: XNNPACKBackend()), images)
    }

    /// A family of one demo model (its derived variants come from the manifest's transforms), with the test images.
    static func singleModelFamily(_ id: String) throws -> (ModelFamily, LabeledImages, any InferenceBackend) {
        var manifest = try FamilyManifest.load(contentsOf: DemoFamilyTests.manifestPath)
        manifest.variants = manifest.variants.filter { $0.id == id }
        let backend = try XNNPACKBackend()
        let images = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: manifest.dataset.split)
        return (try ModelFamily(manifest: manifest, backend: backend), images, backend)
    }

    /// Progress covers every variant in order and ends at the whole run.
    @Test func progressRunsFromStartToEnd() throws {
        let (family, images) = try Self.family()
        var steps: [ProfileProgress] = []
        _ = try VariantProfiler.profile(family, images: images, limit: 1200, warmup: 1, iterations: 3) { steps.append($0) }
        #expect(steps.map(\.fraction) == steps.map(\.fraction).sorted())
        #expect(steps.last?.fraction == 1)
        #expect(Set(steps.map(\.variant)) == Set(family.variants.map(\.spec.id)))
        // The start, 500, 1000 and the last image of every variant.
        #expect(steps.count == 4 * family.variants.count)
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

    /// The manifest's transforms join the catalog: each derived variant is built, measured and cached; a second
    /// run takes all of them from the cache without deriving anything.
    @Test func derivedVariantsAreProfiledAndCached() throws {
        let (family, images, backend) = try Self.singleModelFamily("cnn-w50")
        let manifest = family.manifest
        let training = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: .train)
        let cache = ProfileCache(directory: FileManager.default.temporaryDirectory.appendingPathComponent("adapt-top-derive-\(UUID())").path)
        defer { try? FileManager.default.removeItem(atPath: cache.directory) }
        let caching = VariantProfiler.Caching(
            cache: cache, machine: .init(cpu: "Test CPU", threads: 1, engine: "test"), warn: { Issue.record("warning: \($0)") })
        func run() throws -> (VariantProfiler.Outcome, VariantDeriver) {
            let deriver = VariantDeriver(family: family, catalog: VariantCatalog(manifest: manifest), calibration: training, backend: backend)
            let outcome = try VariantProfiler.profile(
                family, deriving: deriver, images: images, limit: 1000, warmup: 1, iterations: 5, caching: caching)
            return (outcome, deriver)
        }
        let (first, firstDeriver) = try run()
        #expect(first.profiles.map(\.id) == ["cnn-w50", "cnn-w50-int8", "cnn-w50-prune25", "cnn-w50-prune25-int8",
                                              "cnn-w50-prune50", "cnn-w50-prune50-int8"])
        #expect(first.profiles.allSatisfy { $0.parent == "cnn-w50" && $0.source == manifest.variants[0].file })
        #expect(first.cached == 0 && firstDeriver.derivations == 5)
        let byID = Dictionary(uniqueKeysWithValues: first.profiles.map { ($0.id, $0) })
        let parent = try #require(byID["cnn-w50"]), int8 = try #require(byID["cnn-w50-int8"])
        #expect(abs(int8.accuracy.accuracy - parent.accuracy.accuracy) <= 0.01)
        #expect(int8.memoryBytes < parent.memoryBytes / 2)
        #expect(try #require(byID["cnn-w50-prune50"]).memoryBytes < parent.memoryBytes)

        let (second, secondDeriver) = try run()
        #expect(second.cached == 6 && secondDeriver.derivations == 0)
        #expect(second.profiles.map(\.accuracy) == first.profiles.map(\.accuracy))
        #expect(second.profiles.map(\.residentGrowthBytes).dropFirst() == first.profiles.map(\.residentGrowthBytes).dropFirst())
    }

    /// Spreading the images over several compiled copies counts exactly the same hits; progress ends at the whole
    /// run, and an error from it (a cancellation) stops every thread.
    @Test func accuracyOnSeveralThreadsEqualsOneThread() throws {
        let (family, images) = try Self.family()
        let variant = try #require(family.variants.first { $0.spec.id == "cnn-w25" })
        let normalization = family.manifest.input.normalization
        let single = try AccuracyEvaluator.evaluate(variant.session.model, on: images, normalization: normalization, limit: 1500)
        let replicas = try [variant.session.model] + (0..<2).map { _ in try family.backend.compile(variant.session.optimizedGraph) }
        var reported: [Int] = []
        let spread = try AccuracyEvaluator.evaluate(replicas: replicas, on: images, normalization: normalization, limit: 1500) {
            reported.append($0)
        }
        #expect(spread == single && spread.total == 1500)
        #expect(reported == reported.sorted() && reported.last == 1500)
        #expect(throws: ProfileCancelled()) {
            try AccuracyEvaluator.evaluate(replicas: replicas, on: images, normalization: normalization, limit: 3000) { _ in
                throw ProfileCancelled()
            }
        }
    }

    /// A background profile runs at nice 19 on its thread, and so do the evaluation threads it starts; the thread
    /// that asked is untouched elsewhere.
    @Test func backgroundProfilingRunsAtTheLowestPriority() throws {
        let before = try #require(BackgroundPriority.currentThreadNice())
        let result = Mutex<(profiled: Int?, started: Int?, error: String?)>((nil, nil, nil))
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            do {
                let (family, images) = try Self.family()  // loaded here: a family belongs to the thread that uses it
                _ = try VariantProfiler.profile(family, images: images, limit: 100, warmup: 1, iterations: 3, background: true) { _ in
                    result.withLock { $0.profiled = BackgroundPriority.currentThreadNice() }
                }
                let child = Thread { result.withLock { $0.started = BackgroundPriority.currentThreadNice() } }
                child.start()
                while result.withLock({ $0.started == nil }) { usleep(1000) }
            } catch {
                result.withLock { $0.error = "\(error)" }
            }
        }
        thread.start()
        done.wait()
        let seen = result.withLock { $0 }
        #expect(seen.error == nil, "\(seen.error ?? "")")
        #expect(seen.profiled == Int(BackgroundPriority.lowest))
        #expect(seen.started == Int(BackgroundPriority.lowest))
        #expect(BackgroundPriority.currentThreadNice() == before)
    }

    @Test func niceIsReadAfterTheCommandName() {
        let stat = "4242 (a (weird) name) R 1 4242 4242 0 -1 4194560 100 0 0 0 5 1 0 0 39 19 3 0 12345 0"
        #expect(BackgroundPriority.nice(stat: stat) == 19)
        #expect(BackgroundPriority.nice(stat: "truncated (x) R 1") == nil)
    }

    /// A derived variant that cannot be built (here: no calibration images at all) is reported and skipped; the
    /// rest of the catalog is still profiled.
    @Test func aFailedDerivationCostsOnlyThatVariant() throws {
        let (family, images, backend) = try Self.singleModelFamily("cnn-w25")
        let manifest = family.manifest
        let empty = LabeledImages(height: 28, width: 28, pixels: [], labels: [])
        let deriver = VariantDeriver(family: family, catalog: VariantCatalog(manifest: manifest), calibration: empty, backend: backend)
        let outcome = try VariantProfiler.profile(family, deriving: deriver, images: images, limit: 200, warmup: 1, iterations: 3)
        #expect(outcome.profiles.map(\.id) == ["cnn-w25"])
        #expect(outcome.failedDerivations.map(\.id) == ["cnn-w25-int8", "cnn-w25-prune25", "cnn-w25-prune25-int8",
                                                         "cnn-w25-prune50", "cnn-w25-prune50-int8"])
        #expect(outcome.failedDerivations.allSatisfy { $0.reason.contains("at least one image") }, "\(outcome.failedDerivations)")
    }
}
