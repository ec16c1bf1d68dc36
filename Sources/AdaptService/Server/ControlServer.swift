public import Logging
internal import AdaptEngine
internal import Foundation
internal import Synchronization

/// The control socket's server: one thread polls every connection (so a client, however slow, costs the engine
/// nothing but the bytes it is sent), and a serial queue applies commands in the order they came.
///
/// A client says hello, then sends commands and status requests (each answered by id) and may subscribe to
/// snapshots at its own interval. Snapshots go into a bounded outbox per client: one that does not read has its
/// snapshots dropped once `maximumQueuedBytes` wait, and is disconnected after `stuckSeconds` without taking a
/// byte. A malformed or oversized line gets an error reply and changes nothing.
public final class ControlServer: @unchecked Sendable {
    // @unchecked: `clients`, `snapshotCache` and `nextClientID` belong to the loop thread; `listener` and `poller`
    // are set before it starts; what other threads touch is in Mutexes and Atomics.
    public struct Options: Sendable {
        /// Members of this group may connect too (besides the service's owner and root); the socket file is then
        /// the group's, mode 0660.
        public var allowedGroup: UInt32?
        public var maximumClients = 64
        /// Unsent bytes a client may have waiting before its snapshots are dropped.
        public var maximumQueuedBytes = 512 * 1024
        /// A client that takes none of its waiting bytes for this long is disconnected.
        public var stuckSeconds = 5.0
        /// Commands and status requests one client may have waiting for their replies.
        public var maximumInFlight = 64
        /// The server's name in its hello.
        public var serverName = "adapt-top"

        public init() {}
    }

    /// Counts for the log, tests and the benchmark.
    public struct Statistics: Sendable, Equatable {
        public var clients = 0
        public var accepted = 0
        public var refused = 0
        public var snapshotsSent = 0
        public var snapshotsDropped = 0
        public var disconnectedStuck = 0
        public var commandsApplied = 0
        public var errorReplies = 0
    }

    public let path: String
    private let target: any ControlTarget
    private let options: Options
    private let logger: Logger
    private let policy: PeerPolicy
    private var listener: UnixSocket?
    private var poller: Poller?
    private let commands = DispatchQueue(label: "adapt-top control commands")
    /// Replies the command queue finished, for the loop to send.
    private let replies = Mutex<[(client: Int, line: [UInt8])]>([])
    private let counts = Mutex(Statistics())
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private var clients: [Int: ClientConnection] = [:]
    private var nextClientID = 1
    private var snapshotCache: (snapshot: EngineSnapshot, line: [UInt8])?
    private let clock = ContinuousClock()

    public init(path: String, target: any ControlTarget, options: Options = Options(), logger: Logger) {
        (self.path, self.target, self.options, self.logger) = (path, target, options, logger)
        policy = PeerPolicy(owner: getuid(), group: options.allowedGroup)
    }

    /// Listens at `path` (mode 0600) and starts serving on a thread of its own.
    public func start() throws(SocketError) {
        let listener = try UnixSocket.listen(at: path, group: options.allowedGroup)
        listener.setNonBlocking()
        (self.listener, poller) = (listener, try Poller())
        let thread = Thread { [self] in
            defer { finished.signal() }
            // The kernel's name too (Foundation's stays in-process), so top -H and /proc show the thread.
            ThreadName.set(Self.threadName)
            loop()
        }
        thread.name = Self.threadName
        thread.start()
    }

    /// Stops accepting, lets commands already applying finish, closes every connection and removes the socket file.
    public func stop() {
        guard listener != nil, !stopping.exchange(true, ordering: .sequentiallyConsistent) else { return }
        poller?.wake()
        finished.wait()
        commands.sync {}
    }

    public var statistics: Statistics { counts.withLock { $0 } }

    /// The loop thread's name, as /proc shows it (at most 15 characters).
    public static let threadName = "adapt-top ctl"

    // MARK: - The loop thread

