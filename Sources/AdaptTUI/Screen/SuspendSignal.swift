internal import Foundation
internal import Synchronization

/// Ctrl-Z (SIGTSTP) as a request the UI loop answers between two frames: give the terminal back, stop, and on
/// `fg` (SIGCONT) take it again. ncurses' own SIGTSTP handler would call curses from whichever thread the signal
/// lands on — an inference thread, as often as not — so the signal is taken from it.
final class SuspendSignal: @unchecked Sendable {
    // @unchecked: `source` is written in `init` only.
    private let requested = Atomic<Bool>(false)
    private var source: (any DispatchSourceSignal)?

    init() {
        // Ignored, so only the dispatch source sees it (and ncurses, finding it not at its default, leaves it be).
        signal(SIGTSTP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGTSTP, queue: .global())
        source.setEventHandler { [weak self] in self?.requested.store(true, ordering: .sequentiallyConsistent) }
        source.resume()
        self.source = source
    }

    deinit {
        source?.cancel()
        signal(SIGTSTP, SIG_DFL)
    }

    /// Whether a Ctrl-Z came since the last call.
    func take() -> Bool {
        requested.exchange(false, ordering: .sequentiallyConsistent)
    }

    /// Stops the whole process as the default action of SIGTSTP would, returning once it is continued.
    func stopProcess() {
        signal(SIGTSTP, SIG_DFL)
        kill(getpid(), SIGTSTP)
        // Here after SIGCONT.
        signal(SIGTSTP, SIG_IGN)
    }
}
