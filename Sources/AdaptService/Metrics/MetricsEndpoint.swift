/// The metrics endpoint's HTTP, without sockets: finding a request's head in the bytes received so far, and the
/// response to it. Just what a scraper needs: one request per connection, no bodies read, `Connection: close`.
enum MetricsEndpoint {
    /// Prometheus's text exposition format, version 0.0.4.
    static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"
    static let textContentType = "text/plain; charset=utf-8"
    static let allowedMethods = "GET, HEAD"

    /// What the bytes received so far hold.
    enum Scan: Equatable {
        /// No end of the head yet (an empty line); read on.
        case incomplete
        case request(RequestLine)
        /// The head is longer than allowed (431).
        case tooLarge
        /// Not an HTTP/1.x request (400), with the reason.
        case malformed(String)
        /// HTTP/2 or later spoken over plain TCP (505).
        case unsupportedVersion(String)
    }

    struct RequestLine: Equatable {
        var method: String
        /// The request target as sent (origin form "/metrics?x=1", or absolute form "http://host/metrics").
        var target: String
        var version: String

        /// The target's path, without a query or fragment, and without the scheme and host of an absolute form.
        var path: String {
            var rest = Substring(target)
            if !rest.hasPrefix("/"), let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
                rest = rest[rest.index(colon, offsetBy: 3)...]
                rest = rest.firstIndex(of: "/").map { rest[$0...] } ?? "/"
            }
            return String(rest.prefix { $0 != "?" && $0 != "#" })
        }
    }

    /// Looks for a complete request head within the first `maximumBytes` of `bytes`.
    /// - Complexity: O(n) in the bytes received; called after each read of at most `maximumBytes` in all.
    static func scan(_ bytes: [UInt8], maximumBytes: Int) -> Scan {
        let (cr, lf) = (UInt8(ascii: "\r"), UInt8(ascii: "\n"))
        // RFC 9112 §2.2: empty lines before the request line are ignored; a bare LF ends a line as CRLF does.
        let start = bytes.firstIndex { $0 != cr && $0 != lf } ?? bytes.endIndex
        var lineStart = start
        var requestLineEnd: Int?
        var index = start
        while index < bytes.endIndex {
            if bytes[index] == lf {
                let end = index > lineStart && bytes[index - 1] == cr ? index - 1 : index
                if requestLineEnd == nil {
                    requestLineEnd = end
                } else if end == lineStart {
                    guard index < maximumBytes else { return .tooLarge }
                    return parseRequestLine(bytes[start..<requestLineEnd!])
                }
                lineStart = index + 1
            }
            index += 1
        }
        return bytes.count > maximumBytes ? .tooLarge : .incomplete
    }

    private static func parseRequestLine(_ line: ArraySlice<UInt8>) -> Scan {
        // Visible ASCII and single spaces only: no control characters, no UTF-8 in the target (it would be
        // percent-encoded by a client that means it).
        guard line.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            return .malformed("the request line holds bytes other than visible ASCII")
        }
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
            return .malformed("the request line is not \"METHOD target HTTP/1.1\"")
        }
        let (method, target, version) = (String(decoding: parts[0], as: UTF8.self), String(decoding: parts[1], as: UTF8.self),
                                          String(decoding: parts[2], as: UTF8.self))
        let tokenPunctuation = Set("!#$%&'*+-.^_`|~".utf8)
        guard parts[0].allSatisfy({ isAlphanumeric($0) || tokenPunctuation.contains($0) }) else {
            return .malformed("\(method) is not a method name")
        }
        guard version.hasPrefix("HTTP/") else { return .malformed("\(version) is not an HTTP version") }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else { return .unsupportedVersion(version) }
        return .request(RequestLine(method: method, target: target, version: version))
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// The response to what `scan` found (not `.incomplete`). `content` is asked only for GET and HEAD of /metrics.
    static func response(to scan: Scan, content: () -> [UInt8]) -> Response {
        switch scan {
        case .incomplete, .malformed:
            let reason = if case .malformed(let reason) = scan { reason } else { "the request ended before its head did" }
            return .text(400, "Bad Request", "bad request: \(reason)\n")
        case .tooLarge:
            return .text(431, "Request Header Fields Too Large", "the request's head is too large\n")
        case .unsupportedVersion(let version):
            return .text(505, "HTTP Version Not Supported", "\(version) is not spoken here; use HTTP/1.1\n")
        case .request(let request):
            let path = request.path
            guard path == "/metrics" || path == "/" else {
                return .text(404, "Not Found", "nothing at \(path); the metrics are at /metrics\n")
            }
            guard request.method == "GET" || request.method == "HEAD" else {
                var response = Response.text(405, "Method Not Allowed", "\(request.method) is not allowed here; use GET\n")
                response.headers.append(("Allow", allowedMethods))
                return response
            }
            var response = path == "/metrics"
                ? Response(status: 200, reason: "OK", contentType: metricsContentType, body: content())
                : .text(200, "OK", "adapt-top: Prometheus metrics are at /metrics\n")
            response.omitsBody = request.method == "HEAD"
            return response
        }
    }

    struct Response: Equatable {
        var status: Int
        var reason: String
        /// Beyond Content-Type, Content-Length and Connection, which every response has.
        var headers: [(String, String)] = []
        var contentType: String
        var body: [UInt8]
        /// A HEAD response: the headers of the GET response (its Content-Length too), no body.
        var omitsBody = false

        init(status: Int, reason: String, contentType: String, body: [UInt8]) {
            (self.status, self.reason, self.contentType, self.body) = (status, reason, contentType, body)
        }

        static func text(_ status: Int, _ reason: String, _ body: String) -> Response {
            Response(status: status, reason: reason, contentType: textContentType, body: Array(body.utf8))
        }

        /// The bytes on the wire.
        var serialized: [UInt8] {
            var head = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            head += "Connection: close\r\n\r\n"
            return Array(head.utf8) + (omitsBody ? [] : body)
        }

        static func == (lhs: Response, rhs: Response) -> Bool {
            lhs.serialized == rhs.serialized
        }
    }
}
