@testable import AdaptInference
import CKernels
import CXNNPack
import Testing

/// The native int8 (qc8) convolution against XNNPACK's convolution2d_nhwc_qc8: the same int8 graph compiled
/// with native kernels on and off must give the same codes, bit for bit (both requantize in float with the same
/// per-channel scale, computed by the same float expression).
@Suite struct NativeInt8ConvolutionTests {
    /// One convolution's geometry: input N×Cin×H×W, Cout filters of KH×KW, pads (top, left, bottom, right).
    struct Shape: CustomTestStringConvertible, Sendable {
        var batch = 1
        var height: Int
        var width: Int
        var inChannels: Int
        var outChannels: Int
        var kernel: (height: Int, width: Int) = (3, 3)
        var stride = 1
        var dilation = 1
        var pads = (top: 0, left: 0, bottom: 0, right: 0)
        /// Convolution groups: inChannels (= outChannels) for a depthwise one.
        var groups = 1

        var outHeight: Int { (height + pads.top + pads.bottom - (kernel.height - 1) * dilation - 1) / stride + 1 }
        var outWidth: Int { (width + pads.left + pads.right - (kernel.width - 1) * dilation - 1) / stride + 1 }

        var testDescription: String {
            "\(batch)×\(inChannels)×\(height)×\(width) → \(outChannels), \(kernel.height)×\(kernel.width) stride \(stride) "
                + "dilation \(dilation) pads \(pads)" + (groups > 1 ? " groups \(groups)" : "")
        }
    }

    /// The output clamp fused into the convolution, in real values, and the output range its parameters cover.
    enum Clamp: CaseIterable, Sendable {
        case none, relu, narrow

        var bounds: (min: Float, max: Float)? {
            switch self {
            case .none: nil
            case .relu: (0, .infinity)
            case .narrow: (-0.6, 0.9)
            }
        }

        /// A ReLU's output range starts at 0, so its zero point is −128 and the clamp sits on code −128.
        var outputRange: ClosedRange<Float> { self == .relu ? 0...4 : -3...4 }
    }

    static let shapes: [Shape] = [
        Shape(height: 28, width: 28, inChannels: 1, outChannels: 8, pads: (1, 1, 1, 1)),
        Shape(height: 12, width: 13, inChannels: 3, outChannels: 16, kernel: (5, 5), stride: 2, pads: (2, 1, 2, 2)),
        Shape(height: 10, width: 10, inChannels: 4, outChannels: 17),
        Shape(batch: 2, height: 9, width: 11, inChannels: 16, outChannels: 64, kernel: (1, 1)),
        Shape(height: 14, width: 14, inChannels: 32, outChannels: 100, stride: 2, pads: (1, 0, 2, 1)),
        Shape(height: 8, width: 9, inChannels: 33, outChannels: 130, kernel: (3, 1), pads: (1, 0, 1, 0)),
        Shape(height: 11, width: 11, inChannels: 16, outChannels: 32, dilation: 2, pads: (2, 2, 2, 2)),
        Shape(batch: 2, height: 7, width: 7, inChannels: 32, outChannels: 130, kernel: (5, 5), pads: (2, 2, 2, 2)),
        Shape(height: 6, width: 6, inChannels: 33, outChannels: 8, kernel: (1, 1), stride: 2),
        Shape(height: 5, width: 7, inChannels: 3, outChannels: 64, dilation: 2, pads: (1, 2, 0, 1)),
        Shape(height: 9, width: 8, inChannels: 1, outChannels: 17, kernel: (5, 5), stride: 2, pads: (0, 1, 1, 0)),
        Shape(height: 16, width: 3, inChannels: 4, outChannels: 100, kernel: (3, 1), stride: 2, dilation: 2, pads: (2, 0, 2, 0)),
        // Few channels: window rows gathered per position (the first has no padding to read the zero point from).
        Shape(height: 9, width: 10, inChannels: 2, outChannels: 16),
        Shape(batch: 2, height: 13, width: 11, inChannels: 1, outChannels: 64, stride: 2, pads: (1, 1, 0, 1)),
        // 25 pixels in tiles of 12: a last tile of one pixel.
        Shape(height: 5, width: 5, inChannels: 16, outChannels: 16, kernel: (1, 1)),
    ]

