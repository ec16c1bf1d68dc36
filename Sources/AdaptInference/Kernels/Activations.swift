import Foundation

/// `y = tanh(x)` elementwise. `output` may alias `input`.
public struct TanhKernel: Sendable {
    public let count: Int

    public init(count: Int) {
        precondition(count >= 0, "TanhKernel: negative element count \(count)")
        self.count = count
    }

    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for index in 0..<count { output[index] = tanhf(input[index]) }
    }
}

/// ONNX HardSigmoid: `y = max(0, min(1, alpha * x + beta))` elementwise. `output` may alias `input`.
public struct HardSigmoidKernel: Sendable {
    public let count: Int
    public let alpha: Float
    public let beta: Float

    /// ONNX defaults: `alpha = 0.2`, `beta = 0.5`.
    public init(count: Int, alpha: Float = 0.2, beta: Float = 0.5) {
        precondition(count >= 0, "HardSigmoidKernel: negative element count \(count)")
        self.count = count
        self.alpha = alpha
        self.beta = beta
    }

    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let alpha = alpha, beta = beta
        for index in 0..<count {
            let value = alpha * input[index] + beta
            output[index] = value > 1 ? 1 : (value > 0 ? value : 0)
        }
    }
}
