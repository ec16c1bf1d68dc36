internal import Foundation

/// A socket's descriptor, released once, for every socket type here. `shutdown` wakes a thread blocked on it but
/// keeps the number, so that thread never goes on to use a number the system has since given to another file;
/// `close` releases it.
final class SocketDescriptor: @unchecked Sendable {
    // @unchecked: `value` changes once, to -1, under `lock`.
    private(set) var value: Int32
    private let lock = NSLock()

    init(_ value: Int32) {
        self.value = value
    }

    deinit { close() }

    /// Ends both directions (a blocked accept, read or write returns); nothing once closed.
    func shutdown() {
        lock.withLock {
            if value >= 0 { _ = Glibc.shutdown(value, Int32(SHUT_RDWR)) }
        }
    }

    /// Releases the descriptor (shutting it down first, to wake a blocked thread); true the one time it did.
    @discardableResult
    func close() -> Bool {
        lock.withLock {
            guard value >= 0 else { return false }
            _ = Glibc.shutdown(value, Int32(SHUT_RDWR))
            Glibc.close(value)
            value = -1
            return true
        }
    }
}
