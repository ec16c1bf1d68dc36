extension Node {
    /// An integer attribute, or `defaultValue` when absent. Throws when present with another type.
    public func int(_ key: String, default defaultValue: Int? = nil, in source: String) throws -> Int {
        switch attributes[key] {
        case .int(let value): return value
        case nil:
            if let defaultValue { return defaultValue }
            throw invalid("missing required attribute '\(key)'", in: source)
        default: throw invalid("attribute '\(key)' must be an integer", in: source)
        }
    }

    public func float(_ key: String, default defaultValue: Float? = nil, in source: String) throws -> Float {
        switch attributes[key] {
        case .float(let value): return value
        case .int(let value): return Float(value)
        case nil:
            if let defaultValue { return defaultValue }
            throw invalid("missing required attribute '\(key)'", in: source)
        default: throw invalid("attribute '\(key)' must be a float", in: source)
        }
    }

    public func ints(_ key: String, default defaultValue: [Int]? = nil, in source: String) throws -> [Int] {
        switch attributes[key] {
        case .ints(let value): return value
        case .int(let value): return [value]
        case nil:
            if let defaultValue { return defaultValue }
            throw invalid("missing required attribute '\(key)'", in: source)
        default: throw invalid("attribute '\(key)' must be a list of integers", in: source)
        }
    }

    public func floats(_ key: String, default defaultValue: [Float]? = nil, in source: String) throws -> [Float] {
        switch attributes[key] {
        case .floats(let value): return value
        case .float(let value): return [value]
        case nil:
            if let defaultValue { return defaultValue }
            throw invalid("missing required attribute '\(key)'", in: source)
        default: throw invalid("attribute '\(key)' must be a list of floats", in: source)
        }
    }

    public func string(_ key: String, default defaultValue: String? = nil, in source: String) throws -> String {
        switch attributes[key] {
        case .string(let value): return value
        case nil:
            if let defaultValue { return defaultValue }
            throw invalid("missing required attribute '\(key)'", in: source)
        default: throw invalid("attribute '\(key)' must be a string", in: source)
        }
    }

    /// The i-th input name, or nil when it is absent or omitted (empty name).
    public func input(_ index: Int) -> String? {
        index < inputs.count && !inputs[index].isEmpty ? inputs[index] : nil
    }

    public func invalid(_ reason: String, in source: String) -> ModelError {
        .invalidNode(file: source, node: name, op: opType, reason: reason)
    }

    public func unsupported(_ reason: String, in source: String) -> ModelError {
        .unsupportedOp(file: source, node: name, op: opType, reason: reason)
    }
}
