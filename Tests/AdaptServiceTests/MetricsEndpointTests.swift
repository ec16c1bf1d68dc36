import Testing
@testable import AdaptService

/// The endpoint's HTTP without sockets: where a request's head ends, and what each request is answered.
@Suite struct MetricsEndpointTests {
    func scan(_ text: String, maximum: Int = 8192) -> MetricsEndpoint.Scan {
        MetricsEndpoint.scan(Array(text.utf8), maximumBytes: maximum)
    }

    func request(_ method: String, _ target: String) -> MetricsEndpoint.Scan {
        .request(.init(method: method, target: target, version: "HTTP/1.1"))
    }

    @Test func theHeadEndsAtTheFirstEmptyLine() {
        #expect(scan("GET /metrics HTTP/1.1\r\nHost: x\r\n") == .incomplete)
        #expect(scan("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n") == request("GET", "/metrics"))
        #expect(scan("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nbody") == request("GET", "/metrics"))
        #expect(scan("GET /metrics HTTP/1.1\nHost: x\n\n") == request("GET", "/metrics"), "bare LFs")
        #expect(scan("\r\n\r\nGET / HTTP/1.0\r\n\r\n") == .request(.init(method: "GET", target: "/", version: "HTTP/1.0")),
                "empty lines before the request line are skipped")
        #expect(scan("") == .incomplete)
    }

    @Test func aHeadIsBounded() {
        let long = "GET /metrics HTTP/1.1\r\nX-Filler: " + String(repeating: "a", count: 100)
        #expect(scan(long, maximum: 64) == .tooLarge, "no end in sight past the bound")
        #expect(scan(long + "\r\n\r\n", maximum: 64) == .tooLarge, "an end past the bound")
        #expect(scan(long, maximum: 200) == .incomplete)
    }

    @Test(arguments: [
        "GET /metrics\r\n\r\n", "GET  /metrics HTTP/1.1\r\n\r\n", "GET /metrics HTTP/1.1 extra\r\n\r\n",
        "G\u{1}T /metrics HTTP/1.1\r\n\r\n", "GET /métrics HTTP/1.1\r\n\r\n", "GET /metrics FTP/1.0\r\n\r\n",
        "GE(T /metrics HTTP/1.1\r\n\r\n",
    ])
    func malformedRequestLines(_ text: String) {
        guard case .malformed = scan(text) else {
            Issue.record("\(text.debugDescription) → \(scan(text))")
            return
        }
        #expect(MetricsEndpoint.response(to: scan(text)) { [] }.status == 400)
    }

    @Test func http2IsNotSpoken() {
        #expect(scan("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") == .unsupportedVersion("HTTP/2.0"))
        #expect(MetricsEndpoint.response(to: scan("PRI * HTTP/2.0\r\n\r\n")) { [] }.status == 505)
    }

    @Test func pathsLeaveQueryAndAuthorityOut() {
        func path(_ target: String) -> String { MetricsEndpoint.RequestLine(method: "GET", target: target, version: "HTTP/1.1").path }
        #expect(path("/metrics") == "/metrics")
        #expect(path("/metrics?name[]=adapt_engine_up") == "/metrics")
        #expect(path("/metrics#top") == "/metrics")
        #expect(path("http://127.0.0.1:9464/metrics?x=1") == "/metrics")
        #expect(path("http://127.0.0.1:9464") == "/")
        #expect(path("*") == "*")
    }

    @Test func responses() {
        var asked = 0
        let content: () -> [UInt8] = {
            asked += 1
            return Array("adapt_engine_up 1\n".utf8)
        }
        let metrics = MetricsEndpoint.response(to: request("GET", "/metrics?x=1"), content: content)
        #expect(String(decoding: metrics.serialized, as: UTF8.self) == """
            HTTP/1.1 200 OK\r
            Content-Type: text/plain; version=0.0.4; charset=utf-8\r
            Content-Length: 18\r
            Connection: close\r
            \r
            adapt_engine_up 1

            """)
        let head = MetricsEndpoint.response(to: request("HEAD", "/metrics"), content: content)
        #expect(String(decoding: head.serialized, as: UTF8.self).hasSuffix("Content-Length: 18\r\nConnection: close\r\n\r\n"),
                "HEAD: the GET response's length, no body")
        #expect(asked == 2)

        let root = MetricsEndpoint.response(to: request("GET", "/"), content: content)
        #expect(root.status == 200 && String(decoding: root.body, as: UTF8.self).contains("/metrics"))
        #expect(MetricsEndpoint.response(to: request("GET", "/metricz"), content: content).status == 404)
        #expect(MetricsEndpoint.response(to: request("DELETE", "/nothing"), content: content).status == 404)
        for method in ["POST", "PUT", "DELETE", "OPTIONS", "get"] {
            let refused = MetricsEndpoint.response(to: request(method, "/metrics"), content: content)
            #expect(refused.status == 405 && refused.headers.contains { $0 == ("Allow", "GET, HEAD") }, "\(method)")
        }
        #expect(asked == 2, "only GET and HEAD of /metrics ask for the content")
        #expect(MetricsEndpoint.response(to: .tooLarge, content: content).status == 431)
        #expect(MetricsEndpoint.response(to: .incomplete, content: content).status == 400)
    }
}
