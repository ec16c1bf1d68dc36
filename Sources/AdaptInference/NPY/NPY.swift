import Foundation

/// A dense array read from or written to a NumPy `.npy` file, always held as `Float` in C (row-major) order.
public struct NPYArray: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == values.count,
                     "shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        self.values = values
    }

    /// Number of elements the shape describes (1 for a scalar).
    public var count: Int { shape.reduce(1, *) }
}

/// Everything that can go wrong reading or writing a `.npy` file, each naming the file and what is wrong.
public enum NPYError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or read (missing, a directory, no permission).
    case unreadable(file: String, reason: String)
    /// The file could not be written.
    case unwritable(file: String, reason: String)
    /// The file does not start with the `\x93NUMPY` magic string.
    case notNPY(file: String)
    /// A format version other than 1.0, 2.0 or 3.0.
    case unsupportedVersion(file: String, major: Int, minor: Int)
    /// The file ends before its header or its data does.
    case truncated(file: String, reason: String)
    /// The header is not the dictionary literal the format prescribes, or its values make no sense.
    case badHeader(file: String, reason: String)
    /// An element type we do not convert to `Float` (structured, strings, complex, objects…).
    case unsupportedDType(file: String, descr: String)
    /// The array is stored in Fortran (column-major) order; only C order is supported.
    case fortranOrder(file: String)
    /// Bytes follow the array data.
    case trailingData(file: String, extraBytes: Int)
    /// An array to be written whose shape and values disagree.
    case invalidArray(file: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): "\(file): cannot read: \(reason)"
        case .unwritable(let file, let reason): "\(file): cannot write: \(reason)"
        case .notNPY(let file): "\(file): not a .npy file (missing \\x93NUMPY magic)"
        case .unsupportedVersion(let file, let major, let minor):
            "\(file): unsupported .npy format version \(major).\(minor) (supported: 1.0, 2.0, 3.0)"
        case .truncated(let file, let reason): "\(file): truncated .npy file: \(reason)"
        case .badHeader(let file, let reason): "\(file): malformed .npy header: \(reason)"
        case .unsupportedDType(let file, let descr):
            "\(file): unsupported dtype \(descr) (supported: float16/32/64, int8/16/32/64, uint8/16/32/64, bool)"
        case .fortranOrder(let file): "\(file): array is stored in Fortran order; only C order is supported"
        case .trailingData(let file, let extraBytes): "\(file): \(extraBytes) unexpected bytes after the array data"
        case .invalidArray(let file, let reason): "\(file): cannot write array: \(reason)"
        }
    }
}

