/// An IDX array (the format of MNIST and Fashion-MNIST): unsigned bytes with a shape.
struct IDXArray: Sendable, Equatable {
    var shape: [Int]
    var bytes: [UInt8]
}

/// IDX bytes (already decompressed). Only the unsigned-byte element type (0x08) is accepted, which is what every
/// MNIST-style file uses.
enum IDXFormat {
    /// The shape an IDX header declares and the header's length in bytes.
    static func header(_ data: [UInt8]) throws(DatasetError.Reason) -> (shape: [Int], length: Int) {
        guard data.count >= 4 else { throw .malformed("shorter than the 4-byte IDX header") }
        guard data[0] == 0, data[1] == 0 else { throw .malformed("not an IDX file (magic number does not start with two zero bytes)") }
        guard data[2] == 0x08 else { throw .malformed("element type 0x\(String(data[2], radix: 16)) (only unsigned bytes, 0x08, are supported)") }
        let rank = Int(data[3])
        guard rank >= 1, rank <= 4 else { throw .malformed("rank \(rank) (expected 1 to 4)") }
        let headerLength = 4 + 4 * rank
        guard data.count >= headerLength else { throw .malformed("truncated header") }
        var shape: [Int] = []
        var count = 1
        for axis in 0..<rank {
            let offset = 4 + 4 * axis
            let dimension = (Int(data[offset]) << 24) | (Int(data[offset + 1]) << 16) | (Int(data[offset + 2]) << 8) | Int(data[offset + 3])
            shape.append(dimension)
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= 1 << 31 else { throw .malformed("dimensions \(shape) are too large") }
            count = product
        }
        return (shape, headerLength)
    }

    /// The longest header (rank 4).
    static let maximumHeaderLength = 20

    /// Bytes of the header and the first `items` items (along the first axis) of an array of `shape`.
    static func length(ofFirst items: Int, shape: [Int], headerLength: Int) -> Int {
        headerLength + min(items, shape[0]) * shape.dropFirst().reduce(1, *)
    }

    /// The array in `data`; with `firstItems`, only that many items along the first axis (the data may then end
    /// after them).
    static func parse(_ data: [UInt8], firstItems: Int? = nil) throws(DatasetError.Reason) -> IDXArray {
        var (shape, headerLength) = try header(data)
        if let firstItems { shape[0] = min(shape[0], max(0, firstItems)) }
        let count = shape.reduce(1, *)
        let available = data.count - headerLength
        guard firstItems == nil ? available == count : available >= count else {
            throw .malformed("holds \(available) data bytes, its header \(shape) says \(count)")
        }
        return IDXArray(shape: shape, bytes: Array(data[headerLength..<(headerLength + count)]))
    }
}
