internal import Foundation

/// A listening TCP socket on one numeric IPv4 or IPv6 address; with `TCPConnection`, the one place of AdaptService
/// that calls the TCP socket API. Descriptors are close-on-exec.
final class TCPListener: @unchecked Sendable {
    // @unchecked: the descriptor is released once, by `handle`; `accept` runs on one thread.
    private let handle: SocketDescriptor
    var descriptor: Int32 { handle.value }
    /// The address and port the kernel bound (the port chosen when 0 was asked for).
    let address: String
    let port: UInt16

    private init(descriptor: Int32, address: String, port: UInt16) {
        (handle, self.address, self.port) = (SocketDescriptor(descriptor), address, port)
    }

    /// Listens on `address` (numeric: "127.0.0.1", "::1", "0.0.0.0" for every interface) and `port` (0: one the
    /// kernel picks). SO_REUSEADDR, so a restarted service is not refused while old connections sit in TIME_WAIT.
    static func listen(address: String, port: UInt16, backlog: Int32 = 16) throws(SocketError) -> TCPListener {
        let named = SocketAddress.display(address, port)
        var storage = try SocketAddress.parse(address, port: port)
        let descriptor = socket(Int32(storage.ss_family), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError("\(named): cannot create a socket", errno: errno) }
        var one: Int32 = 1
        guard setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            let error = errno
            Glibc.close(descriptor)
            throw SocketError("\(named): cannot set SO_REUSEADDR", errno: error)
        }
        let length = SocketAddress.length(of: storage)
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else {
            let error = errno
            Glibc.close(descriptor)
            throw SocketError("\(named): cannot bind", errno: error)
        }
        guard Glibc.listen(descriptor, backlog) == 0 else {
            let error = errno
            Glibc.close(descriptor)
            throw SocketError("\(named): cannot listen", errno: error)
        }
        guard let (boundAddress, boundPort) = SocketAddress.local(of: descriptor) else {
            let error = errno
            Glibc.close(descriptor)
            throw SocketError("\(named): cannot read the bound address", errno: error)
        }
        return TCPListener(descriptor: descriptor, address: boundAddress, port: boundPort)
    }

    /// The next connection; nil once the listener is shut down or closed. Running out of descriptors or memory is
    /// waited out (a tenth of a second at a time) rather than ending the service.
    func accept() -> TCPConnection? {
        while true {
            let connection = Glibc.accept(descriptor, nil, nil)
            if connection >= 0 {
                _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
                return TCPConnection(descriptor: connection)
            }
            switch errno {
            case EINTR, ECONNABORTED, EPROTO: continue
            case EMFILE, ENFILE, ENOBUFS, ENOMEM: Thread.sleep(forTimeInterval: 0.1)
            default: return nil  // EINVAL after shutdown, EBADF after close
            }
        }
    }

    /// Wakes a thread blocked in `accept` (which then returns nil) without releasing the descriptor, so that thread
    /// cannot end up accepting on a number the system has since given to another file.
    func shutdown() {
        handle.shutdown()
    }

    /// Closes the socket; idempotent. Call `shutdown` and wait for the accepting thread first.
    func close() {
        handle.close()
    }
}

/// An accepted TCP connection: reads with a deadline, writes that never raise SIGPIPE.
final class TCPConnection: @unchecked Sendable {
    // @unchecked: used by one thread, except `shutdown`, which only wakes it; `handle` releases the descriptor once.
    private let handle: SocketDescriptor
    var descriptor: Int32 { handle.value }

    init(descriptor: Int32) {
        handle = SocketDescriptor(descriptor)
    }

    enum Received: Equatable {
        /// This many bytes were appended.
        case bytes(Int)
        /// The peer closed its side.
        case end
        case timedOut
        case failed(String)
    }

