import AdaptInference
import Foundation
import Testing
@testable import AdaptEngine

@Suite struct FamilyManifestTests {
    @Test func readsEveryField() throws {
        let manifest = try FamilyManifest.load(contentsOf: Fixtures.path("family/valid.yaml"))
        #expect(manifest.family == "test-family")
        #expect(manifest.task == "image-classification")
        #expect(manifest.labels.count == 10)
        #expect(manifest.input.shape == [1, 1, 28, 28])
        #expect(manifest.input.normalization == Normalization(scale: Float(0.00392156862745098), mean: [0.2860], std: [0.3530]))
        #expect(manifest.dataset == .init(name: "fashion-mnist", path: MNISTStyleDataset.debianDirectory, split: .test))
        #expect(manifest.variants.map(\.id) == ["cnn3", "cnn3-again"])
        #expect(manifest.variants[0].file == Fixtures.path("onnx/fmnist_cnn3/model.onnx"))
        #expect(manifest.variants[0].referenceAccuracy == 0.1)
        #expect(manifest.variants[1].referenceAccuracy == nil)
        #expect(manifest.budgets == .init(latencyMs: 1.5, memoryMB: 16, accuracyFloor: 0.8))
        #expect(manifest.transforms == [
            .init(kind: .int8, ratios: [], calibrationImages: 256),
            .init(kind: .prune, ratios: [0.25, 0.5], calibrationImages: nil),
        ])
    }

    @Test func dataDirectoryOverridesTheManifest() throws {
        let manifest = try FamilyManifest.load(contentsOf: Fixtures.path("family/valid.yaml"), dataDirectory: "/data/here")
        #expect(manifest.dataset.path == "/data/here")
    }

    /// One clear line naming the file, the line and the field.
    @Test(arguments: [
        ("missing_file.yaml", "missing_file.yaml:16: variants[1].file: no such file:"),
        ("unknown_key.yaml", "unknown_key.yaml:17: budgets.latency: unknown key (expected one of: accuracy_floor, latency_ms, memory_mb)"),
        ("percent_accuracy.yaml", "percent_accuracy.yaml:14: variants[0].reference_accuracy: must be a fraction between 0 and 1, is 91.5"),
    ])
    func manifestErrorsNameTheField(_ file: String, _ expected: String) {
        #expect {
            _ = try FamilyManifest.load(contentsOf: Fixtures.path("family/\(file)"))
        } throws: { error in
            "\(error)".contains(expected) && !"\(error)".contains("\n")
        }
    }

    @Test(arguments: [
        ("wrong_shape.yaml", "input.shape: is [1, 3, 28, 28], but cnn3"),
        ("label_count.yaml", "labels: lists 9 labels, but cnn3"),
    ])
    func modelsMustFitTheManifest(_ file: String, _ expected: String) throws {
        let manifest = try FamilyManifest.load(contentsOf: Fixtures.path("family/\(file)"))
        #expect {
            _ = try ModelFamily(manifest: manifest, backend: XNNPACKBackend())
        } throws: { error in
            "\(error)".contains(expected) && "\(error)".contains(file)
        }
    }

    @Test(arguments: [
        ("family: x", "is required"),
        ("[1, 2]", "must be a mapping"),
        ("", "the manifest is empty"),
        ("family: [unclosed", "not valid YAML"),
    ])
    func malformedTextIsReported(_ text: String, _ expected: String) {
        #expect {
            _ = try FamilyManifest.parse(text, source: "inline.yaml")
        } throws: { error in
            "\(error)".contains(expected) && "\(error)".hasPrefix("inline.yaml")
        }
    }
}
