import AdaptInference
import Foundation
import Testing
@testable import AdaptEngine

@Suite struct ChannelPruningTests {
    static func demoGraph(_ id: String) throws -> (graph: Graph, manifest: FamilyManifest) {
        let manifest = try FamilyManifest.load(contentsOf: DemoFamilyTests.manifestPath)
        let spec = try #require(manifest.variants.first { $0.id == id })
        return (try GraphSimplifier.run(ONNXImporter.load(contentsOf: spec.file)), manifest)
    }

    /// Channels a space of `channels` keeps at `ratio`: round(ratio × channels) go, at least one stays.
    static func kept(_ channels: Int, _ ratio: Double) -> Int {
        channels - min(channels - 1, Int((ratio * Double(channels)).rounded()))
    }

    /// By default the filters reading the image keep all their channels (and so does all their space); the next
    /// convolutions lose theirs.
    @Test func theStemIsSparedByDefault() throws {
        let (original, _) = try Self.demoGraph("cnn-w50")
        let pruned = try ChannelPruning.prune(original, ratio: 0.5)
        let convolutions = zip(original.nodes, pruned.nodes).filter { $0.0.opType == "Conv" }
        let stem = try #require(convolutions.first)
        #expect(original.inputs.map(\.name).contains(stem.0.inputs[0]))
        #expect(pruned.constant(stem.1.inputs[1])?.shape == original.constant(stem.0.inputs[1])?.shape)
        let next = convolutions[1]
        #expect(pruned.constant(next.1.inputs[1])?.shape[0] == Self.kept(try #require(original.constant(next.0.inputs[1])).shape[0], 0.5))
    }

    /// Every dense convolution loses its share of filters, depthwise convolutions follow their input, the classifier
    /// keeps its ten classes, residual branches keep the same channels, and the result compiles and runs.
    @Test(arguments: ["cnn-w50", "resnet-8", "mobilenet-v2"], [0.25, 0.5])
    func prunesEveryConvolutionConsistently(id: String, ratio: Double) throws {
        let (original, manifest) = try Self.demoGraph(id)
        let pruned = try ChannelPruning.prune(original, ratio: ratio, sparingStem: false)
        #expect(pruned.name == original.name)
        #expect(pruned.nodes.map(\.opType) == original.nodes.map(\.opType))

        for (before, after) in zip(original.nodes, pruned.nodes) where before.opType == "Conv" {
            let weightsBefore = try #require(original.constant(before.inputs[1]))
            let weightsAfter = try #require(pruned.constant(after.inputs[1]))
            let inputChannels = try #require(pruned.shapes[after.inputs[0]])[1]
            let outputChannels = try #require(pruned.shapes[after.outputs[0]])[1]
            if try before.int("group", default: 1, in: "") == 1 {
                #expect(outputChannels == Self.kept(weightsBefore.shape[0], ratio), "\(before.name)")
                #expect(weightsAfter.shape[1] == inputChannels, "\(before.name)")
            } else {
                #expect(try after.int("group", in: "") == inputChannels, "\(before.name)")
                #expect(weightsAfter.shape == [inputChannels, 1] + weightsBefore.shape.dropFirst(2), "\(before.name)")
                #expect(outputChannels == inputChannels, "\(before.name)")
            }
        }
        #expect(pruned.shapes[pruned.outputs[0].name] == [1, 10])
        #expect(ModelSummary(pruned).totalMACs < ModelSummary(original).totalMACs)

        // The BatchNorms meeting at a residual Add kept the same original channels (their running means say which).
        func keptChannels(_ batchNorm: Int) throws -> [Int] {
            let before = try #require(original.constant(original.nodes[batchNorm].inputs[3])).floats
            let after = try #require(pruned.constant(pruned.nodes[batchNorm].inputs[3])).floats
            return try after.map { try #require(before.firstIndex(of: $0)) }
        }
        func batchNormFeeding(_ value: String) -> Int? {
            var value = value
            while let producer = original.producer(of: value) {
                if original.nodes[producer].opType == "BatchNormalization" { return producer }
                guard ["Relu", "Clip", "Add"].contains(original.nodes[producer].opType) else { return nil }
                value = original.nodes[producer].inputs[0]
            }
            return nil
        }
        var residualAdds = 0
        for add in original.nodes where add.opType == "Add" {
            let branches = add.inputs.compactMap(batchNormFeeding)
            #expect(branches.count == 2, "\(add.name)")
            let channels = try branches.map(keptChannels)
            #expect(Set(channels).count == 1, "\(add.name): branches kept \(channels)")
            residualAdds += 1
        }
        #expect(residualAdds == ["cnn-w50": 0, "resnet-8": 3, "mobilenet-v2": 3][id])

        let session = try InferenceSession(graph: pruned)
        let images = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: .test)
        let logits = try session.run([Self.normalized(images, 0, manifest.input.normalization)])
        #expect(logits[0].count == 10 && logits[0].allSatisfy(\.isFinite))
    }

