internal import Foundation

/// poll(2) over a set of descriptors, and a pipe that wakes it from another thread: the server's one loop waits
/// here for connections, lines, room to write, finished commands and the next snapshot due.
final class Poller: @unchecked Sendable {
    // @unchecked: the pipe's descriptors are fixed at init; `wake` only writes one byte to a non-blocking pipe.
    private let wakeRead: Int32
    private let wakeWrite: Int32

    struct Interest {
        var descriptor: Int32
        var read: Bool
        var write: Bool
    }

    struct Readiness {
        var readable: Bool
        var writable: Bool
        /// Hung up or in error: the connection is done.
        var broken: Bool
    }

    init() throws(SocketError) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw SocketError("cannot create the wake-up pipe", errno: errno) }
        (wakeRead, wakeWrite) = (ends[0], ends[1])
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
        }
    }

    deinit {
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
    }

    /// Makes the current or next `wait` return (a full pipe already means a wake-up is pending).
    func wake() {
        var byte: UInt8 = 1
        _ = Glibc.write(wakeWrite, &byte, 1)
    }

    /// Waits until one of `interests` is ready, `wake` is called, or `timeoutMilliseconds` pass (-1: no limit);
    /// returns each interest's readiness, in order.
    func wait(_ interests: [Interest], timeoutMilliseconds: Int32) -> [Readiness] {
        var descriptors = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        for interest in interests {
            var events: Int32 = 0
            if interest.read { events |= POLLIN }
            if interest.write { events |= POLLOUT }
            descriptors.append(pollfd(fd: interest.descriptor, events: Int16(events), revents: 0))
        }
        let count = poll(&descriptors, nfds_t(descriptors.count), timeoutMilliseconds)
        if count > 0, descriptors[0].revents != 0 {
            var sink = [UInt8](repeating: 0, count: 64)
            while Glibc.read(wakeRead, &sink, sink.count) > 0 {}
        }
        return descriptors.dropFirst().map { entry in
            let events = Int32(entry.revents)
            return Readiness(readable: events & POLLIN != 0, writable: events & POLLOUT != 0,
                             broken: events & (POLLERR | POLLNVAL) != 0 || (events & POLLHUP != 0 && events & POLLIN == 0))
        }
    }
}
