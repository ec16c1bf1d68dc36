#ifndef CNCURSES_H
#define CNCURSES_H
// The one doorway to ncurses (Debian: libncurses-dev, wide-character build ncursesw), for the dashboard's screen.
// Only Sources/AdaptTUI/Screen/CursesScreen.swift imports this module.
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <ncursesw/curses.h>
#include <locale.h>

// Macros and globals Swift cannot use directly, as functions.
static inline WINDOW *CNCurses_stdscr(void) { return stdscr; }
static inline int CNCurses_lines(void) { return LINES; }
static inline int CNCurses_columns(void) { return COLS; }
static inline int CNCurses_colors(void) { return COLORS; }
static inline int CNCurses_colorPairs(void) { return COLOR_PAIRS; }
static inline attr_t CNCurses_colorPair(short pair) { return (attr_t)COLOR_PAIR(pair); }
static inline attr_t CNCurses_bold(void) { return A_BOLD; }
static inline attr_t CNCurses_reverse(void) { return A_REVERSE; }
static inline attr_t CNCurses_dim(void) { return A_DIM; }
static inline attr_t CNCurses_underline(void) { return A_UNDERLINE; }
static inline attr_t CNCurses_normal(void) { return A_NORMAL; }
static inline int CNCurses_keyResize(void) { return KEY_RESIZE; }
static inline int CNCurses_keyUp(void) { return KEY_UP; }
static inline int CNCurses_keyDown(void) { return KEY_DOWN; }
static inline int CNCurses_keyLeft(void) { return KEY_LEFT; }
static inline int CNCurses_keyRight(void) { return KEY_RIGHT; }
static inline int CNCurses_keyEnter(void) { return KEY_ENTER; }
static inline int CNCurses_keyF1(void) { return KEY_F(1); }
static inline int CNCurses_keyMouse(void) { return KEY_MOUSE; }
static inline int CNCurses_keyPageUp(void) { return KEY_PPAGE; }
static inline int CNCurses_keyPageDown(void) { return KEY_NPAGE; }
static inline int CNCurses_keyHome(void) { return KEY_HOME; }
static inline int CNCurses_keyEnd(void) { return KEY_END; }
static inline int CNCurses_err(void) { return ERR; }
static inline mmask_t CNCurses_button1(void) { return BUTTON1_CLICKED | BUTTON1_PRESSED; }

// Writes one wide character with attributes at (y, x) of stdscr: setcchar + mvadd_wch, both macro-heavy in C.
static inline int CNCurses_putWide(int y, int x, wchar_t character, attr_t attributes, short pair) {
    cchar_t cell;
    wchar_t text[2] = { character, 0 };
    if (setcchar(&cell, text, attributes, pair, NULL) == ERR) return ERR;
    return mvadd_wch(y, x, &cell);
}
#endif
