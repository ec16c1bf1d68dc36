import AdaptInference
import Foundation
import Synchronization
import Testing
@testable import AdaptEngine

@Suite struct InferenceRunnerTests {
    /// The demo family's test images as a frame source, and its MLP and smallest CNN prepared to switch between.
    static func demo() throws -> (source: DatasetFrameSource, mlp: PreparedVariant, cnn: PreparedVariant) {
        let manifest = try FamilyManifest.load(contentsOf: DemoFamilyTests.manifestPath)
        let images = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: manifest.dataset.split)
        let backend = try XNNPACKBackend()
        func prepared(_ id: String) throws -> PreparedVariant {
            let spec = try #require(manifest.variants.first { $0.id == id })
            return PreparedVariant(id: id, model: try InferenceSession(contentsOf: spec.file, backend: backend).model)
        }
        return (DatasetFrameSource(images: images, normalization: manifest.input.normalization), try prepared("mlp"), try prepared("cnn-w25"))
    }

    /// Switching variants while frames flow: every frame is inferred exactly once, in order, on one variant, and
    /// the counts add up.
    @Test func switchesLoseNoFrameAndRunNoneTwice() throws {
        let (source, mlp, cnn) = try Self.demo()
        let runner = InferenceRunner(
            source: source, initial: mlp,
            recordFrames: true)
        runner.start(maxFrames: 3000)
        var switchesAsked = 0
        while runner.statistics.frames < 3000 && runner.statistics.stoppedBecause == nil {
            runner.switchTo(switchesAsked % 2 == 0 ? cnn : mlp)
            switchesAsked += 1
            Thread.sleep(forTimeInterval: 0.002)
        }
        runner.wait()
        let statistics = runner.statistics
        #expect(statistics.stoppedBecause == nil)
        #expect(runner.frameLog.map(\.sequence) == Array(0..<3000))
        #expect(statistics.frames == 3000 && statistics.framesPerVariant.values.reduce(0, +) == 3000)
        #expect(statistics.switches >= 2, "\(statistics.switches) switches of \(switchesAsked) asked")
        #expect(Set(runner.frameLog.map(\.variant)) == ["mlp", "cnn-w25"])
        #expect(try #require(statistics.rollingAccuracy) > 0.85)
        let latency = try #require(statistics.latencySinceStart)
        #expect(latency.iterations == 3000 && latency.p50 > .zero)
        #expect(try #require(statistics.recentLatency).iterations == 2000)
    }

    /// The frame observer hears every frame once, in order, under the variant that ran it — a probe's frames under
    /// the probed variant — with the latency the runner recorded.
    @Test func theFrameObserverHearsEveryFrame() throws {
        let (source, mlp, cnn) = try Self.demo()
        let heard = Mutex<[(variant: String, nanoseconds: UInt64)]>([])
        let runner = InferenceRunner(
            source: source, initial: mlp,
            recordFrames: true, frameObserver: { variant, nanoseconds in heard.withLock { $0.append((variant, nanoseconds)) } })
        runner.probe(cnn, frames: 20, maxSeconds: 60)
        runner.start(maxFrames: 300)
        runner.wait()
        let frames = heard.withLock { $0 }
        let records = runner.frameRecords
        #expect(frames.count == 300 && records.count == 300)
        #expect(frames.map(\.variant) == records.map(\.variant))
        #expect(frames.prefix(20).allSatisfy { $0.variant == "cnn-w25" } && frames.dropFirst(20).allSatisfy { $0.variant == "mlp" })
        #expect(zip(frames, records).allSatisfy { abs(Double($0.nanoseconds) / 1e9 - $1.latency) < 1e-9 })
    }

    @Test func confidenceAndEntropyOfTheSoftmax() {
        let even: [Float] = [3, 3]
        even.withUnsafeBufferPointer { scores in
            let summary = InferenceRunner.softmaxSummary(scores)
            #expect(abs(summary.confidence - 0.5) < 1e-12 && abs(summary.entropy - log(2)) < 1e-12)
        }
        let sure: [Float] = [0, 50, 0]
        sure.withUnsafeBufferPointer { scores in
            let summary = InferenceRunner.softmaxSummary(scores)
            #expect(summary.top == 1 && summary.confidence > 0.999999 && summary.entropy < 1e-15)
        }
    }
}