    /// The pruned model computes exactly what the original computes when every reader ignores the removed channels
    /// (their input weights zeroed): a mismatched index anywhere — a residual branch, a depthwise layer, the
    /// flattened classifier columns — would change the logits.
    @Test(arguments: ["cnn-w50", "resnet-8", "mobilenet-v2"])
    func prunedModelEqualsTheOriginalIgnoringRemovedChannels(id: String) throws {
        let (original, manifest) = try Self.demoGraph(id)
        let pruned = try ChannelPruning.prune(original, ratio: 0.25)
        var masked = original
        for (index, node) in original.nodes.enumerated() where ["Conv", "Gemm"].contains(node.opType) {
            guard try node.int("group", default: 1, in: "") == 1 else { continue }
            // Up through the ops that keep channel indices to the BatchNorm that says which channels survived.
            var value = node.inputs[0], block = 1
            var batchNorm: Int?
            while batchNorm == nil, let producer = original.producer(of: value) {
                let op = original.nodes[producer]
                if op.opType == "BatchNormalization" { batchNorm = producer; break }
                let isDepthwise = try op.opType == "Conv" && op.int("group", default: 1, in: "") > 1
                guard isDepthwise || ["Relu", "Clip", "MaxPool", "GlobalAveragePool", "Flatten", "Add"].contains(op.opType)
                else { break }
                if op.opType == "Flatten" { block = try #require(original.shapes[op.inputs[0]]).dropFirst(2).reduce(1, *) }
                value = op.inputs[0]
            }
            guard let batchNorm else { continue }
            let before = try #require(original.constant(original.nodes[batchNorm].inputs[3])).floats
            let after = try #require(pruned.constant(pruned.nodes[batchNorm].inputs[3])).floats
            #expect(Set(before).count == before.count, "running means must tell channels apart")
            let kept = Set(try after.map { try #require(before.firstIndex(of: $0)) })
            let weights = try #require(original.constant(node.inputs[1]))
            // Conv weights [O, C, kh, kw] and Gemm weights [out, C × block] (transB = 1) both hold channels on axis 1.
            let transposed = node.opType == "Gemm" ? try node.int("transB", in: "") == 1 : true
            #expect(transposed)
            let rows = weights.shape[0], rowLength = weights.count / rows, perChannel = rowLength / before.count
            var values = weights.floats
            for row in 0..<rows {
                for offset in 0..<rowLength where !kept.contains(offset / perChannel) { values[row * rowLength + offset] = 0 }
            }
            #expect(perChannel % block == 0)
            masked.initializers[masked.nodes[index].inputs[1]] = Tensor(shape: weights.shape, floats: values)
        }
        let images = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: .test)
        let expected = try InferenceSession(graph: masked), actual = try InferenceSession(graph: pruned)
        for index in 0..<8 {
            let input = Self.normalized(images, index, manifest.input.normalization)
            let (want, got) = (try expected.run([input])[0], try actual.run([input])[0])
            let scale = max(1, want.map(abs).max() ?? 0)
            let worst = zip(want, got).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= 1e-4 * scale, "\(id) image \(index): max |diff| \(worst)")
        }
    }

    /// Hidden units of an MLP go by the L1 norm of their weight rows; the next layer loses the matching columns.
    @Test func prunesHiddenUnitsOfAnMLP() throws {
        let (original, _) = try Self.demoGraph("mlp")
        let pruned = try ChannelPruning.prune(original, ratio: 0.5)
        let gemms = pruned.nodes.filter { $0.opType == "Gemm" }
        #expect(try gemms.map { try #require(pruned.constant($0.inputs[1])).shape } == [[128, 784], [10, 128]])
        #expect(try #require(pruned.constant(gemms[0].inputs[2])).shape == [128])
        _ = try InferenceSession(graph: pruned)
    }

    /// Nothing removed means nothing changed: every demo model gives the same logits as before.
    @Test func ratioZeroKeepsEveryModel() throws {
        let manifest = try FamilyManifest.load(contentsOf: DemoFamilyTests.manifestPath)
        let images = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: .test)
        for spec in manifest.variants {
            let original = try InferenceSession(contentsOf: spec.file)
            let pruned = try InferenceSession(graph: ChannelPruning.prune(original.simplifiedGraph, ratio: 0))
            for index in 0..<4 {
                let input = Self.normalized(images, index, manifest.input.normalization)
                let worst = zip(try original.run([input])[0], try pruned.run([input])[0]).map { abs($0 - $1) }.max() ?? .infinity
                #expect(worst <= 1e-5, "\(spec.id) image \(index): max |diff| \(worst)")
            }
        }
    }

