internal import AdaptInference
internal import Foundation

/// A real change in the data the engine infers on, for demos: one corruption at severity 1–5, applied to every
/// frame before normalisation (in the spirit of the MNIST-C / ImageNet-C corruptions). Pixel values stay 0…255.
public struct InputDrift: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case brightness, contrast, noise, blur, rotation
    }

    public let kind: Kind
    public let severity: Int
    /// The normalised Gaussian taps of a blur (empty for other kinds), made once rather than per frame.
    private let blurWeights: [Float]

    public init(_ kind: Kind, severity: Int) throws(InjectionError) {
        guard (1...5).contains(severity) else {
            throw .invalid("drift severity must be 1…5, \(severity) given")
        }
        (self.kind, self.severity) = (kind, severity)
        blurWeights = kind == .blur ? Self.gaussianTaps(sigma: Self.strength(kind, severity)) : []
    }

    private static func gaussianTaps(sigma: Double) -> [Float] {
        let radius = Int((3 * sigma).rounded(.up))
        let weights = (-radius...radius).map { Float(exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }

    public var description: String { "\(kind.rawValue) \(severity)" }

    /// The corruption's strength at this severity (units per kind: added brightness and noise σ in pixel values,
    /// contrast factor, blur σ in pixels, rotation in degrees).
    public var strength: Double { Self.strength(kind, severity) }

    private static func strength(_ kind: Kind, _ severity: Int) -> Double {
        let table: [Double] = switch kind {
        case .brightness: [25, 50, 75, 100, 125]
        case .contrast: [0.6, 0.45, 0.3, 0.2, 0.1]
        case .noise: [20, 30, 45, 65, 95]
        case .blur: [0.6, 0.9, 1.2, 1.5, 2.0]
        case .rotation: [10, 20, 30, 40, 50]
        }
        return table[severity - 1]
    }

    /// Writes the drifted image into `output` (resized to `height × width`); `scratch` is working space for the
    /// blur, kept by the caller so a frame allocates nothing once warm. `seed` fixes the noise of this frame.
    public func apply(
        _ image: ArraySlice<UInt8>, height: Int, width: Int, seed: UInt64, into output: inout [Float], scratch: inout [Float]
    ) {
        let count = height * width
        if output.count != count { output = [Float](repeating: 0, count: count) }
        // Read in place: copying the frame would allocate on every frame.
        let base = image.startIndex
        func pixel(_ index: Int) -> Float { Float(image[base + index]) }
        switch kind {
        case .brightness:
            let shift = Float(strength)
            for index in 0..<count { output[index] = Self.clip(pixel(index) + shift) }
        case .contrast:
            let mean = Float(image.reduce(0) { $0 + Int($1) }) / Float(max(count, 1)), factor = Float(strength)
            for index in 0..<count { output[index] = Self.clip((pixel(index) - mean) * factor + mean) }
        case .noise:
            var generator = SeededGenerator(seed: seed)
            let sigma = Float(strength)
            for index in 0..<count { output[index] = Self.clip(pixel(index) + sigma * Self.gaussian(&generator)) }
        case .blur:
            blur(pixel, height: height, width: width, into: &output, scratch: &scratch)
        case .rotation:
            rotate(pixel, height: height, width: width, into: &output)
        }
    }

    /// Separable Gaussian blur, edges repeated.
    private func blur(
        _ pixel: (Int) -> Float, height: Int, width: Int, into output: inout [Float], scratch: inout [Float]
    ) {
        let weights = blurWeights, radius = blurWeights.count / 2
        if scratch.count != height * width { scratch = [Float](repeating: 0, count: height * width) }
        for y in 0..<height {
            for x in 0..<width {
                var sum: Float = 0
                for k in -radius...radius { sum += weights[k + radius] * pixel(y * width + min(max(x + k, 0), width - 1)) }
                scratch[y * width + x] = sum
            }
        }
        for y in 0..<height {
            for x in 0..<width {
                var sum: Float = 0
                for k in -radius...radius { sum += weights[k + radius] * scratch[min(max(y + k, 0), height - 1) * width + x] }
                output[y * width + x] = Self.clip(sum)
            }
        }
    }

    /// Rotation about the centre, counter-clockwise, bilinear; what comes from outside the image is black (0).
    private func rotate(_ pixelAt: (Int) -> Float, height: Int, width: Int, into output: inout [Float]) {
        let angle = strength * .pi / 180, (cosine, sine) = (cos(angle), sin(angle))
        let (centreX, centreY) = (Double(width - 1) / 2, Double(height - 1) / 2)
        func pixel(_ x: Int, _ y: Int) -> Double {
            x >= 0 && x < width && y >= 0 && y < height ? Double(pixelAt(y * width + x)) : 0
        }
        for y in 0..<height {
            for x in 0..<width {
                // The source of output pixel (x, y): rotate back by the angle (y grows downwards).
                let dx = Double(x) - centreX, dy = Double(y) - centreY
                let sourceX = cosine * dx - sine * dy + centreX, sourceY = sine * dx + cosine * dy + centreY
                let (x0, y0) = (Int(sourceX.rounded(.down)), Int(sourceY.rounded(.down)))
                let (fx, fy) = (sourceX - Double(x0), sourceY - Double(y0))
                let top = pixel(x0, y0) * (1 - fx) + pixel(x0 + 1, y0) * fx
                let bottom = pixel(x0, y0 + 1) * (1 - fx) + pixel(x0 + 1, y0 + 1) * fx
                output[y * width + x] = Self.clip(Float(top * (1 - fy) + bottom * fy))
            }
        }
    }

    static func clip(_ value: Float) -> Float { min(255, max(0, value)) }

    /// A standard normal sample (Box–Muller).
    static func gaussian(_ generator: inout SeededGenerator) -> Float {
        let u1 = max(Double(generator.next() >> 11) / Double(1 << 53), .leastNonzeroMagnitude)
        let u2 = Double(generator.next() >> 11) / Double(1 << 53)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }
}
