import CKernels
import CXNNPack

extension XNNPACKLowering {
    /// Whether a dense convolution runs on our own kernel (Sources/CKernels) instead of XNNPACK's.
    ///
    /// On AVX-512 CPUs Debian's XNNPACK runs convolutions through a 7×16 igemm kernel that leaves the FMA units
    /// idle on their latency; ours keeps up to 24 accumulators live and measured 0.6–0.9× XNNPACK's time on
    /// 3×3 and larger windows (Scripts/bench-results/native-convolution.md). It loses where a tap has little
    /// work (few input channels: its per-tap pointer set-up dominates), on 16 or fewer output channels (one
    /// vector per pixel, bound by broadcasts), and ties on 1×1 (XNNPACK's plain GEMM path): those stay on XNNPACK.
    static func prefersNativeConvolution(
        groups: Int, inputChannels: Int, outputChannels: Int, kernelH: Int, kernelW: Int
    ) -> Bool {
        groups == 1 && kernelH * kernelW > 1 && outputChannels > 16 && inputChannels * kernelH * kernelW >= 72
    }

    /// Whether this CPU can run the native kernel (x86-64 with AVX-512F enabled by the OS).
    static let nativeConvolutionAvailable = adapt_conv2d_f32_available()

    /// A dense convolution on the native kernel, or nil when this CPU cannot run it (the caller uses XNNPACK).
    func nativeConvolution(
        _ node: Node, kernel: [Float], bias: [Float], inputShape: [Int], outputShape: [Int],
        kernelSize: (height: Int, width: Int), strides: [Int], dilations: [Int], padding: (top: Int, left: Int),
        source: UnsafeMutablePointer<Float>, destination: UnsafeMutablePointer<Float>, bounds: (min: Float, max: Float)
    ) -> (XNNPACKModel.Step, String)? {
        guard useNativeConvolution, Self.nativeConvolutionAvailable else { return nil }
        let (inChannels, outChannels) = (inputShape[1], outputShape[1])
        let packedCount = adapt_conv2d_f32_packed_count(outChannels, kernelSize.height, kernelSize.width, inChannels)
        let packed = constants.store([Float](repeating: 0, count: packedCount))
        kernel.withUnsafeBufferPointer { weights in
            bias.withUnsafeBufferPointer { bias in
                adapt_conv2d_f32_pack(
                    weights.baseAddress, bias.baseAddress, outChannels, kernelSize.height, kernelSize.width, inChannels, packed)
            }
        }
        let zero = constants.store([Float](repeating: 0, count: inChannels))
        let convolution = NativeConvolution(
            adapt_conv2d_f32(
                batch: inputShape[0], in_height: inputShape[2], in_width: inputShape[3], in_channels: inChannels,
                out_height: outputShape[2], out_width: outputShape[3], out_channels: outChannels,
                kernel_height: kernelSize.height, kernel_width: kernelSize.width,
                stride_height: strides[0], stride_width: strides[1],
                dilation_height: dilations[0], dilation_width: dilations[1],
                pad_top: padding.top, pad_left: padding.left,
                input: source, output: destination, packed: packed, zero: zero,
                output_min: bounds.min, output_max: bounds.max),
            threadpool: threadpool)
        let block = min(outChannels, Int(ADAPT_CONV_BLOCK))
        let name = "native conv2d_nhwc_f32 avx512 \(adapt_conv2d_f32_tile_pixels(block))x\(block)"
        return (.native { convolution.run() }, name)
    }
}

/// One convolution's descriptor for the C kernel, at a stable address for the model's lifetime.
final class NativeConvolution {
    private let descriptor: UnsafeMutablePointer<adapt_conv2d_f32>
    private let tiles: Int
    private let threadpool: pthreadpool_t?

    init(_ convolution: adapt_conv2d_f32, threadpool: pthreadpool_t?) {
        descriptor = .allocate(capacity: 1)
        descriptor.initialize(to: convolution)
        tiles = adapt_conv2d_f32_tile_count(descriptor)
        self.threadpool = threadpool
    }

    deinit {
        descriptor.deallocate()
    }

    func run() {
        if let threadpool {
            pthreadpool_parallelize_1d(threadpool, adapt_conv2d_f32_run_tile, descriptor, tiles, 0)
        } else {
            adapt_conv2d_f32_run_tiles(descriptor, 0, tiles)
        }
    }
}
