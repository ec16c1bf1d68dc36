import Foundation

/// Locates the committed fixtures (`Tests/Fixtures`) from this source file, so tests need no bundle resources.
enum TestFixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    /// Names of the ONNX parity cases: each folder holds `model.onnx`, `input.npy` and onnxruntime's `expected.npy`.
    static func onnxCases() -> [String] {
        let folder = root.appendingPathComponent("onnx")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: folder.appendingPathComponent("\($0)/model.onnx").path) }.sorted()
    }
}
