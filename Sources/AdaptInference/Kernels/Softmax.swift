import Foundation

/// Numerically stable softmax along the middle dimension of a `[outer, axis, inner]` view of a
/// row-major tensor, which covers an ONNX Softmax over any axis in any layout (opset 13 semantics;
/// for the opset < 13 "flatten to 2-D" semantics use `inner = 1` and fold the trailing axes into `axis`).
///
/// With `inner > 1` the reductions run over tiles of consecutive inner positions so memory is read
/// in order; the per-tile maxima and sums live on the stack. `output` may alias `input`.
public struct SoftmaxKernel: Sendable {
    public let outer: Int
    public let axis: Int
    public let inner: Int

    static let tile = 64

    public init(outer: Int, axis: Int, inner: Int) {
        precondition(outer >= 0 && axis >= 0 && inner >= 0, "SoftmaxKernel: negative dimension in [\(outer), \(axis), \(inner)]")
        self.outer = outer
        self.axis = axis
        self.inner = inner
    }

    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        guard outer > 0, axis > 0, inner > 0 else { return }
        if inner == 1 {
            runRows(input: input, output: output)
        } else {
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * Self.tile) { scratch in
                runTiled(input: input, output: output, scratch: scratch.baseAddress!)
            }
        }
    }

    private func runRows(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let axis = axis
        for row in 0..<outer {
            let x = input + row * axis
            let y = output + row * axis
            var maximum = x[0]
            for index in 1..<axis where x[index] > maximum { maximum = x[index] }
            var sum: Float = 0
            for index in 0..<axis {
                let value = expf(x[index] - maximum)
                y[index] = value
                sum += value
            }
            let reciprocal = 1 / sum
            for index in 0..<axis { y[index] *= reciprocal }
        }
    }

    private func runTiled(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let axis = axis, inner = inner, tile = Self.tile
        let maxima = scratch, sums = scratch + tile
        for block in 0..<outer {
            let blockIn = input + block * axis * inner
            let blockOut = output + block * axis * inner
            var start = 0
            while start < inner {
                let width = min(tile, inner - start)
                let x = blockIn + start
                let y = blockOut + start
                for j in 0..<width { maxima[j] = x[j]; sums[j] = 0 }
                for a in 1..<axis {
                    let row = x + a * inner
                    for j in 0..<width where row[j] > maxima[j] { maxima[j] = row[j] }
                }
                for a in 0..<axis {
                    let rowIn = x + a * inner
                    let rowOut = y + a * inner
                    for j in 0..<width {
                        let value = expf(rowIn[j] - maxima[j])
                        rowOut[j] = value
                        sums[j] += value
                    }
                }
                for j in 0..<width { sums[j] = 1 / sums[j] }
                for a in 0..<axis {
                    let rowOut = y + a * inner
                    for j in 0..<width { rowOut[j] *= sums[j] }
                }
                start += width
            }
        }
    }
}
