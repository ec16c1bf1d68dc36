import AdaptInference
import ArgumentParser
import Foundation

/// The demo CNN's convolutions (cnn-w100, each with its ReLU fused) on oneDNN and on XNNPACK (adapt-top's own
/// AVX-512 kernels where the lowering picks them), one layer at a time, single-threaded, interleaved rounds: a first
/// look at where oneDNN wins before the oneDNN backend (issue 9) lays out whole models. Both sides read and write
/// NCHW at the layer's edges, so both pay a layout conversion a whole model would pay once.
struct OneDNNConvolutionBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onednn-conv",
        abstract: "cnn-w100's convolutions on oneDNN vs XNNPACK, per layer, 1 thread (a benchmark).")

    @Option(help: "Timed runs per layer, per backend, per round.")
    var iterations = 2000

    @Option(help: "Rounds (each times every layer on both backends).")
    var rounds = 5

    typealias Geometry = OneDNNConvolution.Geometry

    static let layers: [(String, Geometry)] = [
        ("features.0  1→32 28×28", Geometry(channels: 1, height: 28, width: 28, outputChannels: 32, kernelHeight: 3, kernelWidth: 3,
                                            padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)),
        ("features.3 32→32 28×28", Geometry(channels: 32, height: 28, width: 28, outputChannels: 32, kernelHeight: 3, kernelWidth: 3,
                                            padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)),
        ("features.7 32→64 14×14", Geometry(channels: 32, height: 14, width: 14, outputChannels: 64, kernelHeight: 3, kernelWidth: 3,
                                            padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)),
        ("features.10 64→64 14×14", Geometry(channels: 64, height: 14, width: 14, outputChannels: 64, kernelHeight: 3, kernelWidth: 3,
                                             padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)),
    ]

    func run() throws {
        guard OneDNN.status.available else { throw ValidationError(OneDNN.status.description) }
        print(OneDNN.status.description)
        let context = try OneDNNContext(threads: 1)
        let xnnpack = try XNNPACKBackend(threads: 1)
        var rows: [(name: String, onednn: [Double], xnnpack: [Double], implementation: String)] = []
        var outputs: [UnsafeMutablePointer<Float>] = []
        defer { outputs.forEach { $0.deallocate() } }
        var runners: [(onednn: () throws -> Void, xnnpack: any CompiledModel)] = []
        for (index, (name, geometry)) in Self.layers.enumerated() {
            var generator = SeededGenerator(seed: UInt64(index + 1))
            let weights = (0..<geometry.outputChannels * geometry.channels * 9).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
            let bias = (0..<geometry.outputChannels).map { _ in Float.random(in: -1...1, using: &generator) }
            let model = try InferenceSession(graph: Self.graph(geometry, weights: weights, bias: bias), backend: xnnpack).model
            let input = model.inputBuffer(0)
            for i in input.indices { input[i] = Float.random(in: -1...1, using: &generator) }
            let output = UnsafeMutablePointer<Float>.allocate(capacity: geometry.outputChannels * geometry.outputHeight * geometry.outputWidth)
            let convolution = try OneDNNConvolution(context: context, geometry: geometry, weights: weights, bias: bias, activation: .relu,
                                                    source: input.baseAddress!, destination: output)
            outputs.append(output)
            runners.append(({ try convolution.run() }, model))
            rows.append((name, [], [], convolution.implementation))
        }
        for _ in 0..<rounds {
            for (index, runner) in runners.enumerated() {
                rows[index].onednn.append(try Self.p50Microseconds(iterations: iterations, runner.onednn))
                rows[index].xnnpack.append(try Self.p50Microseconds(iterations: iterations) { try runner.xnnpack.run() })
            }
        }
        print("| layer | oneDNN p50 | XNNPACK p50 | oneDNN ÷ XNNPACK | oneDNN kernel |")
        print("|---|---:|---:|---:|---|")
        for row in rows {
            let (onednn, xnn) = (median(row.onednn), median(row.xnnpack))
            print("| \(row.name) | " + String(format: "%.1f µs | %.1f µs | %.2f", onednn, xnn, onednn / xnn) + " | \(row.implementation) |")
        }
    }

    /// One Conv and its ReLU (the pipeline fuses them), NCHW in and out.
    static func graph(_ g: Geometry, weights: [Float], bias: [Float]) -> Graph {
        Graph(
            name: "conv", source: "adapt-bench", opsetVersion: 13,
            inputs: [ValueInfo(name: "x", dataType: .float32, shape: [1, g.channels, g.height, g.width])],
            outputs: [ValueInfo(name: "y", dataType: .float32, shape: [1, g.outputChannels, g.outputHeight, g.outputWidth])],
            initializers: ["w": Tensor(shape: [g.outputChannels, g.channels, 3, 3], floats: weights),
                           "b": Tensor(shape: [g.outputChannels], floats: bias)],
            nodes: [
                Node(name: "conv", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attributes: [
                    "kernel_shape": .ints([3, 3]), "strides": .ints([1, 1]), "pads": .ints([1, 1, 1, 1]),
                ]),
                Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["y"]),
            ])
    }

    static func p50Microseconds(iterations: Int, _ body: () throws -> Void) throws -> Double {
        LatencyStatistics.seconds(try LatencyBenchmark.measure(warmup: 50, iterations: iterations, body).p50) * 1e6
    }
}
