/// Encodes every stored property under its own name, a nil one as `null`: synthesised `Encodable` leaves nil keys
/// out, while adapt-top's JSON contract (DESIGN.md) wants every line to carry every key. Encoders turn the names
/// into snake case (`latencyMsP95` → `latency_ms_p95`) with `.convertToSnakeCase`. Decoding stays synthesised.
public protocol NullPreservingEncodable: Encodable {}

extension NullPreservingEncodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: PropertyKey.self)
        for child in Mirror(reflecting: self).children {
            guard let label = child.label, let value = child.value as? any Encodable else { continue }
            try container.encode(value, forKey: PropertyKey(stringValue: label))
        }
    }
}

/// A property's name as a coding key.
public struct PropertyKey: CodingKey {
    public var stringValue: String
    public var intValue: Int? { nil }

    public init(stringValue: String) {
        self.stringValue = stringValue
    }

    public init?(intValue: Int) {
        return nil
    }
}
