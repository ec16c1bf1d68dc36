public import AdaptInference

/// Builds the catalog's derived variants on the device from their imported parents: pruning (with BatchNorm
/// statistics re-estimated on unlabelled training images), then int8 quantization calibrated on training images.
/// A pruned graph is kept for the pruned-then-quantized variant of the same ratio.
public final class VariantDeriver {
    public let catalog: VariantCatalog
    let family: ModelFamily
    /// Unlabelled images for calibration (the training split: never the images accuracy is measured on).
    let calibration: LabeledImages
    let backend: any InferenceBackend
    private var prunedGraphs: [String: Graph] = [:]
    /// How many variants this deriver has built (a warm profile cache builds none).
    public private(set) var derivations = 0

    public init(family: ModelFamily, catalog: VariantCatalog, calibration: LabeledImages, backend: any InferenceBackend) {
        (self.family, self.catalog, self.calibration, self.backend) = (family, catalog, calibration, backend)
    }

    /// What a derived variant depends on besides its parent's file, for the profile cache: the transform, how many
    /// calibration images and which.
    public func cacheKey(for entry: CatalogEntry) -> String {
        var parts: [String] = []
        if let ratio = entry.transform.pruneRatio {
            parts.append("prune(\(ratio), batchnorm=\(imageFingerprint(catalog.batchNormImages)))")
        }
        if entry.transform.int8 { parts.append("int8(calibration=\(imageFingerprint(catalog.calibrationImages)))") }
        return parts.isEmpty ? "fp32" : parts.joined(separator: "+")
    }

    /// The variant, derived now (the imported one as loaded); its resident-memory growth covers the derivation.
    public func variant(for entry: CatalogEntry) throws -> ModelFamily.Variant {
        guard let parent = family.variants.first(where: { $0.spec.id == entry.parent.id }) else {
            throw ModelError.badInput(reason: "variant '\(entry.id)' comes from '\(entry.parent.id)', which the family did not load")
        }
        if entry.isImported { return parent }
        let residentBefore = ProcessMemory.residentBytes()
        var session = parent.session
        if let ratio = entry.transform.pruneRatio {
            session = try InferenceSession(graph: try prunedGraph(parent, ratio: ratio), backend: backend)
        }
        if entry.transform.int8 {
            let ranges = try ActivationCalibrator.calibrate(
                session.optimizedGraph, backend: backend, images: calibration, normalization: family.manifest.input.normalization,
                count: catalog.calibrationImages)
            session = try InferenceSession(
                graph: try PostTrainingQuantization.quantize(session.optimizedGraph, ranges: ranges), backend: backend)
        }
        try session.model.run()  // touch the arena, as ModelFamily does for imported variants
        derivations += 1
        let growth = residentBefore.flatMap { before in ProcessMemory.residentBytes().map { max(0, $0 - before) } }
        return ModelFamily.Variant(
            id: entry.id, transform: entry.transform, spec: entry.parent, session: session, residentGrowthBytes: growth)
    }

    private func prunedGraph(_ parent: ModelFamily.Variant, ratio: Double) throws -> Graph {
        let key = "\(parent.spec.id)@\(ratio)"
        if let graph = prunedGraphs[key] { return graph }
        let pruned = try ChannelPruning.prune(parent.session.simplifiedGraph, ratio: ratio)
        let graph = try BatchNormReestimation.reestimate(
            pruned, backend: backend, images: calibration, normalization: family.manifest.input.normalization,
            count: catalog.batchNormImages)
        prunedGraphs[key] = graph
        return graph
    }

    private func imageFingerprint(_ count: Int) -> String {
        "\(min(count, calibration.count))@\(VariantProfiler.fingerprint(calibration, count: min(count, calibration.count)))"
    }
}
