import Testing
@testable import AdaptInference

@Suite struct QuantizationTests {
    @Test func activationsRoundTripWithinAStepAndZeroIsExact() {
        var generator = SeededGenerator(seed: 7)
        for range: ClosedRange<Float> in [-1.5...3.25, 0...6, -4...(-0.5), 0.25...9, -0.001...0.002] {
            let parameters = QuantizationParameters(activationRange: range)
            #expect(parameters.dequantize(parameters.quantize(0)) == 0, "\(range)")
            for _ in 0..<200 {
                let value = Float.random(in: range, using: &generator)
                // Half a step inside the range; at its very ends the rounded zero point can cost another half.
                let error = abs(parameters.dequantize(parameters.quantize(value)) - value)
                #expect(error <= parameters.scale * 1.0001, "\(range): \(value) off by \(error)")
            }
        }
        // ReLU6's range uses the whole int8 span: 0 → −128, 6 → 127.
        let relu6 = QuantizationParameters(activationRange: 0...6)
        #expect(relu6.zeroPoint == -128)
        #expect(relu6.quantize(6) == 127)
        #expect(abs(relu6.scale - 6 / 255) < 1e-9)
        // Out-of-range values saturate.
        #expect(relu6.quantize(100) == 127 && relu6.quantize(-100) == -128)
    }

    @Test func aConstantZeroTensorGetsScaleOne() {
        #expect(QuantizationParameters(activationRange: 0...0) == QuantizationParameters(scale: 1, zeroPoint: 0))
    }

    @Test func weightsArePerChannelSymmetric() {
        // Two output channels of three weights: each channel's largest magnitude maps to ±127.
        let weights: [Float] = [0.5, -1.0, 0.25, 0.002, 0.001, -0.004]
        let quantized = ChannelQuantizedWeights(weights, outputChannels: 2)
        #expect(quantized.scales == [1.0 / 127, 0.004 / 127])
        #expect(quantized.values[1] == -127 && quantized.values[5] == -127)
        for (index, weight) in weights.enumerated() {
            let scale = quantized.scales[index / 3]
            #expect(abs(Float(quantized.values[index]) * scale - weight) <= scale / 2 * 1.0001)
        }
        // An all-zero filter stays zero.
        let zero = ChannelQuantizedWeights([0, 0, 1, 2], outputChannels: 2)
        #expect(zero.values[0] == 0 && zero.values[1] == 0 && zero.scales[0] == 1)
    }
}
