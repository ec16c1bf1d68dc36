internal import CDNNL

/// oneDNN on this machine: loaded at run time, so a build without it (or an ARM board) still runs, on XNNPACK.
public enum OneDNN {
    /// Whether oneDNN can run here, and its version ("oneDNN 2.6.3 (cpu runtime: OpenMP)") or why not.
    public static let status: (available: Bool, description: String) = {
        var message = [CChar](repeating: 0, count: 256)
        let loaded = cdnnl_load(&message, message.count) != 0
        return (loaded, cText(message))
    }()
}

/// A oneDNN call that failed, with oneDNN's reason.
public struct OneDNNError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    init(_ buffer: [CChar]) {
        description = cText(buffer)
    }
}

/// A C string the shim wrote into a buffer, up to its terminating zero.
private func cText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// A CPU engine and its stream: what every oneDNN primitive of one compiled model runs on, on `threads` threads.
package final class OneDNNContext {
    let pointer: OpaquePointer

    package init(threads: Int = 1) throws(OneDNNError) {
        var message = [CChar](repeating: 0, count: 256)
        guard let pointer = cdnnl_context_create(Int32(threads), &message, message.count) else { throw OneDNNError(message) }
        self.pointer = pointer
    }

    deinit { cdnnl_context_destroy(pointer) }
}

/// One float32 2-D convolution on oneDNN, with ONNX Conv's semantics and an optional fused activation: it reads
/// and writes plain NCHW buffers the caller owns; inside, oneDNN's own blocked layouts (weights reordered once,
/// here; activations reordered on the way in and out).
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

        fileprivate var values: [Int] {
            [batch, channels, height, width, outputChannels, kernelHeight, kernelWidth, strideHeight, strideWidth,
             dilationHeight, dilationWidth, padTop, padLeft, padBottom, padRight, groups]
        }
    }

    package enum Activation: Equatable {
        case none, relu
        case clip(minimum: Float, maximum: Float)
    }

    private let context: OneDNNContext
    private let pointer: OpaquePointer
    /// The implementation oneDNN chose ("brgconv:avx512_core"), for `model inspect`.
    package let implementation: String

    /// - Parameters: `source` and `destination` stay the caller's and must outlive the convolution.
    package init(context: OneDNNContext, geometry: Geometry, weights: [Float], bias: [Float]?, activation: Activation,
         source: UnsafeMutablePointer<Float>, destination: UnsafeMutablePointer<Float>) throws(OneDNNError) {
        var message = [CChar](repeating: 0, count: 256)
        let (kind, minimum, maximum): (Int32, Float, Float) = switch activation {
        case .none: (Int32(CDNNL_ACTIVATION_NONE), 0, 0)
        case .relu: (Int32(CDNNL_ACTIVATION_RELU), 0, 0)
        case .clip(let minimum, let maximum): (Int32(CDNNL_ACTIVATION_CLIP), minimum, maximum)
        }
        let values = geometry.values
        let created = values.withUnsafeBufferPointer { geometryValues in
            weights.withUnsafeBufferPointer { weightValues in
                if let bias {
                    return bias.withUnsafeBufferPointer { biasValues in
                        cdnnl_convolution_create(context.pointer, geometryValues.baseAddress, weightValues.baseAddress, biasValues.baseAddress,
                                                 kind, minimum, maximum, source, destination, &message, message.count)
                    }
                }
                return cdnnl_convolution_create(context.pointer, geometryValues.baseAddress, weightValues.baseAddress, nil,
                                                kind, minimum, maximum, source, destination, &message, message.count)
            }
        }
        guard let created else { throw OneDNNError(message) }
        (self.context, pointer) = (context, created)
        implementation = String(cString: cdnnl_op_implementation(created))
    }

    deinit { cdnnl_op_destroy(pointer) }

    package func run() throws(OneDNNError) {
        var message = [CChar](repeating: 0, count: 256)
        guard cdnnl_op_execute(pointer, &message, message.count) != 0 else { throw OneDNNError(message) }
    }
}
