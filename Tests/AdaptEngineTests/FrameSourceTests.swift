import Testing
@testable import AdaptEngine

@Suite struct FrameSourceTests {
    @Test func replaysImagesInOrderAndLoops() throws {
        let images = LabeledImages(height: 1, width: 2, pixels: [0, 255, 51, 102], labels: [3, 7])
        var source = DatasetFrameSource(images: images, normalization: Normalization(scale: 1 / 255, mean: [0], std: [1]))
        #expect(source.frameShape == [1, 1, 1, 2])
        var buffer = [Float](repeating: -1, count: 2)
        var seen: [FrameInfo] = []
        var firstPixels: [Float] = []
        for _ in 0..<5 {
            let info = try buffer.withUnsafeMutableBufferPointer { try source.next(into: $0) }
            seen.append(try #require(info))
            firstPixels.append(buffer[0])
        }
        #expect(seen.map(\.sequence) == [0, 1, 2, 3, 4])
        #expect(seen.map(\.label) == [3, 7, 3, 7, 3])
        #expect(zip(firstPixels, [0, 0.2, 0, 0.2, 0] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    /// A fake clock: time moves only when the pacer sleeps or the test says so.
    final class FakeClock {
        var now: Duration = .zero
        var slept: [Duration] = []
    }

    @Test func pacesFramesAtTheConfiguredRate() {
        let clock = FakeClock()
        var pacer = FramePacer(framesPerSecond: 100, now: { clock.now }, sleep: { clock.slept.append($0); clock.now += $0 })
        pacer.waitForNextFrame()          // the first frame is due at once
        clock.now += .milliseconds(3)     // inference takes 3 ms
        pacer.waitForNextFrame()          // waits the remaining 7 ms
        clock.now += .milliseconds(15)    // a slow inference: the frame is late
        pacer.waitForNextFrame()          // no wait, and no burst afterwards
        clock.now += .milliseconds(1)
        pacer.waitForNextFrame()
        #expect(clock.slept == [.milliseconds(7), .milliseconds(9)])
        #expect(pacer.dropped == 0, "a late frame is not a dropped one")
        clock.now += .milliseconds(45)    // due at 45 ms, asked at 80: it stands in for 75; 45, 55, 65 were dropped
        pacer.waitForNextFrame()
        #expect(pacer.dropped == 3)
    }

    @Test func unpacedNeverSleeps() {
        let clock = FakeClock()
        var pacer = FramePacer(framesPerSecond: nil, now: { clock.now }, sleep: { clock.slept.append($0) })
        for _ in 0..<10 { pacer.waitForNextFrame() }
        #expect(clock.slept.isEmpty)
    }
}