/// Reading and writing NumPy `.npy` files.
///
/// Reading accepts format versions 1.0, 2.0 and 3.0, C order, and little-, big- or native-endian
/// `f2`/`f4`/`f8`, `i1`/`i2`/`i4`/`i8`, `u1`/`u2`/`u4`/`u8` and `b1`, all converted to `Float`.
/// Writing produces version 1.0, `<f4`, C order, with the data aligned to 64 bytes as NumPy does.
public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
    static let alignment = 64

    public static func read(contentsOf path: String) throws -> NPYArray {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw NPYError.unreadable(file: path, reason: readReason(path: path, error: error))
        }
        return try data.withUnsafeBytes { try decode($0, file: path) }
    }

    public static func write(_ array: NPYArray, to path: String) throws {
        let bytes = try encode(array, file: path)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw NPYError.unwritable(file: path, reason: error.localizedDescription)
        }
    }

    /// Decodes the bytes of a `.npy` file; `file` only names the source in errors.
    public static func decode(_ bytes: [UInt8], file: String = "<memory>") throws -> NPYArray {
        try bytes.withUnsafeBytes { try decode($0, file: file) }
    }

    /// The bytes of a version 1.0 `<f4` `.npy` file holding `array`; `file` only names the target in errors.
    public static func encode(_ array: NPYArray, file: String = "<memory>") throws -> [UInt8] {
        guard array.shape.allSatisfy({ $0 >= 0 }) else {
            throw NPYError.invalidArray(file: file, reason: "negative dimension in shape \(array.shape)")
        }
        var count = 1
        for dim in array.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw NPYError.invalidArray(file: file, reason: "shape \(array.shape) is too large") }
            count = product
        }
        guard count == array.values.count else {
            throw NPYError.invalidArray(file: file, reason: "shape \(array.shape) holds \(count) values, the array has \(array.values.count)")
        }

        let shapeText: String = switch array.shape.count {
        case 0: "()"
        case 1: "(\(array.shape[0]),)"
        default: "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }".utf8)
        let prefixLength = magic.count + 2 + 2
        let unpadded = prefixLength + header.count + 1
        let padding = (alignment - unpadded % alignment) % alignment
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        header.append(UInt8(ascii: "\n"))
        guard header.count <= Int(UInt16.max) else {
            throw NPYError.invalidArray(file: file, reason: "header of \(header.count) bytes does not fit format version 1.0")
        }

        var bytes: [UInt8] = []
        bytes.reserveCapacity(prefixLength + header.count + count * 4)
        bytes.append(contentsOf: magic)
        bytes.append(1)
        bytes.append(0)
        bytes.append(UInt8(header.count & 0xFF))
        bytes.append(UInt8(header.count >> 8))
        bytes.append(contentsOf: header)
        if isLittleEndianHost {
            array.values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        } else {
            for value in array.values {
                let bits = value.bitPattern.littleEndian
                withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
            }
        }
        return bytes
    }

    // MARK: - Decoding

    static var isLittleEndianHost: Bool { 1.littleEndian == 1 }

    private static func readReason(path: String, error: any Error) -> String {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) { return "no such file" }
        if isDirectory.boolValue { return "is a directory" }
        if !FileManager.default.isReadableFile(atPath: path) { return "permission denied" }
        return error.localizedDescription
    }

    static func decode(_ raw: UnsafeRawBufferPointer, file: String) throws -> NPYArray {
        let size = raw.count
        let magicMatches = (0..<min(size, magic.count)).allSatisfy { raw[$0] == magic[$0] }
        guard magicMatches else { throw NPYError.notNPY(file: file) }
        guard size >= magic.count + 2 else {
            throw NPYError.truncated(file: file, reason: size == magic.count ? "no version after the magic string" : "file is \(size) bytes, shorter than the magic string and version")
        }
        let major = Int(raw[6]), minor = Int(raw[7])
        let lengthBytes: Int
        switch (major, minor) {
        case (1, 0): lengthBytes = 2
        case (2, 0), (3, 0): lengthBytes = 4
        default: throw NPYError.unsupportedVersion(file: file, major: major, minor: minor)
        }
        let headerStart = 8 + lengthBytes
        guard size >= headerStart else {
            throw NPYError.truncated(file: file, reason: "file ends inside the header length field")
        }
        var headerLength = 0
        for index in (8..<headerStart).reversed() { headerLength = headerLength << 8 | Int(raw[index]) }
        guard size - headerStart >= headerLength else {
            throw NPYError.truncated(file: file, reason: "header claims \(headerLength) bytes, only \(size - headerStart) follow")
        }
        let header = try parseHeader(UnsafeRawBufferPointer(rebasing: raw[headerStart..<headerStart + headerLength]), file: file)

        var count = 1
        for dim in header.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw NPYError.badHeader(file: file, reason: "shape \(header.shape) is too large") }
            count = product
        }
        let (dataBytes, overflow) = count.multipliedReportingOverflow(by: header.dtype.size)
        guard !overflow else { throw NPYError.badHeader(file: file, reason: "shape \(header.shape) is too large") }
        let dataStart = headerStart + headerLength
        let available = size - dataStart
        guard available >= dataBytes else {
            throw NPYError.truncated(file: file, reason: "shape \(header.shape) of \(header.dtype.descr) needs \(dataBytes) data bytes, only \(available) present")
        }
        guard available == dataBytes else { throw NPYError.trailingData(file: file, extraBytes: available - dataBytes) }

        let data = UnsafeRawBufferPointer(rebasing: raw[dataStart..<dataStart + dataBytes])
        let values = convert(data, count: count, dtype: header.dtype)
        return NPYArray(shape: header.shape, values: values)
    }

    struct DType {
        enum Kind { case float, signed, unsigned, bool }
        var kind: Kind
        var size: Int
        var bigEndian: Bool
        var descr: String
    }

    private static func parseDType(_ descr: String, file: String) throws -> DType {
        var text = Substring(descr)
        var bigEndian = !isLittleEndianHost
        var explicitOrder: Character?
        if let first = text.first, "<>|=".contains(first) {
            explicitOrder = first
            if first == "<" { bigEndian = false } else if first == ">" { bigEndian = true }
            text = text.dropFirst()
        }
        guard let kindCharacter = text.first, let size = Int(text.dropFirst()) else {
            throw NPYError.unsupportedDType(file: file, descr: "'\(descr)'")
        }
        let kind: DType.Kind
        switch (kindCharacter, size) {
        case ("f", 2), ("f", 4), ("f", 8): kind = .float
        case ("i", 1), ("i", 2), ("i", 4), ("i", 8): kind = .signed
        case ("u", 1), ("u", 2), ("u", 4), ("u", 8): kind = .unsigned
        case ("b", 1): kind = .bool
        default: throw NPYError.unsupportedDType(file: file, descr: "'\(descr)'")
        }
        if explicitOrder == "|" && size > 1 { throw NPYError.unsupportedDType(file: file, descr: "'\(descr)'") }
        return DType(kind: kind, size: size, bigEndian: size > 1 && bigEndian, descr: "'\(descr)'")
    }

    private static func convert(_ data: UnsafeRawBufferPointer, count: Int, dtype: DType) -> [Float] {
        guard count > 0 else { return [] }
        if dtype.kind == .float && dtype.size == 4 && dtype.bigEndian == !isLittleEndianHost {
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: data)
                initialized = count
            }
        }
        let big = dtype.bigEndian
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            switch (dtype.kind, dtype.size) {
            case (.float, 2):
                for i in 0..<count { buffer[i] = HalfPrecision.float(fromBits: load(UInt16.self, data, i, big)) }
            case (.float, 4):
                for i in 0..<count { buffer[i] = Float(bitPattern: load(UInt32.self, data, i, big)) }
            case (.float, 8):
                for i in 0..<count { buffer[i] = Float(Double(bitPattern: load(UInt64.self, data, i, big))) }
            case (.signed, 1):
                for i in 0..<count { buffer[i] = Float(Int8(bitPattern: data[i])) }
            case (.signed, 2):
                for i in 0..<count { buffer[i] = Float(Int16(bitPattern: load(UInt16.self, data, i, big))) }
            case (.signed, 4):
                for i in 0..<count { buffer[i] = Float(Int32(bitPattern: load(UInt32.self, data, i, big))) }
            case (.signed, 8):
                for i in 0..<count { buffer[i] = Float(Int64(bitPattern: load(UInt64.self, data, i, big))) }
            case (.unsigned, 1):
                for i in 0..<count { buffer[i] = Float(data[i]) }
            case (.unsigned, 2):
                for i in 0..<count { buffer[i] = Float(load(UInt16.self, data, i, big)) }
            case (.unsigned, 4):
                for i in 0..<count { buffer[i] = Float(load(UInt32.self, data, i, big)) }
            case (.unsigned, 8):
                for i in 0..<count { buffer[i] = Float(load(UInt64.self, data, i, big)) }
            case (.bool, _):
                for i in 0..<count { buffer[i] = data[i] == 0 ? 0 : 1 }
            default:
                preconditionFailure("dtype \(dtype.descr) passed validation but has no conversion")
            }
            initialized = count
        }
    }

    @inline(__always)
    private static func load<T: FixedWidthInteger>(_: T.Type, _ data: UnsafeRawBufferPointer, _ index: Int, _ bigEndian: Bool) -> T {
        let raw = data.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.size, as: T.self)
        return bigEndian ? T(bigEndian: raw) : T(littleEndian: raw)
    }

    // MARK: - Header

    struct Header {
        var dtype: DType
        var shape: [Int]
    }

    private static func parseHeader(_ bytes: UnsafeRawBufferPointer, file: String) throws -> Header {
        var parser = LiteralParser(bytes: bytes)
        let entries: [(String, Literal)]
        do {
            parser.skipWhitespace()
            guard case .dict(let dict) = try parser.parseValue() else {
                throw LiteralParser.Failure(message: "header is not a dictionary")
            }
            parser.skipWhitespace()
            guard parser.atEnd else {
                throw LiteralParser.Failure(message: "unexpected text after the dictionary at byte \(parser.position)")
            }
            entries = dict
        } catch let failure as LiteralParser.Failure {
            throw NPYError.badHeader(file: file, reason: failure.message)
        }
        var values: [String: Literal] = [:]
        for (key, value) in entries { values[key] = value }

        guard let descrValue = values["descr"] else { throw NPYError.badHeader(file: file, reason: "missing key 'descr'") }
        guard let orderValue = values["fortran_order"] else { throw NPYError.badHeader(file: file, reason: "missing key 'fortran_order'") }
        guard let shapeValue = values["shape"] else { throw NPYError.badHeader(file: file, reason: "missing key 'shape'") }

        let dtype: DType
        switch descrValue {
        case .string(let descr): dtype = try parseDType(descr, file: file)
        case .list, .tuple: throw NPYError.unsupportedDType(file: file, descr: "structured dtype")
        default: throw NPYError.badHeader(file: file, reason: "'descr' is not a string")
        }
        switch orderValue {
        case .bool(false): break
        case .bool(true): throw NPYError.fortranOrder(file: file)
        default: throw NPYError.badHeader(file: file, reason: "'fortran_order' is not True or False")
        }
        guard case .tuple(let dims) = shapeValue else {
            throw NPYError.badHeader(file: file, reason: "'shape' is not a tuple")
        }
        var shape: [Int] = []
        for dim in dims {
            guard case .int(let value) = dim, value >= 0 else {
                throw NPYError.badHeader(file: file, reason: "'shape' must hold non-negative integers")
            }
            shape.append(value)
        }
        return Header(dtype: dtype, shape: shape)
    }
}

