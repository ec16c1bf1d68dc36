/// How raw pixels become a model's input: `((pixel × scale) − mean) / std`, per channel.
public struct Normalization: Sendable, Equatable {
    public var scale: Float
    public var mean: [Float]
    public var std: [Float]

    public init(scale: Float, mean: [Float], std: [Float]) {
        self.scale = scale
        self.mean = mean
        self.std = std
    }

    /// Writes one grey-scale image (one channel) into `destination`, normalised.
    /// - Complexity: O(pixels); allocates nothing, so it can sit on the inference path.
    public func apply(_ pixels: ArraySlice<UInt8>, into destination: UnsafeMutableBufferPointer<Float>) {
        write(pixels, into: destination) { Float($0) }
    }

    /// The same for pixels already in floats (0…255), e.g. after an input drift.
    public func apply(_ pixels: [Float], into destination: UnsafeMutableBufferPointer<Float>) {
        write(pixels, into: destination) { $0 }
    }

    @inline(__always)
    private func write<Pixels: Sequence>(
        _ pixels: Pixels, into destination: UnsafeMutableBufferPointer<Float>, _ value: (Pixels.Element) -> Float
    ) {
        let multiplier = scale / std[0], offset = mean[0] / std[0]
        var index = destination.startIndex
        for pixel in pixels {
            destination[index] = value(pixel) * multiplier - offset
            index += 1
        }
    }
}
