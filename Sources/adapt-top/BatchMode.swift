import AdaptEngine
import ArgumentParser
import Foundation
import Synchronization

/// `adapt-top --batch`: the embedded engine on the family, a snapshot printed every `delay` seconds.
struct BatchMode {
    let options: EngineOptions
    let iterations: Int?
    let delay: Double
    let json: Bool

    func run() throws {
        let engine = try options.startEngine(quiet: json)
        defer { engine.stop() }
        let interrupted = InterruptFlag()
        var printed = 0
        while iterations.map({ printed < $0 }) ?? true {
            if interrupted.wait(seconds: delay) { break }
            let snapshot = engine.snapshot
            print(json ? try snapshot.jsonLine() : BatchText.render(snapshot) + "\n")
            fflush(nil)  // a pipe reader sees each snapshot as it comes
            printed += 1
        }
    }
}

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
