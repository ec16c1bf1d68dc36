import CZlib

/// gzip decompression through zlib, for the `.gz` files Debian's dataset packages ship.
enum Gzip {
    struct Error: Swift.Error, CustomStringConvertible {
        var description: String
    }

    /// Inflates a whole gzip stream (concatenated members included), or its first `prefix` bytes.
    /// - Parameters:
    ///   - limit: refuse output larger than this many bytes (a damaged or hostile size field cannot exhaust memory).
    ///   - prefix: stop once this many bytes are out (fewer if the stream is shorter): reading the start of a
    ///     large file costs only that start.
    static func decompress(_ compressed: [UInt8], limit: Int = 1 << 30, prefix: Int? = nil) throws -> [UInt8] {
        var stream = z_stream()
        guard CZlib_inflateInitGzip(&stream) == Z_OK else { throw Error(description: "zlib could not start inflating") }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        output.reserveCapacity(min(limit, prefix ?? compressed.count * 4))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var consumed = 0
        while true {
            let status: Int32 = compressed.withUnsafeBufferPointer { input in
                chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + consumed })
                    stream.avail_in = UInt32(input.count - consumed)
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(buffer.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    consumed = input.count - Int(stream.avail_in)
                    return status
                }
            }
            let produced = chunk.count - Int(stream.avail_out)
            guard output.count + produced <= limit else { throw Error(description: "decompressed data exceeds \(limit) bytes") }
            output.append(contentsOf: chunk[..<produced])
            if let prefix, output.count >= prefix { return Array(output.prefix(prefix)) }
            switch status {
            case Z_STREAM_END:
                // Another gzip member may follow; zlib stops at each member's end.
                guard consumed < compressed.count else { return output }
                guard inflateReset(&stream) == Z_OK else { throw Error(description: "zlib could not continue after a gzip member") }
            case Z_OK:
                if produced == 0 && consumed == compressed.count {
                    throw Error(description: "the gzip stream is truncated")
                }
            case Z_BUF_ERROR:
                throw Error(description: "the gzip stream is truncated")
            case Z_DATA_ERROR:
                throw Error(description: "corrupt gzip data (\(stream.msg.map { String(cString: $0) } ?? "bad data"))")
            default:
                throw Error(description: "zlib error \(status)")
            }
        }
    }
}
