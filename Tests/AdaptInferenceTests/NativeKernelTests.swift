@testable import AdaptInference
import Foundation
import Testing

// MARK: - Helpers


private func randomValues(_ count: Int, in range: ClosedRange<Float> = -3...3, using generator: inout SeededGenerator) -> [Float] {
    (0..<count).map { _ in Float.random(in: range, using: &generator) }
}

/// Runs a one-input kernel on `input` into a fresh output of `outputCount` elements.
private func apply(_ input: [Float], outputCount: Int, _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
    // A sentinel fill catches elements a kernel forgets to write.
    var output = [Float](repeating: .nan, count: outputCount)
    input.withUnsafeBufferPointer { source in
        output.withUnsafeMutableBufferPointer { destination in
            // Empty arrays may have no base address; kernels must not touch memory then.
            let sourceBase = source.baseAddress ?? UnsafePointer(bitPattern: 0x10)!
            let destinationBase = destination.baseAddress ?? UnsafeMutablePointer(bitPattern: 0x10)!
            body(sourceBase, destinationBase)
        }
    }
    return output
}

private func expectClose(_ actual: [Float], _ expected: [Float], tolerance: Float = 1e-5,
                         _ comment: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "count \(actual.count) vs \(expected.count) \(comment())", sourceLocation: sourceLocation)
    guard actual.count == expected.count else { return }
    for index in actual.indices {
        let a = actual[index], e = expected[index]
        if a.isNaN || e.isNaN || abs(a - e) > tolerance * max(1, abs(e)) {
            Issue.record("element \(index): \(a) vs expected \(e) \(comment())", sourceLocation: sourceLocation)
            return
        }
    }
}

private func strides(of shape: [Int]) -> [Int] {
    var result = [Int](repeating: 1, count: shape.count)
    var stride = 1
    for axis in shape.indices.reversed() {
        result[axis] = stride
        stride *= shape[axis]
    }
    return result
}

/// Every multi-index of `shape` in row-major order.
private func allIndices(_ shape: [Int]) -> [[Int]] {
    if shape.contains(0) { return [] }
    var result: [[Int]] = []
    var index = [Int](repeating: 0, count: shape.count)
    while true {
        result.append(index)
        var axis = shape.count - 1
        while axis >= 0 {
            index[axis] += 1
            if index[axis] < shape[axis] { break }
            index[axis] = 0
            axis -= 1
        }
        if axis < 0 { return result }
    }
}

private func flat(_ index: [Int], _ strides: [Int]) -> Int {
    zip(index, strides).reduce(0) { $0 + $1.0 * $1.1 }
}

