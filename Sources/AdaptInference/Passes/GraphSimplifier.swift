/// The backend-neutral clean-up every model goes through before backend passes:
/// `EliminateIdentity`, then `ShapeInference` and `ConstantFolding` alternately until nothing folds
/// (at most `maxIterations` rounds), then a final `ShapeInference` so `Graph.shapes` matches the result.
public enum GraphSimplifier {
    /// A guard against a folding loop that would not settle; one round normally folds every constant chain.
    static let maxIterations = 16

    public static func run(_ graph: Graph) throws -> Graph {
        var result = try EliminateIdentity.run(graph)
        for _ in 0..<maxIterations {
            result = try ShapeInference.run(result)
            let (folded, count) = try ConstantFolding.fold(result)
            result = folded
            if count == 0 { break }
        }
        return try ShapeInference.run(result)
    }
}
