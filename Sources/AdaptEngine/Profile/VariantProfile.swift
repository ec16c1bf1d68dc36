public import AdaptInference

/// What the device measured for one variant.
public struct VariantProfile: Sendable, Equatable {
    public var id: String
    /// The ONNX file the variant comes from.
    public var source: String
    /// How the variant was derived on the device (`fp32` for an imported model as it is).
    public var transform: String
    public var backend: String
    public var accuracy: AccuracyEvaluation
    public var referenceAccuracy: Double?
    public var latency: LatencyStatistics
    /// Weights as the graph holds them plus the activation arena, in bytes.
    public var memoryBytes: Int
    public var onFront: Bool = false

    public var memoryMB: Double { Double(memoryBytes) / Double(1 << 20) }

    public var point: TradeOffPoint {
        TradeOffPoint(accuracy: accuracy.accuracy, latencyMs: LatencyStatistics.milliseconds(latency.p95), memoryMB: memoryMB)
    }
}

public enum VariantProfiler {
    /// Measures accuracy on `images` and latency over `iterations` runs (after `warmup`), then marks the front.
    public static func profile(
        _ family: ModelFamily, images: LabeledImages, limit: Int? = nil, warmup: Int = 50, iterations: Int = 500,
        progress: ((String, Int, Int) -> Void)? = nil
    ) throws -> [VariantProfile] {
        let total = min(limit ?? images.count, images.count)
        var profiles = try family.variants.map { variant in
            let model = variant.session.model
            let accuracy = try AccuracyEvaluator.evaluate(
                model, on: images, normalization: family.manifest.input.normalization, limit: limit
            ) { done in progress?(variant.spec.id, done, total) }
            let latency = try LatencyBenchmark.measure(model, warmup: warmup, iterations: iterations)
            let weights = variant.session.optimizedGraph.initializers.values.reduce(0) { $0 + $1.byteCount }
            return VariantProfile(
                id: variant.spec.id, source: variant.spec.file, transform: "fp32", backend: variant.session.backendName,
                accuracy: accuracy, referenceAccuracy: variant.spec.referenceAccuracy, latency: latency,
                memoryBytes: weights + model.arenaBytes)
        }
        for index in ParetoFront.members(of: profiles.map(\.point)) { profiles[index].onFront = true }
        return profiles
    }
}
