/// A dot canvas over a block of cells, drawn into a `ScreenBuffer`.
///
/// In `.braille` mode each cell holds 2×4 dots (a Unicode braille character, U+2800 plus one bit per dot), so a
/// plot gets eight times the cells' resolution. In `.ascii` mode (a non-UTF-8 locale) each cell is one dot, drawn
/// with a character that still reads: `*` for a point, `-` `|` `/` `\` for a line by its slope.
///
/// A cell has one colour, so when dots of several roles share a cell the most important role wins
/// (`priority(of:)`): active > pinned > front > budget > floor > anything else. The markers a person looks for
/// stay visible where a reference line crosses them.
public struct BrailleCanvas: Sendable, Equatable {
    public enum Glyphs: Sendable, Equatable {
        case braille, ascii
    }

    /// Size in cells.
    public let columns: Int
    public let rows: Int
    public let glyphs: Glyphs

    /// Dots per cell across and down.
    public var dotsPerColumn: Int { glyphs == .braille ? 2 : 1 }
    public var dotsPerRow: Int { glyphs == .braille ? 4 : 1 }
    /// Size in dots: x runs right from 0, y runs down from 0.
    public var pixelWidth: Int { columns * dotsPerColumn }
    public var pixelHeight: Int { rows * dotsPerRow }

    private var bits: [UInt8]
    private var roles: [ColorRole?]
    /// ASCII mode only: the character of each cell.
    private var characters: [Unicode.Scalar?]

    public init(columns: Int, rows: Int, glyphs: Glyphs = .braille) {
        self.columns = max(0, columns)
        self.rows = max(0, rows)
        self.glyphs = glyphs
        let count = self.columns * self.rows
        bits = Array(repeating: 0, count: count)
        roles = Array(repeating: nil, count: count)
        characters = Array(repeating: nil, count: count)
    }

    /// The braille bit of each dot, indexed [y][x] inside a cell (the Unicode dot numbering: 1-2-3 down the left
    /// column, 4-5-6 down the right, 7 and 8 underneath).
    private static let dotBits: [[UInt8]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]

    /// Higher wins when roles share a cell.
    public static func priority(of role: ColorRole) -> Int {
        switch role {
        case .active: 6
        case .pinned: 5
        case .front: 4
        case .budget: 3
        case .floor: 2
        default: 1
        }
    }

    /// Sets one dot; a dot outside the canvas is ignored, so callers can draw lines that leave it.
    public mutating func set(x: Int, y: Int, role: ColorRole = .text) {
        mark(x: x, y: y, role: role, character: "*")
    }

    /// A straight line between two dots, both ends included (Bresenham).
    public mutating func line(from start: (x: Int, y: Int), to end: (x: Int, y: Int), role: ColorRole = .text) {
        let dx = abs(end.x - start.x), dy = -abs(end.y - start.y)
        let stepX = start.x < end.x ? 1 : -1, stepY = start.y < end.y ? 1 : -1
        // The ASCII character follows the whole line's slope, so a line reads as one stroke.
        let character: Unicode.Scalar =
            if dy == 0 { "-" } else if dx == 0 { "|" } else if dx > 2 * -dy { "-" } else if -dy > 2 * dx { "|" }
            else if stepX == stepY { "\\" } else { "/" }
        var (x, y) = start
        var error = dx + dy
        while true {
            mark(x: x, y: y, role: role, character: character, isPoint: false)
            if x == end.x && y == end.y { break }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x += stepX }
            if doubled <= dx { error += dx; y += stepY }
        }
    }

    private mutating func mark(x: Int, y: Int, role: ColorRole, character: Unicode.Scalar, isPoint: Bool = true) {
        guard x >= 0, y >= 0, x < pixelWidth, y < pixelHeight else { return }
        let cell = (y / dotsPerRow) * columns + x / dotsPerColumn
        switch glyphs {
        case .braille:
            bits[cell] |= Self.dotBits[y % 4][x % 2]
        case .ascii:
            // A point stays a point when a line later crosses its cell.
            if isPoint || characters[cell] != "*" { characters[cell] = character }
        }
        if let current = roles[cell], Self.priority(of: current) >= Self.priority(of: role) { return }
        roles[cell] = role
    }

    /// The character of the cell at (column, row), nil where no dot is set.
    public func character(column: Int, row: Int) -> Unicode.Scalar? {
        guard column >= 0, row >= 0, column < columns, row < rows else { return nil }
        let cell = row * columns + column
        switch glyphs {
        case .braille:
            guard bits[cell] != 0, let scalar = Unicode.Scalar(0x2800 + UInt32(bits[cell])) else { return nil }
            return scalar
        case .ascii:
            return characters[cell]
        }
    }

    /// The winning role of the cell at (column, row), nil where no dot is set.
    public func role(column: Int, row: Int) -> ColorRole? {
        guard column >= 0, row >= 0, column < columns, row < rows else { return nil }
        return roles[row * columns + column]
    }

    /// Writes the cells that have dots with the canvas's top-left cell at `rect`'s, clipped to `rect`; empty
    /// cells are left as they are, so the canvas can go over axes or under labels drawn later.
    public func draw(into buffer: inout ScreenBuffer, at rect: Rect) {
        for row in 0..<rows {
            for column in 0..<columns {
                guard let character = character(column: column, row: row) else { continue }
                let role = role(column: column, row: row) ?? .text
                buffer.put(character, x: rect.x + column, y: rect.y + row,
                           style: CellStyle(role, bold: role == .active), clip: rect)
            }
        }
    }
}
