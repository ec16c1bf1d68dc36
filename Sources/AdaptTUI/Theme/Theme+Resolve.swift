/// A role's style in terms the curses screen uses: colour numbers and attributes.
public struct ResolvedStyle: Sendable, Hashable {
    /// Curses colour number; nil means the terminal default (-1 with `use_default_colors`).
    public var foreground: Int?
    public var background: Int?
    public var attributes: TextAttributes

    public init(foreground: Int? = nil, background: Int? = nil, attributes: TextAttributes = []) {
        (self.foreground, self.background, self.attributes) = (foreground, background, attributes)
    }

    /// True when the screen needs a colour pair for this style.
    public var usesColor: Bool { foreground != nil || background != nil }
}

extension Theme {
    /// Every role's style for a terminal with `colors` colours (curses' `COLORS`; 0 when it has none).
    ///
    /// - `noColor` (the `NO_COLOR` variable is set and non-empty) or fewer than 8 colours: no colour numbers at all.
    ///   A colourless theme keeps its own attributes; any other theme takes the built-in monochrome attributes.
    /// - 8 or 16 colours: the nearest basic colours; on 8 colours a bright ANSI foreground adds bold, which is how
    ///   such terminals show bright colours.
    /// - 256 or more: xterm-256 indices.
    public func resolved(colors: Int, noColor: Bool) -> [ColorRole: ResolvedStyle] {
        let monochrome = noColor || colors < 8
        let attributeSource = monochrome && !isColorless ? Theme.monochrome : self
        var result: [ColorRole: ResolvedStyle] = [:]
        for role in ColorRole.allCases {
            let style = self[role]
            var resolved = ResolvedStyle(attributes: attributeSource[role].attributes)
            if !monochrome {
                resolved.foreground = style.foreground.colorNumber(forTerminalWith: colors)
                resolved.background = style.background.colorNumber(forTerminalWith: colors)
                if colors < 16, style.foreground.isBrightANSI { resolved.attributes.insert(.bold) }
            }
            result[role] = resolved
        }
        return result
    }

    /// Whether `NO_COLOR` asks for no colour: set and not empty (https://no-color.org).
    public static func noColorRequested(environment: [String: String]) -> Bool {
        !(environment["NO_COLOR"] ?? "").isEmpty
    }
}

/// Curses colour pairs for a resolved theme: one pair per distinct (foreground, background), numbered from 1 in
/// `ColorRole` order so the numbering is stable between frames and themes of the same shape.
public struct ColorPairs: Sendable, Equatable {
    public struct Pair: Sendable, Equatable {
        public var number: Int
        /// Curses colour numbers; -1 is the terminal default.
        public var foreground: Int
        public var background: Int
    }

    /// The pairs to `init_pair`, in number order.
    public private(set) var pairs: [Pair] = []
    private var numberOfRole: [ColorRole: Int] = [:]

    public init(_ styles: [ColorRole: ResolvedStyle]) {
        var numberOfColors: [[Int]: Int] = [:]
        for role in ColorRole.allCases {
            guard let style = styles[role], style.usesColor else { continue }
            let colors = [style.foreground ?? -1, style.background ?? -1]
            if let number = numberOfColors[colors] {
                numberOfRole[role] = number
                continue
            }
            let number = pairs.count + 1
            pairs.append(Pair(number: number, foreground: colors[0], background: colors[1]))
            numberOfColors[colors] = number
            numberOfRole[role] = number
        }
    }

    /// The pair for `role`; 0 (curses' default pair) when the role has no colour.
    public func number(for role: ColorRole) -> Int { numberOfRole[role] ?? 0 }
}
