import Foundation
import Testing
@testable import AdaptInference

/// The oneDNN backend as a whole: what runs where, fallbacks, the `auto` race. (Parity with onnxruntime on every
/// fixture: ParityTests; on the demo models: DemoFamilyTests.)
@Suite struct OneDNNBackendTests {
    /// Where Debian's libdnnl is installed (as CI installs it), the backend must load: the oneDNN tests below
    /// would otherwise skip without anyone noticing.
    @Test func oneDNNLoadsWhereItIsInstalled() {
        let installed = ["/usr/lib/x86_64-linux-gnu/libdnnl.so.2", "/usr/lib/aarch64-linux-gnu/libdnnl.so.2"]
            .contains { FileManager.default.fileExists(atPath: $0) }
        if installed { #expect(OneDNN.status.available, "\(OneDNN.status.description)") }
        #expect(!OneDNN.status.description.isEmpty)
    }

    private static func session(_ fixture: String, _ mode: BackendSelection.Mode, threads: Int = 1) throws -> InferenceSession {
        try InferenceSession(contentsOf: TestFixtures.path("\(fixture)/model.onnx"), selection: BackendSelection(mode, threads: threads))
    }

    /// Convolutions, pooling and Gemm run on oneDNN; a residual Add is done inside the convolution before it.
    @Test(.enabled(if: OneDNN.status.available)) func inspectShowsOneDNNPerStep() throws {
        let session = try Self.session("onnx/resnet_block", .onednn)
        #expect(session.backendName == "onednn")
        let steps = session.model.steps
        #expect(steps.filter { $0.op == "Conv" }.allSatisfy { $0.kernel.hasPrefix("onednn ") }, "\(steps)")
        #expect(steps.contains { $0.op == "Add" && $0.kernel == "in the convolution (post-op)" }, "\(steps)")
    }

    /// An op oneDNN has no primitive for here (reflect Pad) runs on XNNPACK's side, with the reason, and still
    /// gives onnxruntime's output.
    @Test(.enabled(if: OneDNN.status.available)) func anOpOneDNNLacksFallsBackToXNNPACK() throws {
        let session = try Self.session("onnx/pad_reflect", .onednn)
        let pad = try #require(session.model.steps.first { $0.op == "Pad" })
        #expect(pad.kernel.contains("(fallback: oneDNN has no Pad here)"), "\(pad.kernel)")
        let input = try NPY.read(contentsOf: TestFixtures.path("onnx/pad_reflect/input.npy"))
        let expected = try NPY.read(contentsOf: TestFixtures.path("onnx/pad_reflect/expected.npy"))
        let output = try #require(try session.run([input.values]).first)
        #expect(zip(output, expected.values).allSatisfy { abs($0 - $1) <= 1e-5 })
    }

    /// A residual Add whose skip tensor is read again later cannot be done by overwriting it inside the
    /// convolution; one whose skip is dead can.
    @Test func aResidualIsAccumulatedIntoOnlyWhenNothingReadsItLater() throws {
        func graph(skipReadLater: Bool) -> Graph {
            var nodes = [
                Node(name: "stem", opType: "Relu", inputs: ["x"], outputs: ["skip"]),
                Node(name: "body", opType: "Sigmoid", inputs: ["skip"], outputs: ["h"]),
                Node(name: "conv", opType: "Conv", inputs: ["h", "w"], outputs: ["c"], attributes: ["pads": .ints([1, 1, 1, 1])]),
                Node(name: "add", opType: "Add", inputs: ["c", "skip"], outputs: ["sum"]),
            ]
            if skipReadLater { nodes.append(Node(name: "later", opType: "Relu", inputs: ["skip"], outputs: ["again"])) }
            var graph = Graph(
                name: "residual", source: "test", opsetVersion: 13,
                inputs: [ValueInfo(name: "x", dataType: .float32, shape: [1, 4, 5, 5])],
                outputs: [ValueInfo(name: "sum", dataType: .float32, shape: [1, 4, 5, 5])] + (skipReadLater
                    ? [ValueInfo(name: "again", dataType: .float32, shape: [1, 4, 5, 5])] : []),
                initializers: ["w": Tensor(shape: [4, 4, 3, 3], floats: [Float](repeating: 0.1, count: 144))], nodes: nodes)
            for name in ["x", "skip", "h", "c", "sum", "again"] { graph.shapes[name] = [1, 4, 5, 5] }
            return graph
        }
        #expect(OneDNNLowering.residualAdds(in: graph(skipReadLater: false))["conv"]?.other == "skip")
        #expect(OneDNNLowering.residualAdds(in: graph(skipReadLater: true))["conv"] == nil)
        guard OneDNN.status.available else { return }
        // And the graph with the later reader computes both outputs right: the skip is not overwritten.
        let session = try InferenceSession(graph: graph(skipReadLater: true), backend: OneDNNBackend())
        let input = (0..<100).map { Float($0 % 7) - 3 }
        let outputs = try session.run([input])
        #expect(outputs[1] == input.map { max(0, $0) })
    }

    /// An int8 model runs on oneDNN's int8 kernels (VNNI where the CPU has them), int8 from its first
    /// QuantizeLinear to its last DequantizeLinear.
    @Test(.enabled(if: OneDNN.status.available)) func anInt8ModelRunsOnOneDNNsInt8Kernels() throws {
        let session = try Self.session("qdq/fmnist-cnn-w25", .onednn)
        #expect(session.backendName == "onednn")
        #expect(session.backendNote == nil)
        let steps = session.model.steps
        #expect(steps.filter { $0.op == "Conv" }.allSatisfy { $0.kernel.hasPrefix("onednn ") && $0.kernel.contains("int8") }, "\(steps)")
        #expect(steps.filter { $0.kernel.contains("quantize ") }.count == 2, "\(steps)")
    }

    /// `auto` times both backends on the model and keeps the one with the lower p50.
    @Test(.enabled(if: OneDNN.status.available)) func autoKeepsTheFasterBackend() throws {
        let session = try Self.session("onnx/fmnist_cnn3", .auto)
        let timings = session.backendRace.compactMap { candidate in (try? candidate.result.get()).map { (candidate.backend, $0) } }
        #expect(timings.map(\.0).sorted() == ["onednn", "xnnpack"])
        #expect(session.backendName == timings.min { $0.1 < $1.1 }?.0)
    }

    /// On two threads oneDNN splits the work and the outputs stay onnxruntime's.
    @Test(.enabled(if: OneDNN.status.available), arguments: ["resnet_block", "inception_lrn", "fmnist_cnn3", "mobilenetv2_block"])
    func twoThreadsMatchOnnxRuntime(_ name: String) throws {
        let session = try Self.session("onnx/\(name)", .onednn, threads: 2)
        #expect(session.model.steps.contains { $0.kernel.hasPrefix("onednn ") })
        let input = try NPY.read(contentsOf: TestFixtures.path("onnx/\(name)/input.npy"))
        let expected = try NPY.read(contentsOf: TestFixtures.path("onnx/\(name)/expected.npy"))
        let output = try #require(try session.run([input.values]).first)
        let scale = max(1, expected.values.map(abs).max() ?? 0)
        #expect((zip(output, expected.values).map { abs($0 - $1) }.max() ?? .infinity) <= 1e-4 * scale)
    }

    /// Models of one backend run on several threads at once (the inference thread beside accuracy evaluation and
    /// the pool compiling the next variant): each has a stream of its own, and each gives onnxruntime's output.
    @Test(.enabled(if: OneDNN.status.available)) func modelsOfOneBackendRunConcurrently() throws {
        let backend = try OneDNNBackend()
        let folder = TestFixtures.path("onnx/resnet_block")
        let input = try NPY.read(contentsOf: "\(folder)/input.npy").values
        let expected = try NPY.read(contentsOf: "\(folder)/expected.npy").values
        let sessions = try (0..<2).map { _ in try InferenceSession(contentsOf: "\(folder)/model.onnx", backend: backend) }
        let worst = UnsafeMutableBufferPointer<Float>.allocate(capacity: sessions.count)
        defer { worst.deallocate() }
        nonisolated(unsafe) let shared = (sessions, worst)
        DispatchQueue.concurrentPerform(iterations: sessions.count) { index in
            var largest: Float = 0
            for _ in 0..<200 {
                let output = (try? shared.0[index].run([input]).first) ?? []
                largest = max(largest, output.count == expected.count ? zip(output, expected).map { abs($0 - $1) }.max() ?? 0 : .infinity)
            }
            shared.1[index] = largest
        }
        let scale = max(1, expected.map(abs).max() ?? 0)
        #expect(worst.allSatisfy { $0 <= 1e-4 * scale }, "\(Array(worst))")
    }
}
