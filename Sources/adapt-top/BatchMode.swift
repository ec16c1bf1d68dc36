import AdaptEngine
import AdaptService
import ArgumentParser
import Foundation

/// `adapt-top --batch`: the embedded engine on the family (or a service's, with --attach), a snapshot printed
/// every `delay` seconds.
struct BatchMode {
    let source: EngineSource
    let iterations: Int?
    let delay: Double
    let json: Bool

    func run() throws {
        switch source {
        case .embedded(let options):
            let engine = try options.startEngine(quiet: json)
            defer { engine.stop() }
            try printSnapshots { engine.snapshot }
        case .attached(let path):
            let engine = try EngineSource.attach(path, intervalSeconds: delay, clientName: "adapt-top batch")
            defer { engine.stop() }
            var reported: String?
            var printedSequence = -1
            try printSnapshots {
                // While the service is away nothing is printed (an old snapshot again would look live); stderr says why.
                let trouble = engine.troubleReason
                if trouble != reported, let trouble { printError("disconnected — retrying: \(trouble)") }
                reported = trouble
                guard trouble == nil else { return nil }
                // The service sends one every `delay` seconds, not in step with this loop: wait for the next one
                // rather than print the same snapshot twice.
                let next = engine.snapshot(after: printedSequence, timeout: delay)
                printedSequence = next?.sequence ?? printedSequence
                return next
            }
        }
    }

    /// Prints `next()` every `delay` seconds (skipping nils) until -n are printed or a signal comes.
    private func printSnapshots(_ next: () -> EngineSnapshot?) throws {
        let interrupted = InterruptFlag()
        var printed = 0
        while iterations.map({ printed < $0 }) ?? true {
            if interrupted.wait(seconds: delay) { break }
            guard let snapshot = next() else { continue }
            print(json ? try snapshot.jsonLine() : BatchText.render(snapshot) + "\n")
            fflush(nil)  // a pipe reader sees each snapshot as it comes
            printed += 1
        }
    }
}
