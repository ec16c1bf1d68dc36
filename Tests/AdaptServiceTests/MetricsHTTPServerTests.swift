import Foundation
import Testing
@testable import AdaptService

/// A client made of bare socket calls, apart from the server's own socket code, so the two cannot share a mistake.
struct RawHTTPClient {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    let descriptor: Int32

    /// Connects to `address:port` over IPv4; reads give up after `timeout` seconds.
    init(address: String = "127.0.0.1", port: UInt16, timeout: Int = 10) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = port.bigEndian
        inet_pton(AF_INET, address, &socketAddress.sin_addr)
        var wait = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let error = errno
            Glibc.close(descriptor)
            throw Failure(description: "connect to \(address):\(port): \(String(cString: strerror(error)))")
        }
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Everything until the server closes (or the read timeout).
    func readAll() -> [UInt8] {
        var all: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return all }
            all += chunk[..<count]
        }
    }

    func close() { Glibc.close(descriptor) }

    /// Sends `request`, reads the whole response and parses it; the body must be as long as Content-Length says
    /// (a HEAD response has none).
    static func exchange(port: UInt16, _ request: String, head: Bool = false) throws -> Response {
        let client = try RawHTTPClient(port: port)
        defer { client.close() }
        client.send(request)
        let bytes = client.readAll()
        guard let end = bytes.firstRange(of: Array("\r\n\r\n".utf8)) else {
            throw Failure(description: "no end of head in \(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
        let lines = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusLine = lines[0].split(separator: " ", maxSplits: 2)
        guard statusLine.count == 3, statusLine[0] == "HTTP/1.1", let status = Int(statusLine[1]) else {
            throw Failure(description: "status line \(lines[0].debugDescription)")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw Failure(description: "header \(line.debugDescription)") }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = Array(bytes[end.upperBound...])
        guard let length = headers["content-length"].flatMap({ Int($0) }), length == (head ? length : body.count) else {
            throw Failure(description: "Content-Length \(headers["content-length"] ?? "missing") for a \(body.count)-byte body")
        }
        if head && !body.isEmpty { throw Failure(description: "a HEAD response with a body") }
        return Response(status: status, headers: headers, body: body)
    }
}

@Suite(.serialized) struct MetricsHTTPServerTests {
    /// A server on an ephemeral loopback port answering with a real engine's metrics.
    func withServer(timeout: Duration = .seconds(5), maximumHeaderBytes: Int = 8192,
                    _ body: (MetricsHTTPServer, UInt16) throws -> Void) throws {
        let metrics = EngineMetrics()
        metrics.observeLatency(variant: "cnn-w100-int8", nanoseconds: 71_000)
        let server = MetricsHTTPServer(port: 0, requestTimeout: timeout, maximumHeaderBytes: maximumHeaderBytes) {
            metrics.update(from: MetricsSnapshots.running())
            return metrics.exposition()
        }
        try server.start()
        defer { server.stop() }
        try body(server, try #require(server.port))
    }

    /// A scrape as Prometheus makes it: 200, the exposition's content type and length, closed after, and a body
    /// that keeps every rule of the text format.
    @Test func aScrapeIsAnswered() throws {
        try withServer { _, port in
            let response = try RawHTTPClient.exchange(port: port, """
                GET /metrics HTTP/1.1\r
                Host: 127.0.0.1:\(port)\r
                User-Agent: Prometheus/3.0.0\r
                Accept: application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1\r
                Accept-Encoding: gzip\r
                X-Prometheus-Scrape-Timeout-Seconds: 10\r
                \r

                """)
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            #expect(response.headers["connection"] == "close")
            let exposition = try PrometheusExposition(checking: response.text)
            #expect(exposition.value("adapt_inferences_total") == 123_456)
            #expect(exposition.value("adapt_inference_latency_seconds_count", ["variant": "cnn-w100-int8"]) == 1)

            let head = try RawHTTPClient.exchange(port: port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n", head: true)
            #expect(head.status == 200 && head.headers["content-length"] == "\(response.body.count)")
        }
    }

    @Test func otherPathsAndMethods() throws {
        try withServer { _, port in
            let root = try RawHTTPClient.exchange(port: port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(root.status == 200 && root.text.contains("/metrics"))
            #expect(try RawHTTPClient.exchange(port: port, "GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n").status == 404)
            // A body the server does not read still lets the 405 reach the client (no reset before it reads).
            let post = try RawHTTPClient.exchange(port: port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 4000\r\n\r\n"
                                              + String(repeating: "x", count: 4000))
            #expect(post.status == 405 && post.headers["allow"] == "GET, HEAD")
            #expect(try RawHTTPClient.exchange(port: port, "BREW /metrics HTCPCP/1.0\r\n\r\n").status == 400)
            let huge = try RawHTTPClient.exchange(port: port, "GET /metrics HTTP/1.1\r\nCookie: " + String(repeating: "c", count: 10_000) + "\r\n\r\n")
            #expect(huge.status == 431)
        }
    }

    /// A client that connects and says nothing holds the thread for the request timeout at most: the next scrape is
    /// answered right after, and the silent one is closed without a word.
    @Test func aSilentClientDelaysTheNextScrapeByTheTimeoutAtMost() throws {
        try withServer(timeout: .milliseconds(300)) { _, port in
            let silent = try RawHTTPClient(port: port)
            defer { silent.close() }
            let clock = ContinuousClock()
            let started = clock.now
            let response = try RawHTTPClient.exchange(port: port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            let waited = started.duration(to: clock.now)
            #expect(response.status == 200)
            #expect(waited < .seconds(2), "\(waited)")
            #expect(silent.readAll().isEmpty, "closed, nothing said")

            // Half a request, then silence: told it was too slow.
            let slow = try RawHTTPClient(port: port)
            defer { slow.close() }
            slow.send("GET /metr")
            #expect(String(decoding: slow.readAll(), as: UTF8.self).hasPrefix("HTTP/1.1 408 "))
        }
    }

    /// Bound to 127.0.0.1 alone, as the kernel sees it: another loopback address of this machine is refused.
    @Test func listensOnLoopbackOnly() throws {
        try withServer { server, port in
            let listener = try #require(server.listener)
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener.descriptor, $0, &length) }
            }
            #expect(named == 0 && Int32(address.sin_family) == AF_INET)
            #expect(address.sin_addr.s_addr == inet_addr("127.0.0.1") && UInt16(bigEndian: address.sin_port) == port)
            #expect(server.endpoint == "127.0.0.1:\(port)")
            #expect(throws: RawHTTPClient.Failure.self) { try RawHTTPClient(address: "127.0.0.2", port: port) }
        }
    }

    @Test func startErrorsNameTheAddress() throws {
        try withServer { _, port in
            let second = MetricsHTTPServer(port: port) { [] }
            #expect(throws: SocketError("127.0.0.1:\(port): cannot bind: Address already in use")) { try second.start() }
        }
        let named = MetricsHTTPServer(address: "localhost", port: 0) { [] }
        #expect(throws: SocketError("localhost: not a numeric IPv4 or IPv6 address (e.g. 127.0.0.1, ::1, 0.0.0.0)")) {
            try named.start()
        }
    }

    /// `stop` cuts a connection in the middle of its request instead of waiting out the timeout, and the port is free
    /// again at once.
    @Test func stopIsPromptAndFreesThePort() throws {
        let server = MetricsHTTPServer(port: 0, requestTimeout: .seconds(30)) { [] }
        try server.start()
        let port = try #require(server.port)
        let silent = try RawHTTPClient(port: port)
        defer { silent.close() }
        Thread.sleep(forTimeInterval: 0.1)  // let the server take the connection and wait on it
        let clock = ContinuousClock()
        let started = clock.now
        server.stop()
        #expect(started.duration(to: clock.now) < .seconds(2))
        #expect(server.port == nil)
        let again = MetricsHTTPServer(port: port) { Array("again\n".utf8) }
        try again.start()
        defer { again.stop() }
        #expect(try RawHTTPClient.exchange(port: port, "GET /metrics HTTP/1.1\r\n\r\n").text == "again\n")
    }

    /// IPv6 loopback works as well, shown the way URLs write it.
    @Test func ipv6Loopback() throws {
        let server = MetricsHTTPServer(address: "::1", port: 0) { [] }
        do {
            try server.start()
        } catch {
            // A machine without IPv6 on its loopback: nothing to test.
            return
        }
        defer { server.stop() }
        let port = try #require(server.port)
        #expect(server.endpoint == "[::1]:\(port)")
    }
}
