public import AdaptInference
internal import Foundation

/// What the device measured for one variant.
public struct VariantProfile: Sendable, Equatable {
    public var id: String
    /// The ONNX file the variant comes from.
    public var source: String
    /// The imported variant it was derived from (its own id for an imported one).
    public var parent: String
    /// How the variant was derived on the device (`fp32` for an imported model as it is; `VariantTransform`).
    public var transform: String
    public var backend: String
    public var accuracy: AccuracyEvaluation
    public var referenceAccuracy: Double?
    public var latency: LatencyStatistics
    /// Weights as the graph holds them plus the activation arena, in bytes.
    public var memoryBytes: Int
    /// The process's measured resident-memory growth while the variant was loaded (see `ModelFamily.Variant`).
    public var residentGrowthBytes: Int?
    public var onFront: Bool = false

    public var memoryMB: Double { Double(memoryBytes) / Double(1 << 20) }

    /// Energy per inference, estimated as the CPU time per run (every thread of the process) times a power per
    /// busy core the operator configures for the device; nil without that figure or a CPU clock. An estimate:
    /// the device measures no energy.
    public func energyMillijoulesEstimate(coreWatts: Double?) -> Double? {
        guard let coreWatts, let cpu = latency.cpuTimePerRun else { return nil }
        return LatencyStatistics.seconds(cpu) * coreWatts * 1000
    }

    public var point: TradeOffPoint {
        TradeOffPoint(accuracy: accuracy.accuracy, latencyMs: LatencyStatistics.milliseconds(latency.p95), memoryMB: memoryMB)
    }
}

public enum VariantProfiler {
    /// Where measured profiles are kept between runs, and for which machine; nil measures everything.
    public struct Caching: Sendable {
        public var cache: ProfileCache
        public var machine: ProfileCache.Machine
        /// Called with a one-line warning when a cache file is unreadable or cannot be written (never fatal).
        public var warn: @Sendable (String) -> Void

        public init(cache: ProfileCache, machine: ProfileCache.Machine, warn: @escaping @Sendable (String) -> Void) {
            (self.cache, self.machine, self.warn) = (cache, machine, warn)
        }
    }

    /// How many variants came from the cache, for the caller to say so.
    public struct Outcome: Sendable {
        public var profiles: [VariantProfile]
        public var cached: Int
        /// Derived variants that could not be built, each with the reason (the others are profiled regardless).
        public var failedDerivations: [(id: String, reason: String)]
    }

