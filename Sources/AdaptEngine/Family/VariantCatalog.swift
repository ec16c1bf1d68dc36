/// How a variant is derived from an imported model on the device: pruned, quantized, both, or neither.
public struct VariantTransform: Sendable, Hashable, CustomStringConvertible {
    /// Fraction of each prunable layer's filters removed; nil when not pruned.
    public var pruneRatio: Double?
    /// int8 post-training quantization.
    public var int8: Bool

    public init(pruneRatio: Double? = nil, int8: Bool = false) {
        (self.pruneRatio, self.int8) = (pruneRatio, int8)
    }

    public static let none = VariantTransform()

    /// `fp32`, `int8`, `prune50`, `prune50+int8` (DESIGN.md's names; the ratio in whole percent).
    public var description: String {
        var parts: [String] = []
        if let pruneRatio { parts.append("prune\(Int((pruneRatio * 100).rounded()))") }
        if int8 { parts.append("int8") }
        return parts.isEmpty ? "fp32" : parts.joined(separator: "+")
    }
}

/// One variant of the catalog: an imported model, or one derived from it.
public struct CatalogEntry: Sendable, Equatable {
    /// `cnn-w50`, `cnn-w50-int8`, `cnn-w50-prune50-int8`: the parent's id and the transform.
    public var id: String
    /// The imported variant it comes from (itself for an imported one).
    public var parent: FamilyManifest.Variant
    public var transform: VariantTransform

    public var isImported: Bool { transform == .none }
}

/// Every variant a family offers: each imported model followed by the variants the manifest's transforms derive
/// from it (int8; each pruning ratio; each ratio then int8).
public struct VariantCatalog: Sendable, Equatable {
    public var entries: [CatalogEntry]
    /// Unlabelled training images that calibrate int8 activation ranges.
    public var calibrationImages: Int
    /// Unlabelled training images that re-estimate BatchNorm statistics after pruning.
    public var batchNormImages: Int

    public static let defaultCalibrationImages = 256

    /// - Parameter derive: false lists the imported models only.
    public init(manifest: FamilyManifest, derive: Bool = true) {
        let transforms = derive ? manifest.transforms : []
        let int8 = transforms.first { $0.kind == .int8 }
        let prune = transforms.first { $0.kind == .prune }
        calibrationImages = int8?.calibrationImages ?? Self.defaultCalibrationImages
        batchNormImages = prune?.calibrationImages ?? Self.defaultCalibrationImages
        var derived: [VariantTransform] = int8 == nil ? [] : [VariantTransform(int8: true)]
        for ratio in prune?.ratios ?? [] {
            derived.append(VariantTransform(pruneRatio: ratio))
            if int8 != nil { derived.append(VariantTransform(pruneRatio: ratio, int8: true)) }
        }
        entries = manifest.variants.flatMap { parent in
            [CatalogEntry(id: parent.id, parent: parent, transform: .none)] + derived.map { transform in
                CatalogEntry(id: "\(parent.id)-\(transform.description.split(separator: "+").joined(separator: "-"))",
                             parent: parent, transform: transform)
            }
        }
    }
}
