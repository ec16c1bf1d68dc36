internal import CDNNL

/// A model on oneDNN as the shim builds it (`cdnnl.h`): values in oneDNN's chosen layouts and the steps between
/// them. Every builder call checks with oneDNN at once and throws its reason; `run` only executes primitives.
package final class OneDNNNet {
    /// A tensor of the net; `dims` are its logical (ONNX) dimensions.
    package struct Value: Equatable {
        let index: Int32
        package let dims: [Int]
    }

    package enum Eltwise: Equatable {
        case none, relu, clip(minimum: Float, maximum: Float), leakyRelu(slope: Float), logistic, tanh, hardSwish
        case linear(scale: Float, shift: Float)

        var c: cdnnl_eltwise {
            switch self {
            case .none: cdnnl_eltwise(kind: Int32(CDNNL_ELTWISE_NONE), alpha: 0, beta: 0)
            case .relu: cdnnl_eltwise(kind: Int32(CDNNL_ELTWISE_RELU), alpha: 0, beta: 0)
            case .leakyRelu(let slope): cdnnl_eltwise(kind: Int32(CDNNL_ELTWISE_RELU), alpha: slope, beta: 0)
            case .clip(let minimum, let maximum): cdnnl_eltwise(kind: Int32(CDNNL_ELTWISE_CLIP), alpha: minimum, beta: maximum)
            case .logistic: cdnnl_eltwise(kind: Int32(CDNNL_ELTWISE_LOGISTIC), alpha: 0, beta: 0)
            case .tanh: cdnnl_eltwise(kind: Int32(CDNNL_ELTWISE_TANH), alpha: 0, beta: 0)
            case .hardSwish: cdnnl_eltwise(kind: Int32(CDNNL_ELTWISE_HARDSWISH), alpha: 0, beta: 0)
            case .linear(let scale, let shift): cdnnl_eltwise(kind: Int32(CDNNL_ELTWISE_LINEAR), alpha: scale, beta: shift)
            }
        }

        /// The clamp `FuseActivation` leaves on a node, as a post-op.
        static func clamp(_ bounds: (min: Float, max: Float)) -> Eltwise {
            switch (bounds.min, bounds.max) {
            case (-.infinity, .infinity): .none
            case (0, .infinity): .relu
            default: .clip(minimum: bounds.min, maximum: bounds.max)
            }
        }
    }

    package enum Pooling { case max, averageIncludingPadding, averageExcludingPadding }
    package enum Binary: Int32 { case add = 0, sub, mul, div }

    package struct ConvolutionGeometry: Equatable {
        package var outputChannels: Int, kernel: (h: Int, w: Int), strides: (h: Int, w: Int), dilations: (h: Int, w: Int)
        package var padding: (top: Int, left: Int, bottom: Int, right: Int), groups: Int

        package init(outputChannels: Int, kernel: (h: Int, w: Int), strides: (h: Int, w: Int) = (1, 1),
                     dilations: (h: Int, w: Int) = (1, 1), padding: (top: Int, left: Int, bottom: Int, right: Int) = (0, 0, 0, 0),
                     groups: Int = 1) {
            (self.outputChannels, self.kernel, self.strides, self.dilations) = (outputChannels, kernel, strides, dilations)
            (self.padding, self.groups) = (padding, groups)
        }

        package static func == (a: Self, b: Self) -> Bool { a.values == b.values }

        var values: [Int] {
            [outputChannels, kernel.h, kernel.w, strides.h, strides.w, dilations.h, dilations.w,
             padding.top, padding.left, padding.bottom, padding.right, groups]
        }

        /// Output dims of a convolution of `input` (N, C, H, W).
        func outputDims(_ input: [Int]) -> [Int] {
            let height = (input[2] + padding.top + padding.bottom - (dilations.h * (kernel.h - 1) + 1)) / strides.h + 1
            let width = (input[3] + padding.left + padding.right - (dilations.w * (kernel.w - 1) + 1)) / strides.w + 1
            return [input[0], outputChannels, height, width]
        }
    }

    package let context: OneDNNContext
    private let pointer: OpaquePointer
    private var message = [CChar](repeating: 0, count: 256)

    package init(context: OneDNNContext) throws(OneDNNError) {
        var message = [CChar](repeating: 0, count: 256)
        guard let pointer = cdnnl_net_create(context.pointer, &message, message.count) else { throw OneDNNError(message) }
        (self.context, self.pointer) = (context, pointer)
    }

    deinit { cdnnl_net_destroy(pointer) }

    private func value(_ index: Int32, dims: [Int]) throws(OneDNNError) -> Value {
        guard index >= 0 else { throw OneDNNError(message) }
        return Value(index: index, dims: dims)
    }

    /// A plain tensor in `buffer`, which the caller keeps alive as long as the net.
    package func external(dims: [Int], buffer: UnsafeMutablePointer<Float>) throws(OneDNNError) -> Value {
        try value(cdnnl_net_external(pointer, Int32(dims.count), dims.map { CLong($0) }, buffer, &message, message.count), dims: dims)
    }

    package func constant(dims: [Int], values: [Float]) throws(OneDNNError) -> Value {
        try value(cdnnl_net_constant(pointer, Int32(dims.count), dims.map { CLong($0) }, values, &message, message.count), dims: dims)
    }

    /// A step copying `from` into `to`, converting layouts.
    package func copy(_ from: Value, into to: Value) throws(OneDNNError) {
        _ = try value(cdnnl_net_copy(pointer, from.index, to.index, &message, message.count), dims: [])
    }

    package func convolution(_ source: Value, _ geometry: ConvolutionGeometry, weights: [Float], bias: [Float]?,
                             residual: Value? = nil, activation: Eltwise = .none) throws(OneDNNError) -> Value {
        let index = geometry.values.map { CLong($0) }.withUnsafeBufferPointer { values in
            weights.withUnsafeBufferPointer { weightValues in
                withOptional(bias) { biasValues in
                    cdnnl_net_convolution(pointer, source.index, values.baseAddress, weightValues.baseAddress, biasValues,
                                          residual?.index ?? -1, activation.c, nil, &message, message.count)
                }
            }
        }
        return try value(index, dims: geometry.outputDims(source.dims))
    }

    /// An int8 convolution: int8 `source` with `input`'s parameters, symmetric int8 weights with a scale per output
    /// channel, an int32 bias in units of input scale × weight scale, an int8 output with `output`'s parameters;
    /// `activation` applies to output codes minus the output's zero point.
    package func int8Convolution(_ source: Value, _ geometry: ConvolutionGeometry, weights: [Int8], weightScales: [Float],
                                 bias: [Int32]?, input: QuantizationParameters, output: QuantizationParameters,
                                 activation: Eltwise = .none) throws(OneDNNError) -> Value {
        let index = geometry.values.map { CLong($0) }.withUnsafeBufferPointer { values in
            weights.withUnsafeBufferPointer { weightValues in
                weightScales.withUnsafeBufferPointer { scales in
                    var int8 = cdnnl_int8(input: input.c, output: output.c, weight_scales: scales.baseAddress)
                    guard let bias else {
                        return cdnnl_net_convolution(pointer, source.index, values.baseAddress, weightValues.baseAddress, nil,
                                                     -1, activation.c, &int8, &message, message.count)
                    }
                    return bias.withUnsafeBufferPointer { biasValues in
                        cdnnl_net_convolution(pointer, source.index, values.baseAddress, weightValues.baseAddress,
                                              biasValues.baseAddress, -1, activation.c, &int8, &message, message.count)
                    }
                }
            }
        }
        return try value(index, dims: geometry.outputDims(source.dims))
    }

    /// float32 → int8 codes with `parameters`.
    package func quantize(_ source: Value, _ parameters: QuantizationParameters) throws(OneDNNError) -> Value {
        try value(cdnnl_net_quantize(pointer, source.index, parameters.c, &message, message.count), dims: source.dims)
    }

    /// int8 codes with `parameters` → float32.
    package func dequantize(_ source: Value, _ parameters: QuantizationParameters) throws(OneDNNError) -> Value {
        try value(cdnnl_net_dequantize(pointer, source.index, parameters.c, &message, message.count), dims: source.dims)
    }

    /// `window`: kernel, strides, dilations and padding as for a convolution (outputChannels and groups unused).
    package func pooling(_ source: Value, _ kind: Pooling, window: ConvolutionGeometry, outputHeight: Int, outputWidth: Int,
                         activation: Eltwise = .none) throws(OneDNNError) -> Value {
        let kindValue: Int32 = switch kind {
        case .max: Int32(CDNNL_POOL_MAX)
        case .averageIncludingPadding: Int32(CDNNL_POOL_AVERAGE_INCLUDING_PADDING)
        case .averageExcludingPadding: Int32(CDNNL_POOL_AVERAGE_EXCLUDING_PADDING)
        }
        let values = Array(window.values[1...10]).map { CLong($0) }
        let index = cdnnl_net_pooling(pointer, source.index, kindValue, values, outputHeight, outputWidth, activation.c,
                                      &message, message.count)
        return try value(index, dims: [source.dims[0], source.dims[1], outputHeight, outputWidth])
    }

    /// output[n][o] = Σ source[n][i…]·weights[o][i…] + bias[o]; `source` of rank 2 or 4.
    package func innerProduct(_ source: Value, outputs: Int, weights: [Float], bias: [Float]?,
                              activation: Eltwise = .none) throws(OneDNNError) -> Value {
        let index = weights.withUnsafeBufferPointer { weightValues in
            withOptional(bias) { biasValues in
                cdnnl_net_inner_product(pointer, source.index, outputs, weightValues.baseAddress, biasValues, activation.c,
                                        &message, message.count)
            }
        }
        return try value(index, dims: [source.dims[0], outputs])
    }

    package func eltwise(_ source: Value, _ function: Eltwise, then: Eltwise = .none) throws(OneDNNError) -> Value {
        try value(cdnnl_net_eltwise(pointer, source.index, function.c, then.c, &message, message.count), dims: source.dims)
    }

    package func binary(_ kind: Binary, _ a: Value, _ b: Value, activation: Eltwise = .none) throws(OneDNNError) -> Value {
        try value(cdnnl_net_binary(pointer, kind.rawValue, a.index, b.index, activation.c, &message, message.count), dims: a.dims)
    }

    package func concat(_ sources: [Value], axis: Int) throws(OneDNNError) -> Value {
        var dims = sources[0].dims
        dims[axis] = sources.reduce(0) { $0 + $1.dims[axis] }
        let index = cdnnl_net_concat(pointer, Int32(sources.count), sources.map(\.index), Int32(axis), &message, message.count)
        return try value(index, dims: dims)
    }

    package func softmax(_ source: Value, axis: Int) throws(OneDNNError) -> Value {
        try value(cdnnl_net_softmax(pointer, source.index, Int32(axis), &message, message.count), dims: source.dims)
    }

    package func lrn(_ source: Value, size: Int, alpha: Float, beta: Float, bias: Float) throws(OneDNNError) -> Value {
        try value(cdnnl_net_lrn(pointer, source.index, size, alpha, beta, bias, &message, message.count), dims: source.dims)
    }

    package func channelShuffle(_ source: Value, groups: Int) throws(OneDNNError) -> Value {
        try value(cdnnl_net_channel_shuffle(pointer, source.index, groups, &message, message.count), dims: source.dims)
    }

    package func reshape(_ source: Value, to dims: [Int]) throws(OneDNNError) -> Value {
        try value(cdnnl_net_reshape(pointer, source.index, Int32(dims.count), dims.map { CLong($0) }, &message, message.count), dims: dims)
    }

    package var stepCount: Int { Int(cdnnl_net_step_count(pointer)) }

    package func implementation(ofStep step: Int) -> String { String(cString: cdnnl_net_step_implementation(pointer, Int32(step))) }

    package var bytes: (activations: Int, constants: Int) {
        var activations = 0, constants = 0
        cdnnl_net_bytes(pointer, &activations, &constants)
        return (activations, constants)
    }

    /// Runs steps `range` and waits for them.
    package func run(_ range: Range<Int>) throws(OneDNNError) {
        guard cdnnl_net_run(pointer, Int32(range.lowerBound), Int32(range.upperBound), &message, message.count) != 0 else {
            throw OneDNNError(message)
        }
    }
}

extension QuantizationParameters {
    fileprivate var c: cdnnl_quantization { cdnnl_quantization(scale: scale, zero_point: Int32(zeroPoint)) }
}

private func withOptional<R>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress) }
}
