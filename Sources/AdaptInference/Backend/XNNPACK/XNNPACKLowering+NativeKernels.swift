import CKernels
import CXNNPack

/// Our own AVX-512 kernels (Sources/CKernels) for the two shapes where Debian's XNNPACK (2022-02) leaves the
/// FMA units waiting on their latency: dense convolutions (its 7×16 igemm keeps 7 accumulators) and fully
/// connected layers on one row (its 1×16 GEMM chains every FMA through one accumulator); dense int8
/// convolutions on VNNI CPUs (it has no VNNI kernels on x86); and a register-blocked 2-D transpose for the
/// layout changes at a model's edges (XNNPACK has none). Measured per layer by
/// Scripts/bench-kernels.sh and per model by Scripts/bench.py (Scripts/bench-results/native-kernels.md).
/// On CPUs without AVX-512 (ARM boards included) XNNPACK runs everything.
extension XNNPACKLowering {
    /// Whether this CPU can run the native kernels (x86-64 with AVX-512F enabled by the OS).
    static let nativeKernelsAvailable = adapt_kernels_available()

    /// The AVX transpose for `TransposeKernel`'s 2-D case, or nil (its portable loop) where it cannot run.
    var nativeMatrixTranspose: TransposeKernel.MatrixTranspose? {
        useNativeKernels ? Self.availableMatrixTranspose : nil
    }

    static let availableMatrixTranspose: TransposeKernel.MatrixTranspose? = nativeKernelsAvailable ? adapt_transpose_f32 : nil

    /// Where the native convolution wins, per layer against XNNPACK's (Scripts/bench-kernels.sh): 0.6–0.9× its
    /// time on 3×3 and larger windows, 0.9× on 1×1 with 32 or more outputs, 0.55–0.65× on 224×224 stems over 3
    /// channels with 64 outputs. It loses on 16 or fewer output channels (one vector per pixel, bound by
    /// broadcasts: 1.2–1.3×) and, below 64 outputs, gains nothing where a window tap has little work — fewer
    /// than 16 input channels and under 72 multiply–adds per output value (its per-tap pointer set-up
    /// dominates: 1.0× on 3×3 over 1 channel): those stay on XNNPACK.
    static func prefersNativeConvolution(
        groups: Int, inputChannels: Int, outputChannels: Int, kernelH: Int, kernelW: Int
    ) -> Bool {
        guard groups == 1, outputChannels > 16 else { return false }
        return outputChannels >= 64 || inputChannels >= 16 || inputChannels * kernelH * kernelW >= 72
    }

    /// A dense convolution on the native kernel, or nil when this CPU cannot run it (the caller uses XNNPACK).
    func nativeConvolution(
        _ node: Node, kernel: [Float], bias: [Float], inputShape: [Int], outputShape: [Int],
        kernelSize: (height: Int, width: Int), strides: [Int], dilations: [Int], padding: (top: Int, left: Int),
        source: UnsafeMutablePointer<Float>, destination: UnsafeMutablePointer<Float>, outputPixelStride: Int,
        bounds: (min: Float, max: Float)
    ) -> (XNNPACKModel.Step, String)? {
        guard useNativeKernels, Self.nativeKernelsAvailable else { return nil }
        let (inChannels, outChannels) = (inputShape[1], outputShape[1])
        let packed = constants.store(
            count: adapt_conv2d_f32_packed_count(outChannels, kernelSize.height, kernelSize.width, inChannels))
        kernel.withUnsafeBufferPointer { weights in
            bias.withUnsafeBufferPointer { bias in
                adapt_conv2d_f32_pack(
                    weights.baseAddress, bias.baseAddress, outChannels, kernelSize.height, kernelSize.width, inChannels, packed)
            }
        }
        let descriptor = adapt_conv2d_f32(
            batch: inputShape[0], in_height: inputShape[2], in_width: inputShape[3], in_channels: inChannels,
            out_height: outputShape[2], out_width: outputShape[3], out_channels: outChannels,
            kernel_height: kernelSize.height, kernel_width: kernelSize.width,
            stride_height: strides[0], stride_width: strides[1],
            dilation_height: dilations[0], dilation_width: dilations[1],
            pad_top: padding.top, pad_left: padding.left,
            input: source, output: destination, out_pixel_stride: outputPixelStride,
            packed: packed, zero: constants.store(count: inChannels * kernelSize.width),
            output_min: bounds.min, output_max: bounds.max)
        let task = NativeTask(descriptor, threadpool: threadpool, tiles: adapt_conv2d_f32_tile_count, run: adapt_conv2d_f32_run_tile)
        let block = min(outChannels, Int(ADAPT_CONV_BLOCK))
        return (.native { task.run() }, "native conv2d_nhwc_f32 avx512 \(adapt_conv2d_f32_tile_pixels(block))x\(block)")
    }

