internal import Foundation

/// FNV-1a, 64 bits: a fast fingerprint for cache keys (it tells a changed file from an unchanged one; it is not
/// a defence against someone crafting a collision, which a local cache does not need).
enum ContentHash {
    static func fnv1a64(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var hash = seed
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    static func hex<Bytes: ContiguousBytes>(_ bytes: Bytes) -> String {
        hex(bytes.withUnsafeBytes { fnv1a64($0) })
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The fingerprint of a file's contents.
    static func ofFile(_ path: String) throws -> String {
        hex(try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe))
    }
}
