/// What a colour means on the dashboard; themes map each role to a colour, so widgets never name colours.
public enum ColorRole: String, Sendable, CaseIterable {
    case text, dim, title, border, header
    /// The Pareto front, the active variant, a pinned one, the latency budget and accuracy floor lines.
    case front, active, pinned, budget, floor
    case good, warn, critical
    case selected
    /// Graphs from low to high values (bars, sparklines).
    case graphLow = "graph_low", graphMid = "graph_mid", graphHigh = "graph_high"
    /// A value that comes from a demo injection, not the device.
    case injected
    case keyBar = "key_bar", keyLabel = "key_label"
}

/// How one cell is drawn.
public struct CellStyle: Sendable, Equatable, Hashable {
    public var role: ColorRole
    public var bold: Bool
    public var reverse: Bool

    public init(_ role: ColorRole = .text, bold: Bool = false, reverse: Bool = false) {
        (self.role, self.bold, self.reverse) = (role, bold, reverse)
    }
}

public struct Cell: Sendable, Equatable {
    /// One scalar that takes one column: the widgets draw letters, box drawing, blocks and braille, never wide or
    /// combined characters, and a scalar compares in a cycle where a `Character` (a string) costs tens.
    public var scalar: Unicode.Scalar
    public var style: CellStyle

    public init(_ scalar: Unicode.Scalar = " ", _ style: CellStyle = CellStyle()) {
        (self.scalar, self.style) = (scalar, style)
    }
}

/// A rectangle of the screen, in cells.
public struct Rect: Sendable, Equatable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        (self.x, self.y, self.width, self.height) = (x, y, max(0, width), max(0, height))
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width == 0 || height == 0 }

    /// The rectangle shrunk by `by` cells on every side.
    public func inset(by amount: Int) -> Rect {
        Rect(x: x + amount, y: y + amount, width: width - 2 * amount, height: height - 2 * amount)
    }
}

/// The frame being drawn: a grid of cells that widgets write into and the screen (curses, or memory in tests)
/// shows. Every write is clipped to the buffer and to the rectangle given, so a widget cannot draw outside its
/// place however small the terminal.
public struct ScreenBuffer: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(), count: self.width * self.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Writes `text` (one column per scalar) from (x, y) to the right, clipped to `clip` (default: the whole buffer); returns the column
    /// after the last character written.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: CellStyle = CellStyle(), clip: Rect? = nil) -> Int {
        let area = clip ?? bounds
        guard y >= max(0, area.y), y < min(height, area.maxY) else { return x + text.unicodeScalars.count }
        let (left, right) = (max(0, area.x), min(width, area.maxX))
        var column = x
        for scalar in text.unicodeScalars {
            if column >= left, column < right { cells[y * width + column] = Cell(scalar, style) }
            column += 1
        }
        return column
    }

    /// Writes one scalar at (x, y) if it is inside `clip` and the buffer.
    public mutating func put(_ scalar: Unicode.Scalar, x: Int, y: Int, style: CellStyle = CellStyle(), clip: Rect) {
        guard x >= max(0, clip.x), x < min(width, clip.maxX), y >= max(0, clip.y), y < min(height, clip.maxY) else { return }
        cells[y * width + x] = Cell(scalar, style)
    }

    /// Fills `rect` (clipped) with `character`.
    public mutating func fill(_ rect: Rect, with scalar: Unicode.Scalar = " ", style: CellStyle = CellStyle()) {
        for y in max(0, rect.y)..<min(height, rect.maxY) where rect.x < rect.maxX {
            for x in max(0, rect.x)..<min(width, rect.maxX) { self[x, y] = Cell(scalar, style) }
        }
    }

    /// Replaces every non-ASCII scalar with an ASCII look-alike ("?" where there is none): a terminal without a
    /// UTF-8 locale cannot show them, and text from the engine (event reasons, variant notes) carries arrows and
    /// units the widgets' own ASCII modes never see.
    public mutating func replaceNonASCII() {
        for index in cells.indices where !cells[index].scalar.isASCII {
            cells[index].scalar = Self.asciiLookAlikes[cells[index].scalar] ?? "?"
        }
    }

    private static let asciiLookAlikes: [Unicode.Scalar: Unicode.Scalar] = [
        "µ": "u", "≤": "<", "≥": ">", "×": "x", "→": ">", "←": "<", "↑": "^", "↓": "v", "▶": ">", "◀": "<",
        "◆": "*", "◇": "o", "●": "*", "○": "o", "…": "~", "·": ".", "°": "o", "■": "#", "█": "#", "–": "-", "—": "-",
        "─": "-", "│": "|", "┌": "+", "┐": "+", "└": "+", "┘": "+", "├": "+", "┤": "+", "┬": "+", "┴": "+", "┼": "+",
        "‘": "'", "’": "'", "“": "\"", "”": "\"", "±": "~", "Δ": "d",
    ]

    /// The characters of each row, trailing spaces kept: what a person would read (snapshot tests compare it).
    public var lines: [String] {
        (0..<height).map { y in
            var line = String.UnicodeScalarView()
            line.append(contentsOf: (0..<width).lazy.map { self[$0, y].scalar })
            return String(line)
        }
    }
}
