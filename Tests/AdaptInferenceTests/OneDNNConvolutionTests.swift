import Testing
@testable import AdaptInference

/// oneDNN's float32 convolution through adapt-top's shim, against a direct reference loop with ONNX Conv's
/// semantics: every geometry the demo models use (1×1, 3×3 padded, strided, dilated, depthwise, grouped,
/// asymmetric padding), with and without bias, ReLU and clip fused.
@Suite(.enabled(if: OneDNN.status.available, "oneDNN is not available here")) struct OneDNNConvolutionTests {
    typealias Geometry = OneDNNConvolution.Geometry

    static let cases: [(Geometry, OneDNNConvolution.Activation, Bool)] = [
        (Geometry(channels: 16, height: 14, width: 14, outputChannels: 32, kernelHeight: 1, kernelWidth: 1), .none, true),
        (Geometry(channels: 1, height: 28, width: 28, outputChannels: 32, kernelHeight: 3, kernelWidth: 3,
                  padTop: 1, padLeft: 1, padBottom: 1, padRight: 1), .relu, true),
        (Geometry(channels: 32, height: 14, width: 14, outputChannels: 64, kernelHeight: 3, kernelWidth: 3,
                  strideHeight: 2, strideWidth: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1), .relu, false),
        (Geometry(channels: 8, height: 12, width: 12, outputChannels: 8, kernelHeight: 3, kernelWidth: 3,
                  dilationHeight: 2, dilationWidth: 2, padTop: 2, padLeft: 2, padBottom: 2, padRight: 2), .none, true),
        (Geometry(channels: 24, height: 10, width: 10, outputChannels: 24, kernelHeight: 3, kernelWidth: 3,
                  padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, groups: 24), .clip(minimum: 0, maximum: 6), true),
        (Geometry(batch: 2, channels: 8, height: 9, width: 7, outputChannels: 12, kernelHeight: 3, kernelWidth: 2,
                  padTop: 0, padLeft: 1, padBottom: 2, padRight: 0, groups: 2), .none, true),
    ]

    @Test(arguments: 0..<cases.count, [1, 2])
    func matchesTheReference(_ index: Int, threads: Int) throws {
        let (geometry, activation, hasBias) = Self.cases[index]
        var generator = SeededGenerator(seed: UInt64(index + 1))
        let input = (0..<geometry.batch * geometry.channels * geometry.height * geometry.width).map { _ in Float.random(in: -1...1, using: &generator) }
        let weights = (0..<geometry.outputChannels * geometry.channels / geometry.groups * geometry.kernelHeight * geometry.kernelWidth)
            .map { _ in Float.random(in: -0.5...0.5, using: &generator) }
        let bias = hasBias ? (0..<geometry.outputChannels).map { _ in Float.random(in: -1...1, using: &generator) } : nil
        let outputCount = geometry.batch * geometry.outputChannels * geometry.outputHeight * geometry.outputWidth
        let source = UnsafeMutablePointer<Float>.allocate(capacity: input.count)
        let destination = UnsafeMutablePointer<Float>.allocate(capacity: outputCount)
        defer { source.deallocate(); destination.deallocate() }
        source.initialize(from: input, count: input.count)
        destination.initialize(repeating: .nan, count: outputCount)
        let convolution = try OneDNNConvolution(context: try OneDNNContext(threads: threads), geometry: geometry, weights: weights, bias: bias,
                                                activation: activation, source: source, destination: destination)
        try convolution.run()
        let expected = Self.reference(geometry, input: input, weights: weights, bias: bias, activation: activation)
        let actual = Array(UnsafeBufferPointer(start: destination, count: outputCount))
        let scale = max(1, expected.map(abs).max() ?? 0)
        let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-4 * scale, "max |diff| \(worst) on \(geometry), \(threads) thread(s) (\(convolution.implementation))")
        #expect(!convolution.implementation.isEmpty)
    }

    /// ONNX Conv, directly: NCHW, weights M×C/group×kH×kW, zero padding.
    static func reference(_ g: Geometry, input: [Float], weights: [Float], bias: [Float]?,
                          activation: OneDNNConvolution.Activation) -> [Float] {
        let (oh, ow) = (g.outputHeight, g.outputWidth)
        let perGroupIn = g.channels / g.groups, perGroupOut = g.outputChannels / g.groups
        var output = [Float](repeating: 0, count: g.batch * g.outputChannels * oh * ow)
        for n in 0..<g.batch {
            for m in 0..<g.outputChannels {
                let group = m / perGroupOut
                for y in 0..<oh {
                    for x in 0..<ow {
                        var sum = bias?[m] ?? 0
                        for c in 0..<perGroupIn {
                            let channel = group * perGroupIn + c
                            for ky in 0..<g.kernelHeight {
                                let iy = y * g.strideHeight - g.padTop + ky * g.dilationHeight
                                guard iy >= 0, iy < g.height else { continue }
                                for kx in 0..<g.kernelWidth {
                                    let ix = x * g.strideWidth - g.padLeft + kx * g.dilationWidth
                                    guard ix >= 0, ix < g.width else { continue }
                                    let value = input[((n * g.channels + channel) * g.height + iy) * g.width + ix]
                                    let weight = weights[((m * perGroupIn + c) * g.kernelHeight + ky) * g.kernelWidth + kx]
                                    sum += value * weight
                                }
                            }
                        }
                        switch activation {
                        case .none: break
                        case .relu: sum = max(0, sum)
                        case .clip(let minimum, let maximum): sum = min(maximum, max(minimum, sum))
                        }
                        output[((n * g.outputChannels + m) * oh + y) * ow + x] = sum
                    }
                }
            }
        }
        return output
    }
}
