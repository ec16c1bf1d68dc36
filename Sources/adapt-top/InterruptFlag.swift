import Foundation
import Synchronization

/// SIGINT, SIGTERM and SIGHUP end batch mode between two snapshots (and the dashboard between two frames), so the
/// engine stops its injections and the terminal is restored on the way out.
final class InterruptFlag: @unchecked Sendable {
    // @unchecked: `sources` is written in `init` only (kept so the handlers live as long as the flag).
    private let raisedFlag = Atomic<Bool>(false)
    private var sources: [any DispatchSourceSignal] = []

    init(signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in raisedFlag.store(true, ordering: .sequentiallyConsistent) }
            source.resume()
            sources.append(source)
        }
    }

    /// Whether a signal came.
    var raised: Bool { raisedFlag.load(ordering: .sequentiallyConsistent) }

    /// Sleeps up to `seconds`; true as soon as a signal came.
    func wait(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if raised { return true }
            Thread.sleep(forTimeInterval: min(0.05, max(0, deadline.timeIntervalSinceNow)))
        }
        return raised
    }
}
