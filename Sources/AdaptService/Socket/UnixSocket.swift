internal import Foundation

/// A Unix domain stream socket, listening or connected; the one place of AdaptService that calls the socket API.
/// Descriptors are close-on-exec; a listening socket's file is created mode 0600 and removed when it is closed.
final class UnixSocket: @unchecked Sendable {
    // @unchecked: the descriptor is released once, by `handle`; reads and writes use it from one thread each.
    private let handle: SocketDescriptor
    var descriptor: Int32 { handle.value }
    /// The file of a listening socket (removed on close); nil for a connection.
    let path: String?

    private init(descriptor: Int32, path: String?) {
        (handle, self.path) = (SocketDescriptor(descriptor), path)
    }

    deinit { close() }

    /// Who is at the other end of a connection (SO_PEERCRED: the kernel's word, not the client's).
    struct Peer: Equatable {
        var pid: Int32
        var uid: UInt32
        var gid: UInt32
    }

    /// Listens at `path` (at most 108 bytes, the kernel's limit), created with mode 0600 whatever the umask — or,
    /// given a `group`, handed to that group with mode 0660 (connecting needs write access to the file).
    /// A stale socket file (no one listening) is replaced; a live one is refused so two services never share a path.
    static func listen(at path: String, group: UInt32? = nil, backlog: Int32 = 16) throws(SocketError) -> UnixSocket {
        var address = try address(of: path)
        if FileManager.default.fileExists(atPath: path) {
            if (try? connect(to: path)) != nil { throw SocketError("\(path): another service is listening there") }
            guard unlink(path) == 0 else { throw SocketError("\(path): cannot remove the stale socket file", errno: errno) }
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError("cannot create a socket", errno: errno) }
        // The umask decides the mode bind() gives the file: 0177 leaves 0600, no window where others could connect.
        let previous = umask(0o177)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        let bindError = errno
        umask(previous)
        guard bound == 0 else {
            Glibc.close(descriptor)
            throw SocketError("\(path): cannot bind", errno: bindError)
        }
        // Opened to the group only once it is the group's: at no moment can anyone else connect.
        if let group, chown(path, UInt32.max, group) != 0 || chmod(path, 0o660) != 0 {
            let error = errno
            Glibc.close(descriptor)
            unlink(path)
            throw SocketError("\(path): cannot hand the socket to group \(group)", errno: error)
        }
        guard Glibc.listen(descriptor, backlog) == 0 else {
            let error = errno
            Glibc.close(descriptor)
            unlink(path)
            throw SocketError("\(path): cannot listen", errno: error)
        }
        return UnixSocket(descriptor: descriptor, path: path)
    }

    /// Connects to the socket at `path`.
    static func connect(to path: String) throws(SocketError) -> UnixSocket {
        var address = try address(of: path)
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError("cannot create a socket", errno: errno) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let error = errno
            Glibc.close(descriptor)
            throw SocketError("\(path): cannot connect", errno: error)
        }
        return UnixSocket(descriptor: descriptor, path: nil)
    }

    /// The next connection; nil once the socket is closed (or, on a non-blocking socket, when none is pending).
    func accept() -> UnixSocket? {
        while true {
            let connection = Glibc.accept(descriptor, nil, nil)
            if connection >= 0 {
                _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
                return UnixSocket(descriptor: connection, path: nil)
            }
            if errno == EINTR || errno == ECONNABORTED { continue }
            return nil
        }
    }

    /// What a non-blocking read or write did.
    enum Transfer: Equatable {
        case bytes(Int)
        /// Nothing to read, or no room to write, right now.
        case wouldBlock
        /// The peer closed its end (a read of 0 bytes, or EPIPE/ECONNRESET).
        case closed
        case failed(Int32)
    }

    /// Reads and writes return `.wouldBlock` instead of waiting (for a poll loop).
    func setNonBlocking() {
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
    }

    /// A blocking read or write returns `.wouldBlock` after `seconds` without progress (0: wait forever).
    func setTimeouts(seconds: Double) {
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Transfer {
        while true {
            let count = recv(descriptor, buffer.baseAddress, buffer.count, 0)
            if count > 0 { return .bytes(count) }
            if count == 0 { return .closed }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            case ECONNRESET: return .closed
            case let code: return .failed(code)
            }
        }
    }

    /// Writes what the socket takes now; MSG_NOSIGNAL so a peer gone away is an error, not a SIGPIPE.
    func write(_ bytes: UnsafeRawBufferPointer) -> Transfer {
        while true {
            let count = send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if count >= 0 { return .bytes(count) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            case EPIPE, ECONNRESET: return .closed
            case let code: return .failed(code)
            }
        }
    }

    /// Writes all of `bytes`, waiting as needed (a blocking socket: clients).
    func writeAll(_ bytes: [UInt8]) throws(SocketError) {
        var offset = 0
        while offset < bytes.count {
            let result = bytes.withUnsafeBytes { write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            switch result {
            case .bytes(let count): offset += count
            case .wouldBlock: throw SocketError("the socket took no more bytes in time")
            case .closed: throw SocketError("the other end closed the connection")
            case .failed(let code): throw SocketError("cannot write", errno: code)
            }
        }
    }

    /// Sends EOF to the peer; reading goes on.
    func shutdownWriting() {
        shutdown(descriptor, Int32(SHUT_WR))
    }

    /// The connected peer's process, user and group.
    func peer() throws(SocketError) -> Peer {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }: three 32-bit fields on Linux (glibc hides the type
        // behind _GNU_SOURCE, which Swift's Glibc module does not define).
        var credentials: (Int32, UInt32, UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout.size(ofValue: credentials))
        guard getsockopt(descriptor, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0,
              length == socklen_t(MemoryLayout.size(ofValue: credentials)) else {
            throw SocketError("cannot read the peer's credentials", errno: errno)
        }
        return Peer(pid: credentials.0, uid: credentials.1, gid: credentials.2)
    }

    /// Closes the socket (and removes a listening socket's file); idempotent. A thread blocked in `accept` or a
    /// read on it returns.
    func close() {
        if handle.close(), let path { unlink(path) }
    }

    private static func address(of path: String) throws(SocketError) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else {
            throw SocketError("\(path): a socket path must be 1 to \(capacity - 1) bytes long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
        return address
    }
}

/// A socket call that failed, with the path and the system's reason.
public struct SocketError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    init(_ message: String, errno code: Int32? = nil) {
        self.message = code.map { "\(message): \(String(cString: strerror($0)))" } ?? message
    }

    public var description: String { message }
}