    /// Whether this CPU can run the native int8 convolution (AVX-512 with VNNI, BW and VL).
    static let nativeInt8KernelsAvailable = adapt_kernels_vnni_available()

    /// Where the native int8 (qc8) convolution wins over XNNPACK's: every dense (group = 1) layer measured, so all
    /// of them (Scripts/bench-kernels-qc8.sh, 1 thread, each demo model's dense layers): 0.2–0.3× XNNPACK's time on
    /// 3×3 layers (28×28 32→32: 140 → 34 µs), 0.25–0.4× on the 1-channel 3×3 stems (window rows gathered per
    /// position), 0.2–0.5× on 1×1 layers (0.7× on the smallest, 14×14 16→16: 2.3 → 1.6 µs), 0.35× on the MLP's
    /// one-row 784→256; tied only on 10-output classifier heads (0.1 µs either way). Depthwise layers run on
    /// their own kernel (nativeQuantizedDepthwiseConvolution); other grouped convolutions stay on XNNPACK.
    static func prefersNativeQuantizedConvolution(groups: Int) -> Bool {
        groups == 1
    }

    /// A dense int8 convolution on the native VNNI kernel, with XNNPACK's qc8 arithmetic (bit-identical
    /// outputs), or nil when this CPU cannot run it (the caller uses XNNPACK). Shapes are logical (NCHW);
    /// `weights` are OHWI.
    func nativeQuantizedConvolution(_ layer: QuantizedConvolutionLayer) -> (XNNPACKModel.Step, String)? {
        guard useNativeKernels, Self.nativeInt8KernelsAvailable else { return nil }
        let (inputShape, outputShape, kernelSize, strides, dilations, padding) =
            (layer.inputShape, layer.outputShape, layer.kernelSize, layer.strides, layer.dilations, layer.padding)
        var descriptor = adapt_conv2d_qc8(
            batch: inputShape[0], in_height: inputShape[2], in_width: inputShape[3], in_channels: inputShape[1],
            out_height: outputShape[2], out_width: outputShape[3], out_channels: outputShape[1],
            kernel_height: kernelSize.height, kernel_width: kernelSize.width,
            stride_height: strides[0], stride_width: strides[1],
            dilation_height: dilations[0], dilation_width: dilations[1],
            pad_top: padding.top, pad_left: padding.left, pad_bottom: padding.bottom, pad_right: padding.right,
            input: layer.source, flipped: nil, output: layer.destination, out_pixel_stride: layer.outputPixelStride,
            packed: nil, input_zero_point: layer.input.zeroPoint, output_zero_point: layer.output.zeroPoint,
            output_min: layer.bounds.min, output_max: layer.bounds.max)
        let packed = bytes(adapt_conv2d_qc8_packed_bytes(&descriptor))
        layer.withPackingArguments { weights, bias, scales in
            adapt_conv2d_qc8_pack(&descriptor, weights, bias, layer.input.scale, scales, layer.output.scale, packed)
        }
        descriptor.packed = UnsafeRawPointer(packed)
        descriptor.flipped = bytes(adapt_conv2d_qc8_flipped_bytes(&descriptor))
        adapt_conv2d_qc8_fill_padding(&descriptor)
        let task = NativeTask(
            descriptor, threadpool: threadpool, firstPass: (adapt_conv2d_qc8_flip_count, adapt_conv2d_qc8_flip_chunk),
            tiles: adapt_conv2d_qc8_tile_count, run: adapt_conv2d_qc8_run_tile)
        let block = min(outputShape[1], Int(ADAPT_CONV_BLOCK))
        // One pixel in all (a classifier head on one row) runs as single-pixel tiles.
        let pixels = outputShape[0] * outputShape[2] * outputShape[3]
        let tile = pixels == 1 ? 1 : adapt_conv2d_f32_tile_pixels(block)
        return (.native { task.run() }, "native conv2d_nhwc_qc8 avx512vnni \(tile)x\(block)")
    }