    /// Appends at most `maximum` bytes to `buffer`, waiting for them until `deadline` at the latest (SO_RCVTIMEO).
    func receive(into buffer: inout [UInt8], maximum: Int, until deadline: ContinuousClock.Instant) -> Received {
        guard deadline > .now else { return .timedOut }
        guard setTimeout(SO_RCVTIMEO, until: deadline) else { return .failed(String(cString: strerror(errno))) }
        var chunk = [UInt8](repeating: 0, count: max(1, maximum))
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
                return .bytes(count)
            }
            if count == 0 { return .end }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .timedOut
            default: return .failed(String(cString: strerror(errno)))
            }
        }
    }

    /// Writes all of `bytes` by `deadline` (SO_SNDTIMEO, set again before each write: a client that reads a byte now
    /// and then cannot stretch it): a client that stops reading costs a bounded wait, and a closed one an error
    /// instead of a SIGPIPE.
    func send(_ bytes: [UInt8], until deadline: ContinuousClock.Instant) throws(SocketError) {
        var sent = 0
        while sent < bytes.count {
            guard deadline > .now else { throw SocketError("cannot send: timed out") }
            guard setTimeout(SO_SNDTIMEO, until: deadline) else { throw SocketError("cannot set a send timeout", errno: errno) }
            let count = bytes.withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL))
            }
            if count > 0 {
                sent += count
            } else if count < 0, errno == EINTR {
                continue
            } else if count < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                throw SocketError("cannot send: timed out")
            } else {
                throw SocketError("cannot send", errno: count < 0 ? errno : nil)
            }
        }
    }

    /// Says the response is complete (a FIN) while still reading, so what the client sent last is not answered by a
    /// reset that could destroy the response on its way.
    func finishSending() {
        _ = Glibc.shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Wakes a thread blocked reading or writing this connection; `close` still releases it.
    func shutdown() {
        handle.shutdown()
    }

    func close() {
        handle.close()
    }

    private func setTimeout(_ option: Int32, until deadline: ContinuousClock.Instant) -> Bool {
        let timeout = ContinuousClock.now.duration(to: deadline)
        // A zero timeval means "wait forever" to the kernel: at least a microsecond.
        let microseconds = max(1, timeout.components.seconds * 1_000_000 + timeout.components.attoseconds / 1_000_000_000_000)
        var value = timeval(tv_sec: Int(microseconds / 1_000_000), tv_usec: Int(microseconds % 1_000_000))
        return setsockopt(descriptor, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size)) == 0
    }
}

/// Numeric IPv4/IPv6 addresses to and from `sockaddr_storage`.
enum SocketAddress {
    static func parse(_ address: String, port: UInt16) throws(SocketError) -> sockaddr_storage {
        var storage = sockaddr_storage()
        func store<Address>(_ socket: Address) {
            withUnsafeBytes(of: socket) { source in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) } }
        }
        var ipv4 = sockaddr_in()
        var ipv6 = sockaddr_in6()
        if inet_pton(AF_INET, address, &ipv4.sin_addr) == 1 {
            ipv4.sin_family = sa_family_t(AF_INET)
            ipv4.sin_port = port.bigEndian
            store(ipv4)
        } else if inet_pton(AF_INET6, address, &ipv6.sin6_addr) == 1 {
            ipv6.sin6_family = sa_family_t(AF_INET6)
            ipv6.sin6_port = port.bigEndian
            store(ipv6)
        } else {
            throw SocketError("\(address): not a numeric IPv4 or IPv6 address (e.g. 127.0.0.1, ::1, 0.0.0.0)")
        }
        return storage
    }

    static func length(of storage: sockaddr_storage) -> socklen_t {
        socklen_t(Int32(storage.ss_family) == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
    }

    /// The address and port a socket is bound to (getsockname), numeric; nil if the kernel will not say.
    static func local(of descriptor: Int32) -> (address: String, port: UInt16)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let port: UInt16
        switch Int32(storage.ss_family) {
        case AF_INET:
            var socket = withUnsafeBytes(of: storage) { $0.load(as: sockaddr_in.self) }
            guard inet_ntop(AF_INET, &socket.sin_addr, &text, socklen_t(text.count)) != nil else { return nil }
            port = UInt16(bigEndian: socket.sin_port)
        case AF_INET6:
            var socket = withUnsafeBytes(of: storage) { $0.load(as: sockaddr_in6.self) }
            guard inet_ntop(AF_INET6, &socket.sin6_addr, &text, socklen_t(text.count)) != nil else { return nil }
            port = UInt16(bigEndian: socket.sin6_port)
        default:
            return nil
        }
        return (String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), port)
    }

    /// "127.0.0.1:9464", "[::1]:9464".
    static func display(_ address: String, _ port: UInt16) -> String {
        address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
    }
}
