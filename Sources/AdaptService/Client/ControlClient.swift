public import AdaptEngine
internal import Foundation

/// A connection to the control socket, used from one thread at a time: `adapt-top ctl` sends one command and
/// reads its reply; `AttachedEngine` reads snapshots with it. The handshake is done by `connect`.
public final class ControlClient: @unchecked Sendable {
    // @unchecked: one reader at a time (documented); writes are serialised by `writeLock`.
    public private(set) var serverName = ""
    public private(set) var family = ""
    private let socket: UnixSocket
    private let path: String
    private var framer = LineFramer(maximumLineBytes: 16 * 1024 * 1024)
    private var pending: [ServerMessage] = []
    /// Reader-side only, like `framer` and `pending`.
    private var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)
    private let writeLock = NSLock()
    private var nextID = 1

    /// Connects and says hello; `timeoutSeconds` bounds every wait for the server.
    public static func connect(to path: String, clientName: String, timeoutSeconds: Double = 5) throws(ControlClientError) -> ControlClient {
        let socket: UnixSocket
        do {
            socket = try UnixSocket.connect(to: path)
        } catch {
            throw ControlClientError("\(error.message)" + (FileManager.default.fileExists(atPath: path) ? "" : " (is `adapt-top serve` running?)"))
        }
        socket.setTimeouts(seconds: timeoutSeconds)
        let client = ControlClient(socket: socket, path: path)
        try client.write(.hello(version: ControlProtocol.version, client: clientName))
        switch try client.next() {
        case .hello(_, let server, let family):
            (client.serverName, client.family) = (server, family)
            return client
        case .error(_, let message): throw ControlClientError("\(path): the service refused: \(message)")
        case let other: throw ControlClientError("\(path): expected the service's hello, got \(other)")
        }
    }

    private init(socket: UnixSocket, path: String) {
        (self.socket, self.path) = (socket, path)
    }

    /// Sends a command and waits for its reply; the server's error message is thrown as it is.
    public func send(_ command: EngineCommand) throws(ControlClientError) {
        let id = try post(command)
        while true {
            switch try next() {
            case .ok(let replyID) where replyID == id: return
            case .error(let replyID, let message) where replyID == id || replyID == nil: throw ControlClientError(message)
            default: continue  // a snapshot of a subscription
            }
        }
    }

    /// The engine's snapshot now (after every command this client sent before).
    public func status() throws(ControlClientError) -> EngineSnapshot {
        _ = try write(id: { .status(id: $0) })
        while true {
            switch try next() {
            case .snapshot(let snapshot): return snapshot
            case .error(_, let message): throw ControlClientError(message)
            default: continue
            }
        }
    }

    /// Sends a command without waiting; its reply (`ok` or `error` with the returned id) comes through `next`.
    public func post(_ command: EngineCommand) throws(ControlClientError) -> Int {
        try write(id: { .command(command, id: $0) })
    }

    /// Asks for a snapshot without waiting; it comes through `next`.
    public func post(status: Void) throws(ControlClientError) {
        _ = try write(id: { .status(id: $0) })
    }

    public func subscribe(intervalSeconds: Double) throws(ControlClientError) {
        try write(.subscribe(intervalSeconds: max(ClientMessage.minimumInterval, intervalSeconds)))
    }

    /// The next message from the server (waiting at most the connection's timeout).
    public func next() throws(ControlClientError) -> ServerMessage {
        while pending.isEmpty {
            for item in try readLines() {
                guard case .line(let line) = item else { throw ControlClientError("\(path): the service sent a line this client cannot read") }
                do {
                    pending.append(try ServerMessage(jsonLine: line))
                } catch {
                    throw ControlClientError("\(path): \(error.message)")
                }
            }
        }
        return pending.removeFirst()
    }

    /// Reads what has come and returns how many lines it completed, without parsing them: a client that only
    /// relays or counts (the subscriber benchmark, measuring the server's cost rather than JSON parsing).
    public func nextRawLines() throws(ControlClientError) -> Int {
        try readLines().count
    }

    /// One read off the socket (waiting at most the connection's timeout), framed into the lines it completed.
    private func readLines() throws(ControlClientError) -> [LineFramer.Item] {
        switch readBuffer.withUnsafeMutableBytes({ socket.read(into: $0) }) {
        case .bytes(let count): return framer.feed(readBuffer[..<count])
        case .wouldBlock: throw ControlClientError("\(path): no answer from the service in time")
        case .closed: throw ControlClientError("\(path): the service closed the connection")
        case .failed(let code): throw ControlClientError("\(path): " + SocketError("cannot read", errno: code).message)
        }
    }

    /// Ends the connection; a thread blocked in `next` returns with an error.
    public func close() {
        socket.close()
    }

    @discardableResult
    private func write(id make: (Int) -> ClientMessage) throws(ControlClientError) -> Int {
        let id = writeLock.withLock {
            defer { nextID += 1 }
            return nextID
        }
        try write(make(id))
        return id
    }

    private func write(_ message: ClientMessage) throws(ControlClientError) {
        writeLock.lock()
        defer { writeLock.unlock() }
        do {
            try socket.writeAll(Array((message.jsonLine() + "\n").utf8))
        } catch {
            throw ControlClientError("\(path): \(error.message)")
        }
    }
}

/// Why a control-socket request failed, in words for the operator.
public struct ControlClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    public init(_ message: String) {
        self.message = message
    }
}
