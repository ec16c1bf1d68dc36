/// ONNX Pad for rank 0…6 with non-negative pads, in `constant`, `reflect` or `edge` mode.
///
/// At creation every output coordinate of every axis is mapped to the input offset it reads
/// (or to "padding value" in constant mode), so running is a walk over output rows: whole padded
/// blocks are filled at once, and each row is a copy of the input row plus its few edge elements.
/// `output` must not alias `input`.
public struct PadKernel: Sendable {
    public enum Mode: Sendable, Equatable {
        /// Pad with a fixed value (ONNX `constant`, default value 0).
        case constant(Float)
        /// Mirror without repeating the edge: `[1, 2, 3]` with 2 before → `[3, 2, 1, 2, 3]`.
        case reflect
        /// Repeat the edge value.
        case edge
    }

    public let shape: [Int]
    public let pre: [Int]
    public let post: [Int]
    public let mode: Mode
    public let outputShape: [Int]
    public let count: Int
    public let outputCount: Int

    /// Output sizes padded to 6 axes.
    let sizes: [Int]
    /// For axis `a`, `offsets[tableStart[a] + o]` is the input offset (coordinate × input stride)
    /// output coordinate `o` reads, or −1 for the padding value.
    let offsets: [Int]
    let tableStart: [Int]
    /// Elements of output below one coordinate of each axis.
    let blocks: [Int]
    /// Pre and post padding, and input size, of the last axis.
    let lastPre: Int
    let lastInput: Int
    let lastPost: Int
    let value: Float

    public init(shape: [Int], pre: [Int], post: [Int], mode: Mode) throws {
        let rank = shape.count
        guard rank <= KernelShape.maxRank else {
            throw KernelError.invalidParameters(kernel: "Pad", reason: "rank \(rank) exceeds \(KernelShape.maxRank)")
        }
        guard pre.count == rank, post.count == rank else {
            throw KernelError.invalidParameters(kernel: "Pad", reason: "\(pre.count) pre and \(post.count) post pads for rank \(rank)")
        }
        guard pre.allSatisfy({ $0 >= 0 }), post.allSatisfy({ $0 >= 0 }) else {
            throw KernelError.invalidParameters(kernel: "Pad", reason: "negative pads (pre \(pre), post \(post)) are not supported")
        }
        let outputShape = (0..<rank).map { shape[$0] + pre[$0] + post[$0] }
        guard let count = KernelShape.elementCount(shape), let outputCount = KernelShape.elementCount(outputShape) else {
            throw KernelError.invalidParameters(kernel: "Pad", reason: "invalid shape \(shape) padded to \(outputShape)")
        }
        for axis in 0..<rank where pre[axis] > 0 || post[axis] > 0 {
            switch mode {
            case .constant: break
            case .reflect:
                guard pre[axis] < shape[axis], post[axis] < shape[axis] else {
                    throw KernelError.invalidParameters(
                        kernel: "Pad",
                        reason: "reflect padding of axis \(axis) (pre \(pre[axis]), post \(post[axis])) must be smaller than its size \(shape[axis])")
                }
            case .edge:
                guard shape[axis] > 0 else {
                    throw KernelError.invalidParameters(kernel: "Pad", reason: "edge padding of empty axis \(axis)")
                }
            }
        }
        self.shape = shape
        self.pre = pre
        self.post = post
        self.mode = mode
        self.outputShape = outputShape
        self.count = count
        self.outputCount = outputCount
        if case .constant(let value) = mode { self.value = value } else { self.value = 0 }

        let padding = KernelShape.maxRank - rank
        let inShape = Array(repeating: 1, count: padding) + shape
        let before = Array(repeating: 0, count: padding) + pre
        let after = Array(repeating: 0, count: padding) + post
        let sizes = Array(repeating: 1, count: padding) + outputShape
        let inStrides = KernelShape.strides(inShape)
        var offsets: [Int] = []
        var tableStart: [Int] = []
        for axis in 0..<KernelShape.maxRank {
            tableStart.append(offsets.count)
            let size = inShape[axis]
            for o in 0..<sizes[axis] {
                var index = o - before[axis]
                if index < 0 || index >= size {
                    switch mode {
                    case .constant: index = -1
                    case .reflect: index = index < 0 ? -index : 2 * (size - 1) - index
                    case .edge: index = index < 0 ? 0 : size - 1
                    }
                }
                offsets.append(index < 0 ? -1 : index * inStrides[axis])
            }
        }
        self.sizes = sizes
        self.offsets = offsets
        self.tableStart = tableStart
        self.blocks = KernelShape.strides(sizes)
        self.lastPre = before[KernelShape.maxRank - 1]
        self.lastInput = inShape[KernelShape.maxRank - 1]
        self.lastPost = after[KernelShape.maxRank - 1]
    }

    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        guard outputCount > 0 else { return }
        let n0 = sizes[0], n1 = sizes[1], n2 = sizes[2], n3 = sizes[3], n4 = sizes[4]
        let t0 = tableStart[0], t1 = tableStart[1], t2 = tableStart[2], t3 = tableStart[3], t4 = tableStart[4], t5 = tableStart[5]
        let b0 = blocks[0], b1 = blocks[1], b2 = blocks[2], b3 = blocks[3], row = blocks[4]
        let lastPre = lastPre, lastInput = lastInput, lastPost = lastPost, value = value
        offsets.withUnsafeBufferPointer { table in
            let map = table.baseAddress!
            let lastMap = map + t5
            var out = output
            for i0 in 0..<n0 {
                let o0 = map[t0 + i0]
                if o0 < 0 { out.update(repeating: value, count: b0); out += b0; continue }
                for i1 in 0..<n1 {
                    let o1 = map[t1 + i1]
                    if o1 < 0 { out.update(repeating: value, count: b1); out += b1; continue }
                    for i2 in 0..<n2 {
                        let o2 = map[t2 + i2]
                        if o2 < 0 { out.update(repeating: value, count: b2); out += b2; continue }
                        for i3 in 0..<n3 {
                            let o3 = map[t3 + i3]
                            if o3 < 0 { out.update(repeating: value, count: b3); out += b3; continue }
                            let base = o0 + o1 + o2 + o3
                            for i4 in 0..<n4 {
                                let o4 = map[t4 + i4]
                                if o4 < 0 { out.update(repeating: value, count: row); out += row; continue }
                                let source = input + (base + o4)
                                for i in 0..<lastPre {
                                    let offset = lastMap[i]
                                    out[i] = offset < 0 ? value : source[offset]
                                }
                                (out + lastPre).update(from: source, count: lastInput)
                                let tail = lastPre + lastInput
                                for i in tail..<tail + lastPost {
                                    let offset = lastMap[i]
                                    out[i] = offset < 0 ? value : source[offset]
                                }
                                out += row
                            }
                        }
                    }
                }
            }
        }
    }
}
