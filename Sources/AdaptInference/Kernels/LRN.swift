import Foundation

/// ONNX LRN (local response normalization across channels) on channels-last memory:
/// `pixels` rows (N·H·W) of `channels` contiguous values each.
///
/// `y[c] = x[c] / (bias + alpha / size · Σ x[c']²)^beta` over
/// `c' ∈ [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉] ∩ [0, channels)`.
/// The window sum slides along the channels, so a pixel costs O(channels) whatever `size` is.
/// `output` must not alias `input`.
public struct LRNKernel: Sendable {
    public let pixels: Int
    public let channels: Int
    public let size: Int
    public let alpha: Float
    public let beta: Float
    public let bias: Float

    /// Channels before `c` in its window, `⌊(size−1)/2⌋`.
    let before: Int
    /// Channels after `c` in its window, `⌈(size−1)/2⌉`.
    let after: Int
    let scale: Float

    /// ONNX defaults: `alpha = 1e-4`, `beta = 0.75`, `bias = 1`.
    public init(pixels: Int, channels: Int, size: Int, alpha: Float = 1e-4, beta: Float = 0.75, bias: Float = 1) throws {
        guard pixels >= 0, channels >= 0 else {
            throw KernelError.invalidParameters(kernel: "LRN", reason: "negative dimensions (pixels \(pixels), channels \(channels))")
        }
        guard size >= 1 else {
            throw KernelError.invalidParameters(kernel: "LRN", reason: "size must be at least 1, got \(size)")
        }
        self.pixels = pixels
        self.channels = channels
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.bias = bias
        self.before = (size - 1) / 2
        self.after = size - 1 - (size - 1) / 2
        self.scale = alpha / Float(size)
    }

    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        if beta == 0.75 {
            // base^-0.75 = 1 / (√base · ⁴√base): two square roots instead of a pow.
            run(input: input, output: output) { value, base in
                let root = base.squareRoot()
                return value / (root * root.squareRoot())
            }
        } else {
            let exponent = -beta
            run(input: input, output: output) { value, base in value * powf(base, exponent) }
        }
    }

    @inline(__always)
    private func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                     normalize: (Float, Float) -> Float) {
        let channels = channels, before = before, after = after, scale = scale, bias = bias
        guard channels > 0 else { return }
        let firstWindowEnd = min(after, channels - 1)
        for pixel in 0..<pixels {
            let x = input + pixel * channels
            let y = output + pixel * channels
            // Double keeps the add-then-subtract running sum from drifting.
            var sum: Double = 0
            for c in 0...firstWindowEnd { sum += Double(x[c] * x[c]) }
            for c in 0..<channels {
                let base = bias + scale * Float(max(sum, 0))
                y[c] = normalize(x[c], base)
                let entering = c + 1 + after
                if entering < channels { sum += Double(x[entering] * x[entering]) }
                let leaving = c - before
                if leaving >= 0 { sum -= Double(x[leaving] * x[leaving]) }
            }
        }
    }
}