    /// Measures accuracy on `images` and latency over `iterations` runs (after `warmup`), then marks the front.
    /// With `deriver`, every variant of its catalog is profiled, derived ones built on a cache miss only; without
    /// it, the imported models. With `caching`, a variant measured before under the same conditions is taken from
    /// the cache, and what is measured is stored there. `cancellation` stops the run with `ProfileCancelled`
    /// (variants finished before stay cached). Accuracy is evaluated on `evaluationThreads` threads, each with its
    /// own compiled copy of the variant; latency is always timed alone, after that. `background` lowers the calling
    /// thread to the lowest priority first (`BackgroundPriority`; the evaluation threads it starts inherit it), for
    /// a profile run on its own thread beside the engine's inference: call it so on a thread made for it.
    /// `selection` says which backend runs each variant (`auto`: the faster of a short race, measured per variant);
    /// without one, the family's backend runs them all.
    public static func profile(
        _ family: ModelFamily, deriving deriver: VariantDeriver? = nil, images: LabeledImages, limit: Int? = nil,
        warmup: Int = 50, iterations: Int = 500, evaluationThreads: Int = 1, background: Bool = false,
        selection: BackendSelection? = nil, caching: Caching? = nil, cancellation: ProfileCancellation? = nil,
        progress: ((ProfileProgress) -> Void)? = nil
    ) throws -> Outcome {
        if background { BackgroundPriority.lowerCurrentThread() }
        let entries = deriver?.catalog.entries ?? VariantCatalog(manifest: family.manifest, derive: false).entries
        let total = min(limit ?? images.count, images.count)
        let imagesFingerprint = caching.map { _ in fingerprint(images, count: total) }
        // The cache keys the choice (`auto`, or the one backend); the figures say which backend ran the variant.
        let backendKey = selection?.mode.rawValue ?? family.backend.name
        var fileHashes: [String: String] = [:]
        var cached = 0
        var failedDerivations: [(id: String, reason: String)] = []
        var profiles = try entries.enumerated().compactMap { index, entry -> VariantProfile? in
            try cancellation?.check()
            func report(_ done: Int) {
                progress?(ProfileProgress(
                    variant: entry.id, variantIndex: index, variantCount: entries.count, imagesDone: done, imageCount: total))
            }
            report(0)
            let imported = family.variants.first { $0.spec.id == entry.parent.id && entry.isImported }
            let key = try caching.map { caching in
                let model = try fileHashes[entry.parent.file] ?? ContentHash.ofFile(entry.parent.file)
                fileHashes[entry.parent.file] = model
                return ProfileCache.Key(
                    model: model, transform: deriver?.cacheKey(for: entry) ?? "fp32", machine: caching.machine,
                    backend: backendKey, images: imagesFingerprint ?? "", imageCount: total, iterations: iterations)
            }
            var figures: ProfileCache.Figures
            if let caching, let key, let found = lookup(key, in: caching) {
                figures = found
                cached += 1
                report(total)
            } else {
                let built: ModelFamily.Variant?
                do {
                    built = try imported ?? deriver?.variant(for: entry)
                } catch let error as ModelError where !entry.isImported {
                    // A transform this model does not allow costs that variant only, never the profile.
                    failedDerivations.append((entry.id, "\(error)"))
                    return nil
                }
                guard let variant = built else { throw ModelError.badInput(reason: "variant '\(entry.id)' is not loaded") }
                // XNNPACK alone: the family's backend compiled the variant already.
                let choice = try selection.flatMap { $0.mode == .xnnpack ? nil : try $0.compile(variant.session.optimizedGraph) }
                let backend = choice?.backend ?? family.backend
                let model = choice?.model ?? variant.session.model
                let replicas = try [model] + (1..<max(1, evaluationThreads)).map { _ in
                    try backend.compile(variant.session.optimizedGraph)
                }
                figures = try measure(
                    variant, replicas: replicas, normalization: family.manifest.input.normalization, images: images,
                    limit: limit, warmup: warmup, iterations: iterations, cancellation: cancellation, report: report)
                figures.residentGrowthBytes = variant.residentGrowthBytes
                figures.backend = backend.name
                if let caching, let key {
                    do {
                        try caching.cache.store(.init(key: key, figures: figures))
                    } catch {
                        caching.warn("cannot write the profile cache under \(caching.cache.directory): \(error.localizedDescription)")
                    }
                }
            }
            return VariantProfile(
                id: entry.id, source: entry.parent.file, parent: entry.parent.id, transform: entry.transform.description,
                backend: figures.backend ?? backendKey, accuracy: figures.accuracy,
                referenceAccuracy: entry.isImported ? entry.parent.referenceAccuracy : nil,
                latency: figures.latencyStatistics, memoryBytes: figures.memoryBytes,
                residentGrowthBytes: imported?.residentGrowthBytes ?? figures.residentGrowthBytes)
        }
        for index in ParetoFront.members(of: profiles.map(\.point)) { profiles[index].onFront = true }
        return Outcome(profiles: profiles, cached: cached, failedDerivations: failedDerivations)
    }

    /// Top-1 accuracy on the images, latency over `iterations` timed runs of the first replica, weights + arena.
    private static func measure(
        _ variant: ModelFamily.Variant, replicas: [any CompiledModel], normalization: Normalization, images: LabeledImages,
        limit: Int?, warmup: Int, iterations: Int, cancellation: ProfileCancellation?, report: @escaping (Int) -> Void
    ) throws -> ProfileCache.Figures {
        let model = replicas[0]
        let accuracy = try AccuracyEvaluator.evaluate(replicas: replicas, on: images, normalization: normalization, limit: limit) { done in
            try cancellation?.check()
            report(done)
        }
        try cancellation?.check()
        let latency = try LatencyBenchmark.measure(model, warmup: warmup, iterations: iterations)
        let weights = variant.session.optimizedGraph.initializers.values.reduce(0) { $0 + $1.byteCount }
        return ProfileCache.Figures(accuracy: accuracy, latency: latency, memoryBytes: weights + model.arenaBytes)
    }

    private static func lookup(_ key: ProfileCache.Key, in caching: Caching) -> ProfileCache.Figures? {
        switch caching.cache.lookup(key) {
        case .hit(let entry): return entry.figures
        case .miss: return nil
        case .corrupt(let reason):
            caching.warn("ignoring the profile cache file \(reason); measuring again")
            return nil
        }
    }

    /// Fingerprint of the first `count` images and their labels: the evaluation data a cached accuracy belongs to.
    static func fingerprint(_ images: LabeledImages, count: Int) -> String {
        let pixels = count * images.height * images.width
        let pixelHash = images.pixels.withUnsafeBytes { ContentHash.fnv1a64(UnsafeRawBufferPointer(rebasing: $0.prefix(pixels))) }
        let labels = images.labels.prefix(count).map { UInt8(truncatingIfNeeded: $0) }
        return ContentHash.hex(labels.withUnsafeBytes { ContentHash.fnv1a64($0, seed: pixelHash) })
    }
}
