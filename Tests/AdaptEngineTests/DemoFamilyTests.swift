import AdaptInference
import Foundation
import Testing
@testable import AdaptEngine

/// The bundled demo family, measured on the device against the training script's own figures.
@Suite struct DemoFamilyTests {
    static let manifestPath = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Examples/fashion-mnist/family.yaml").path

    @Test func manifestLoadsAndSpansTenfoldInCost() throws {
        let manifest = try FamilyManifest.load(contentsOf: Self.manifestPath)
        #expect(manifest.variants.count >= 6)
        #expect(manifest.labels.count == 10)
        let family = try ModelFamily(manifest: manifest, backend: XNNPACKBackend())
        let macs = family.variants.map { ModelSummary($0.session.simplifiedGraph).totalMACs }
        #expect(try #require(macs.max()) >= 10 * (try #require(macs.min())))
    }

    /// Top-1 on all 10 000 test images through adapt-top agrees with PyTorch within 0.1 percentage points, on each
    /// backend (oneDNN's Winograd layers round differently from direct convolution, and must not cost accuracy).
    @Test(arguments: ["xnnpack"] + (OneDNN.status.available ? ["onednn"] : []))
    func deviceAccuracyMatchesPyTorch(_ backendName: String) throws {
        let manifest = try FamilyManifest.load(contentsOf: Self.manifestPath)
        let images = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: manifest.dataset.split)
        let backend: any InferenceBackend = backendName == "onednn" ? try OneDNNBackend(threads: 2) : try XNNPACKBackend(threads: 2)
        let family = try ModelFamily(manifest: manifest, backend: backend)
        for variant in family.variants {
            let reference = try #require(variant.spec.referenceAccuracy, "\(variant.spec.id) has no reference accuracy")
            let measured = try AccuracyEvaluator.evaluate(variant.session.model, on: images, normalization: manifest.input.normalization)
            #expect(measured.total == 10_000)
            #expect(abs(measured.accuracy - reference) <= 0.001, "\(variant.spec.id): \(measured.accuracy) vs PyTorch \(reference)")
        }
    }

    /// Logits of the first 16 test images agree with onnxruntime's, stored by the training script, on each backend.
    @Test(arguments: ["xnnpack"] + (OneDNN.status.available ? ["onednn"] : []))
    func logitsMatchOnnxRuntime(_ backendName: String) throws {
        let manifest = try FamilyManifest.load(contentsOf: Self.manifestPath)
        let images = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: .test)
        let backend: any InferenceBackend = backendName == "onednn" ? try OneDNNBackend() : try XNNPACKBackend()
        let family = try ModelFamily(manifest: manifest, backend: backend)
        let folder = URL(fileURLWithPath: Self.manifestPath).deletingLastPathComponent().appendingPathComponent("reference-logits")
        for variant in family.variants {
            let reference = try NPY.read(contentsOf: folder.appendingPathComponent("\(variant.spec.id).npy").path)
            #expect(reference.shape == [16, 10])
            let model = variant.session.model
            #expect(variant.session.backendName == backendName)
            for index in 0..<16 {
                manifest.input.normalization.apply(images.image(index), into: model.inputBuffer(0))
                try model.run()
                let expected = reference.values[index * 10..<(index + 1) * 10]
                let scale = max(1, expected.map(abs).max() ?? 0)
                let worst = zip(model.outputBuffer(0), expected).map { abs($0 - $1) }.max() ?? .infinity
                #expect(worst <= 1e-4 * scale, "\(variant.spec.id) image \(index): max |diff| \(worst)")
            }
        }
    }
}
