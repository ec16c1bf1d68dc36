import Foundation
import Testing
@testable import AdaptInference

/// Every committed model against onnxruntime's output on the same input.
@Suite struct ParityTests {
    @Test func fixturesExist() {
        #expect(TestFixtures.onnxCases().count >= 40, "parity fixtures missing under \(TestFixtures.root.path)/onnx")
    }

    @Test(arguments: TestFixtures.onnxCases())
    func matchesOnnxRuntime(_ name: String) throws {
        try checkParity(name, backend: XNNPACKBackend())
    }

    /// With the native kernels off, every convolution and fully connected layer takes XNNPACK's path: both stay correct.
    @Test(arguments: TestFixtures.onnxCases())
    func matchesOnnxRuntimeOnXNNPACKConvolutionsOnly(_ name: String) throws {
        try checkParity(name, backend: XNNPACKBackend(nativeKernels: false))
    }

    /// On oneDNN (ops it lacks fall back to XNNPACK per node) every fixture gives the same outputs.
    @Test(.enabled(if: OneDNN.status.available, "oneDNN is unavailable here"), arguments: TestFixtures.onnxCases())
    func matchesOnnxRuntimeOnOneDNN(_ name: String) throws {
        try checkParity(name, backend: OneDNNBackend())
    }

    /// The `conv_native_*` fixtures exist to exercise the native kernel: make sure they do where the CPU allows.
    @Test func nativeFixturesRunOnTheNativeKernel() throws {
        let names = TestFixtures.onnxCases().filter { $0.hasPrefix("conv_native_") }
        #expect(names.count >= 5)
        guard XNNPACKLowering.nativeKernelsAvailable else { return }  // no AVX-512: XNNPACK runs them all
        for name in names {
            let session = try InferenceSession(contentsOf: TestFixtures.path("onnx/\(name)/model.onnx"))
            let kernels = session.model.steps.filter { $0.op == "Conv" }.map(\.kernel)
            #expect(kernels.allSatisfy { $0.hasPrefix("native conv2d") }, "\(name): \(kernels)")
        }
    }

    /// SqueezeNet's and Inception's branch convolutions write into their slice of the Concat: no copy step left.
    @Test(arguments: ["squeezenet_fire", "inception_lrn"])
    func branchConvolutionsWriteIntoTheConcat(_ name: String) throws {
        let session = try InferenceSession(contentsOf: TestFixtures.path("onnx/\(name)/model.onnx"))
        let concats = session.model.steps.filter { $0.op == "Concat" }
        #expect(!concats.isEmpty)
        #expect(concats.allSatisfy { $0.kernel == "in place" }, "\(concats.map(\.kernel))")
    }

    private func checkParity(_ name: String, backend: any InferenceBackend) throws {
        let folder = TestFixtures.path("onnx/\(name)")
        let input = try NPY.read(contentsOf: "\(folder)/input.npy")
        let expected = try NPY.read(contentsOf: "\(folder)/expected.npy")
        let session = try InferenceSession(contentsOf: "\(folder)/model.onnx", backend: backend)
        let output = try #require(try session.run([input.values]).first)
        #expect(session.model.outputs[0].shape.reduce(1, *) == expected.values.count)
        try #require(output.count == expected.values.count, "\(name): \(output.count) values, onnxruntime gives \(expected.values.count)")
        let scale = max(1, expected.values.map(abs).max() ?? 0)
        let worst = zip(output, expected.values).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-4 * scale, "\(name): max |diff| \(worst) > \(1e-4 * scale)")
    }

    /// The same models on a 2-thread pool give the same results (the pool only splits work).
    @Test(arguments: ["conv_basic", "resnet_block", "inception_lrn", "fmnist_cnn3", "conv_native_tails", "conv_native_wide"])
    func threadedMatchesOnnxRuntime(_ name: String) throws {
        let folder = TestFixtures.path("onnx/\(name)")
        guard FileManager.default.fileExists(atPath: "\(folder)/model.onnx") else { return }
        let input = try NPY.read(contentsOf: "\(folder)/input.npy")
        let expected = try NPY.read(contentsOf: "\(folder)/expected.npy")
        let session = try InferenceSession(contentsOf: "\(folder)/model.onnx", backend: XNNPACKBackend(threads: 2))
        let output = try #require(try session.run([input.values]).first)
        let scale = max(1, expected.values.map(abs).max() ?? 0)
        let worst = zip(output, expected.values).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-4 * scale)
    }

    /// One backend (one thread pool) serves several models, as an engine's variants share it.
    @Test func oneBackendCompilesSeveralModels() throws {
        let backend = try XNNPACKBackend(threads: 2)
        let sessions = try ["resnet_block", "mobilenetv2_block"].map { name in
            (name, try InferenceSession(contentsOf: TestFixtures.path("onnx/\(name)/model.onnx"), backend: backend))
        }
        for (name, session) in sessions + sessions {
            let input = try NPY.read(contentsOf: TestFixtures.path("onnx/\(name)/input.npy"))
            let expected = try NPY.read(contentsOf: TestFixtures.path("onnx/\(name)/expected.npy"))
            let output = try #require(try session.run([input.values]).first)
            let worst = zip(output, expected.values).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= 1e-4 * max(1, expected.values.map(abs).max() ?? 0), "\(name)")
        }
    }
}
