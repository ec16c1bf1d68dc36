/// Writes one JSON object into a byte buffer, key by key, in the order given: what a snapshot is sent as ten times a
/// second to every subscriber. JSONEncoder with reflected keys took 2–2.6 ms per snapshot, most of the control
/// socket's CPU; this takes a fraction of that. Numbers are written as Swift prints them (shortest round-trip form).
struct JSONLineWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = []

    init(capacity: Int = 16 * 1024) {
        bytes.reserveCapacity(capacity)
    }

    /// Where a value is not a number JSON can hold (NaN, infinity).
    struct NonFiniteNumber: Error, CustomStringConvertible {
        var key: String
        var description: String { "\"\(key)\" is not a finite number" }
    }

    mutating func beginObject(_ key: String? = nil) {
        if let key { writeKey(key) } else { separate() }
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma.removeLast()
    }

    mutating func beginArray(_ key: String) {
        writeKey(key)
        bytes.append(UInt8(ascii: "["))
        needsComma.append(false)
    }

    mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma.removeLast()
    }

    mutating func string(_ key: String?, _ value: String?) {
        if let key { writeKey(key) } else { separate() }
        guard let value else { return writeNull() }
        writeQuoted(value)
    }

    mutating func number(_ key: String?, _ value: Double?) throws(NonFiniteNumber) {
        if let key { writeKey(key) } else { separate() }
        guard let value else { return writeNull() }
        guard value.isFinite else { throw NonFiniteNumber(key: key ?? "array element") }
        // Integral values as integers, as JSONEncoder writes them ("8", not "8.0").
        if value == value.rounded(), abs(value) < 1e15 {
            bytes.append(contentsOf: String(Int64(value)).utf8)
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    mutating func integer(_ key: String, _ value: Int?) {
        writeKey(key)
        guard let value else { return writeNull() }
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func bool(_ key: String, _ value: Bool) {
        writeKey(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    private mutating func separate() {
        guard !needsComma.isEmpty else { return }
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    private mutating func writeKey(_ key: String) {
        separate()
        writeQuoted(key)
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func writeNull() {
        bytes.append(contentsOf: "null".utf8)
    }

    private mutating func writeQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
            case 0x0A: bytes.append(contentsOf: #"\n"#.utf8)
            case 0x0D: bytes.append(contentsOf: #"\r"#.utf8)
            case 0x09: bytes.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: #"\u00"#.utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