    /// Whether this CPU can run the native int8 depthwise convolution (the int8 kernel's needs plus AVX512-VBMI).
    static let nativeDepthwiseInt8KernelAvailable = adapt_dwconv2d_qc8_available()

    /// A depthwise int8 convolution (groups = channels, one filter per channel) on the native VNNI kernel (every
    /// mobilenet-v2 depthwise layer measured faster, Scripts/bench-kernels-qc8.sh: 0.4–0.5× XNNPACK's time on 3×3
    /// stride 1 with 64+ channels, 0.7× stride 2, 0.9× on 16 channels; int8 mobilenet-v2 0.72 → 0.50× fp32), with
    /// XNNPACK's qc8 arithmetic (bit-identical outputs), or nil when this CPU cannot run it (the caller uses
    /// XNNPACK). Shapes are logical (NCHW); `weights` are [channels][kh][kw].
    func nativeQuantizedDepthwiseConvolution(_ layer: QuantizedConvolutionLayer) -> (XNNPACKModel.Step, String)? {
        guard useNativeKernels, Self.nativeDepthwiseInt8KernelAvailable else { return nil }
        let (inputShape, outputShape, kernelSize, strides, dilations, padding) =
            (layer.inputShape, layer.outputShape, layer.kernelSize, layer.strides, layer.dilations, layer.padding)
        var descriptor = adapt_dwconv2d_qc8(
            batch: inputShape[0], in_height: inputShape[2], in_width: inputShape[3], channels: inputShape[1],
            out_height: outputShape[2], out_width: outputShape[3],
            kernel_height: kernelSize.height, kernel_width: kernelSize.width,
            stride_height: strides[0], stride_width: strides[1],
            dilation_height: dilations[0], dilation_width: dilations[1],
            pad_top: padding.top, pad_left: padding.left, pad_bottom: padding.bottom, pad_right: padding.right,
            input: layer.source, windows: nil, output: layer.destination, out_pixel_stride: layer.outputPixelStride,
            packed: nil, input_zero_point: layer.input.zeroPoint, output_zero_point: layer.output.zeroPoint,
            output_min: layer.bounds.min, output_max: layer.bounds.max)
        let packed = bytes(adapt_dwconv2d_qc8_packed_bytes(&descriptor))
        layer.withPackingArguments { weights, bias, scales in
            adapt_dwconv2d_qc8_pack(&descriptor, weights, bias, layer.input.scale, scales, layer.output.scale, packed)
        }
        descriptor.packed = UnsafeRawPointer(packed)
        descriptor.windows = bytes(adapt_dwconv2d_qc8_windows_bytes(&descriptor))
        adapt_dwconv2d_qc8_fill_padding(&descriptor)
        let task = NativeTask(
            descriptor, threadpool: threadpool,
            firstPass: (adapt_dwconv2d_qc8_expand_count, adapt_dwconv2d_qc8_expand_row),
            tiles: adapt_dwconv2d_qc8_tile_count, run: adapt_dwconv2d_qc8_run_tile)
        return (.native { task.run() }, "native dwconv2d_nhwc_qc8 avx512vnni \(kernelSize.height)x\(kernelSize.width)")
    }

    /// `count` zero bytes from the constant pool (64-byte aligned, kept for the model's lifetime).
    private func bytes(_ count: Int) -> UnsafeMutablePointer<Int8> {
        Self.int8(constants.store(count: (count + 3) / 4))
    }

