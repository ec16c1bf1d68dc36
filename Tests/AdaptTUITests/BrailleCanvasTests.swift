import Testing
@testable import AdaptTUI

@Suite struct BrailleCanvasTests {
    private func text(_ canvas: BrailleCanvas) -> [String] {
        (0..<canvas.rows).map { row in
            String(String.UnicodeScalarView((0..<canvas.columns).map { canvas.character(column: $0, row: row) ?? " " }))
        }
    }

    @Test func eachDotHasItsUnicodeBit() {
        let expected: [(x: Int, y: Int, scalar: UInt32)] = [
            (0, 0, 0x2801), (0, 1, 0x2802), (0, 2, 0x2804), (1, 0, 0x2808),
            (1, 1, 0x2810), (1, 2, 0x2820), (0, 3, 0x2840), (1, 3, 0x2880),
        ]
        var all = BrailleCanvas(columns: 1, rows: 1)
        for dot in expected {
            var canvas = BrailleCanvas(columns: 1, rows: 1)
            canvas.set(x: dot.x, y: dot.y)
            #expect(canvas.character(column: 0, row: 0) == Unicode.Scalar(dot.scalar)!)
            all.set(x: dot.x, y: dot.y)
        }
        #expect(all.character(column: 0, row: 0) == "⣿")
        #expect(BrailleCanvas(columns: 1, rows: 1).character(column: 0, row: 0) == nil)
    }

    @Test func dotsLandInTheirCell() {
        var canvas = BrailleCanvas(columns: 3, rows: 2)
        canvas.set(x: 5, y: 7)
        canvas.set(x: 2, y: 4)
        canvas.set(x: 6, y: 0)
        canvas.set(x: -1, y: 0)
        canvas.set(x: 0, y: 8)
        #expect(text(canvas) == ["   ", " ⠁⢀"])
    }

    @Test func linesFollowBresenham() {
        var canvas = BrailleCanvas(columns: 2, rows: 1)
        canvas.line(from: (0, 0), to: (3, 0))
        #expect(text(canvas) == ["⠉⠉"])
        canvas = BrailleCanvas(columns: 2, rows: 1)
        canvas.line(from: (0, 0), to: (3, 3))
        #expect(text(canvas) == ["⠑⢄"])
        canvas = BrailleCanvas(columns: 2, rows: 1)
        canvas.line(from: (3, 3), to: (0, 0))
        #expect(text(canvas) == ["⠑⢄"])
        canvas = BrailleCanvas(columns: 1, rows: 2)
        canvas.line(from: (0, 0), to: (0, 7))
        #expect(text(canvas) == ["⡇", "⡇"])
        // A shallow line leaving the canvas is clipped, not wrapped.
        canvas = BrailleCanvas(columns: 2, rows: 1)
        canvas.line(from: (-2, 0), to: (9, 3))
        #expect(text(canvas) == ["⠒⠒"])
    }

    @Test func theMostImportantRoleColoursASharedCell() {
        var canvas = BrailleCanvas(columns: 2, rows: 1)
        canvas.line(from: (0, 0), to: (0, 3), role: .budget)
        canvas.set(x: 1, y: 1, role: .active)
        canvas.line(from: (0, 2), to: (3, 2), role: .floor)
        #expect(canvas.role(column: 0, row: 0) == .active)
        #expect(canvas.role(column: 1, row: 0) == .floor)
        canvas.set(x: 2, y: 0, role: .front)
        #expect(canvas.role(column: 1, row: 0) == .front)
        #expect(BrailleCanvas.priority(of: .active) > BrailleCanvas.priority(of: .pinned))
        #expect(BrailleCanvas.priority(of: .pinned) > BrailleCanvas.priority(of: .front))
        #expect(BrailleCanvas.priority(of: .front) > BrailleCanvas.priority(of: .budget))
        #expect(BrailleCanvas.priority(of: .budget) > BrailleCanvas.priority(of: .floor))
        #expect(BrailleCanvas.priority(of: .floor) > BrailleCanvas.priority(of: .dim))
    }

    @Test func drawingWritesOnlyDottedCellsInsideTheRect() {
        var buffer = ScreenBuffer(width: 5, height: 3)
        buffer.fill(buffer.bounds, with: "#")
        var canvas = BrailleCanvas(columns: 4, rows: 2)
        canvas.set(x: 0, y: 0, role: .active)
        canvas.set(x: 7, y: 7, role: .front)
        canvas.set(x: 2, y: 4)
        canvas.draw(into: &buffer, at: Rect(x: 2, y: 1, width: 2, height: 2))
        // (7, 7) is in the canvas's last column, outside the 2-wide rect: clipped.
        #expect(buffer.lines == ["#####", "##⠁##", "###⠁#"])
        #expect(buffer[2, 1].style == CellStyle(.active, bold: true))
        #expect(buffer[3, 2].style == CellStyle(.text))
    }

    @Test func asciiModeHasOneLegibleDotPerCell() {
        var canvas = BrailleCanvas(columns: 5, rows: 5, glyphs: .ascii)
        #expect(canvas.pixelWidth == 5 && canvas.pixelHeight == 5)
        canvas.line(from: (0, 0), to: (4, 0))
        canvas.line(from: (0, 1), to: (0, 4))
        canvas.line(from: (1, 1), to: (3, 3))
        canvas.line(from: (4, 1), to: (2, 3))
        canvas.set(x: 4, y: 4)
        canvas.set(x: 2, y: 0)
        #expect(text(canvas) == ["--*--", "|\\  /", "| \\/ ", "| /\\ ", "|   *"])
        // A line crossing a point keeps the point.
        canvas.line(from: (0, 0), to: (4, 0))
        #expect(text(canvas)[0] == "--*--")
    }
}
