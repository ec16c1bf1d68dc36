internal import Foundation

/// Real memory pressure for demos: `megabytes` MB allocated and written page by page, so they are resident and the
/// kernel's available memory really drops; released when stopped.
public final class MemoryPressureInjection: @unchecked Sendable {
    // @unchecked: `block` is only touched under `lock`.
    public let megabytes: Int
    private var block: UnsafeMutableRawPointer?
    private let lock = NSLock()

    public init(megabytes: Int) throws {
        guard megabytes >= 1 else { throw InjectionError.invalid("memory pressure needs at least 1 MB, \(megabytes) given") }
        self.megabytes = megabytes
    }

    deinit { stop() }

    public var isRunning: Bool { lock.withLock { block != nil } }

    /// Allocates and touches the memory; does nothing when it is already held.
    public func start() throws {
        lock.lock()
        defer { lock.unlock() }
        guard block == nil else { return }
        let bytes = megabytes << 20
        // malloc serves a block this large with its own mapping, which free returns to the kernel at once.
        guard let memory = malloc(bytes) else {
            throw InjectionError.unavailable("cannot allocate \(megabytes) MB for the memory pressure injection")
        }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        // A distinct byte per page: the kernel cannot share the pages or leave them unbacked.
        for offset in stride(from: 0, to: bytes, by: max(page, 1)) {
            memory.storeBytes(of: UInt8(truncatingIfNeeded: offset / max(page, 1)) | 1, toByteOffset: offset, as: UInt8.self)
        }
        block = memory
    }

    public func stop() {
        lock.withLock {
            free(block)
            block = nil
        }
    }
}
