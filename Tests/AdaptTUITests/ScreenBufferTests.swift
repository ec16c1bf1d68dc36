import Testing
@testable import AdaptTUI

@Suite struct ScreenBufferTests {
    @Test func writesAreClippedToTheBufferAndTheRectangle() {
        var buffer = ScreenBuffer(width: 6, height: 2)
        buffer.put("hello world", x: 2, y: 0)
        buffer.put("xyz", x: -1, y: 1, style: CellStyle(.warn))
        buffer.put("off", x: 0, y: 5)
        #expect(buffer.lines == ["  hell", "yz    "])
        #expect(buffer[0, 1].style.role == .warn)
        buffer.put("abcdef", x: 0, y: 1, clip: Rect(x: 1, y: 0, width: 2, height: 2))
        #expect(buffer.lines[1] == "ybc   ")
    }

    @Test func fillStaysInside() {
        var buffer = ScreenBuffer(width: 4, height: 3)
        buffer.fill(Rect(x: 2, y: 1, width: 10, height: 10), with: "#")
        #expect(buffer.lines == ["    ", "  ##", "  ##"])
        #expect(Rect(x: 0, y: 0, width: 10, height: 5).inset(by: 1) == Rect(x: 1, y: 1, width: 8, height: 3))
    }
}