    private func loop() {
        guard let listener, let poller else { return }
        defer {
            for client in clients.values { client.socket.close() }
            clients.removeAll()
            listener.close()
            publishClientCount()
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while !stopping.load(ordering: .sequentiallyConsistent) {
            let order = Array(clients.values)
            var interests = [Poller.Interest(descriptor: listener.descriptor, read: true, write: false)]
            for client in order {
                interests.append(.init(descriptor: client.socket.descriptor, read: true, write: client.queuedBytes > 0))
            }
            let ready = poller.wait(interests, timeoutMilliseconds: timeoutMilliseconds())
            let now = clock.now
            deliverReplies(now: now)
            if ready.first?.readable == true { acceptPending(listener: listener, now: now) }
            for (client, readiness) in zip(order, ready.dropFirst()) where clients[client.id] != nil {
                if readiness.readable {
                    if !read(client, buffer: &buffer, now: now) { disconnect(client, reason: "closed the connection"); continue }
                } else if readiness.broken {
                    disconnect(client, reason: "closed the connection")
                    continue
                }
            }
            sendDueSnapshots(now: now)
            for client in Array(clients.values) {
                if client.queuedBytes > 0, !client.flush(now: now) { disconnect(client, reason: "closed the connection"); continue }
                client.halfCloseIfRefused()
                if let deadline = client.refusedUntil, now >= deadline { disconnect(client, reason: "refused"); continue }
                if client.queuedBytes > 4 * options.maximumQueuedBytes {
                    // Replies pile up too (a client sending lines faster than it reads the answers).
                    logger.warning("disconnecting a client that reads far slower than it sends", metadata: [
                        "client": "\(client.label)", "queued_bytes": "\(client.queuedBytes)"])
                    disconnect(client, reason: nil)
                    continue
                }
                if client.queuedBytes > 0, now - client.lastProgress > .seconds(options.stuckSeconds) {
                    counts.withLock { $0.disconnectedStuck += 1 }
                    logger.warning("disconnecting a client that stopped reading", metadata: [
                        "client": "\(client.label)", "waited_s": "\(options.stuckSeconds)", "queued_bytes": "\(client.queuedBytes)"])
                    disconnect(client, reason: nil)
                }
            }
        }
    }

    /// Until the next snapshot is due or a stuck client's time is up; -1 when nothing is scheduled.
    private func timeoutMilliseconds() -> Int32 {
        let now = clock.now
        var next: ContinuousClock.Instant?
        for client in clients.values {
            if let due = client.subscription?.next { next = min(next ?? due, due) }
            if let deadline = client.refusedUntil { next = min(next ?? deadline, deadline) }
            if client.queuedBytes > 0 {
                let deadline = client.lastProgress + .seconds(options.stuckSeconds)
                next = min(next ?? deadline, deadline)
            }
        }
        guard let next else { return -1 }
        let milliseconds = now.duration(to: next) / .milliseconds(1)
        return Int32(max(0, min(60_000, milliseconds.rounded(.up))))
    }

    private func acceptPending(listener: UnixSocket, now: ContinuousClock.Instant) {
        while let socket = listener.accept() {
            let peer: UnixSocket.Peer
            do {
                peer = try socket.peer()
            } catch {
                logger.warning("refused a connection: \(error)")
                continue
            }
            socket.setNonBlocking()
            let client = ClientConnection(id: nextClientID, socket: socket, peer: peer, now: now)
            nextClientID += 1
            if case .refused(let reason) = policy.verdict(for: peer, groups: PeerPolicy.supplementaryGroups) {
                counts.withLock { $0.refused += 1 }
                logger.warning("refused a connection", metadata: ["reason": "\(reason)"])
                refuse(client, "permission denied: only the service's user, root\(options.allowedGroup == nil ? "" : " and its group") may connect",
                       now: now)
            } else if clients.count >= options.maximumClients {
                counts.withLock { $0.refused += 1 }
                logger.warning("refused a connection: too many clients", metadata: ["client": "\(client.label)"])
                refuse(client, "too many clients (at most \(options.maximumClients))", now: now)
            } else {
                counts.withLock { $0.accepted += 1 }
                logger.debug("client connected", metadata: ["client": "\(client.label)"])
            }
            clients[client.id] = client
            publishClientCount()
        }
    }

    /// The clients being served (refused ones winding down are not), for `statistics`.
    private func publishClientCount() {
        let served = clients.values.count { $0.refusedUntil == nil }
        counts.withLock { $0.clients = served }
    }

    /// One error line, then the connection is wound down (see `ClientConnection.refusedUntil`).
    private func refuse(_ client: ClientConnection, _ message: String, now: ContinuousClock.Instant) {
        guard let line = try? ServerMessage.error(id: nil, message: message).jsonLine() else { return }
        client.refuse(Array((line + "\n").utf8), now: now)
    }

    private func disconnect(_ client: ClientConnection, reason: String?) {
        client.socket.close()
        clients[client.id] = nil
        publishClientCount()
        // A dashboard's going is news in the log; a script's one-shot connection is not.
        if let reason {
            logger.log(level: client.subscription == nil ? .debug : .info, "client disconnected",
                       metadata: ["client": "\(client.label)", "why": "\(reason)"])
        }
    }

    /// Reads what the client sent and answers each complete line; false once it is gone.
    private func read(_ client: ClientConnection, buffer: inout [UInt8], now: ContinuousClock.Instant) -> Bool {
        // A few reads at most, so one busy client cannot starve the others.
        for _ in 0..<4 {
            let result = buffer.withUnsafeMutableBytes { client.socket.read(into: $0) }
            switch result {
            case .bytes(let count):
                guard client.refusedUntil == nil else { continue }  // a refused client's lines are not read
                for item in client.framer.feed(buffer[..<count]) where client.refusedUntil == nil { handle(item, from: client, now: now) }
            case .wouldBlock: return true
            case .closed, .failed: return false
            }
        }
        return true
    }

    private func handle(_ item: LineFramer.Item, from client: ClientConnection, now: ContinuousClock.Instant) {
        let line: String
        switch item {
        case .line(let text): line = text
        case .tooLong(let bytes):
            return reply(.error(id: nil, message: "line too long (\(bytes) bytes; at most \(ControlProtocol.maximumLineBytes))"), to: client, now: now)
        case .notUTF8: return reply(.error(id: nil, message: "a line that is not UTF-8"), to: client, now: now)
        }
        let message: ClientMessage
        do {
            message = try ClientMessage(jsonLine: line)
        } catch {
            return reply(.error(id: nil, message: error.message), to: client, now: now)
        }
        if case .hello(let version, let name) = message {
            // What a client calls itself goes into the log: no control characters (no forged lines), 64 at most.
            client.name = name.map { name in
                String(String.UnicodeScalarView(name.unicodeScalars.filter { $0.properties.generalCategory != .control }).prefix(64))
            }
            guard version == ControlProtocol.version else {
                logger.info("client speaks another protocol version", metadata: ["client": "\(client.label)", "version": "\(version)"])
                counts.withLock { $0.errorReplies += 1 }
                return refuse(client, "protocol version \(version) is not spoken here (this server speaks \(ControlProtocol.version))", now: now)
            }
            client.greeted = true
            return reply(.hello(version: ControlProtocol.version, server: options.serverName, family: target.family), to: client, now: now)
        }
        guard client.greeted else {
            return reply(.error(id: nil, message: "say hello first: {\"type\":\"hello\",\"version\":\(ControlProtocol.version)}"), to: client, now: now)
        }
        switch message {
        case .hello: break
        case .subscribe(let interval):
            if client.subscription == nil {
                logger.info("client subscribed", metadata: ["client": "\(client.label)", "interval_s": "\(interval)"])
            }
            client.subscription = .init(interval: .seconds(interval), next: now)
        case .unsubscribe:
            client.subscription = nil
        case .command(let command, let id):
            enqueue(id: id, from: client, now: now) { [self, label = client.label] in
                do {
                    try target.send(command)
                    counts.withLock { $0.commandsApplied += 1 }
                    logger.notice("applied a command", metadata: ["command": "\(command)", "client": "\(label)"])
                    return .ok(id: id)
                } catch {
                    return .error(id: id, message: "\(error)")
                }
            }
        case .status(let id):
            // Through the command queue, so a status after a command sees it applied.
            enqueue(id: id, from: client, now: now) { [target] in .snapshot(target.snapshot) }
        }
    }

    /// Runs `work` on the command queue; its reply goes back to the client through the loop.
    private func enqueue(id: Int?, from client: ClientConnection, now: ContinuousClock.Instant,
                         _ work: @escaping @Sendable () -> ServerMessage) {
        guard client.inFlight < options.maximumInFlight else {
            return reply(.error(id: id, message: "too many requests waiting (at most \(options.maximumInFlight)); read the replies first"),
                         to: client, now: now)
        }
        client.inFlight += 1
        commands.async { [self, clientID = client.id] in
            let message = work()
            guard let line = try? message.jsonLine() else { return }
            replies.withLock { $0.append((clientID, Array((line + "\n").utf8))) }
            poller?.wake()
        }
    }

    private func deliverReplies(now: ContinuousClock.Instant) {
        let finished = replies.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
        for (id, line) in finished {
            guard let client = clients[id] else { continue }  // gone before its reply
            client.inFlight -= 1
            if line.starts(with: Array("{\"type\":\"error\"".utf8)) { counts.withLock { $0.errorReplies += 1 } }
            client.enqueue(line, now: now)
        }
    }

    private func reply(_ message: ServerMessage, to client: ClientConnection, now: ContinuousClock.Instant) {
        if case .error = message { counts.withLock { $0.errorReplies += 1 } }
        guard let line = try? message.jsonLine() else { return }
        client.enqueue(Array((line + "\n").utf8), now: now)
    }

    private func sendDueSnapshots(now: ContinuousClock.Instant) {
        var sent = 0
        var dropped = 0
        var line: [UInt8]?  // fetched once for all the clients due now
        for client in clients.values {
            guard var subscription = client.subscription, subscription.next <= now else { continue }
            subscription.next += subscription.interval
            if subscription.next < now { subscription.next = now + subscription.interval }  // no burst after a stall
            client.subscription = subscription
            guard client.queuedBytes < options.maximumQueuedBytes else {
                if client.droppedSnapshots == 0 {
                    logger.notice("a client is not keeping up; dropping its snapshots", metadata: ["client": "\(client.label)"])
                }
                client.droppedSnapshots += 1
                dropped += 1
                continue
            }
            if line == nil { line = currentSnapshotLine() }
            guard let line else { continue }
            client.enqueue(line, now: now)
            sent += 1
        }
        if sent + dropped > 0 {
            counts.withLock {
                $0.snapshotsSent += sent
                $0.snapshotsDropped += dropped
            }
        }
    }

    /// The engine's snapshot as a line, encoded once however many clients it goes to.
    private func currentSnapshotLine() -> [UInt8]? {
        let snapshot = target.snapshot
        if let cached = snapshotCache, cached.snapshot == snapshot { return cached.line }
        guard let line = try? ServerMessage.snapshot(snapshot).jsonLine() else { return nil }
        snapshotCache = (snapshot, Array((line + "\n").utf8))
        return snapshotCache?.line
    }
}
