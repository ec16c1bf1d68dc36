import AdaptInference

extension Graph {
    /// Replaces the constant node `index` reads at input `slot` with `tensor`.
    ///
    /// Exporters share one initializer between nodes that happen to hold equal values (two zero BatchNorm biases),
    /// so a constant read anywhere else gets a new name for this node alone rather than changing the other readers.
    /// - Complexity: O(nodes × inputs).
    mutating func replaceConstant(readBy index: Int, at slot: Int, with tensor: Tensor) {
        let name = nodes[index].inputs[slot]
        let readers = nodes.reduce(0) { count, node in count + node.inputs.count(where: { $0 == name }) }
        if readers == 1 && !isGraphOutput(name) {
            initializers[name] = tensor
            return
        }
        let unshared = freshName("\(name).\(nodes[index].name)")
        initializers[unshared] = tensor
        nodes[index].inputs[slot] = unshared
    }
}
