import Foundation
import Testing
@testable import AdaptTUI

struct UnitsTests {
    /// `fixed` replaces `String(format: "%.Nf")` on the dashboard's hot path: it must write the same digits for the
    /// figures a frame shows (halves aside, which printf rounds to even on the binary value and `fixed` away from 0; and no negative zero).
    @Test func fixedWritesWhatPrintfWrites() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let magnitude = pow(10, Double.random(in: -4...7, using: &generator))
            let value = Bool.random(using: &generator) ? magnitude : -magnitude
            for decimals in 0...3 {
                let scaled = abs(value) * pow(10, Double(decimals))
                if abs(scaled - scaled.rounded(.down) - 0.5) < 1e-6 { continue }
                var printf = String(format: "%.\(decimals)f", value)
                // printf writes a negative zero ("-0.00"); the dashboard never shows one.
                if printf.hasPrefix("-"), printf.allSatisfy({ $0 == "-" || $0 == "0" || $0 == "." }) { printf.removeFirst() }
                #expect(Units.fixed(value, decimals) == printf, "\(value) with \(decimals)")
            }
        }
        #expect(Units.fixed(0.0004, 2) == "0.00" && Units.fixed(-0.0004, 2) == "0.00", "no negative zero")
        #expect(Units.fixed(.nan, 1) == "nan" && Units.fixed(1e300, 0).hasPrefix("1000000000"))
    }

    @Test func unitsPickTheirScale() {
        #expect(Units.milliseconds(0.0672) == "67µs" && Units.milliseconds(2.345) == "2.35ms" && Units.milliseconds(12.34) == "12.3ms")
        #expect(Units.megabytes(0.56) == "0.56M" && Units.megabytes(512) == "512M" && Units.megabytes(24_000) == "23.4G")
        #expect(Units.rate(12_345) == "12.3k/s" && Units.count(123_456) == "123k" && Units.duration(3725) == "1:02:05")
        #expect(Units.percent(0.93012, decimals: 2) == "93.01%" && Units.milliseconds(nil) == "n/a")
    }

    @Test func fitAndPadCountColumnsNotBytes() {
        #expect(Units.fit("▶ cnn-w100-int8", 8) == "▶ cnn-w…")
        #expect(Units.pad("µs", 4, right: true) == "  µs")
        #expect(Units.fit("short", 10) == "short" && Units.fit("x", 0) == "")
    }
}
