import Foundation
import Yams

extension FamilyManifest {
    /// Reads and validates a manifest file. Unknown keys, wrong types and out-of-range values are errors.
    public static func load(contentsOf path: String, dataDirectory: String? = nil) throws -> FamilyManifest {
        let text = try YAMLReader.text(contentsOf: path, document: "manifest")
        return try parse(text, source: path, dataDirectory: dataDirectory)
    }

    /// Parses manifest text; relative variant paths resolve against `source`'s folder.
    public static func parse(_ text: String, source: String, dataDirectory: String? = nil) throws -> FamilyManifest {
        let root = try YAMLReader.root(text, source: source, document: "manifest")
        let reader = YAMLReader(file: source)
        let folder = URL(fileURLWithPath: source).deletingLastPathComponent()

        let top = try reader.mapping(root, "", keys: ["family", "task", "labels", "input", "dataset", "variants", "budgets", "transforms"])
        let family = try reader.string(top.required("family"), "family")
        let task = try reader.string(top.required("task"), "task")
        let labels = try reader.list(top.required("labels"), "labels") { try reader.string($0, $1) }
        guard !labels.isEmpty else { throw reader.error(top.node, "labels", "needs at least one label") }

        let inputNode = try reader.mapping(top.required("input"), "input", keys: ["shape", "normalization"])
        let shape = try reader.list(inputNode.required("shape"), "input.shape") { try reader.int($0, $1, min: 1) }
        guard shape.count == 4, shape[0] == 1 else {
            throw reader.error(try inputNode.required("shape"), "input.shape", "must be [1, channels, height, width], is \(shape)")
        }
        let normalizationNode = try reader.mapping(inputNode.required("normalization"), "input.normalization", keys: ["scale", "mean", "std"])
        let scale = try reader.double(normalizationNode.required("scale"), "input.normalization.scale")
        let mean = try reader.list(normalizationNode.required("mean"), "input.normalization.mean") { try reader.double($0, $1) }
        let std = try reader.list(normalizationNode.required("std"), "input.normalization.std") { node, field in
            let value = try reader.double(node, field)
            guard value > 0 else { throw reader.error(node, field, "must be positive") }
            return value
        }
        guard mean.count == shape[1], std.count == shape[1] else {
            throw reader.error(normalizationNode.node, "input.normalization", "needs one mean and one std per channel (\(shape[1]))")
        }

        let datasetNode = try reader.mapping(top.required("dataset"), "dataset", keys: ["name", "path", "split"])
        let datasetName = try reader.string(datasetNode.required("name"), "dataset.name")
        let datasetPath = try dataDirectory ?? datasetNode.optional("path").map { try reader.string($0, "dataset.path") }
            ?? MNISTStyleDataset.debianDirectory
        let splitName = try datasetNode.optional("split").map { try reader.string($0, "dataset.split") } ?? "test"
        guard let split = MNISTStyleDataset.Split(rawValue: splitName) else {
            throw reader.error(datasetNode.optional("split") ?? datasetNode.node, "dataset.split", "'\(splitName)' is not one of train, test")
        }

        var seen = Set<String>()
        let variants = try reader.list(top.required("variants"), "variants") { node, field in
            let variant = try reader.mapping(node, field, keys: ["id", "file", "reference_accuracy"])
            let id = try reader.string(variant.required("id"), "\(field).id")
            guard seen.insert(id).inserted else { throw reader.error(node, "\(field).id", "duplicate variant id '\(id)'") }
            let file = try reader.string(variant.required("file"), "\(field).file")
            let resolved = file.hasPrefix("/") ? file : folder.appendingPathComponent(file).standardizedFileURL.path
            guard FileManager.default.fileExists(atPath: resolved) else {
                throw reader.error(try variant.required("file"), "\(field).file", "no such file: \(resolved)")
            }
            let reference = try variant.optional("reference_accuracy").map { node in
                try reader.fraction(node, "\(field).reference_accuracy")
            }
            return Variant(id: id, file: resolved, referenceAccuracy: reference)
        }
        guard !variants.isEmpty else { throw reader.error(try top.required("variants"), "variants", "needs at least one variant") }

        let budgetsNode = try reader.mapping(top.required("budgets"), "budgets", keys: ["latency_ms", "memory_mb", "accuracy_floor"])
        let budgets = Budgets(
            latencyMs: try reader.double(budgetsNode.required("latency_ms"), "budgets.latency_ms", positive: true),
            memoryMB: try reader.double(budgetsNode.required("memory_mb"), "budgets.memory_mb", positive: true),
            accuracyFloor: try reader.fraction(budgetsNode.required("accuracy_floor"), "budgets.accuracy_floor"))

        let transforms: [Transform] = try top.optional("transforms").map { node in
            try reader.list(node, "transforms") { item, field in
                let transform = try reader.mapping(item, field, keys: ["kind", "ratios", "calibration_images"])
                let kind = try reader.choice(transform.required("kind"), "\(field).kind", Transform.Kind.self)
                let ratios: [Double] = try transform.optional("ratios").map { node in
                    try reader.list(node, "\(field).ratios") { value, path in
                        let ratio = try reader.fraction(value, path)
                        guard ratio > 0, ratio < 1 else { throw reader.error(value, path, "must be between 0 and 1 (exclusive)") }
                        return ratio
                    }
                } ?? []
                if kind == .prune && ratios.isEmpty { throw reader.error(item, "\(field).ratios", "prune needs at least one ratio") }
                let calibration = try transform.optional("calibration_images").map { try reader.int($0, "\(field).calibration_images", min: 1) }
                return Transform(kind: kind, ratios: ratios, calibrationImages: calibration)
            }
        } ?? []

        return FamilyManifest(
            source: source, family: family, task: task, labels: labels,
            input: Input(shape: shape, normalization: Normalization(scale: Float(scale), mean: mean.map(Float.init), std: std.map(Float.init))),
            dataset: Dataset(name: datasetName, path: datasetPath, split: split),
            variants: variants, budgets: budgets, transforms: transforms)
    }
}
