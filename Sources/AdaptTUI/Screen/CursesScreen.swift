internal import CNCurses
internal import Foundation

/// The terminal, through ncurses: the only code that calls curses (one thread, the UI loop's). Each frame writes
/// the whole `ScreenBuffer` to curses' virtual screen and lets ncurses send only what changed
/// (`wnoutrefresh` + `doupdate`: one write per frame, never a full clear).
public final class CursesScreen {
    public private(set) var width: Int = 0
    public private(set) var height: Int = 0
    /// Colours the terminal offers (0 without colour support).
    public private(set) var colors: Int = 0
    /// Whether the locale's character set is UTF-8 (else graphs and borders are drawn in ASCII).
    public private(set) var unicode = false
    /// The frame on the terminal now: only cells that differ from it are handed to curses (ncurses diffs too,
    /// but handing it every cell of a 200×50 screen each frame costs milliseconds of CPU).
    private var shown: ScreenBuffer?
    private var pairs = ColorPairs([:])
    private var styles: [ColorRole: ResolvedStyle] = [:]
    private var active = false
    private let suspendSignal = SuspendSignal()
    private let mouse: Bool

    /// Starts curses: raw keys, no echo, keypad decoding, hidden cursor.
    public init(mouse: Bool = true) {
        self.mouse = mouse
        setlocale(LC_ALL, "")
        unicode = String(cString: nl_langinfo(nl_item(CODESET))).uppercased().replacingOccurrences(of: "-", with: "") == "UTF8"
        initscr()
        setUpTerminal()
        if has_colors() {
            start_color()
            use_default_colors()
            colors = Int(CNCurses_colors())
        }
        active = true
        updateSize()
    }

    private func setUpTerminal() {
        cbreak()
        noecho()
        keypad(CNCurses_stdscr(), true)
        curs_set(0)
        if mouse { mousemask(CNCurses_button1(), nil) }
    }

    deinit { restore() }

    /// Gives the terminal back as it was (idempotent): every exit path calls it.
    public func restore() {
        guard active else { return }
        active = false
        curs_set(1)
        endwin()
    }

    /// Sets each role's style (after a theme change, resolved for this terminal's colours); colour pairs are
    /// made here.
    public func setStyles(_ styles: [ColorRole: ResolvedStyle]) {
        self.styles = styles
        pairs = ColorPairs(styles)
        shown = nil
        guard colors > 0 else { return }
        for pair in pairs.pairs where Int32(pair.number) < CNCurses_colorPairs() {
            init_pair(Int16(pair.number), Int16(pair.foreground), Int16(pair.background))
        }
    }

    /// Draws the buffer: only the cells that changed reach the terminal.
    public func show(_ buffer: ScreenBuffer) {
        updateSize()
        let screen = CNCurses_stdscr()
        let previous = shown.flatMap { $0.width == buffer.width && $0.height == buffer.height ? $0 : nil }
        if previous == nil { werase(screen) }
        for y in 0..<min(buffer.height, height) {
            for x in 0..<min(buffer.width, width) {
                // The bottom-right cell scrolls some terminals when written: leave it.
                if y == height - 1 && x == width - 1 { continue }
                let cell = buffer[x, y]
                if let previous, previous[x, y] == cell { continue }
                let style = styles[cell.style.role] ?? ResolvedStyle()
                var attributes = CNCurses_normal()
                if cell.style.bold || style.attributes.contains(.bold) { attributes |= CNCurses_bold() }
                // A reversed cell on a reversed role reads as plain: the two cancel, as a selection should show.
                if cell.style.reverse != style.attributes.contains(.reverse) { attributes |= CNCurses_reverse() }
                if style.attributes.contains(.dim) { attributes |= CNCurses_dim() }
                if style.attributes.contains(.underline) { attributes |= CNCurses_underline() }
                let pair = Int16(colors > 0 ? pairs.number(for: cell.style.role) : 0)
                _ = CNCurses_putWide(Int32(y), Int32(x), wchar_t(bitPattern: cell.scalar.value), attributes | CNCurses_colorPair(pair), pair)
            }
        }
        wnoutrefresh(screen)
        doupdate()
        shown = buffer
    }

    /// Ctrl-Z: gives the terminal back as it was, stops the process (the shell prompt returns), and on `fg` sets
    /// the terminal up again and has the next frame drawn whole.
    public func suspend() {
        guard active else { return }
        endwin()
        suspendSignal.stopProcess()
        // endwin() left curses' idea of the screen intact: a refresh re-enters curses mode and repaints it all.
        setUpTerminal()
        clearok(CNCurses_stdscr(), true)
        wrefresh(CNCurses_stdscr())
        updateSize()
        shown = nil
    }

    /// The next key, or nil after `timeoutMilliseconds` without one; a resize is reported as `.resize`, Ctrl-Z as
    /// `.suspend`, a terminal that went away (the SSH link dropped, the tmux pane was killed) as `.hangup`.
    public func nextInput(timeoutMilliseconds: Int32) -> Input? {
        if suspendSignal.take() { return .suspend }
        // A hung-up terminal makes every read fail at once: without this check the loop would spin on it.
        var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        if poll(&descriptor, 1, 0) > 0, descriptor.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { return .hangup }
        wtimeout(CNCurses_stdscr(), max(0, timeoutMilliseconds))
        var character: wint_t = 0
        let status = wget_wch(CNCurses_stdscr(), &character)
        if status == CNCurses_err() { return nil }
        let code = Int32(bitPattern: character)
        if status == KEY_CODE_YES {
            switch code {
            case CNCurses_keyResize():
                updateSize()
                shown = nil
                return .resize
            case CNCurses_keyUp(): return .key(.up)
            case CNCurses_keyDown(): return .key(.down)
            case CNCurses_keyLeft(): return .key(.left)
            case CNCurses_keyRight(): return .key(.right)
            case CNCurses_keyEnter(): return .key(.enter)
            case CNCurses_keyF1(): return .key(.f1)
            case CNCurses_keyPageUp(): return .key(.pageUp)
            case CNCurses_keyPageDown(): return .key(.pageDown)
            case CNCurses_keyHome(): return .key(.home)
            case CNCurses_keyEnd(): return .key(.end)
            case CNCurses_keyMouse():
                var event = MEVENT()
                guard getmouse(&event) == OK else { return nil }
                return .click(x: Int(event.x), y: Int(event.y))
            default: return nil
            }
        }
        switch code {
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        default:
            guard let scalar = Unicode.Scalar(UInt32(bitPattern: code)) else { return nil }
            return .key(.character(Character(scalar)))
        }
    }

    private func updateSize() {
        (width, height) = (Int(CNCurses_columns()), Int(CNCurses_lines()))
    }

    public enum Input: Equatable {
        case key(Key)
        case click(x: Int, y: Int)
        case resize
        case suspend
        case hangup
    }
}