    /// Conv(4 filters) → BatchNorm → Relu → Conv(3 filters) → GlobalAveragePool → Flatten → Gemm, with filter norms
    /// chosen by hand: pruning half removes exactly the weakest filters and the matching reader weights.
    @Test func removesExactlyTheFiltersWithTheLowestL1Norm() throws {
        // First convolution, 2 input channels, 1×1: filter L1 norms 3, 1, 4, 2 → channels 1 and 3 go.
        let first: [Float] = [1, -2, 0.5, 0.5, -4, 0, 1, 1]
        // Second convolution, 4 inputs: filter norms 10, 4, 6 → round(1.5) = 2 go, filter 0 stays.
        let second: [Float] = [1, 2, 3, 4, 1, -1, 1, -1, 0, 0, 6, 0]
        let gemm = (0..<15).map { Float($0) }  // [3, 5] with transB = 0: row r reads channel r
        let graph = try GraphSimplifier.run(Graph(
            name: "tiny", source: "tiny", opsetVersion: 13,
            inputs: [ValueInfo(name: "x", dataType: .float32, shape: [1, 2, 4, 4])],
            outputs: [ValueInfo(name: "y", dataType: .float32, shape: [1, 5])],
            initializers: [
                "w1": Tensor(shape: [4, 2, 1, 1], floats: first), "b1": Tensor(shape: [4], floats: [10, 11, 12, 13]),
                "gamma": Tensor(shape: [4], floats: [1, 2, 3, 4]), "beta": Tensor(shape: [4], floats: [5, 6, 7, 8]),
                "mean": Tensor(shape: [4], floats: [0.1, 0.2, 0.3, 0.4]), "var": Tensor(shape: [4], floats: [1, 2, 3, 4]),
                "w2": Tensor(shape: [3, 4, 1, 1], floats: second),
                "w3": Tensor(shape: [3, 5], floats: gemm), "b3": Tensor(shape: [5], floats: [0, 1, 2, 3, 4]),
            ],
            nodes: [
                Node(name: "conv1", opType: "Conv", inputs: ["x", "w1", "b1"], outputs: ["c1"]),
                Node(name: "bn", opType: "BatchNormalization", inputs: ["c1", "gamma", "beta", "mean", "var"], outputs: ["n1"]),
                Node(name: "relu", opType: "Relu", inputs: ["n1"], outputs: ["r1"]),
                Node(name: "conv2", opType: "Conv", inputs: ["r1", "w2"], outputs: ["c2"]),
                Node(name: "pool", opType: "GlobalAveragePool", inputs: ["c2"], outputs: ["p"]),
                Node(name: "flatten", opType: "Flatten", inputs: ["p"], outputs: ["f"]),
                Node(name: "gemm", opType: "Gemm", inputs: ["f", "w3", "b3"], outputs: ["y"]),
            ]))
        let pruned = try ChannelPruning.prune(graph, ratio: 0.5, sparingStem: false)
        func values(_ name: String) throws -> Tensor { try #require(pruned.constant(name)) }
        #expect(try values("w1") == Tensor(shape: [2, 2, 1, 1], floats: [1, -2, -4, 0]))
        #expect(try values("b1").floats == [10, 12])
        #expect(try ["gamma", "beta", "mean", "var"].map { try values($0).floats } == [[1, 3], [5, 7], [0.1, 0.3], [1, 3]])
        #expect(try values("w2") == Tensor(shape: [1, 2, 1, 1], floats: [1, 3]))
        #expect(try values("w3") == Tensor(shape: [1, 5], floats: [0, 1, 2, 3, 4]))
        #expect(try values("b3").floats == [0, 1, 2, 3, 4])
        #expect(pruned.shapes["y"] == [1, 5])
    }

    /// Two convolutions meeting at an Add lose the channel with the lowest *summed* norm — not either one's own
    /// weakest — and a convolution whose output is a graph output keeps all its filters.
    @Test func residualBranchesLoseTheSameChannel() throws {
        let graph = try GraphSimplifier.run(Graph(
            name: "residual", source: "residual", opsetVersion: 13,
            inputs: [ValueInfo(name: "x", dataType: .float32, shape: [1, 1, 2, 2])],
            outputs: [ValueInfo(name: "y", dataType: .float32, shape: [1, 2, 2, 2])],
            initializers: [
                "wa": Tensor(shape: [3, 1, 1, 1], floats: [1, 5, 2]),  // alone, channel 0 would go
                "wb": Tensor(shape: [3, 3, 1, 1], floats: [4, 0, 0, 0, 1, 0, 0, 0, 2]),  // alone, channel 1 would go
                "wc": Tensor(shape: [2, 3, 1, 1], floats: [1, 2, 3, 4, 5, 6]),
            ],
            nodes: [
                Node(name: "a", opType: "Conv", inputs: ["x", "wa"], outputs: ["ya"]),
                Node(name: "b", opType: "Conv", inputs: ["ya", "wb"], outputs: ["yb"]),
                Node(name: "add", opType: "Add", inputs: ["ya", "yb"], outputs: ["sum"]),
                Node(name: "c", opType: "Conv", inputs: ["sum", "wc"], outputs: ["y"]),
            ]))
        // Summed norms: 1 + 4, 5 + 1, 2 + 2 → channel 2 goes from both branches.
        let pruned = try ChannelPruning.prune(graph, ratio: 1.0 / 3, sparingStem: false)
        #expect(pruned.constant("wa") == Tensor(shape: [2, 1, 1, 1], floats: [1, 5]))
        #expect(pruned.constant("wb") == Tensor(shape: [2, 2, 1, 1], floats: [4, 0, 0, 1]))
        #expect(pruned.constant("wc") == Tensor(shape: [2, 2, 1, 1], floats: [1, 2, 4, 5]))
        #expect(pruned.shapes["y"] == [1, 2, 2, 2])
    }

    @Test func aRatioOutsideZeroToOneIsAClearError() throws {
        let (graph, _) = try Self.demoGraph("cnn-w25")
        #expect(throws: ModelError.self) { try ChannelPruning.prune(graph, ratio: 1.5) }
    }

    /// Re-estimating an unpruned model on 256 training images lands close to the statistics it was trained with:
    /// the statistics change, the accuracy does not (within 1 percentage point on 1000 test images).
    @Test(arguments: ["cnn-w50", "resnet-8", "mobilenet-v2"])
    func reestimationKeepsAnUnprunedModelsAccuracy(id: String) throws {
        let (original, manifest) = try Self.demoGraph(id)
        let training = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: .train)
        let test = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: .test)
        let backend = try XNNPACKBackend()
        let reestimated = try BatchNormReestimation.reestimate(
            original, backend: backend, images: training, normalization: manifest.input.normalization, count: 256)

