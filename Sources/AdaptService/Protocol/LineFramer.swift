/// Newline-delimited messages out of a byte stream, with a bound on a line's length: a client that sends a huge
/// line (or never a newline) gets one error for it and costs at most `maximumLineBytes` of memory, and the lines
/// after it still arrive.
struct LineFramer {
    enum Item: Equatable {
        case line(String)
        /// A line longer than the bound (its bytes were dropped up to its newline).
        case tooLong(bytes: Int)
        /// A line that is not UTF-8.
        case notUTF8
    }

    let maximumLineBytes: Int
    private var pending: [UInt8] = []
    /// Bytes of an over-long line dropped so far; nil when not inside one.
    private var discarding: Int?

    init(maximumLineBytes: Int) {
        self.maximumLineBytes = maximumLineBytes
    }

    /// Feeds bytes as they came off the socket; returns every line they complete, in order.
    mutating func feed(_ bytes: some Collection<UInt8>) -> [Item] {
        var items: [Item] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if let dropped = discarding {
                    items.append(.tooLong(bytes: dropped))
                    discarding = nil
                } else {
                    if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
                    if let text = String(validating: pending, as: UTF8.self) {
                        if !text.allSatisfy(\.isWhitespace) { items.append(.line(text)) }
                    } else {
                        items.append(.notUTF8)
                    }
                }
                pending.removeAll(keepingCapacity: true)
            } else if let dropped = discarding {
                discarding = dropped + 1
            } else if pending.count == maximumLineBytes {
                discarding = pending.count + 1
                pending.removeAll(keepingCapacity: false)
            } else {
                pending.append(byte)
            }
        }
        return items
    }
}
