import Foundation
import Testing
@testable import AdaptInference

/// Pre-quantized QDQ models (Tests/Fixtures/qdq, from onnxruntime's static quantization: Scripts/make_qdq_fixtures.py)
/// run on the int8 path and give onnxruntime's outputs within a quantization step.
@Suite struct QDQImportTests {
    static let cases = ["qdq-conv-handmade", "fmnist-mlp", "fmnist-cnn-w25", "fmnist-resnet-8", "fmnist-mobilenet-v2"]

    static func outputStep(_ name: String) throws -> Float {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestFixtures.path("qdq/\(name)/meta.json")))
        let meta = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return Float(try #require(meta["output_step"] as? Double))
    }

    /// Against onnxruntime running the QDQ graph as written (float arithmetic between exact conversions): integer
    /// accumulation can round a value the other way, by one step; on the 16 Fashion-MNIST images the outputs are
    /// identical, and the hand-made case (chosen to saturate) is within one step.
    @Test(arguments: cases)
    func matchesOnnxRuntimeWithinAQuantizationStep(_ name: String) throws {
        try checkWithinAStep(name, backend: XNNPACKBackend())
    }

    /// The same on oneDNN's int8 kernels (VNNI here), whose requantization rounds in its own order.
    @Test(.enabled(if: OneDNN.status.available), arguments: cases)
    func matchesOnnxRuntimeWithinAQuantizationStepOnOneDNN(_ name: String) throws {
        try checkWithinAStep(name, backend: OneDNNBackend())
    }

    private func checkWithinAStep(_ name: String, backend: any InferenceBackend) throws {
        let folder = TestFixtures.path("qdq/\(name)")
        let session = try InferenceSession(contentsOf: folder + "/model.onnx", backend: backend)
        #expect(session.model.steps.allSatisfy { !$0.kernel.contains("fallback") }, "\(session.model.steps.map(\.kernel))")
        let step = try Self.outputStep(name)
        let manyInputs = folder + "/inputs.npy"
        let (inputs, expected) = FileManager.default.fileExists(atPath: manyInputs)
            ? (try NPY.read(contentsOf: manyInputs), try NPY.read(contentsOf: folder + "/expected_many.npy"))
            : (try NPY.read(contentsOf: folder + "/input.npy"), try NPY.read(contentsOf: folder + "/expected.npy"))
        let inputCount = session.model.inputs[0].count, outputCount = session.model.outputs[0].count
        let images = inputs.count / inputCount
        #expect(images >= 1 && expected.count == images * outputCount)
        var worst: Float = 0
        for image in 0..<images {
            let output = try session.run([Array(inputs.values[(image * inputCount)..<((image + 1) * inputCount)])])[0]
            for (index, value) in output.enumerated() {
                worst = max(worst, abs(value - expected.values[image * outputCount + index]))
            }
        }
        #expect(worst <= step * 1.001, "\(name): max |diff| \(worst) = \(worst / step) steps of \(step)")
    }

    /// The onnxruntime-quantized models run int8 from their first QuantizeLinear to their last DequantizeLinear.
    @Test(arguments: ["fmnist-cnn-w25", "fmnist-resnet-8", "fmnist-mobilenet-v2"])
    func convolutionsAndLinearLayersRunInInt8(_ name: String) throws {
        let session = try InferenceSession(contentsOf: TestFixtures.path("qdq/\(name)/model.onnx"))
        let kernels = session.model.steps.map(\.kernel)
        #expect(kernels.filter { $0.contains("convert_nc_f32_qs8") }.count == 1, "\(kernels)")
        #expect(kernels.filter { $0.contains("convert_nc_qs8_f32") }.count == 1, "\(kernels)")
        #expect(!kernels.contains { $0.hasSuffix("_f32") && !$0.contains("convert") }, "float operators left: \(kernels)")
        let weighted = session.optimizedGraph.nodes.filter { ["Conv", "Gemm"].contains($0.opType) }
        #expect(!weighted.isEmpty && weighted.allSatisfy { session.optimizedGraph.quantization[$0.outputs[0]] != nil })
    }

    /// A QDQ op the int8 path does not cover (Relu between its own DequantizeLinear and QuantizeLinear) keeps its
    /// conversions and runs in float, as the file says.
    @Test func unsupportedOpsKeepTheirConversions() throws {
        let session = try InferenceSession(contentsOf: TestFixtures.path("qdq/qdq-conv-handmade/model.onnx"))
        let ops = session.optimizedGraph.nodes.map(\.opType)
        #expect(ops == ["QuantizeLinear", "Conv", "DequantizeLinear", "Relu", "QuantizeLinear", "DequantizeLinear"], "\(ops)")
    }
}