        var largestChange: Float = 0
        for (before, after) in zip(original.nodes, reestimated.nodes) where before.opType == "BatchNormalization" {
            for slot in 3...4 {
                let trained = try #require(original.constant(before.inputs[slot])).floats
                let measured = try #require(reestimated.constant(after.inputs[slot])).floats
                largestChange = max(largestChange, zip(trained, measured).map { abs($0 - $1) }.max() ?? 0)
            }
        }
        #expect(largestChange > 0)

        let accuracy = { (graph: Graph) in
            try AccuracyEvaluator.evaluate(
                InferenceSession(graph: graph, backend: backend).model, on: test,
                normalization: manifest.input.normalization, limit: 1000
            ).accuracy
        }
        let (before, after) = (try accuracy(original), try accuracy(reestimated))
        print("\(id): top-1 on 1000 test images \(before) trained statistics, \(after) re-estimated")
        #expect(abs(after - before) <= 0.01, "\(id): \(before) → \(after)")
    }

    /// 25 % of the channels removed, then BatchNorm re-estimated on 256 training images: the model loses accuracy
    /// (no retraining) but stays far above chance — a mismatched channel or zeroed layer falls to ~10 %. Floors sit
    /// about 5 points below what 2000 test images measured (cnn-w50 0.76, resnet-8 0.85, mobilenet-v2 0.82).
    @Test(arguments: zip(["cnn-w50", "resnet-8", "mobilenet-v2"], [0.70, 0.80, 0.77]))
    func prunedAndReestimatedModelsStayUsable(id: String, floor: Double) throws {
        let (original, manifest) = try Self.demoGraph(id)
        let training = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: .train)
        let test = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: .test)
        let backend = try XNNPACKBackend()
        let pruned = try ChannelPruning.prune(original, ratio: 0.25)
        let reestimated = try BatchNormReestimation.reestimate(
            pruned, backend: backend, images: training, normalization: manifest.input.normalization, count: 256)
        let accuracy = { (graph: Graph) in
            try AccuracyEvaluator.evaluate(
                InferenceSession(graph: graph, backend: backend).model, on: test,
                normalization: manifest.input.normalization, limit: 2000
            ).accuracy
        }
        let (full, prunedOnly, recovered) = (try accuracy(original), try accuracy(pruned), try accuracy(reestimated))
        print("\(id): top-1 on 2000 test images \(full) fp32, \(prunedOnly) pruned 25 %, \(recovered) pruned + re-estimated")
        #expect(recovered >= floor, "\(id): \(recovered)")
        #expect(recovered > prunedOnly, "\(id): re-estimation did not help (\(prunedOnly) → \(recovered))")
    }

    @Test func reestimationLeavesAGraphWithoutBatchNormAlone() throws {
        let (mlp, manifest) = try Self.demoGraph("mlp")
        let training = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: .train)
        let result = try BatchNormReestimation.reestimate(
            mlp, backend: XNNPACKBackend(), images: training, normalization: manifest.input.normalization, count: 16)
        #expect(result == mlp)
    }

    @Test func reestimationWithoutImagesIsAClearError() throws {
        let (graph, manifest) = try Self.demoGraph("cnn-w25")
        let images = LabeledImages(height: 28, width: 28, pixels: [UInt8](repeating: 0, count: 28 * 28), labels: [0])
        #expect(throws: ModelError.self) {
            try BatchNormReestimation.reestimate(
                graph, backend: XNNPACKBackend(), images: images, normalization: manifest.input.normalization, count: 1, start: 1)
        }
    }

    static func normalized(_ images: LabeledImages, _ index: Int, _ normalization: Normalization) -> [Float] {
        var input = [Float](repeating: 0, count: images.height * images.width)
        input.withUnsafeMutableBufferPointer { normalization.apply(images.image(index), into: $0) }
        return input
    }
}
