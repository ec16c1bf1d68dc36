import Foundation
import Testing
@testable import AdaptInference

/// Damaged copies of real models go through the whole pipeline (import, passes, compile, run):
/// each either works or throws a `ModelError`; none crashes, hangs or allocates without bound.
@Suite struct HostileModelTests {
    static let models = ["fmnist_cnn3", "resnet_block", "inception_lrn", "shufflenet_unit", "shape_gather_flatten_opset13"]

    @Test(arguments: models)
    func truncationsFailCleanly(_ name: String) throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestFixtures.path("onnx/\(name)/model.onnx"))))
        var lengths = Set(stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)))
        lengths.formUnion([1, 2, bytes.count - 1])
        for length in lengths.sorted() {
            try expectCleanOutcome(Array(bytes.prefix(length)), label: "\(name) cut at \(length)")
        }
    }

    @Test(arguments: models)
    func byteFlipsFailCleanly(_ name: String) throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestFixtures.path("onnx/\(name)/model.onnx"))))
        var generator = SeededGenerator(seed: UInt64(name.utf8.reduce(7) { $0 &* 31 &+ UInt64($1) }))
        // Flips land mostly in the header and graph structure, where they change shapes, attributes and names.
        let structural = min(bytes.count, 4096)
        for trial in 0..<150 {
            var damaged = bytes
            for _ in 0..<(1 + trial % 3) {
                let position = trial % 2 == 0 ? Int.random(in: 0..<structural, using: &generator) : Int.random(in: 0..<bytes.count, using: &generator)
                damaged[position] ^= UInt8.random(in: 1...255, using: &generator)
            }
            try expectCleanOutcome(damaged, label: "\(name) flip trial \(trial)")
        }
    }

    private func expectCleanOutcome(_ bytes: [UInt8], label: String) throws {
        do {
            let graph = try ONNXImporter.load(data: bytes, source: label)
            let session = try InferenceSession(graph: graph)
            for index in session.model.inputs.indices {
                let buffer = session.model.inputBuffer(index)
                for position in buffer.indices { buffer[position] = 0.5 }
            }
            try session.model.run()
        } catch is ModelError {
            // A clear, typed refusal is the expected outcome for most damage.
        }
    }
}

