public import AdaptEngine
internal import Foundation

/// An engine served by `adapt-top serve`, as the dashboard and batch mode use one: the latest snapshot (kept
/// fresh by a subscription read on a thread of its own) and commands sent over the same connection. When the
/// service goes away the last snapshot stays, `trouble` says so, and the connection is retried every second
/// until the service is back.
public final class AttachedEngine: @unchecked Sendable {
    // @unchecked: every mutable field is guarded by `condition`.
    public let path: String
    private var intervalSeconds: Double
    private let clientName: String
    private let condition = NSCondition()
    private var client: ControlClient?
    private var latest: EngineSnapshot
    private var problem: String?
    /// Answers to commands being waited for: the error (nil: ok), and how many snapshots had come before it.
    private var replies: [Int: (error: String?, snapshotsBefore: Int)] = [:]
    private var snapshotsReceived = 0
    private var waiting: Set<Int> = []
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    /// Connects and takes a first snapshot: a wrong path or a refusal is an error here, before any screen opens.
    public init(path: String, intervalSeconds: Double, clientName: String) throws(ControlClientError) {
        (self.path, self.intervalSeconds, self.clientName) = (path, Self.subscription(intervalSeconds), clientName)
        (client, latest) = try Self.open(path: path, clientName: clientName, intervalSeconds: self.intervalSeconds)
        let thread = Thread { [self] in
            defer { finished.signal() }
            readLoop()
        }
        thread.name = "adapt-top attach"
        thread.start()
    }

    /// The latest snapshot the service sent (the last one before a disconnection, while it lasts).
    public var snapshot: EngineSnapshot { condition.withLock { latest } }

    /// The first snapshot the service sends after the one numbered `sequence`, waiting at most `timeout` seconds;
    /// nil if none came (a batch printer then prints nothing rather than the same snapshot again).
    public func snapshot(after sequence: Int, timeout: Double) -> EngineSnapshot? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(timeout)
        while latest.sequence <= sequence, condition.wait(until: deadline) {}
        return latest.sequence > sequence ? latest : nil
    }

    /// What is wrong with the connection, in a few words ("disconnected — retrying"); nil while it is fine.
    public var trouble: String? { condition.withLock { problem == nil ? nil : "disconnected — retrying" } }

    /// Why the connection was lost or cannot be made again, for a log line; nil while it is fine.
    public var troubleReason: String? { condition.withLock { problem } }

    /// Sends a command and waits (at most 5 s) for the service's answer, then briefly for a snapshot that shows it
    /// (the service sends snapshots after a command only once it is applied), so a pin shows at once.
    public func send(_ command: EngineCommand) throws(ControlClientError) {
        condition.lock()
        defer { condition.unlock() }
        guard let client else { throw ControlClientError("not connected to the service (\(problem ?? "retrying"))") }
        // Posted with the lock held, so the reader cannot deliver the reply before it is waited for.
        let id = try client.post(command)
        waiting.insert(id)
        defer { waiting.remove(id) }
        let deadline = Date().addingTimeInterval(5)
        while replies[id] == nil {
            guard condition.wait(until: deadline) else { throw ControlClientError("no answer from the service in 5 s") }
        }
        guard let reply = replies.removeValue(forKey: id) else { return }
        if let message = reply.error { throw ControlClientError(message) }
        // A status request makes the next snapshot come now rather than at the subscription's next tick.
        _ = try? client.post(status: ())
        let shown = Date().addingTimeInterval(1)
        while snapshotsReceived <= reply.snapshotsBefore, self.client != nil, condition.wait(until: shown) {}
    }

    /// Snapshots come every `seconds` from now on (the dashboard's refresh changed).
    public func setInterval(_ seconds: Double) {
        condition.withLock {
            intervalSeconds = Self.subscription(seconds)
            _ = try? client?.subscribe(intervalSeconds: intervalSeconds)
        }
    }

    /// At least one snapshot a second whatever the caller's interval: the silence that means the service is gone
    /// is then a few seconds, not a few intervals.
    private static func subscription(_ seconds: Double) -> Double {
        min(1, max(ClientMessage.minimumInterval, seconds))
    }

    /// Ends the connection and the reader thread.
    public func stop() {
        condition.withLock {
            stopped = true
            client?.close()
            condition.broadcast()
        }
        finished.wait()
        finished.signal()
    }

    /// Connects, takes the snapshot as it is now and subscribes.
    private static func open(path: String, clientName: String,
                             intervalSeconds: Double) throws(ControlClientError) -> (ControlClient, EngineSnapshot) {
        // Subscribed, the client hears from the service at least every second: 5 s of silence means it is gone.
        let client = try ControlClient.connect(to: path, clientName: clientName, timeoutSeconds: 5)
        let first = try client.status()
        try client.subscribe(intervalSeconds: intervalSeconds)
        return (client, first)
    }

    private func readLoop() {
        while true {
            guard let client = condition.withLock({ stopped ? nil : self.client }) else {
                if condition.withLock({ stopped }) { return }
                reconnect()
                continue
            }
            do {
                let message = try client.next()
                condition.withLock {
                    switch message {
                    case .snapshot(let snapshot):
                        latest = snapshot
                        snapshotsReceived += 1
                    case .ok(let id?) where waiting.contains(id): replies[id] = (nil, snapshotsReceived)
                    case .error(let id?, let message) where waiting.contains(id): replies[id] = (message, snapshotsReceived)
                    default: break
                    }
                    condition.broadcast()
                }
            } catch {
                condition.withLock {
                    client.close()
                    self.client = nil
                    if !stopped { problem = error.message }
                    for id in waiting { replies[id] = ("the connection to the service was lost", snapshotsReceived) }
                    condition.broadcast()
                }
            }
        }
    }

    /// One attempt, after a second's pause (cut short by `stop`).
    private func reconnect() {
        let deadline = Date().addingTimeInterval(1)
        condition.withLock {
            while !stopped, condition.wait(until: deadline) {}
        }
        guard !condition.withLock({ stopped }) else { return }
        do {
            let (client, first) = try Self.open(path: path, clientName: clientName, intervalSeconds: condition.withLock { intervalSeconds })
            condition.withLock {
                if stopped {
                    client.close()
                } else {
                    (self.client, latest, problem) = (client, first, nil)
                }
            }
        } catch {
            condition.withLock {
                if !stopped { problem = error.message }
            }
        }
    }
}
