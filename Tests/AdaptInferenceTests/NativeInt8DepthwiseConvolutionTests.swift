@testable import AdaptInference
import Testing

/// The native int8 depthwise convolution against XNNPACK's convolution2d_nhwc_qc8 with groups = channels: the same
/// int8 graph compiled with native kernels on and off must give the same codes, bit for bit.
@Suite struct NativeInt8DepthwiseConvolutionTests {
    typealias Shape = NativeInt8ConvolutionTests.Shape

    static func depthwise(
        batch: Int = 1, height: Int, width: Int, channels: Int, kernel: (Int, Int) = (3, 3), stride: Int = 1,
        dilation: Int = 1, pads: (Int, Int, Int, Int) = (0, 0, 0, 0)
    ) -> Shape {
        Shape(
            batch: batch, height: height, width: width, inChannels: channels, outChannels: channels, kernel: kernel,
            stride: stride, dilation: dilation, pads: pads, groups: channels)
    }

    static let shapes: [Shape] = [
        // mobilenet-v2's: 3×3, pads 1, stride 1 and 2.
        depthwise(height: 14, width: 14, channels: 96, pads: (1, 1, 1, 1)),
        depthwise(height: 14, width: 14, channels: 96, stride: 2, pads: (1, 1, 1, 1)),
        depthwise(batch: 2, height: 7, width: 7, channels: 100, pads: (1, 1, 1, 1)),
        // One channel is a dense convolution (group 1): the dense kernel takes it.
        depthwise(height: 10, width: 9, channels: 1, pads: (1, 1, 1, 1)),
        depthwise(height: 9, width: 10, channels: 8),
        depthwise(height: 11, width: 12, channels: 16, kernel: (5, 5), stride: 2, pads: (2, 1, 2, 2)),
        depthwise(batch: 2, height: 8, width: 8, channels: 17, kernel: (5, 5), pads: (2, 2, 2, 2)),
        depthwise(height: 9, width: 7, channels: 32, kernel: (3, 1), pads: (1, 0, 1, 0)),
        depthwise(height: 13, width: 6, channels: 17, kernel: (3, 1), stride: 2, pads: (0, 0, 2, 0)),
        depthwise(height: 10, width: 11, channels: 33, stride: 2, pads: (0, 1, 1, 0)),
        depthwise(height: 11, width: 11, channels: 32, dilation: 2, pads: (2, 2, 2, 2)),
        depthwise(batch: 2, height: 6, width: 5, channels: 100, kernel: (5, 5), stride: 2, pads: (1, 2, 0, 1)),
        // More than 64 channels per tile, one row of pixels past a tile of 8, no padding at all.
        depthwise(height: 3, width: 19, channels: 130),
    ]

    @Test(arguments: shapes)
    func matchesXNNPACKBitForBit(_ shape: Shape) throws {
        for clamp in NativeInt8ConvolutionTests.Clamp.allCases {
            let graph = NativeInt8ConvolutionTests.convolutionGraph(shape, clamp: clamp, seed: UInt64(shape.outChannels * 37 + 5))
            let input = Self.input(shape, seed: 9)
            let reference = try NativeInt8ConvolutionTests.run(graph, input: input, nativeKernels: false)
            let native = try NativeInt8ConvolutionTests.run(graph, input: input, nativeKernels: true)
            #expect(reference.kernel == "xnnpack convolution2d_nhwc_qc8")
            if XNNPACKLowering.nativeDepthwiseInt8KernelAvailable {
                let expected = shape.groups == 1 ? "native conv2d_nhwc_qc8" : "native dwconv2d_nhwc_qc8"
                #expect(native.kernel.hasPrefix(expected), "\(native.kernel)")
            }
            NativeInt8ConvolutionTests.expectSameCodes(
                native.output, reference.output, clamp: clamp, "\(shape.testDescription) clamp \(clamp)")
        }
    }

    @Test func twoThreadsMatchOne() throws {
        for shape in [Self.shapes[2], Self.shapes[11]] {
            let graph = NativeInt8ConvolutionTests.convolutionGraph(shape, clamp: .relu, seed: 3)
            let input = Self.input(shape, seed: 4)
            let single = try NativeInt8ConvolutionTests.run(graph, input: input, nativeKernels: true)
            let threaded = try NativeInt8ConvolutionTests.run(graph, input: input, nativeKernels: true, threads: 2)
            let reference = try NativeInt8ConvolutionTests.run(graph, input: input, nativeKernels: false, threads: 2)
            #expect(threaded.output == single.output, "\(shape.testDescription)")
            NativeInt8ConvolutionTests.expectSameCodes(threaded.output, reference.output, clamp: .relu, "\(shape.testDescription)")
        }
    }

    private static func input(_ shape: Shape, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<shape.batch * shape.inChannels * shape.height * shape.width).map { _ in Float.random(in: -2...3, using: &generator) }
    }
}
