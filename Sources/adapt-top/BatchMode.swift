import AdaptEngine
import ArgumentParser
import Foundation

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