/// The subset of Python literals a `.npy` header uses.
private indirect enum Literal {
    case string(String)
    case int(Int)
    case bool(Bool)
    case none
    case tuple([Literal])
    case list([Literal])
    case dict([(String, Literal)])
}

/// A small recursive-descent parser for Python literal syntax (what `ast.literal_eval` reads in NumPy).
private struct LiteralParser {
    struct Failure: Error { var message: String }

    let bytes: UnsafeRawBufferPointer
    var position = 0
    var depth = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { position >= bytes.count }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0C, 0x0B, 0x00: position += 1
            default: return
            }
        }
    }

    private func describeHere() -> String {
        atEnd ? "end of header" : "'\(Character(Unicode.Scalar(bytes[position])))' at byte \(position)"
    }

    mutating func parseValue() throws -> Literal {
        skipWhitespace()
        guard !atEnd else { throw Failure(message: "unexpected end of header") }
        depth += 1
        defer { depth -= 1 }
        guard depth < 32 else { throw Failure(message: "nesting too deep") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseDict()
        case UInt8(ascii: "("):
            let (items, sawComma) = try parseSequence(closing: UInt8(ascii: ")"))
            // `(x)` is just a parenthesized value; `(x,)` is a one-element tuple.
            if items.count == 1 && !sawComma { return items[0] }
            return .tuple(items)
        case UInt8(ascii: "["): return .list(try parseSequence(closing: UInt8(ascii: "]")).items)
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .int(try parseInt())
        default:
            let word = parseWord()
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            case "": throw Failure(message: "unexpected \(describeHere())")
            default: throw Failure(message: "unexpected name '\(word)'")
            }
        }
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipWhitespace()
        guard !atEnd, bytes[position] == byte else {
            throw Failure(message: "expected '\(Character(Unicode.Scalar(byte)))', found \(describeHere())")
        }
        position += 1
    }

    private mutating func peek(_ byte: UInt8) -> Bool {
        skipWhitespace()
        return !atEnd && bytes[position] == byte
    }

    private mutating func parseDict() throws -> Literal {
        try expect(UInt8(ascii: "{"))
        var entries: [(String, Literal)] = []
        while true {
            if peek(UInt8(ascii: "}")) { position += 1; return .dict(entries) }
            guard case .string(let key) = try parseValue() else { throw Failure(message: "dictionary key is not a string") }
            try expect(UInt8(ascii: ":"))
            let value = try parseValue()
            entries.append((key, value))
            if peek(UInt8(ascii: ",")) { position += 1; continue }
            try expect(UInt8(ascii: "}"))
            return .dict(entries)
        }
    }

    private mutating func parseSequence(closing: UInt8) throws -> (items: [Literal], sawComma: Bool) {
        position += 1  // the opening bracket
        var items: [Literal] = []
        var sawComma = false
        while true {
            if peek(closing) { position += 1; return (items, sawComma) }
            items.append(try parseValue())
            if peek(UInt8(ascii: ",")) { position += 1; sawComma = true; continue }
            try expect(closing)
            return (items, sawComma)
        }
    }

    private mutating func parseString() throws -> String {
        let quote = bytes[position]
        position += 1
        var content: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if byte == quote { return String(decoding: content, as: UTF8.self) }
            if byte == 0x0A { break }
            if byte == UInt8(ascii: "\\") {
                guard position < bytes.count else { break }
                content.append(bytes[position])
                position += 1
            } else {
                content.append(byte)
            }
        }
        throw Failure(message: "unterminated string")
    }

    private mutating func parseInt() throws -> Int {
        let start = position
        if bytes[position] == UInt8(ascii: "-") || bytes[position] == UInt8(ascii: "+") { position += 1 }
        let digitsStart = position
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
        guard position > digitsStart else { throw Failure(message: "malformed number at byte \(start)") }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        // Python 2 wrote long integers with an `L` suffix.
        if position < bytes.count, bytes[position] == UInt8(ascii: "L") || bytes[position] == UInt8(ascii: "l") { position += 1 }
        guard let value = Int(text) else { throw Failure(message: "number \(text) out of range") }
        return value
    }

    private mutating func parseWord() -> String {
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            let isLetter = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || byte == UInt8(ascii: "_")
            guard isLetter else { break }
            position += 1
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }
}