    @Test(arguments: shapes)
    func matchesXNNPACKBitForBit(_ shape: Shape) throws {
        for clamp in Clamp.allCases {
            let graph = Self.convolutionGraph(shape, clamp: clamp, seed: UInt64(shape.outChannels * 131 + shape.inChannels))
            let input = Self.input(count: shape.batch * shape.inChannels * shape.height * shape.width, seed: 7)
            let reference = try Self.run(graph, input: input, nativeKernels: false)
            let native = try Self.run(graph, input: input, nativeKernels: true)
            #expect(reference.kernel == "xnnpack convolution2d_nhwc_qc8")
            if XNNPACKLowering.nativeInt8KernelsAvailable {
                #expect(native.kernel.hasPrefix("native conv2d_nhwc_qc8"), "\(native.kernel)")
            }
            Self.expectSameCodes(native.output, reference.output, clamp: clamp, "\(shape.testDescription) clamp \(clamp)")
        }
    }

    @Test func twoThreadsMatchOne() throws {
        for shape in [Self.shapes[4], Self.shapes[7]] {
            let graph = Self.convolutionGraph(shape, clamp: .relu, seed: 3)
            let input = Self.input(count: shape.batch * shape.inChannels * shape.height * shape.width, seed: 4)
            let single = try Self.run(graph, input: input, nativeKernels: true)
            let threaded = try Self.run(graph, input: input, nativeKernels: true, threads: 2)
            let reference = try Self.run(graph, input: input, nativeKernels: false, threads: 2)
            #expect(threaded.output == single.output, "\(shape.testDescription)")
            Self.expectSameCodes(threaded.output, reference.output, clamp: .relu, "\(shape.testDescription)")
        }
    }

    /// int8 Gemm (a 1×1 convolution over its rows) on the native kernel too.
    @Test(arguments: [(1, 784, 128), (3, 33, 130), (2, 64, 10), (1, 5, 17)])
    func gemmMatchesXNNPACKBitForBit(rows: Int, inputs: Int, outputs: Int) throws {
        for clamp in Clamp.allCases {
            let graph = Self.gemmGraph(rows: rows, inputs: inputs, outputs: outputs, clamp: clamp, seed: UInt64(inputs))
            let input = Self.input(count: rows * inputs, seed: 11)
            let reference = try Self.run(graph, input: input, nativeKernels: false)
            let native = try Self.run(graph, input: input, nativeKernels: true)
            Self.expectSameCodes(native.output, reference.output, clamp: clamp, "Gemm \(rows)×\(inputs) → \(outputs) clamp \(clamp)")
        }
    }

