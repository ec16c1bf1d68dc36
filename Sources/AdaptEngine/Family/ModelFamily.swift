public import AdaptInference

/// A family whose variants are loaded, checked against the manifest and compiled on one backend.
public struct ModelFamily {
    public struct Variant {
        /// The catalog id (`VariantCatalog`): the manifest's id for an imported model.
        public var id: String
        public var transform: VariantTransform
        /// The imported model this variant is or comes from.
        public var spec: FamilyManifest.Variant
        public var session: InferenceSession
        /// How much the process's resident memory grew while this variant was imported, compiled and run once
        /// (first touches of its arena and packed weights included; the first variant also carries the process's
        /// one-time costs); nil where the kernel does not say.
        public var residentGrowthBytes: Int?
    }

    public var manifest: FamilyManifest
    public var variants: [Variant]
    /// What compiled the variants (and compiles more copies of them, e.g. to evaluate on several threads).
    public let backend: any InferenceBackend

    /// Loads every variant, checking that each takes the manifest's input shape and gives one score per label.
    /// Errors name the manifest, the variant's field and its file.
    public init(manifest: FamilyManifest, backend: any InferenceBackend) throws {
        self.manifest = manifest
        self.backend = backend
        variants = try manifest.variants.enumerated().map { index, spec in
            let field = "variants[\(index)]"
            let residentBefore = ProcessMemory.residentBytes()
            let session: InferenceSession
            do {
                session = try InferenceSession(contentsOf: spec.file, backend: backend)
            } catch let error as ModelError {
                throw ConfigurationError(file: manifest.source, line: nil, field: "\(field).file", message: "\(error)")
            }
            let model = session.model
            guard model.inputs.count == 1, model.inputs[0].shape == manifest.input.shape else {
                throw ConfigurationError(
                    file: manifest.source, line: nil, field: "input.shape",
                    message: "is \(manifest.input.shape), but \(spec.id) (\(spec.file)) takes \(model.inputs.map(\.shape))")
            }
            guard model.outputs.count == 1, model.outputs[0].count == manifest.labels.count else {
                throw ConfigurationError(
                    file: manifest.source, line: nil, field: "labels",
                    message: "lists \(manifest.labels.count) labels, but \(spec.id) (\(spec.file)) outputs \(model.outputs.map(\.shape))")
            }
            try model.run()  // touches the arena and any lazily packed weights, so the growth below is all of it
            let residentAfter = ProcessMemory.residentBytes()
            let growth = residentBefore.flatMap { before in residentAfter.map { max(0, $0 - before) } }
            return Variant(id: spec.id, transform: .none, spec: spec, session: session, residentGrowthBytes: growth)
        }
    }
}