private func kernelError(_ body: () throws -> Void) -> KernelError? {
    do {
        try body()
        return nil
    } catch let error as KernelError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

// MARK: - Tests

@Suite("NativeKernel")
struct NativeKernelTests {
    // MARK: Elementwise

    @Test func tanh() {
        var generator = SeededGenerator(seed: 1)
        let input = randomValues(1000, in: -10...10, using: &generator) + [0, -0.0, 50, -50, .infinity, -.infinity]
        let kernel = TanhKernel(count: input.count)
        let output = apply(input, outputCount: input.count) { kernel.run(input: $0, output: $1) }
        expectClose(output, input.map { Float(Foundation.tanh(Double($0))) }, tolerance: 1e-6)
        expectClose(apply([0, 1, -1], outputCount: 3) { TanhKernel(count: 3).run(input: $0, output: $1) },
                    [0, 0.7615942, -0.7615942])
    }

    @Test func tanhInPlace() {
        var values: [Float] = [0.5, -2, 3]
        values.withUnsafeMutableBufferPointer { TanhKernel(count: 3).run(input: $0.baseAddress!, output: $0.baseAddress!) }
        expectClose(values, [0.46211716, -0.9640276, 0.9950547])
    }

    @Test func hardSigmoid() {
        var generator = SeededGenerator(seed: 2)
        let input = randomValues(1000, in: -8...8, using: &generator)
        for (alpha, beta) in [(Float(0.2), Float(0.5)), (1.0 / 6.0, 0.5), (-0.3, 0.1)] {
            let kernel = HardSigmoidKernel(count: input.count, alpha: alpha, beta: beta)
            let output = apply(input, outputCount: input.count) { kernel.run(input: $0, output: $1) }
            expectClose(output, input.map { max(0, min(1, alpha * $0 + beta)) }, tolerance: 0, "alpha \(alpha) beta \(beta)")
        }
        let example = apply([-5, -2.5, 0, 1, 2.5, 10], outputCount: 6) { HardSigmoidKernel(count: 6).run(input: $0, output: $1) }
        expectClose(example, [0, 0, 0.5, 0.7, 1, 1])
    }

    // MARK: LRN

    private func referenceLRN(_ x: [Float], pixels: Int, channels: Int, size: Int, alpha: Float, beta: Float, bias: Float) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        let lower = (size - 1) / 2, upper = size - 1 - lower
        for p in 0..<pixels {
            for c in 0..<channels {
                var sum: Double = 0
                for k in max(0, c - lower)...min(channels - 1, c + upper) {
                    sum += Double(x[p * channels + k]) * Double(x[p * channels + k])
                }
                let base = Double(bias) + Double(alpha) / Double(size) * sum
                y[p * channels + c] = Float(Double(x[p * channels + c]) / Foundation.pow(base, Double(beta)))
            }
        }
        return y
    }

    @Test func lrnHandComputed() throws {
        let x: [Float] = [1, 2, 3, 4, 5]
        // size 3, alpha/size = 1, beta 1, bias 1: y = x / (1 + Σ window x²).
        let odd = try LRNKernel(pixels: 1, channels: 5, size: 3, alpha: 3, beta: 1, bias: 1)
        expectClose(apply(x, outputCount: 5) { odd.run(input: $0, output: $1) }, [1.0 / 6, 2.0 / 15, 3.0 / 30, 4.0 / 51, 5.0 / 42])
        // size 2: window [c, c+1]; alpha/size = 1, beta 1, bias 0.
        let even = try LRNKernel(pixels: 1, channels: 5, size: 2, alpha: 2, beta: 1, bias: 0)
        expectClose(apply(x, outputCount: 5) { even.run(input: $0, output: $1) }, [1.0 / 5, 2.0 / 13, 3.0 / 25, 4.0 / 41, 5.0 / 25])
        // size 1 and beta 0.5: y = x / sqrt(1 + x²).
        let single = try LRNKernel(pixels: 1, channels: 5, size: 1, alpha: 1, beta: 0.5, bias: 1)
        expectClose(apply(x, outputCount: 5) { single.run(input: $0, output: $1) }, x.map { $0 / (1 + $0 * $0).squareRoot() })
        // A window wider than the channels covers all of them.
        let wide = try LRNKernel(pixels: 1, channels: 5, size: 11, alpha: 11, beta: 1, bias: 0)
        expectClose(apply(x, outputCount: 5) { wide.run(input: $0, output: $1) }, x.map { $0 / 55 })
    }

    @Test("LRN matches the reference", arguments: [
        (7, 16, 5, Float(1e-4), Float(0.75), Float(1)),
        (3, 64, 5, 2e-5, 0.75, 1),
        (5, 9, 4, 0.5, 0.6, 2),
        (2, 3, 7, 1, 1.5, 0.5),
        (4, 1, 3, 0.1, 0.75, 1),
        (0, 8, 3, 0.1, 0.75, 1),
    ] as [(Int, Int, Int, Float, Float, Float)])
    func lrnRandom(pixels: Int, channels: Int, size: Int, alpha: Float, beta: Float, bias: Float) throws {
        var generator = SeededGenerator(seed: UInt64(pixels * 1000 + channels * 10 + size))
        let x = randomValues(pixels * channels, in: -20...20, using: &generator)
        let kernel = try LRNKernel(pixels: pixels, channels: channels, size: size, alpha: alpha, beta: beta, bias: bias)
        let output = apply(x, outputCount: x.count) { kernel.run(input: $0, output: $1) }
        expectClose(output, referenceLRN(x, pixels: pixels, channels: channels, size: size, alpha: alpha, beta: beta, bias: bias), tolerance: 2e-5)
    }

    @Test func lrnRejectsBadSize() {
        #expect(kernelError { _ = try LRNKernel(pixels: 1, channels: 4, size: 0) } != nil)
        #expect(kernelError { _ = try LRNKernel(pixels: -1, channels: 4, size: 3) } != nil)
    }

    // MARK: Transpose

    private func referenceTranspose(_ x: [Float], shape: [Int], permutation: [Int]) -> [Float] {
        let outputShape = permutation.map { shape[$0] }
        let inputStrides = strides(of: shape)
        return allIndices(outputShape).map { outIndex in
            var inIndex = [Int](repeating: 0, count: shape.count)
            for k in permutation.indices { inIndex[permutation[k]] = outIndex[k] }
            return x[flat(inIndex, inputStrides)]
        }
    }

    private func checkTranspose(shape: [Int], permutation: [Int], seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let count = shape.reduce(1, *)
        let x = randomValues(count, using: &generator)
        let reference = referenceTranspose(x, shape: shape, permutation: permutation)
        // The portable loop, and the AVX 8×8 blocks the XNNPACK backend plugs in where the CPU has them.
        for matrixTranspose in [nil, XNNPACKLowering.availableMatrixTranspose] {
            let kernel = try TransposeKernel(shape: shape, permutation: permutation, matrixTranspose: matrixTranspose)
            #expect(kernel.outputShape == permutation.map { shape[$0] })
            let output = apply(x, outputCount: count) { kernel.run(input: $0, output: $1) }
            expectClose(output, reference, tolerance: 0, "shape \(shape) perm \(permutation) native \(matrixTranspose != nil)")
        }
    }

    @Test func transposeHandComputed() throws {
        let kernel = try TransposeKernel(shape: [2, 3], permutation: [1, 0])
        #expect(kernel.outputShape == [3, 2])
        expectClose(apply([1, 2, 3, 4, 5, 6], outputCount: 6) { kernel.run(input: $0, output: $1) }, [1, 4, 2, 5, 3, 6])
        let identity = try TransposeKernel(shape: [2, 3], permutation: [0, 1])
        expectClose(apply([1, 2, 3, 4, 5, 6], outputCount: 6) { identity.run(input: $0, output: $1) }, [1, 2, 3, 4, 5, 6])
        // NCHW [1, 2, 2, 2] → NHWC.
        let nhwc = try TransposeKernel(shape: [1, 2, 2, 2], permutation: [0, 2, 3, 1])
        expectClose(apply([0, 1, 2, 3, 10, 11, 12, 13], outputCount: 8) { nhwc.run(input: $0, output: $1) }, [0, 10, 1, 11, 2, 12, 3, 13])
    }

    @Test("layout transposes NCHW↔NHWC", arguments: [
        [1, 3, 4, 5], [2, 8, 7, 9], [1, 64, 33, 35], [3, 1, 5, 5], [2, 5, 1, 1], [1, 100, 1, 70], [1, 72, 17, 9],
        [2, 130, 10, 7],
    ])
    func transposeLayouts(shape: [Int]) throws {
        try checkTranspose(shape: shape, permutation: [0, 2, 3, 1], seed: 11)
        let nhwc = [shape[0], shape[2], shape[3], shape[1]]
        try checkTranspose(shape: nhwc, permutation: [0, 3, 1, 2], seed: 12)
    }

    @Test func transposeAllRank4Permutations() throws {
        let shape = [2, 3, 4, 5]
        var permutations: [[Int]] = [[]]
        for _ in 0..<4 {
            permutations = permutations.flatMap { prefix in (0..<4).filter { !prefix.contains($0) }.map { prefix + [$0] } }
        }
        #expect(permutations.count == 24)
        for (seed, permutation) in permutations.enumerated() {
            try checkTranspose(shape: shape, permutation: permutation, seed: UInt64(seed))
            try checkTranspose(shape: [3, 1, 4, 2], permutation: permutation, seed: UInt64(seed))
        }
    }

    @Test func transposeRandomRanks() throws {
        var generator = SeededGenerator(seed: 99)
        for trial in 0..<200 {
            let rank = Int.random(in: 1...6, using: &generator)
            let shape = (0..<rank).map { _ in Int.random(in: 1...(rank > 4 ? 4 : 6), using: &generator) }
            let permutation = Array(0..<rank).shuffled(using: &generator)
            try checkTranspose(shape: shape, permutation: permutation, seed: UInt64(trial))
        }
        try checkTranspose(shape: [5], permutation: [0], seed: 1)
        try checkTranspose(shape: [1, 1, 1], permutation: [2, 0, 1], seed: 1)
        try checkTranspose(shape: [2, 0, 3], permutation: [2, 1, 0], seed: 1)
    }

    @Test func transposeRejectsBadParameters() {
        #expect(kernelError { _ = try TransposeKernel(shape: [2, 3], permutation: [0, 0]) } != nil)
        #expect(kernelError { _ = try TransposeKernel(shape: [2, 3], permutation: [1, 2]) } != nil)
        #expect(kernelError { _ = try TransposeKernel(shape: [2, 3], permutation: [1]) } != nil)
        #expect(kernelError { _ = try TransposeKernel(shape: [], permutation: []) } != nil)
        #expect(kernelError { _ = try TransposeKernel(shape: [1, 1, 1, 1, 1, 1, 1], permutation: Array(0..<7)) } != nil)
    }

    // MARK: Pad

    private func referencePad(_ x: [Float], shape: [Int], pre: [Int], post: [Int], mode: PadKernel.Mode) -> [Float] {
        let outputShape = shape.indices.map { shape[$0] + pre[$0] + post[$0] }
        let inputStrides = strides(of: shape)
        return allIndices(outputShape).map { outIndex in
            var inIndex: [Int] = []
            for axis in shape.indices {
                var i = outIndex[axis] - pre[axis]
                let n = shape[axis]
                if i < 0 || i >= n {
                    switch mode {
                    case .constant(let value): return value
                    case .edge: i = min(max(i, 0), n - 1)
                    case .reflect:
                        while i < 0 || i >= n { i = i < 0 ? -i : 2 * (n - 1) - i }
                    }
                }
                inIndex.append(i)
            }
            return x[flat(inIndex, inputStrides)]
        }
    }

    private func runPad(_ x: [Float], shape: [Int], pre: [Int], post: [Int], mode: PadKernel.Mode) throws -> [Float] {
        let kernel = try PadKernel(shape: shape, pre: pre, post: post, mode: mode)
        #expect(kernel.outputShape == shape.indices.map { shape[$0] + pre[$0] + post[$0] })
        return apply(x, outputCount: kernel.outputCount) { kernel.run(input: $0, output: $1) }
    }

    @Test func padHandComputed() throws {
        expectClose(try runPad([1, 2, 3], shape: [3], pre: [2], post: [0], mode: .reflect), [3, 2, 1, 2, 3])
        expectClose(try runPad([1, 2, 3], shape: [3], pre: [2], post: [2], mode: .reflect), [3, 2, 1, 2, 3, 2, 1])
        expectClose(try runPad([1, 2, 3], shape: [3], pre: [2], post: [1], mode: .edge), [1, 1, 1, 2, 3, 3])
        expectClose(try runPad([1, 2, 3], shape: [3], pre: [1], post: [2], mode: .constant(-1)), [-1, 1, 2, 3, -1, -1])
        // ONNX Pad documentation example: constant mode, pads [0, 2, 0, 0].
        expectClose(try runPad([1.0, 1.2, 2.3, 3.4, 4.5, 5.7], shape: [3, 2], pre: [0, 2], post: [0, 0], mode: .constant(0)),
                    [0, 0, 1.0, 1.2, 0, 0, 2.3, 3.4, 0, 0, 4.5, 5.7])
        // Reflect on the same input (the ONNX documentation's pre 2 on a size-2 axis is rejected: pad < dim).
        expectClose(try runPad([1.0, 1.2, 2.3, 3.4, 4.5, 5.7], shape: [3, 2], pre: [0, 1], post: [0, 0], mode: .reflect),
                    [1.2, 1.0, 1.2, 3.4, 2.3, 3.4, 5.7, 4.5, 5.7])
        expectClose(try runPad([1.0, 1.2, 2.3, 3.4, 4.5, 5.7], shape: [3, 2], pre: [2, 0], post: [1, 1], mode: .reflect),
                    [4.5, 5.7, 4.5, 2.3, 3.4, 2.3, 1.0, 1.2, 1.0, 2.3, 3.4, 2.3, 4.5, 5.7, 4.5, 2.3, 3.4, 2.3])
        // ONNX Pad documentation example: edge mode.
        expectClose(try runPad([1.0, 1.2, 2.3, 3.4, 4.5, 5.7], shape: [3, 2], pre: [0, 2], post: [0, 0], mode: .edge),
                    [1.0, 1.0, 1.0, 1.2, 2.3, 2.3, 2.3, 3.4, 4.5, 4.5, 4.5, 5.7])
        // 2-D constant on both axes.
        expectClose(try runPad([1, 2, 3, 4], shape: [2, 2], pre: [1, 0], post: [0, 1], mode: .constant(9)),
                    [9, 9, 9, 1, 2, 9, 3, 4, 9])
    }

    @Test func padRandom() throws {
        var generator = SeededGenerator(seed: 7)
        for trial in 0..<300 {
            let rank = Int.random(in: 1...6, using: &generator)
            let shape = (0..<rank).map { _ in Int.random(in: 1...(rank > 4 ? 3 : 5), using: &generator) }
            let mode: PadKernel.Mode = switch trial % 3 {
            case 0: .constant(Float.random(in: -2...2, using: &generator))
            case 1: .reflect
            default: .edge
            }
            let limit: (Int) -> Int = { dim in
                if case .reflect = mode { return dim - 1 }
                return 3
            }
            let pre = shape.map { Int.random(in: 0...limit($0), using: &generator) }
            let post = shape.map { Int.random(in: 0...limit($0), using: &generator) }
            let x = randomValues(shape.reduce(1, *), using: &generator)
            expectClose(try runPad(x, shape: shape, pre: pre, post: post, mode: mode),
                        referencePad(x, shape: shape, pre: pre, post: post, mode: mode),
                        tolerance: 0, "shape \(shape) pre \(pre) post \(post) mode \(mode)")
        }
    }

    @Test func padNCHWSpatial() throws {
        var generator = SeededGenerator(seed: 8)
        let shape = [2, 3, 17, 19]
        let x = randomValues(shape.reduce(1, *), using: &generator)
        for mode in [PadKernel.Mode.constant(0), .reflect, .edge] {
            let pre = [0, 0, 3, 1], post = [0, 0, 2, 4]
            expectClose(try runPad(x, shape: shape, pre: pre, post: post, mode: mode),
                        referencePad(x, shape: shape, pre: pre, post: post, mode: mode), tolerance: 0, "mode \(mode)")
        }
    }

    @Test func padEdgeCases() throws {
        // No padding copies; rank 0 copies the scalar.
        expectClose(try runPad([1, 2, 3, 4], shape: [2, 2], pre: [0, 0], post: [0, 0], mode: .reflect), [1, 2, 3, 4])
        expectClose(try runPad([5], shape: [], pre: [], post: [], mode: .constant(0)), [5])
        // Constant padding around an empty axis.
        expectClose(try runPad([], shape: [0, 2], pre: [1, 1], post: [1, 0], mode: .constant(4)), [4, 4, 4, 4, 4, 4])
        expectClose(try runPad([], shape: [2, 0], pre: [0, 1], post: [0, 1], mode: .constant(3)), [3, 3, 3, 3])
    }

    @Test func padRejectsBadParameters() {
        let tooWide = kernelError { _ = try PadKernel(shape: [3], pre: [3], post: [0], mode: .reflect) }
        #expect(tooWide != nil)
        #expect(tooWide?.description.contains("reflect") == true)
        #expect(kernelError { _ = try PadKernel(shape: [1, 4], pre: [0, 0], post: [1, 0], mode: .reflect) } != nil)
        #expect(kernelError { _ = try PadKernel(shape: [0], pre: [1], post: [0], mode: .edge) } != nil)
        #expect(kernelError { _ = try PadKernel(shape: [3], pre: [-1], post: [0], mode: .constant(0)) } != nil)
        #expect(kernelError { _ = try PadKernel(shape: [3, 3], pre: [1], post: [1], mode: .constant(0)) } != nil)
        #expect(kernelError { _ = try PadKernel(shape: Array(repeating: 1, count: 7), pre: Array(repeating: 0, count: 7), post: Array(repeating: 0, count: 7), mode: .edge) } != nil)
        #expect(kernelError { _ = try PadKernel(shape: [3], pre: [2], post: [2], mode: .reflect) } == nil)
    }

    // MARK: Softmax

    private func referenceSoftmax(_ x: [Float], outer: Int, axis: Int, inner: Int) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        for o in 0..<outer {
            for i in 0..<inner {
                let index = { (a: Int) in (o * axis + a) * inner + i }
                let maximum = (0..<axis).map { Double(x[index($0)]) }.max()!
                let sum = (0..<axis).reduce(0.0) { $0 + Foundation.exp(Double(x[index($1)]) - maximum) }
                for a in 0..<axis { y[index(a)] = Float(Foundation.exp(Double(x[index(a)]) - maximum) / sum) }
            }
        }
        return y
    }

    @Test("softmax matches the reference", arguments: [
        (1, 10, 1), (4, 1000, 1), (3, 1, 1), (2, 5, 7), (1, 8, 64), (3, 6, 100), (2, 3, 130), (5, 1, 65), (1, 21, 49 * 49),
    ])
    func softmaxRandom(outer: Int, axis: Int, inner: Int) {
        var generator = SeededGenerator(seed: UInt64(outer * 7919 + axis * 31 + inner))
        let x = randomValues(outer * axis * inner, in: -10...10, using: &generator)
        let kernel = SoftmaxKernel(outer: outer, axis: axis, inner: inner)
        let output = apply(x, outputCount: x.count) { kernel.run(input: $0, output: $1) }
        expectClose(output, referenceSoftmax(x, outer: outer, axis: axis, inner: inner), tolerance: 1e-5)
    }

    @Test func softmaxHandComputed() {
        let expected: [Float] = [0.09003057, 0.24472847, 0.66524096]
        expectClose(apply([1, 2, 3], outputCount: 3) { SoftmaxKernel(outer: 1, axis: 3, inner: 1).run(input: $0, output: $1) }, expected)
        // Large inputs stay finite (max subtraction).
        expectClose(apply([1000, 1001, 1002], outputCount: 3) { SoftmaxKernel(outer: 1, axis: 3, inner: 1).run(input: $0, output: $1) }, expected)
        // Axis 0 of a [3, 2] tensor: columns normalise independently.
        let columns = apply([1, -1000, 2, -1001, 3, -1002], outputCount: 6) { SoftmaxKernel(outer: 1, axis: 3, inner: 2).run(input: $0, output: $1) }
        expectClose(columns, [expected[0], expected[2], expected[1], expected[1], expected[2], expected[0]])
    }

    @Test func softmaxInPlace() {
        var generator = SeededGenerator(seed: 5)
        let x = randomValues(2 * 7 * 70, using: &generator)
        var values = x
        let kernel = SoftmaxKernel(outer: 2, axis: 7, inner: 70)
        values.withUnsafeMutableBufferPointer { kernel.run(input: $0.baseAddress!, output: $0.baseAddress!) }
        expectClose(values, referenceSoftmax(x, outer: 2, axis: 7, inner: 70))
    }

    // MARK: Broadcast binary

    private func referenceBroadcast(_ op: BroadcastBinaryKernel.Op, _ a: [Float], _ aShape: [Int], _ b: [Float], _ bShape: [Int]) -> (shape: [Int], values: [Float]) {
        let rank = max(aShape.count, bShape.count)
        let aFull = Array(repeating: 1, count: rank - aShape.count) + aShape
        let bFull = Array(repeating: 1, count: rank - bShape.count) + bShape
        let shape = (0..<rank).map { aFull[$0] == 1 ? bFull[$0] : aFull[$0] }
        let aStrides = strides(of: aFull), bStrides = strides(of: bFull)
        let values = allIndices(shape).map { index -> Float in
            var ai = 0, bi = 0
            for axis in 0..<rank {
                if aFull[axis] != 1 { ai += index[axis] * aStrides[axis] }
                if bFull[axis] != 1 { bi += index[axis] * bStrides[axis] }
            }
            switch op {
            case .add: return a[ai] + b[bi]
            case .sub: return a[ai] - b[bi]
            case .mul: return a[ai] * b[bi]
            case .div: return a[ai] / b[bi]
            }
        }
        return (shape, values)
    }

    private func runBroadcast(_ kernel: BroadcastBinaryKernel, _ a: [Float], _ b: [Float]) -> [Float] {
        var output = [Float](repeating: .nan, count: kernel.outputCount)
        a.withUnsafeBufferPointer { lhs in
            b.withUnsafeBufferPointer { rhs in
                output.withUnsafeMutableBufferPointer { out in
                    guard let l = lhs.baseAddress, let r = rhs.baseAddress, let o = out.baseAddress else { return }
                    kernel.run(lhs: l, rhs: r, output: o)
                }
            }
        }
        return output
    }

    @Test func broadcastHandComputed() throws {
        let add = try BroadcastBinaryKernel(op: .add, lhsShape: [2, 1], rhsShape: [3])
        #expect(add.outputShape == [2, 3])
        expectClose(runBroadcast(add, [1, 2], [10, 20, 30]), [11, 21, 31, 12, 22, 32])
        let sub = try BroadcastBinaryKernel(op: .sub, lhsShape: [], rhsShape: [2, 2])
        #expect(sub.outputShape == [2, 2])
        expectClose(runBroadcast(sub, [10], [1, 2, 3, 4]), [9, 8, 7, 6])
        let div = try BroadcastBinaryKernel(op: .div, lhsShape: [2, 2], rhsShape: [2, 1])
        expectClose(runBroadcast(div, [2, 4, 9, 12], [2, 3]), [1, 2, 3, 4])
        let mul = try BroadcastBinaryKernel(op: .mul, lhsShape: [1, 3, 1, 1], rhsShape: [2, 1, 1, 2])
        #expect(mul.outputShape == [2, 3, 1, 2])
        expectClose(runBroadcast(mul, [1, 2, 3], [10, 100, -1, -10]), [10, 100, 20, 200, 30, 300, -1, -10, -2, -20, -3, -30])
    }

    @Test("broadcast matches the reference", arguments: [
        ([2, 3, 4], [2, 3, 4]), ([2, 3, 4], [4]), ([2, 3, 4], []), ([], [5]), ([2, 1, 4], [3, 1]),
        ([1, 16, 8, 8], [1, 16, 1, 1]), ([1, 8, 8, 16], [16]), ([5, 1], [1, 6]), ([3, 1, 2, 1, 2, 1], [1, 2, 1, 3, 1, 2]),
        ([2, 2, 2, 2, 2, 2], [2, 1, 2, 1, 2, 1]), ([4, 1, 3], [1, 5, 1]), ([0, 3], [1, 3]), ([1], [1]), ([7, 1, 1], [1, 1, 9]),
    ] as [([Int], [Int])])
    func broadcastRandom(lhsShape: [Int], rhsShape: [Int]) throws {
        var generator = SeededGenerator(seed: UInt64(lhsShape.reduce(3, *) * 17 + rhsShape.count))
        let a = randomValues(lhsShape.reduce(1, *), using: &generator)
        let b = randomValues(rhsShape.reduce(1, *), in: 0.5...3, using: &generator)
        for op in [BroadcastBinaryKernel.Op.add, .sub, .mul, .div] {
            for (lShape, rShape, l, r) in [(lhsShape, rhsShape, a, b), (rhsShape, lhsShape, b, a)] {
                let kernel = try BroadcastBinaryKernel(op: op, lhsShape: lShape, rhsShape: rShape)
                let reference = referenceBroadcast(op, l, lShape, r, rShape)
                #expect(kernel.outputShape == reference.shape)
                #expect(kernel.outputCount == reference.values.count)
                expectClose(runBroadcast(kernel, l, r), reference.values, tolerance: 0, "\(op) \(lShape) \(rShape)")
            }
        }
    }

    @Test func broadcastRejectsIncompatibleShapes() {
        let error = kernelError { _ = try BroadcastBinaryKernel(op: .add, lhsShape: [2, 3], rhsShape: [4]) }
        #expect(error != nil)
        #expect(error?.description.contains("[2, 3]") == true)
        #expect(kernelError { _ = try BroadcastBinaryKernel(op: .mul, lhsShape: [0], rhsShape: [2]) } != nil)
        #expect(kernelError { _ = try BroadcastBinaryKernel(op: .mul, lhsShape: Array(repeating: 1, count: 7), rhsShape: [1]) } != nil)
    }
}
