/// The xterm-256 palette and nearest-colour searches over it.
///
/// - 256 colours: hex goes to the nearest entry of the 6×6×6 cube (16–231, levels 0, 95, 135, 175, 215, 255) or
///   the grey ramp (232–255, grey 8 + 10k) by squared RGB distance. Entries 0–15 are left out because terminals
///   redefine them, so a hex colour would land on whatever the user's palette says.
/// - 16 colours: the nearest of entries 0–15 by squared RGB distance to xterm's default values for them.
/// - 8 colours: by hue, not distance, because distance sends mid greys to yellow (xterm's yellow is closer to
///   #808080 than its white is). Nearly grey colours (max − min channel < 32) go to black or white, whichever is
///   nearer (white being xterm's 229); any other colour turns on each channel at or above the middle of its
///   lowest and highest channel, so #5f87af (steel blue) is cyan and #ff8700 (orange) yellow.
public enum XtermPalette {
    /// The six channel levels of the colour cube.
    public static let cubeLevels = [0, 95, 135, 175, 215, 255]

    /// xterm's default values for colours 0–15.
    static let ansi: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255),
        (255, 255, 255),
    ]

    /// The RGB value of palette entry `index` (0–255).
    public static func rgb(ofIndex index: Int) -> (Int, Int, Int) {
        switch index {
        case ..<16: return ansi[max(0, index)]
        case 16..<232:
            let cube = index - 16
            return (cubeLevels[cube / 36], cubeLevels[cube / 6 % 6], cubeLevels[cube % 6])
        default:
            let grey = 8 + 10 * (min(index, 255) - 232)
            return (grey, grey, grey)
        }
    }

    /// The nearest cube or grey-ramp entry (16–255) to an RGB colour; ties go to the cube.
    public static func nearestXterm256(red: Int, green: Int, blue: Int) -> Int {
        // Distance is a sum over channels, so the nearest cube point is the nearest level in each channel.
        let levels = [red, green, blue].map { channel in
            cubeLevels.indices.min { abs(cubeLevels[$0] - channel) < abs(cubeLevels[$1] - channel) }!
        }
        let cubeIndex = 16 + 36 * levels[0] + 6 * levels[1] + levels[2]
        let average = (red + green + blue) / 3
        let step = min(23, max(0, Int((Double(average - 8) / 10).rounded())))
        let greyIndex = 232 + step
        let target = (red, green, blue)
        return distance(target, rgb(ofIndex: greyIndex)) < distance(target, rgb(ofIndex: cubeIndex))
            ? greyIndex : cubeIndex
    }

    /// The closest of palette entries 0..<count (8 or 16) to an RGB colour, by the rules above.
    public static func nearest(to color: (Int, Int, Int), among count: Int) -> Int {
        count >= 16 ? nearestOfSixteen(to: color) : nearestOfEight(to: color)
    }

    static func nearestOfSixteen(to color: (Int, Int, Int)) -> Int {
        (0..<16).min { distance(color, ansi[$0]) < distance(color, ansi[$1]) }!
    }

    static func nearestOfEight(to color: (Int, Int, Int)) -> Int {
        let channels = [color.0, color.1, color.2]
        let (low, high) = (channels.min()!, channels.max()!)
        if high - low < 32 {
            return 2 * (color.0 + color.1 + color.2) >= 3 * 229 ? 7 : 0
        }
        // Channel bits follow the ANSI order: red 1, green 2, blue 4.
        return channels.enumerated().reduce(0) { index, channel in
            2 * channel.element >= low + high ? index | (1 << channel.offset) : index
        }
    }

    static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
        let (dr, dg, db) = (a.0 - b.0, a.1 - b.1, a.2 - b.2)
        return dr * dr + dg * dg + db * db
    }
}