    /// The kernel writes each output pixel `out_pixel_stride` bytes apart and leaves the bytes between untouched,
    /// as XNNPACK does with the same output channel stride (checked on the C interfaces: an int8 graph never asks
    /// for a stride today, since int8 Concats are not written in place).
    @Test func outputPixelStrideMatchesXNNPACK() throws {
        guard XNNPACKLowering.nativeInt8KernelsAvailable else { return }
        let shape = Shape(height: 9, width: 10, inChannels: 20, outChannels: 70, stride: 2, pads: (1, 1, 1, 1))
        let stride = shape.outChannels + 13
        var generator = SeededGenerator(seed: 21)
        let inputCount = shape.batch * shape.height * shape.width * shape.inChannels
        let input = (0..<inputCount).map { _ in Int8.random(in: -128...127, using: &generator) }
        let weights = (0..<shape.outChannels * 9 * shape.inChannels).map { _ in Int8.random(in: -127...127, using: &generator) }
        let bias = (0..<shape.outChannels).map { _ in Int32.random(in: -5000...5000, using: &generator) }
        let scales = (0..<shape.outChannels).map { _ in Float.random(in: 0.001...0.01, using: &generator) }
        let outputCount = shape.batch * shape.outHeight * shape.outWidth * stride
        let (inputZeroPoint, inputScale, outputZeroPoint, outputScale): (Int8, Float, Int8, Float) = (-9, 0.05, 3, 0.3)

        // XNNPACK may read 16 bytes past its input; the native kernel never reads the input past its end.
        var paddedInput = input + [Int8](repeating: 0, count: 16)
        var expected = [Int8](repeating: 0x55, count: outputCount), actual = expected
        var op: xnn_operator_t?
        #expect(xnn_initialize(nil) == xnn_status_success)
        let created = xnn_create_convolution2d_nhwc_qc8(
            1, 1, 1, 1, 3, 3, 2, 2, 1, 1, 1, shape.inChannels, shape.outChannels, shape.inChannels, stride,
            inputZeroPoint, inputScale, scales, weights, bias, outputZeroPoint, outputScale, -128, 127, 0, &op)
        let xnnOperator = try #require(op)
        defer { xnn_delete_operator(xnnOperator) }
        #expect(created == xnn_status_success)
        paddedInput.withUnsafeMutableBufferPointer { source in
            expected.withUnsafeMutableBufferPointer { destination in
                _ = xnn_setup_convolution2d_nhwc_qc8(
                    xnnOperator, 1, shape.height, shape.width, source.baseAddress, destination.baseAddress, nil)
                _ = xnn_run_operator(xnnOperator, nil)
            }
        }

        input.withUnsafeBufferPointer { source in
            actual.withUnsafeMutableBufferPointer { destination in
                var conv = adapt_conv2d_qc8(
                    batch: 1, in_height: shape.height, in_width: shape.width, in_channels: shape.inChannels,
                    out_height: shape.outHeight, out_width: shape.outWidth, out_channels: shape.outChannels,
                    kernel_height: 3, kernel_width: 3, stride_height: 2, stride_width: 2, dilation_height: 1,
                    dilation_width: 1, pad_top: 1, pad_left: 1, pad_bottom: 1, pad_right: 1, input: source.baseAddress,
                    flipped: nil, output: destination.baseAddress, out_pixel_stride: stride, packed: nil,
                    input_zero_point: inputZeroPoint, output_zero_point: outputZeroPoint, output_min: -128, output_max: 127)
                // Both buffers are read with aligned 64-byte loads.
                let packed = UnsafeMutableRawPointer.allocate(byteCount: adapt_conv2d_qc8_packed_bytes(&conv), alignment: 64)
                let flipped = UnsafeMutableRawPointer.allocate(byteCount: adapt_conv2d_qc8_flipped_bytes(&conv), alignment: 64)
                defer {
                    packed.deallocate()
                    flipped.deallocate()
                }
                adapt_conv2d_qc8_pack(&conv, weights, bias, inputScale, scales, outputScale, packed)
                conv.packed = UnsafeRawPointer(packed)
                conv.flipped = flipped.assumingMemoryBound(to: Int8.self)
                adapt_conv2d_qc8_fill_padding(&conv)
                adapt_conv2d_qc8_flip_chunks(&conv, 0, adapt_conv2d_qc8_flip_count(&conv))
                adapt_conv2d_qc8_run_tiles(&conv, 0, adapt_conv2d_qc8_tile_count(&conv))
            }
        }
        #expect(actual == expected)
        #expect(actual[shape.outChannels..<stride].allSatisfy { $0 == 0x55 }, "bytes between pixels were written")
    }

    // MARK: - Graphs

