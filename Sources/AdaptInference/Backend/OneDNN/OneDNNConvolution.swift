/// One float32 2-D convolution on oneDNN, alone in a net: it reads and writes plain NCHW buffers the caller owns;
/// inside, oneDNN's own blocked layouts (weights reordered once, activations on the way in and out). For tests and
/// the per-layer benchmark; models build one net for all their layers (`OneDNNModel`).
package final class OneDNNConvolution {
    package struct Geometry: Equatable {
        package var batch = 1, channels: Int, height: Int, width: Int
        package var outputChannels: Int, kernelHeight: Int, kernelWidth: Int
        package var strideHeight = 1, strideWidth = 1, dilationHeight = 1, dilationWidth = 1
        package var padTop = 0, padLeft = 0, padBottom = 0, padRight = 0
        package var groups = 1

        package init(batch: Int = 1, channels: Int, height: Int, width: Int, outputChannels: Int, kernelHeight: Int,
                     kernelWidth: Int, strideHeight: Int = 1, strideWidth: Int = 1, dilationHeight: Int = 1,
                     dilationWidth: Int = 1, padTop: Int = 0, padLeft: Int = 0, padBottom: Int = 0, padRight: Int = 0,
                     groups: Int = 1) {
            (self.batch, self.channels, self.height, self.width) = (batch, channels, height, width)
            (self.outputChannels, self.kernelHeight, self.kernelWidth) = (outputChannels, kernelHeight, kernelWidth)
            (self.strideHeight, self.strideWidth, self.dilationHeight, self.dilationWidth) = (strideHeight, strideWidth, dilationHeight, dilationWidth)
            (self.padTop, self.padLeft, self.padBottom, self.padRight, self.groups) = (padTop, padLeft, padBottom, padRight, groups)
        }

        package var outputHeight: Int { (height + padTop + padBottom - (dilationHeight * (kernelHeight - 1) + 1)) / strideHeight + 1 }
        package var outputWidth: Int { (width + padLeft + padRight - (dilationWidth * (kernelWidth - 1) + 1)) / strideWidth + 1 }

    }

    package enum Activation: Equatable {
        case none, relu
        case clip(minimum: Float, maximum: Float)
    }

    private let net: OneDNNNet
    /// The implementation oneDNN chose ("brgconv:avx512_core"), for `model inspect`.
    package let implementation: String

    /// - Parameters: `source` and `destination` stay the caller's and must outlive the convolution.
    package init(context: OneDNNContext, geometry: Geometry, weights: [Float], bias: [Float]?, activation: Activation,
                 source: UnsafeMutablePointer<Float>, destination: UnsafeMutablePointer<Float>) throws(OneDNNError) {
        let g = geometry
        net = try OneDNNNet(context: context)
        let input = try net.external(dims: [g.batch, g.channels, g.height, g.width], buffer: source)
        let convolution = OneDNNNet.ConvolutionGeometry(
            outputChannels: g.outputChannels, kernel: (g.kernelHeight, g.kernelWidth), strides: (g.strideHeight, g.strideWidth),
            dilations: (g.dilationHeight, g.dilationWidth), padding: (g.padTop, g.padLeft, g.padBottom, g.padRight),
            groups: g.groups)
        let eltwise: OneDNNNet.Eltwise = switch activation {
        case .none: .none
        case .relu: .relu
        case .clip(let minimum, let maximum): .clip(minimum: minimum, maximum: maximum)
        }
        let output = try net.convolution(input, convolution, weights: weights, bias: bias, activation: eltwise)
        implementation = net.implementation(ofStep: net.stepCount - 1)
        try net.copy(output, into: try net.external(dims: output.dims, buffer: destination))
    }

    package func run() throws(OneDNNError) {
        try net.run(0..<net.stepCount)
    }
}