    /// A fully connected layer on at most a few rows on the native kernel, or nil (the caller uses XNNPACK,
    /// whose multi-row GEMM kernels are already efficient).
    func nativeFullyConnected(
        _ node: Node, inputs: Int, outputs: Int, batch: Int, kernel: [Float], bias: [Float],
        source: UnsafeMutablePointer<Float>, destination: UnsafeMutablePointer<Float>, bounds: (min: Float, max: Float)
    ) -> (XNNPACKModel.Step, String)? {
        guard useNativeKernels, Self.nativeKernelsAvailable, batch <= 3 else { return nil }
        let packed = constants.store(count: adapt_gemv_f32_packed_count(outputs, inputs))
        kernel.withUnsafeBufferPointer { weights in
            bias.withUnsafeBufferPointer { bias in
                adapt_gemv_f32_pack(weights.baseAddress, bias.baseAddress, outputs, inputs, packed)
            }
        }
        let descriptor = adapt_gemv_f32(
            rows: batch, inputs: inputs, outputs: outputs, input: source, output: destination, packed: packed,
            output_min: bounds.min, output_max: bounds.max)
        let task = NativeTask(descriptor, threadpool: threadpool, tiles: adapt_gemv_f32_tile_count, run: adapt_gemv_f32_run_tile)
        return (.native { task.run() }, "native fully_connected_f32 avx512")
    }
}

/// Everything an int8 convolution kernel needs, gathered once by `lowerQuantizedConvolution`. Shapes are logical
/// (NCHW); `weights` are OHWI (for depthwise, [channels][kh][kw]).
struct QuantizedConvolutionLayer {
    var weights: [Int8]
    var weightScales: [Float]
    var bias: [Int32]
    var inputShape: [Int]
    var outputShape: [Int]
    var kernelSize: (height: Int, width: Int)
    var strides: [Int]
    var dilations: [Int]
    var padding: (top: Int, left: Int, bottom: Int, right: Int)
    var input: QuantizationParameters
    var output: QuantizationParameters
    var source: UnsafeMutablePointer<Int8>
    var destination: UnsafeMutablePointer<Int8>
    var outputPixelStride: Int
    var bounds: (min: Int8, max: Int8)

    /// Weights, bias and per-channel scales as C pointers, for a kernel's pack function.
    func withPackingArguments(_ body: (UnsafePointer<Int8>?, UnsafePointer<Int32>?, UnsafePointer<Float>?) -> Void) {
        weights.withUnsafeBufferPointer { weights in
            bias.withUnsafeBufferPointer { bias in
                weightScales.withUnsafeBufferPointer { scales in body(weights.baseAddress, bias.baseAddress, scales.baseAddress) }
            }
        }
    }
}

/// A C kernel's descriptor at a stable address for the model's lifetime, and how to run its tiles:
/// on the calling thread, or spread over the backend's pthreadpool. A kernel with a first pass (the int8
/// convolution's flipped input copy) runs all of that pass's units before any tile.
final class NativeTask<Descriptor> {
    typealias Unit = @convention(c) (UnsafeMutableRawPointer?, Int) -> Void

    private let descriptor: UnsafeMutablePointer<Descriptor>
    private let passes: [(units: Int, run: Unit)]
    private let threadpool: pthreadpool_t?

    init(
        _ value: Descriptor, threadpool: pthreadpool_t?,
        firstPass: (units: (UnsafePointer<Descriptor>) -> Int, run: Unit)? = nil,
        tiles: (UnsafePointer<Descriptor>) -> Int, run: @escaping Unit
    ) {
        let descriptor = UnsafeMutablePointer<Descriptor>.allocate(capacity: 1)
        descriptor.initialize(to: value)
        self.descriptor = descriptor
        passes = (firstPass.map { [($0.units(descriptor), $0.run)] } ?? []) + [(tiles(descriptor), run)]
        self.threadpool = threadpool
    }

    deinit {
        descriptor.deinitialize(count: 1)
        descriptor.deallocate()
    }

    func run() {
        for (units, run) in passes {
            if let threadpool {
                pthreadpool_parallelize_1d(threadpool, run, descriptor, units, 0)
            } else {
                for unit in 0..<units { run(descriptor, unit) }
            }
        }
    }
}
