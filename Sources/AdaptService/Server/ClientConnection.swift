internal import Foundation

/// One client of the control server, as its loop thread sees it (touched by that thread only).
final class ClientConnection {
    let id: Int
    let socket: UnixSocket
    let peer: UnixSocket.Peer
    var framer = LineFramer(maximumLineBytes: ControlProtocol.maximumLineBytes)
    /// Said hello in a version the server speaks.
    var greeted = false
    /// What it called itself in its hello, for the log.
    var name: String?
    var subscription: Subscription?
    /// Commands and status requests sent to the command queue and not answered yet.
    var inFlight = 0
    /// Snapshots not sent because it had not taken the ones before (since it last caught up).
    var droppedSnapshots = 0
    /// Refused (its peer, its version, one client too many): once its error is written the connection is
    /// half-closed, what it still sends is read and dropped, and it is closed at its EOF or at this deadline.
    /// Closing at once with its hello unread would make the kernel reset the connection, and the client would
    /// see "connection reset" instead of the reason.
    var refusedUntil: ContinuousClock.Instant?
    private var halfClosed = false

    func refuse(_ line: [UInt8], now: ContinuousClock.Instant) {
        enqueue(line, now: now)
        refusedUntil = now + .seconds(2)
    }

    /// Ends the sending side once a refusal's error is out.
    func halfCloseIfRefused() {
        guard refusedUntil != nil, queuedBytes == 0, !halfClosed else { return }
        socket.shutdownWriting()
        halfClosed = true
    }
    /// The last time the socket took bytes, or the outbox was empty: how long a client has been stuck.
    var lastProgress: ContinuousClock.Instant

    struct Subscription {
        var interval: Duration
        var next: ContinuousClock.Instant
    }

    private var outbox: [UInt8] = []
    private var sent = 0

    init(id: Int, socket: UnixSocket, peer: UnixSocket.Peer, now: ContinuousClock.Instant) {
        (self.id, self.socket, self.peer, lastProgress) = (id, socket, peer, now)
    }

    /// How it appears in the log.
    var label: String { "pid \(peer.pid) uid \(peer.uid)" + (name.map { " (\($0))" } ?? "") }

    /// Bytes queued and not yet taken by the socket.
    var queuedBytes: Int { outbox.count - sent }

    func enqueue(_ line: [UInt8], now: ContinuousClock.Instant) {
        if queuedBytes == 0 { lastProgress = now }
        outbox.append(contentsOf: line)
    }

    /// Writes what the socket takes now; false once the connection is gone.
    func flush(now: ContinuousClock.Instant) -> Bool {
        while sent < outbox.count {
            let result = outbox.withUnsafeBytes { socket.write(UnsafeRawBufferPointer(rebasing: $0[sent...])) }
            switch result {
            case .bytes(let count):
                sent += count
                lastProgress = now
            case .wouldBlock:
                // Drop what was sent once it is most of the buffer, so the outbox does not creep.
                if sent > 64 * 1024 && sent * 2 > outbox.count {
                    outbox.removeFirst(sent)
                    sent = 0
                }
                return true
            case .closed, .failed: return false
            }
        }
        outbox.removeAll(keepingCapacity: outbox.count <= 256 * 1024)
        sent = 0
        if droppedSnapshots > 0 { droppedSnapshots = 0 }
        return true
    }
}
