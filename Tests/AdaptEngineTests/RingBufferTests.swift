import Testing
@testable import AdaptEngine

@Suite struct RingBufferTests {
    @Test func keepsTheLastValuesOldestFirst() {
        var buffer = RingBuffer<Int>(capacity: 3)
        #expect(buffer.isEmpty && buffer.values.isEmpty && buffer.last == nil)
        buffer.append(1)
        buffer.append(2)
        #expect(buffer.values == [1, 2] && buffer.last == 2)
        for value in 3...7 { buffer.append(value) }
        #expect(buffer.values == [5, 6, 7] && buffer.last == 7 && buffer.count == 3)
    }

    /// Against a plain array's suffix, for every length around the capacity.
    @Test(arguments: 1...5)
    func matchesTheSuffixOfEverythingAppended(_ capacity: Int) {
        var buffer = RingBuffer<Int>(capacity: capacity)
        var all: [Int] = []
        for value in 0..<(3 * capacity + 2) {
            buffer.append(value)
            all.append(value)
            #expect(buffer.values == Array(all.suffix(capacity)))
            #expect(buffer.last == all.last)
        }
    }
}
