internal import CDNNL

/// oneDNN on this machine: loaded at run time, so a build without it (or an ARM board) still runs, on XNNPACK.
public enum OneDNN {
    /// Whether oneDNN can run here, and its version ("oneDNN 2.6.3 (cpu runtime: OpenMP)") or why not.
    public static let status: (available: Bool, description: String) = {
        var message = [CChar](repeating: 0, count: 256)
        let loaded = cdnnl_load(&message, message.count) != 0
        return (loaded, cText(message))
    }()
}

/// A oneDNN call that failed, with oneDNN's reason.
public struct OneDNNError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    init(_ buffer: [CChar]) {
        description = cText(buffer)
    }
}

/// A C string the shim wrote into a buffer, up to its terminating zero.
private func cText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// A CPU engine and a thread count, shared by every model one backend compiles (each model runs on a stream of its
/// own, so models of one context may run on different threads at once). @unchecked: never changed after creation,
/// and oneDNN engines are thread-safe.
package final class OneDNNContext: @unchecked Sendable {
    let pointer: OpaquePointer
    package let threads: Int

    package init(threads: Int = 1) throws(OneDNNError) {
        var message = [CChar](repeating: 0, count: 256)
        guard let pointer = cdnnl_context_create(Int32(threads), &message, message.count) else { throw OneDNNError(message) }
        (self.pointer, self.threads) = (pointer, max(1, threads))
    }

    deinit { cdnnl_context_destroy(pointer) }
}