    static func input(count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float.random(in: -2...3, using: &generator) }
    }

    /// QuantizeLinear → int8 Conv (per-channel weights, float bias, fused clamp) → DequantizeLinear, as
    /// PostTrainingQuantization writes it.
    static func convolutionGraph(_ shape: Shape, clamp: Clamp, seed: UInt64) -> Graph {
        var generator = SeededGenerator(seed: seed)
        let groupChannels = shape.inChannels / shape.groups
        let weightCount = shape.outChannels * groupChannels * shape.kernel.height * shape.kernel.width
        let weights = Tensor(
            shape: [shape.outChannels, groupChannels, shape.kernel.height, shape.kernel.width],
            floats: (0..<weightCount).map { _ in Float.random(in: -0.5...0.5, using: &generator) })
        let bias = (0..<shape.outChannels).map { _ in Float.random(in: -1...1, using: &generator) }
        var attributes: [String: Attribute] = [
            "kernel_shape": .ints([shape.kernel.height, shape.kernel.width]),
            "strides": .ints([shape.stride, shape.stride]),
            "dilations": .ints([shape.dilation, shape.dilation]),
            "pads": .ints([shape.pads.top, shape.pads.left, shape.pads.bottom, shape.pads.right]),
            "group": .int(shape.groups),
        ]
        if let bounds = clamp.bounds {
            attributes[FuseActivation.minKey] = .float(bounds.min)
            if bounds.max.isFinite { attributes[FuseActivation.maxKey] = .float(bounds.max) }
        }
        return quantizedGraph(
            inputShape: [shape.batch, shape.inChannels, shape.height, shape.width],
            outputShape: [shape.batch, shape.outChannels, shape.outHeight, shape.outWidth],
            node: Node(name: "conv", opType: "Conv", inputs: ["x::int8", "w", "b"], outputs: ["y::int8"], attributes: attributes),
            weights: weights.quantizedPerChannel(), bias: Tensor(shape: [shape.outChannels], floats: bias), clamp: clamp)
    }

    static func gemmGraph(rows: Int, inputs: Int, outputs: Int, clamp: Clamp, seed: UInt64) -> Graph {
        var generator = SeededGenerator(seed: seed)
        let weights = Tensor(
            shape: [outputs, inputs], floats: (0..<outputs * inputs).map { _ in Float.random(in: -0.3...0.3, using: &generator) })
        let bias = (0..<outputs).map { _ in Float.random(in: -1...1, using: &generator) }
        var attributes: [String: Attribute] = ["transB": .int(1)]
        if let bounds = clamp.bounds {
            attributes[FuseActivation.minKey] = .float(bounds.min)
            if bounds.max.isFinite { attributes[FuseActivation.maxKey] = .float(bounds.max) }
        }
        return quantizedGraph(
            inputShape: [rows, inputs], outputShape: [rows, outputs],
            node: Node(name: "gemm", opType: "Gemm", inputs: ["x::int8", "w", "b"], outputs: ["y::int8"], attributes: attributes),
            weights: weights.quantizedPerChannel(), bias: Tensor(shape: [outputs], floats: bias), clamp: clamp)
    }

    /// A float 1×1 MaxPool (an exact copy) that moves the input to channels-last before it is quantized: int8
    /// tensors are never reordered, and PostTrainingQuantization's graphs quantize after a channels-last op too.
    private static let channelsLastIdentity = Node(
        name: "to_nhwc", opType: "MaxPool", inputs: ["x"], outputs: ["x::nhwc"], attributes: ["kernel_shape": .ints([1, 1])])

    private static func quantizedGraph(
        inputShape: [Int], outputShape: [Int], node: Node, weights: Tensor, bias: Tensor, clamp: Clamp
    ) -> Graph {
        let input = QuantizationParameters(activationRange: -2...3)
        let output = QuantizationParameters(activationRange: clamp.outputRange)
        var graph = Graph(
            name: "int8", source: "NativeInt8ConvolutionTests", opsetVersion: 13,
            inputs: [ValueInfo(name: "x", dataType: .float32, shape: inputShape)],
            outputs: [ValueInfo(name: "y", dataType: .float32, shape: outputShape)],
            initializers: [
                "w": weights, "b": bias,
                "x::scale": Tensor(shape: [], floats: [input.scale]),
                "x::zero_point": Tensor(shape: [], int64s: [Int64(input.zeroPoint)], dataType: .int8),
                "y::scale": Tensor(shape: [], floats: [output.scale]),
                "y::zero_point": Tensor(shape: [], int64s: [Int64(output.zeroPoint)], dataType: .int8),
            ],
            nodes: (inputShape.count == 4 ? [channelsLastIdentity] : []) + [
                Node(
                    name: "quantize", opType: "QuantizeLinear",
                    inputs: [inputShape.count == 4 ? "x::nhwc" : "x", "x::scale", "x::zero_point"], outputs: ["x::int8"]),
                node,
                Node(name: "dequantize", opType: "DequantizeLinear", inputs: ["y::int8", "y::scale", "y::zero_point"], outputs: ["y"]),
            ])
        graph.quantization = ["x::int8": input, "y::int8": output]
        return graph
    }

    /// The graph's output and the kernel its weighted node ran on.
    static func run(_ graph: Graph, input: [Float], nativeKernels: Bool, threads: Int = 1) throws -> (output: [Float], kernel: String) {
        let session = try InferenceSession(graph: graph, backend: XNNPACKBackend(threads: threads, nativeKernels: nativeKernels))
        let output = try #require(try session.run([input]).first)
        let kernel = session.model.steps.first { $0.op == "Conv" || $0.op == "Gemm" }?.kernel ?? "none"
        return (output, kernel)
    }

    /// Dequantized outputs are equal exactly when their codes are; a mismatch is reported in codes.
    static func expectSameCodes(
        _ actual: [Float], _ expected: [Float], clamp: Clamp, _ comment: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(actual.count == expected.count, sourceLocation: sourceLocation)
        let scale = QuantizationParameters(activationRange: clamp.outputRange).scale
        let mismatches = zip(actual, expected).enumerated().filter { $0.element.0 != $0.element.1 }
        if let (index, (a, e)) = mismatches.first {
            Issue.record(
                "\(mismatches.count) of \(actual.count) outputs differ; first at \(index): \(((a - e) / scale).rounded()) codes \(comment)",
                sourceLocation: sourceLocation)
        }
    }
}
