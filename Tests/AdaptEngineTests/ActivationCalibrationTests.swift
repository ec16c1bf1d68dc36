import AdaptInference
import Foundation
import Testing
@testable import AdaptEngine

@Suite struct ActivationCalibrationTests {
    /// Ranges come from the images given: every activation has one, the output's is exactly the spread of the logits
    /// the ordinary model computes, and fused ReLUs never go below zero.
    @Test func rangesCoverEveryActivationAndMatchTheModel() throws {
        let manifest = try FamilyManifest.load(contentsOf: DemoFamilyTests.manifestPath)
        let training = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: .train)
        let spec = try #require(manifest.variants.first { $0.id == "cnn-w25" })
        let session = try InferenceSession(contentsOf: spec.file)
        let ranges = try ActivationCalibrator.calibrate(
            session.optimizedGraph, backend: XNNPACKBackend(), images: training, normalization: manifest.input.normalization,
            count: 64, start: 100)
        #expect(ranges.imageCount == 64)

        let graph = session.optimizedGraph
        for node in graph.nodes {
            for value in node.outputs where !value.isEmpty {
                let range = try #require(ranges.ranges[value], "no range for \(value) (\(node.opType))")
                let clamp = FuseActivation.clampAttributes(of: node)
                #expect(range.lowerBound >= clamp.min && range.upperBound <= clamp.max, "\(value): \(range) outside \(clamp)")
            }
        }

        // The logits' spread over the same images, computed by the ordinary compiled model.
        var low = Float.infinity, high = -Float.infinity
        let input = session.model.inputBuffer(0)
        for index in 100..<164 {
            manifest.input.normalization.apply(training.image(index), into: input)
            try session.model.run()
            for value in session.model.outputBuffer(0) { (low, high) = (min(low, value), max(high, value)) }
        }
        let output = try #require(ranges.ranges[graph.outputs[0].name])
        #expect(output == low...high)

        // The input: normalised pixels, from black (0) to at most white (255).
        let inputRange = try #require(ranges.ranges[graph.inputs[0].name])
        let normalization = manifest.input.normalization
        let black = (0 - normalization.mean[0]) / normalization.std[0]
        let white = (normalization.scale * 255 - normalization.mean[0]) / normalization.std[0]
        #expect(abs(inputRange.lowerBound - black) < 1e-5)
        #expect(inputRange.upperBound <= white + 1e-5 && inputRange.upperBound > 0)
    }

    @Test func noImagesIsAClearError() throws {
        let manifest = try FamilyManifest.load(contentsOf: DemoFamilyTests.manifestPath)
        let spec = try #require(manifest.variants.first)
        let session = try InferenceSession(contentsOf: spec.file)
        let images = LabeledImages(height: 28, width: 28, pixels: [UInt8](repeating: 0, count: 28 * 28), labels: [0])
        #expect(throws: ModelError.self) {
            try ActivationCalibrator.calibrate(
                session.optimizedGraph, backend: XNNPACKBackend(), images: images,
                normalization: manifest.input.normalization, count: 0)
        }
    }
}
