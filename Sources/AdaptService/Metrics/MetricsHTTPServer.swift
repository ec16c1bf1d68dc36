internal import Foundation
internal import Synchronization

/// Serves Prometheus scrapes over HTTP/1.1: `GET /metrics` answers what `content` returns (the text exposition), `/`
/// points there, other paths are 404 and other methods 405. One thread accepts and answers one connection at a time
/// (scrapes come every few seconds), and each request has `requestTimeout` to arrive and its response as long to
/// leave, so a client that connects and stays silent delays the next scrape by that much at most.
public final class MetricsHTTPServer: Sendable {
    /// The address listened on: loopback by default; "0.0.0.0" or "::" only when the operator asks for the network.
    public let address: String
    public let requestedPort: UInt16
    public let requestTimeout: Duration
    /// A request head longer than this is answered 431 (a scraper's is a few hundred bytes).
    public let maximumHeaderBytes: Int
    private let content: @Sendable () -> [UInt8]
    private let state = Mutex(State())

    private struct State {
        var listener: TCPListener?
        /// The connection being answered, so `stop` can wake a read or write waiting on it.
        var current: TCPConnection?
        var stopping = false
        var finished: DispatchSemaphore?
    }

    /// - Parameters:
    ///   - port: 0 for one the kernel picks (see `port` once started).
    ///   - content: the body of `GET /metrics`, asked for at each scrape on the server's thread.
    public init(address: String = "127.0.0.1", port: UInt16, requestTimeout: Duration = .seconds(5),
                maximumHeaderBytes: Int = 8192, content: @escaping @Sendable () -> [UInt8]) {
        self.address = address
        requestedPort = port
        self.requestTimeout = requestTimeout
        self.maximumHeaderBytes = maximumHeaderBytes
        self.content = content
    }

    deinit { stop() }

    /// The port listened on (the kernel's choice when 0 was asked for); nil unless running.
    public var port: UInt16? { listener?.port }

    /// The listening socket while running.
    var listener: TCPListener? { state.withLock { $0.listener } }

    /// "127.0.0.1:9464" ("[::1]:9464"), for the service's log line; nil unless running.
    public var endpoint: String? { listener.map { SocketAddress.display($0.address, $0.port) } }

    /// Listens and starts the serving thread; an error (address in use, not an address) names the address.
    /// Starting a started or stopped server does nothing.
    public func start() throws(SocketError) {
        // Listening under the lock: two racing starts cannot both listen.
        let started = try state.withLock { state throws(SocketError) -> (TCPListener, DispatchSemaphore)? in
            guard state.listener == nil, !state.stopping else { return nil }
            let listener = try TCPListener.listen(address: address, port: requestedPort)
            let finished = DispatchSemaphore(value: 0)
            (state.listener, state.finished) = (listener, finished)
            return (listener, finished)
        }
        guard let (listener, finished) = started else { return }
        let thread = Thread { [self] in
            defer { finished.signal() }
            serve(listener)
        }
        thread.name = "adapt-top metrics"
        thread.start()
    }

    /// Stops listening, cuts the connection being answered, waits for the thread, closes the socket. Idempotent.
    public func stop() {
        let (listener, finished) = state.withLock { state in
            state.stopping = true
            state.current?.shutdown()
            defer { (state.listener, state.finished) = (nil, nil) }
            return (state.listener, state.finished)
        }
        guard let listener else { return }
        listener.shutdown()
        finished?.wait()
        listener.close()
    }

    private func serve(_ listener: TCPListener) {
        while let connection = listener.accept() {
            // Registered under the lock `stop` takes, so a stop either sees this connection or is seen here.
            guard state.withLock({ state in
                state.current = connection
                return !state.stopping
            }) else {
                connection.close()
                return
            }
            answer(connection)
            state.withLock { $0.current = nil }
            connection.close()
        }
    }

    private func answer(_ connection: TCPConnection) {
        let deadline = ContinuousClock.now + requestTimeout
        var received: [UInt8] = []
        var scan = MetricsEndpoint.Scan.incomplete
        reading: while scan == .incomplete {
            switch connection.receive(into: &received, maximum: maximumHeaderBytes + 1 - received.count, until: deadline) {
            case .bytes:
                scan = MetricsEndpoint.scan(received, maximumBytes: maximumHeaderBytes)
            case .end:
                // A connection closed before a whole head: nothing to answer (a port check), or a truncated request.
                if received.isEmpty { return }
                break reading
            case .timedOut:
                // Silence is not answered (someone checking the port); half a request is told it was too slow.
                guard !received.isEmpty else { return }
                let response = MetricsEndpoint.Response.text(408, "Request Timeout", "the request came too slowly\n")
                try? connection.send(response.serialized, until: .now + requestTimeout)
                return
            case .failed:
                return
            }
        }
        let response = MetricsEndpoint.response(to: scan, content: content)
        do {
            try connection.send(response.serialized, until: .now + requestTimeout)
        } catch {
            return
        }
        connection.finishSending()
        // Read what the client still sends (a body, a pipelined request) until it closes, for a moment at most:
        // closing with unread bytes would send a reset, which can destroy the response before the client reads it.
        var ignored: [UInt8] = []
        let lingering = ContinuousClock.now + min(requestTimeout, .seconds(1))
        while case .bytes = connection.receive(into: &ignored, maximum: 65_536, until: lingering) {
            ignored.removeAll(keepingCapacity: true)
        }
    }
}
