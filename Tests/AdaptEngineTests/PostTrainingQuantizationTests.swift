import AdaptInference
import Foundation
import Testing
@testable import AdaptEngine

@Suite struct PostTrainingQuantizationTests {
    /// Quantizes one demo model from 256 training images, as the family's `int8` transform does.
    static func quantized(_ id: String) throws -> (fp32: InferenceSession, int8: InferenceSession, manifest: FamilyManifest) {
        let manifest = try FamilyManifest.load(contentsOf: DemoFamilyTests.manifestPath)
        let training = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: .train)
        let spec = try #require(manifest.variants.first { $0.id == id })
        let fp32 = try InferenceSession(contentsOf: spec.file)
        let ranges = try ActivationCalibrator.calibrate(
            fp32.optimizedGraph, backend: XNNPACKBackend(), images: training, normalization: manifest.input.normalization,
            count: 256)
        let graph = try PostTrainingQuantization.quantize(fp32.optimizedGraph, ranges: ranges)
        return (fp32, try InferenceSession(graph: graph), manifest)
    }

    /// adapt-top's own int8 variants run on oneDNN's int8 kernels too, every weighted layer in int8, and give
    /// XNNPACK's logits within two output steps on real images (the two requantize in their own rounding order;
    /// Add and GlobalAveragePool go through float on oneDNN).
    @Test(.enabled(if: OneDNN.status.available), arguments: ["mlp", "cnn-w25", "resnet-8", "mobilenet-v2"])
    func int8VariantsRunOnOneDNNLikeOnXNNPACK(_ id: String) throws {
        let (_, int8, manifest) = try Self.quantized(id)
        let onednn = try OneDNNBackend().compile(int8.optimizedGraph)
        let weighted = int8.optimizedGraph.nodes.filter { ["Conv", "Gemm"].contains($0.opType) }.map(\.name)
        let kernels = onednn.steps.filter { weighted.contains($0.node) }.map(\.kernel)
        #expect(kernels.count == weighted.count && kernels.allSatisfy { $0.hasPrefix("onednn ") && !$0.contains("fallback") }, "\(kernels)")
        let logits = try #require(int8.optimizedGraph.outputs.first?.name)
        let producer = try #require(int8.optimizedGraph.nodes.first { $0.outputs.contains(logits) })
        let step = try #require(int8.optimizedGraph.quantization[producer.inputs[0]]?.scale)
        let images = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: .test, first: 32)
        var worst: Float = 0
        for index in 0..<images.count {
            manifest.input.normalization.apply(images.image(index), into: int8.model.inputBuffer(0))
            manifest.input.normalization.apply(images.image(index), into: onednn.inputBuffer(0))
            try int8.model.run()
            try onednn.run()
            worst = max(worst, zip(int8.model.outputBuffer(0), onednn.outputBuffer(0)).map { abs($0 - $1) }.max() ?? .infinity)
        }
        #expect(worst <= 2.001 * step, "\(id): max |diff| \(worst) = \(worst / step) output steps")
    }

    /// Every convolution and linear layer runs as an int8 operator, with conversions only at the input and logits.
    @Test(arguments: ["mlp", "cnn-w25", "cnn-w50", "cnn-w100", "resnet-8", "resnet-8-wide", "mobilenet-v2"])
    func int8EndToEndWithConversionsOnlyAtTheEdges(_ id: String) throws {
        let (fp32, int8, _) = try Self.quantized(id)
        let kernels = int8.model.steps.map(\.kernel)
        #expect(kernels.filter { $0 == "xnnpack convert_nc_f32_qs8" }.count == 1, "\(kernels)")
        #expect(kernels.filter { $0 == "xnnpack convert_nc_qs8_f32" }.count == 1, "\(kernels)")
        let weighted = fp32.optimizedGraph.nodes.filter { ["Conv", "Gemm"].contains($0.opType) }.count
        // On VNNI CPUs dense and depthwise ones run on the native int8 kernels (XNNPACKLowering+NativeKernels).
        let int8Convolutions = kernels.filter {
            $0 == "xnnpack convolution2d_nhwc_qc8" || $0.hasPrefix("native conv2d_nhwc_qc8") || $0.hasPrefix("native dwconv2d_nhwc_qc8")
        }
        #expect(int8Convolutions.count == weighted, "\(kernels)")
        #expect(!kernels.contains { $0.hasSuffix("_f32") && !$0.contains("convert") }, "float operators left: \(kernels)")
        // int8 weights take a quarter of the float ones (plus a scale per channel); the arena shrinks too, except
        // the MLP's, which is mostly its float input (now with an int8 copy beside it).
        let weights = { (graph: Graph) in graph.initializers.values.reduce(0) { $0 + $1.byteCount } }
        #expect(Double(weights(int8.optimizedGraph)) < 0.3 * Double(weights(fp32.optimizedGraph)))
        if id != "mlp" { #expect(int8.model.arenaBytes < fp32.model.arenaBytes) }
    }

    /// Top-1 on all 10 000 test images stays within 1 percentage point of the float model.
    @Test(arguments: ["mlp", "cnn-w25", "cnn-w50", "mobilenet-v2", "resnet-8", "cnn-w100", "resnet-8-wide"])
    func accuracyWithinOnePointOfFloat(_ id: String) throws {
        let (fp32, int8, manifest) = try Self.quantized(id)
        let test = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: .test)
        let normalization = manifest.input.normalization
        let floatAccuracy = try AccuracyEvaluator.evaluate(fp32.model, on: test, normalization: normalization).accuracy
        let int8Accuracy = try AccuracyEvaluator.evaluate(int8.model, on: test, normalization: normalization).accuracy
        print("\(id): fp32 \(floatAccuracy) int8 \(int8Accuracy)")
        #expect(abs(int8Accuracy - floatAccuracy) <= 0.01, "\(id): int8 \(int8Accuracy) vs fp32 \(floatAccuracy)")
    }
}

