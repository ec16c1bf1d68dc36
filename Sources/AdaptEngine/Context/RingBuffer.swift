/// The last `capacity` values in order, oldest first: a sensor's history for the dashboard's sparklines. Fixed
/// storage, so sampling for hours costs no more memory than sampling for a minute.
public struct RingBuffer<Element: Sendable>: Sendable {
    public let capacity: Int
    private var storage: [Element] = []
    /// Where the next value goes once the storage is full.
    private var next = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "a ring buffer holds at least one value")
        self.capacity = capacity
        storage.reserveCapacity(capacity)
    }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }

    public mutating func append(_ value: Element) {
        if storage.count < capacity {
            storage.append(value)
        } else {
            storage[next] = value
            next = (next + 1) % capacity
        }
    }

    public mutating func removeAll() {
        storage.removeAll(keepingCapacity: true)
        next = 0
    }

    /// The values, oldest first.
    public var values: [Element] {
        storage.count < capacity ? storage : Array(storage[next...] + storage[..<next])
    }

    /// The newest value.
    public var last: Element? {
        guard !storage.isEmpty else { return nil }
        return storage.count < capacity ? storage.last : storage[(next + capacity - 1) % capacity]
    }
}
