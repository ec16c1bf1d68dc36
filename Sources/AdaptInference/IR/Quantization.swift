/// The arithmetic of int8 post-training quantization, as XNNPACK's qs8/qc8 operators take it:
/// activations asymmetric per tensor (`real = scale × (q − zeroPoint)`, q in −128…127), weights symmetric per
/// output channel (zero point 0, q in −127…127), as onnxruntime's static quantization does by default.
public struct QuantizationParameters: Sendable, Equatable {
    public var scale: Float
    public var zeroPoint: Int8

    /// Parameters covering `range`, widened to include 0 so that zero padding and ReLU's floor are exact.
    /// An empty spread (a constant-zero tensor) gets scale 1, as onnxruntime uses.
    public init(activationRange range: ClosedRange<Float>) {
        let low = min(range.lowerBound, 0), high = max(range.upperBound, 0)
        let scale = (high - low) / 255
        guard scale > 0, scale.isFinite else {
            self.scale = 1
            zeroPoint = 0
            return
        }
        self.scale = scale
        zeroPoint = Int8(clamping: Int((-128 - low / scale).rounded()))
    }

    public init(scale: Float, zeroPoint: Int8) {
        (self.scale, self.zeroPoint) = (scale, zeroPoint)
    }

    public func quantize(_ value: Float) -> Int8 {
        Int8(clamping: Int((value / scale).rounded()) + Int(zeroPoint))
    }

    public func dequantize(_ value: Int8) -> Float {
        scale * Float(Int(value) - Int(zeroPoint))
    }
}

/// Per-output-channel symmetric int8 weights.
public struct ChannelQuantizedWeights: Sendable, Equatable {
    /// One scale per output channel: the channel's largest magnitude maps to ±127.
    public var scales: [Float]
    /// Same layout as the float weights (output channel outermost).
    public var values: [Int8]

    /// - Parameter weights: `outputChannels` rows of equal length (ONNX Conv OIHW or Gemm with transB, rows first).
    public init(_ weights: [Float], outputChannels: Int) {
        precondition(outputChannels > 0 && weights.count % outputChannels == 0, "weights do not split into \(outputChannels) rows")
        let rowLength = weights.count / outputChannels
        var scales = [Float](repeating: 1, count: outputChannels)
        var values = [Int8](repeating: 0, count: weights.count)
        for channel in 0..<outputChannels {
            let row = weights[channel * rowLength..<(channel + 1) * rowLength]
            let largest = row.reduce(0) { max($0, abs($1)) }
            let scale = largest > 0 ? largest / 127 : 1  // an all-zero filter stays zero at any scale
            scales[channel] = scale
            for (offset, weight) in row.enumerated() {
                values[channel * rowLength + offset] = Int8(clamping: Int((weight / scale).rounded()))
            }
        }
        (self.scales, self.values) = (scales, values)
    }
}

extension Tensor {
    /// These float weights quantized symmetrically per slice along axis 0 (a Conv's or a transB Gemm's output
    /// channels; a Gemm without transB is transposed first by its caller).
    public func quantizedPerChannel() -> Tensor {
        let quantized = ChannelQuantizedWeights(floats, outputChannels: shape[0])
        return Tensor(shape: shape, quantized: quantized.values, channelScales: quantized.scales)
    }
}
