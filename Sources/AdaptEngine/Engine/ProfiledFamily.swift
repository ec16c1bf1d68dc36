public import AdaptInference

/// A family loaded, its variants profiled on this device (from the profile cache where it can) and a pool ready to
/// build them: what engines are made from. An evaluation makes several engines, one after the other, from one.
public final class ProfiledFamily: Sendable {
    public let manifest: FamilyManifest
    /// The labelled split the engine replays and accuracy is measured on.
    public let images: LabeledImages
    public let outcome: VariantProfiler.Outcome
    public let pool: VariantPool

    public struct Options {
        public var dataDirectory: String?
        public var threads = 1
        /// Which backend runs each variant (`auto`: the faster on this device, per variant).
        public var backend: BackendSelection.Mode = .auto
        public var derive = true
        /// Profile accuracy on the first N images (nil: the whole split).
        public var limit: Int?
        public var iterations = 500
        public var evaluationThreads = 1
        public var caching: VariantProfiler.Caching?
        /// Stops the profiling from another thread (the init then throws `ProfileCancelled`).
        public var cancellation: ProfileCancellation?

        public init() {}
    }

    public init(manifestPath: String, options: Options = Options(), progress: ((ProfileProgress) -> Void)? = nil) throws {
        manifest = try FamilyManifest.load(contentsOf: manifestPath, dataDirectory: options.dataDirectory)
        images = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: manifest.dataset.split)
        let selection = try BackendSelection(options.backend, threads: options.threads)
        // Variants are imported and derived on XNNPACK; the profile then compiles each on the backend it runs on.
        let backend = selection.xnnpack
        let family = try ModelFamily(manifest: manifest, backend: backend)
        let catalog = VariantCatalog(manifest: manifest)
        // Only the training images calibration and BatchNorm re-estimation use are read.
        let deriver = try (!options.derive || manifest.transforms.isEmpty) ? nil : VariantDeriver(
            family: family, catalog: catalog,
            calibration: MNISTStyleDataset.load(directory: manifest.dataset.path, split: .train,
                                                first: max(catalog.calibrationImages, catalog.batchNormImages)),
            backend: backend)
        outcome = try VariantProfiler.profile(
            family, deriving: deriver, images: images, limit: options.limit, iterations: options.iterations,
            evaluationThreads: options.evaluationThreads, selection: selection, caching: options.caching,
            cancellation: options.cancellation, progress: progress)
        let backends = outcome.profiles.compactMap { profile in selection.backend(named: profile.backend).map { (profile.id, $0) } }
        pool = VariantPool(family: family, deriver: deriver, backends: Dictionary(backends, uniquingKeysWith: { first, _ in first }))
    }

    /// An engine on this family, starting from the manifest's budgets unless `controls` says otherwise.
    public func makeEngine(controls: OperatorControls? = nil, sampler: ContextSampler?, injections: DemoInjections,
                           configuration: AdaptiveEngine.Configuration = .init()) -> AdaptiveEngine {
        let engine = AdaptiveEngine(
            profiles: outcome.profiles, pool: pool, family: manifest.family,
            dataset: DatasetFrameSource(images: images, normalization: manifest.input.normalization),
            controls: controls ?? OperatorControls(budgets: manifest.budgets), sampler: sampler, injections: injections,
            configuration: configuration)
        let front = outcome.profiles.filter(\.onFront).count
        engine.note(.profile, "\(outcome.profiles.count) variants profiled (\(outcome.cached) from the profile cache), \(front) on the front"
                    + (outcome.failedDerivations.isEmpty ? "" : "; \(outcome.failedDerivations.count) could not be derived"))
        for failure in outcome.failedDerivations { engine.note(.profile, "cannot derive \(failure.id): \(failure.reason)") }
        return engine
    }
}
