extension Graph {
    /// Indices of the nodes that read `value`, in node order.
    /// - Complexity: O(nodes × inputs).
    public func consumers(of value: String) -> [Int] {
        nodes.indices.filter { nodes[$0].inputs.contains(value) }
    }

    /// The index of the node that writes `value`, if any (graph inputs and initializers have none).
    public func producer(of value: String) -> Int? {
        nodes.firstIndex { $0.outputs.contains(value) }
    }

    public func isGraphOutput(_ value: String) -> Bool {
        outputs.contains { $0.name == value }
    }

    /// A value is constant when it is an initializer: folding has turned every computable constant into one.
    public func constant(_ value: String) -> Tensor? {
        initializers[value]
    }

    /// The value's static shape after shape inference; throws naming the node when it is unknown.
    public func shape(of value: String, at node: Node) throws -> [Int] {
        if let shape = shapes[value] { return shape }
        if let constant = initializers[value] { return constant.shape }
        throw node.invalid("shape of '\(value)' is unknown (run shape inference first)", in: source)
    }

    /// A value name not yet used in the graph, derived from `base`.
    public func freshName(_ base: String) -> String {
        var used = Set(initializers.keys)
        used.formUnion(inputs.map(\.name))
        for node in nodes { used.formUnion(node.outputs) }
        if !used.contains(base) { return base }
        var index = 1
        while used.contains("\(base)_\(index)") { index += 1 }
        return "\(base)_\(index)"
    }
}
