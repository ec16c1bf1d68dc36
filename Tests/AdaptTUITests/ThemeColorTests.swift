import Testing
@testable import AdaptTUI

@Suite struct ThemeColorTests {
    @Test(arguments: [
        (0xff0000, 196), (0x000000, 16), (0x808080, 244), (0x5f87af, 67), (0xeeeeee, 255), (0xffffff, 231),
        (0x0a0a0a, 232), (0x080808, 232), (0x121212, 233), (0xd7af00, 178), (0x5fd7ff, 81), (0xff8700, 208),
        // Off-grid values: nearest cube level per channel, or the grey ramp when closer.
        (0xfe0102, 196), (0x767676, 243), (0x7f0000, 88),
    ])
    func hexMapsToTheNearestXterm256Colour(hex: Int, expected: Int) {
        #expect(ThemeColor.rgb(hex).colorNumber(forTerminalWith: 256) == expected)
    }

    @Test func everyCubeAndGreyEntryMapsToItself() {
        for index in 16...255 {
            let (red, green, blue) = XtermPalette.rgb(ofIndex: index)
            let found = XtermPalette.nearestXterm256(red: red, green: green, blue: blue)
            // No grey-ramp value (8 + 10k) equals a cube level, so every entry is its own unique nearest.
            #expect(found == index)
        }
    }

    @Test(arguments: [
        (0xff0000, 1), (0x00d700, 2), (0xffd700, 3), (0x0000af, 4), (0xd700d7, 5), (0x5f87af, 6), (0xeeeeee, 7),
        (0x303030, 0), (0x808080, 7), (0x000000, 0), (0x606060, 0), (0x8a8a8a, 7), (0xff8700, 3), (0x00005f, 4),
        (0xd75f5f, 1), (0x5fafd7, 6),
    ])
    func anyColourMapsToTheNearestOfEight(hex: Int, expected: Int) {
        #expect(ThemeColor.rgb(hex).colorNumber(forTerminalWith: 8) == expected)
    }

    @Test func sixteenColoursUseDistanceIncludingTheGreys() {
        #expect(ThemeColor.rgb(0x808080).colorNumber(forTerminalWith: 16) == 8)
        #expect(ThemeColor.rgb(0xff0000).colorNumber(forTerminalWith: 16) == 9)
        #expect(ThemeColor.rgb(0xcd0000).colorNumber(forTerminalWith: 16) == 1)
    }

    @Test func namedAndIndexedColoursOnSmallTerminals() {
        #expect(ThemeColor.ansi(9).colorNumber(forTerminalWith: 8) == 1)
        #expect(ThemeColor.ansi(9).colorNumber(forTerminalWith: 16) == 9)
        #expect(ThemeColor.ansi(9).colorNumber(forTerminalWith: 256) == 9)
        #expect(ThemeColor.indexed(12).colorNumber(forTerminalWith: 8) == 4)
        #expect(ThemeColor.indexed(196).colorNumber(forTerminalWith: 256) == 196)
        #expect(ThemeColor.indexed(196).colorNumber(forTerminalWith: 8) == 1)
        #expect(ThemeColor.indexed(226).colorNumber(forTerminalWith: 16) == 11)
        #expect(ThemeColor.terminalDefault.colorNumber(forTerminalWith: 256) == nil)
    }

    @Test func parsesEveryColourSpellingAndRejectsNearMisses() {
        #expect(ThemeColor(parsing: "default") == .terminalDefault)
        #expect(ThemeColor(parsing: "Red") == .ansi(1))
        #expect(ThemeColor(parsing: "bright-white") == .ansi(15))
        #expect(ThemeColor(parsing: "color123") == .indexed(123))
        #expect(ThemeColor(parsing: "#5F87af") == .rgb(red: 0x5f, green: 0x87, blue: 0xaf))
        for bad in ["orange", "bright-", "bright-orange", "color256", "color", "color-1", "color1a", "#12345",
                    "#1234567", "#12345g", "#", "5f87af", "color٣"] {
            #expect(ThemeColor(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func themeFileWordsRoundTrip() {
        for color: ThemeColor in [.terminalDefault, .ansi(3), .ansi(12), .indexed(200), .rgb(0x05a0ff)] {
            #expect(ThemeColor(parsing: color.themeFileWord) == color)
        }
    }
}
