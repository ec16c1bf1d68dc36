import Foundation
import SwiftProtobuf
import Testing
@testable import AdaptInference

/// Models are built in Swift with the generated `Onnx_*` types, serialized, and imported from bytes,
/// so each test states exactly what the file contains.
@Suite struct ONNXImportTests {
    // MARK: - Well-formed models

    @Test func importsConvReluModel() throws {
        let bytes = try serialize(ModelBuilder.convRelu())
        let graph = try ONNXImporter.load(data: bytes, source: "conv.onnx")

        #expect(graph.name == "conv_relu")
        #expect(graph.source == "conv.onnx")
        #expect(graph.opsetVersion == 13)
        #expect(graph.inputs == [ValueInfo(name: "x", dataType: .float32, shape: [nil, 3, 4, 4])])
        #expect(graph.outputs == [ValueInfo(name: "y", dataType: .float32, shape: [nil, 2, 4, 4])])

        #expect(graph.initializers.keys.sorted() == ["B", "W"])
        #expect(graph.initializers["W"] == Tensor(shape: [2, 3, 3, 3], floats: (0..<54).map { Float($0) / 8 }))
        #expect(graph.initializers["B"] == Tensor(shape: [2], floats: [0.5, -1.5]))

        #expect(graph.nodes.count == 2)
        let conv = graph.nodes[0]
        #expect(conv.name == "conv0")
        #expect(conv.opType == "Conv")
        #expect(conv.inputs == ["x", "W", "B"])
        #expect(conv.outputs == ["c"])
        #expect(conv.attributes == [
            "kernel_shape": .ints([3, 3]),
            "pads": .ints([1, 1, 1, 1]),
            "group": .int(1),
            "auto_pad": .string("NOTSET"),
        ])
        // Unnamed nodes get "<op>_<index>".
        #expect(graph.nodes[1].name == "Relu_1")
        #expect(graph.nodes[1].inputs == ["c"])
        #expect(graph.nodes[1].outputs == ["y"])
    }

    @Test func loadsFromFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-import-\(UUID().uuidString).onnx")
        try Data(serialize(ModelBuilder.convRelu())).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }

        let graph = try ONNXImporter.load(contentsOf: url.path)
        #expect(graph.source == url.path)
        #expect(graph.nodes.map(\.opType) == ["Conv", "Relu"])
        #expect(try ONNXImporter.load(data: Data(contentsOf: url), source: url.path) == graph)
    }

    @Test func missingFileIsUnreadable() {
        let path = "/nonexistent/adapt-top/model.onnx"
        #expect(throws: ModelError.unreadable(file: path, reason: "no such file")) {
            try ONNXImporter.load(contentsOf: path)
        }
    }

    @Test func initializersListedAsInputsAreNotGraphInputs() throws {
        // Exporters before IR version 4 list every weight as a graph input too.
        var model = ModelBuilder.convRelu()
        model.graph.input.append(ModelBuilder.valueInfo("W", dims: [2, 3, 3, 3]))
        model.graph.input.append(ModelBuilder.valueInfo("B", dims: [2]))
        let graph = try ONNXImporter.load(data: serialize(model), source: "m")
        #expect(graph.inputs.map(\.name) == ["x"])
        #expect(graph.initializers.count == 2)
    }

    @Test func acceptsTheAiOnnxDomainName() throws {
        var model = ModelBuilder.convRelu()
        model.opsetImport = [ModelBuilder.opset(11, domain: "ai.onnx"), ModelBuilder.opset(3, domain: "ai.onnx.ml")]
        model.graph.node[1].domain = "ai.onnx"
        let graph = try ONNXImporter.load(data: serialize(model), source: "m")
        #expect(graph.opsetVersion == 11)
    }

    @Test func convertsEveryAttributeKind() throws {
        var node = Onnx_NodeProto()
        node.opType = "Custom"
        node.input = ["x"]
        node.output = ["y"]
        node.attribute = [
            ModelBuilder.attribute("f", .float) { $0.f = 0.25 },
            ModelBuilder.attribute("i", .int) { $0.i = -7 },
            ModelBuilder.attribute("s", .string) { $0.s = Data("héllo".utf8) },
            ModelBuilder.attribute("fs", .floats) { $0.floats = [1, 2.5] },
            ModelBuilder.attribute("is", .ints) { $0.ints = [4, -1] },
            ModelBuilder.attribute("ss", .strings) { $0.strings = [Data("a".utf8), Data("b".utf8)] },
            ModelBuilder.attribute("empty", .ints) { _ in },
            ModelBuilder.attribute("t", .tensor) { $0.t = ModelBuilder.int64Tensor("", dims: [2], values: [3, 4]) },
            // IR version 1 files have no type discriminator; the field that is set decides.
            ModelBuilder.attribute("untyped", .undefined) { $0.i = 9 },
        ]
        let graph = try ONNXImporter.load(data: serialize(ModelBuilder.model(nodes: [node])), source: "m")
        #expect(graph.nodes[0].attributes == [
            "f": .float(0.25),
            "i": .int(-7),
            "s": .string("héllo"),
            "fs": .floats([1, 2.5]),
            "is": .ints([4, -1]),
            "ss": .strings(["a", "b"]),
            "empty": .ints([]),
            "t": .tensor(Tensor(shape: [2], int64s: [3, 4])),
            "untyped": .int(9),
        ])
    }

    @Test func constantNodeValueBecomesTensorAttribute() throws {
        var constant = Onnx_NodeProto()
        constant.opType = "Constant"
        constant.output = ["k"]
        constant.attribute = [ModelBuilder.attribute("value", .tensor) {
            $0.t = ModelBuilder.floatTensor("", dims: [], values: [2.5])
        }]
        let graph = try ONNXImporter.load(data: serialize(ModelBuilder.model(nodes: [constant])), source: "m")
        #expect(graph.nodes[0].name == "Constant_0")
        #expect(graph.nodes[0].attributes["value"] == .tensor(Tensor(shape: [], floats: [2.5])))
    }

    @Test func valueInfoDimensions() throws {
        var model = ModelBuilder.model(nodes: [ModelBuilder.node("Relu", inputs: ["x"], outputs: ["y"])])
        var input = ModelBuilder.valueInfo("x", dims: [])
        input.type.tensorType.shape.dim = [
            ModelBuilder.dimension(param: "batch"),
            ModelBuilder.dimension(7),
            Onnx_TensorShapeProto.Dimension(),  // neither value nor param
            ModelBuilder.dimension(-1),  // some exporters mark free dimensions this way
        ]
        input.type.tensorType.elemType = ONNXCode.int64
        model.graph.input = [input]
        var output = ModelBuilder.valueInfo("y", dims: [])
        output.type.tensorType.clearShape()
        model.graph.output = [output]

        let graph = try ONNXImporter.load(data: serialize(model), source: "m")
        #expect(graph.inputs == [ValueInfo(name: "x", dataType: .int64, shape: [nil, 7, nil, nil])])
        // An output without a shape is accepted (shape inference recomputes it).
        #expect(graph.outputs == [ValueInfo(name: "y", dataType: .float32, shape: [])])
    }

    // MARK: - Tensor data

    @Test func rawDataAndFloatDataGiveTheSameTensor() throws {
        let values: [Float] = [1, -2.5, 0, .greatestFiniteMagnitude, -.leastNonzeroMagnitude, 3.25]
        let typed = ModelBuilder.floatTensor("w", dims: [2, 3], values: values)
        var raw = Onnx_TensorProto()
        raw.name = "w"
        raw.dims = [2, 3]
        raw.dataType = ONNXCode.float
        raw.rawData = littleEndianBytes(values.map(\.bitPattern))

        let expected = Tensor(shape: [2, 3], floats: values)
        #expect(try importInitializer(typed) == expected)
        #expect(try importInitializer(raw) == expected)
    }

    @Test func convertsEachSupportedElementType() throws {
        // DOUBLE → Float storage, marked float64.
        var double = ONNXTensorFactory.make(ONNXCode.double, dims: [2])
        double.doubleData = [1.5, -4]
        var expectedDouble = Tensor(shape: [2], floats: [1.5, -4])
        expectedDouble.dataType = .float64
        #expect(try importInitializer(double) == expectedDouble)

        var rawDouble = ONNXTensorFactory.make(ONNXCode.double, dims: [2])
        rawDouble.rawData = littleEndianBytes([Double(1.5).bitPattern, Double(-4).bitPattern])
        #expect(try importInitializer(rawDouble) == expectedDouble)

        // FLOAT16 from raw bytes and from int32_data bit patterns: 1.0, -2.0, 65504 (max half).
        var expectedHalf = Tensor(shape: [3], floats: [1, -2, 65504])
        expectedHalf.dataType = .float16
        var rawHalf = ONNXTensorFactory.make(ONNXCode.float16, dims: [3])
        rawHalf.rawData = littleEndianBytes([UInt16(0x3C00), 0xC000, 0x7BFF])
        #expect(try importInitializer(rawHalf) == expectedHalf)
        var typedHalf = ONNXTensorFactory.make(ONNXCode.float16, dims: [3])
        typedHalf.int32Data = [0x3C00, 0xC000, 0x7BFF]
        #expect(try importInitializer(typedHalf) == expectedHalf)

        // INT64
        var rawInt64 = ONNXTensorFactory.make(ONNXCode.int64, dims: [3])
        rawInt64.rawData = littleEndianBytes([Int64.min, -1, Int64.max].map { UInt64(bitPattern: $0) })
        #expect(try importInitializer(rawInt64) == Tensor(shape: [3], int64s: [.min, -1, .max]))
        var typedInt64 = ONNXTensorFactory.make(ONNXCode.int64, dims: [1, 2])
        typedInt64.int64Data = [5, -6]
        #expect(try importInitializer(typedInt64) == Tensor(shape: [1, 2], int64s: [5, -6]))

        // INT32, INT16 (no int16 in the IR: int32), INT8, UINT8, BOOL — raw and int32_data.
        var rawInt32 = ONNXTensorFactory.make(ONNXCode.int32, dims: [2])
        rawInt32.rawData = littleEndianBytes([Int32.min, 7].map { UInt32(bitPattern: $0) })
        #expect(try importInitializer(rawInt32) == Tensor(shape: [2], int64s: [Int64(Int32.min), 7], dataType: .int32))
        var rawInt16 = ONNXTensorFactory.make(ONNXCode.int16, dims: [2])
        rawInt16.rawData = littleEndianBytes([Int16.min, 300].map { UInt16(bitPattern: $0) })
        #expect(try importInitializer(rawInt16) == Tensor(shape: [2], int64s: [-32768, 300], dataType: .int32))
        var typedInt16 = ONNXTensorFactory.make(ONNXCode.int16, dims: [2])
        typedInt16.int32Data = [-32768, 300]
        #expect(try importInitializer(typedInt16) == Tensor(shape: [2], int64s: [-32768, 300], dataType: .int32))
        var rawInt8 = ONNXTensorFactory.make(ONNXCode.int8, dims: [3])
        rawInt8.rawData = Data([0x80, 0xFF, 0x05])
        #expect(try importInitializer(rawInt8) == Tensor(shape: [3], int64s: [-128, -1, 5], dataType: .int8))
        var typedInt8 = ONNXTensorFactory.make(ONNXCode.int8, dims: [3])
        typedInt8.int32Data = [-128, -1, 5]
        #expect(try importInitializer(typedInt8) == Tensor(shape: [3], int64s: [-128, -1, 5], dataType: .int8))
        var rawUInt8 = ONNXTensorFactory.make(ONNXCode.uint8, dims: [2])
        rawUInt8.rawData = Data([0xFF, 0x00])
        #expect(try importInitializer(rawUInt8) == Tensor(shape: [2], int64s: [255, 0], dataType: .uint8))
        var rawBool = ONNXTensorFactory.make(ONNXCode.bool, dims: [3])
        rawBool.rawData = Data([1, 0, 1])
        #expect(try importInitializer(rawBool) == Tensor(shape: [3], int64s: [1, 0, 1], dataType: .bool))
        var typedBool = ONNXTensorFactory.make(ONNXCode.bool, dims: [2])
        typedBool.int32Data = [0, 1]
        #expect(try importInitializer(typedBool) == Tensor(shape: [2], int64s: [0, 1], dataType: .bool))
    }

    @Test func scalarsAndEmptyTensors() throws {
        #expect(try importInitializer(ModelBuilder.floatTensor("s", dims: [], values: [4])) == Tensor(shape: [], floats: [4]))
        #expect(try importInitializer(ModelBuilder.floatTensor("e", dims: [2, 0], values: [])) == Tensor(shape: [2, 0], floats: []))
        var emptyRaw = ONNXTensorFactory.make(ONNXCode.int64, dims: [0])
        emptyRaw.rawData = Data()
        #expect(try importInitializer(emptyRaw) == Tensor(shape: [0], int64s: []))
    }

    @Test func halfPrecisionSpecialValues() {
        #expect(HalfPrecision.float(fromBits: 0x0000) == 0)
        #expect(HalfPrecision.float(fromBits: 0x8000).sign == .minus)
        #expect(HalfPrecision.float(fromBits: 0x0001) == 0x1p-24)  // smallest subnormal
        #expect(HalfPrecision.float(fromBits: 0x03FF) == 1023 * 0x1p-24)  // largest subnormal
        #expect(HalfPrecision.float(fromBits: 0x0400) == 0x1p-14)  // smallest normal
        #expect(HalfPrecision.float(fromBits: 0x3555) == 0.333251953125)
        #expect(HalfPrecision.float(fromBits: 0x7C00) == .infinity)
        #expect(HalfPrecision.float(fromBits: 0xFC00) == -.infinity)
        #expect(HalfPrecision.float(fromBits: 0x7E00).isNaN)
    }

    @Test func dataLengthMustMatchTheShape() {
        var shortRaw = ONNXTensorFactory.make(ONNXCode.float, dims: [2, 2], name: "w")
        shortRaw.rawData = littleEndianBytes([Float(1), 2, 3].map(\.bitPattern))
        expectMalformed(shortRaw, mentioning: "needs 4 × 4 bytes of raw_data but has 12")

        var unalignedRaw = ONNXTensorFactory.make(ONNXCode.int64, dims: [1], name: "w")
        unalignedRaw.rawData = Data([1, 2, 3])
        expectMalformed(unalignedRaw, mentioning: "raw_data")

        expectMalformed(ModelBuilder.floatTensor("w", dims: [3], values: [1, 2]), mentioning: "float_data holds 2")
        // No data at all for a non-empty shape.
        expectMalformed(ONNXTensorFactory.make(ONNXCode.float, dims: [5], name: "w"), mentioning: "float_data holds 0")
    }

    @Test func hostileShapesAreRejected() {
        expectMalformed(ModelBuilder.floatTensor("w", dims: [2, -3], values: []), mentioning: "negative dimension")
        // The product overflows Int64 long before any data would be needed.
        expectMalformed(ModelBuilder.floatTensor("w", dims: [1 << 32, 1 << 32], values: []), mentioning: "does not fit")
        // Zero elements, but strides over the other dimensions still overflow.
        expectMalformed(ModelBuilder.floatTensor("w", dims: [0, 1 << 40, 1 << 40], values: []), mentioning: "does not fit")
        // A huge (but representable) element count with raw bytes that don't back it.
        var huge = ONNXTensorFactory.make(ONNXCode.float, dims: [1 << 61], name: "w")
        huge.rawData = Data([0, 0, 0, 0])
        expectMalformed(huge, mentioning: "raw_data")
    }

    @Test func unsupportedElementTypesAreRejectedByName() {
        for (code, name) in [(ONNXCode.string, "STRING"), (ONNXCode.complex64, "COMPLEX64"), (ONNXCode.bfloat16, "BFLOAT16"), (99, "code 99")] {
            var tensor = ONNXTensorFactory.make(code, dims: [1], name: "odd")
            tensor.rawData = Data(repeating: 0, count: 8)
            #expect(throws: ModelError.unsupportedModel(
                file: "m", reason: "tensor 'odd' has element type \(name), which adapt-top does not support")) {
                try importInitializer(tensor)
            }
        }
    }

    // MARK: - Rejected models

    @Test func externalDataIsRejectedWithAnExplanation() throws {
        var tensor = ONNXTensorFactory.make(ONNXCode.float, dims: [2], name: "conv.weight")
        tensor.dataLocation = .external
        tensor.externalData = [ModelBuilder.entry("location", "weights.bin"), ModelBuilder.entry("offset", "0")]
        #expect(throws: ModelError.unsupportedModel(
            file: "m",
            reason: "tensor 'conv.weight' stores its data in an external file ('weights.bin'), which adapt-top does not load; "
                + "re-export with the weights embedded")) {
            try importInitializer(tensor)
        }

        // external_data entries alone (data_location left DEFAULT) mean the same thing.
        var entriesOnly = ONNXTensorFactory.make(ONNXCode.float, dims: [2], name: "w")
        entriesOnly.externalData = [ModelBuilder.entry("location", "w.bin")]
        let error = try #require(importError(ModelBuilder.model(initializers: [entriesOnly])))
        #expect(error.description.contains("external file ('w.bin')"))

        // The same holds for a Constant node's tensor.
        var constant = Onnx_NodeProto()
        constant.opType = "Constant"
        constant.output = ["k"]
        constant.attribute = [ModelBuilder.attribute("value", .tensor) { $0.t = entriesOnly }]
        let constantError = try #require(importError(ModelBuilder.model(nodes: [constant])))
        guard case .unsupportedModel(_, let reason) = constantError else {
            Issue.record("expected unsupportedModel, got \(constantError)")
            return
        }
        #expect(reason.contains("stores its data in an external file ('w.bin')"))
    }

    @Test(arguments: [8, 18, 1, 0, -3])
    func opsetsOutsideNineToSeventeenAreRejected(opset: Int64) throws {
        var model = ModelBuilder.convRelu()
        model.opsetImport = [ModelBuilder.opset(opset)]
        let error = try #require(importError(model))
        guard case .unsupportedModel(_, let reason) = error else {
            Issue.record("expected unsupportedModel, got \(error)")
            return
        }
        #expect(reason.contains("opset \(opset) "))
        #expect(reason.contains("9–17"))
    }

    @Test func supportedOpsetBoundsAreAccepted() throws {
        for opset: Int64 in [9, 17] {
            var model = ModelBuilder.convRelu()
            model.opsetImport = [ModelBuilder.opset(opset)]
            #expect(try ONNXImporter.load(data: serialize(model), source: "m").opsetVersion == Int(opset))
        }
    }

    @Test func aModelWithoutDefaultOpsetIsRejected() throws {
        var model = ModelBuilder.convRelu()
        model.opsetImport = [ModelBuilder.opset(1, domain: "com.microsoft")]
        let error = try #require(importError(model))
        #expect(error.description.contains("imports no version of the default ONNX operator set"))
    }

    @Test func aModelWithoutGraphIsRejected() throws {
        var model = Onnx_ModelProto()
        model.irVersion = 8
        model.opsetImport = [ModelBuilder.opset(13)]
        #expect(throws: ModelError.malformed(file: "m", reason: "the model contains no graph")) {
            try ONNXImporter.load(data: serialize(model), source: "m")
        }
    }

    @Test func otherDomainsAreUnsupportedOps() throws {
        var node = ModelBuilder.node("FusedConv", inputs: ["x"], outputs: ["y"])
        node.domain = "com.microsoft"
        node.name = "fused"
        #expect(throws: ModelError.unsupportedOp(
            file: "m", node: "fused", op: "FusedConv",
            reason: "operator domain 'com.microsoft' is not supported; only the default ONNX domain is")) {
            try ONNXImporter.load(data: serialize(ModelBuilder.model(nodes: [node])), source: "m")
        }
    }

    @Test func subgraphSparseAndTypeAttributesAreUnsupported() throws {
        let cases: [(Onnx_AttributeProto.AttributeType, String)] = [
            (.graph, "a subgraph"), (.graphs, "a subgraph"), (.sparseTensor, "a sparse tensor"),
            (.sparseTensors, "a sparse tensor"), (.typeProto, "a type"), (.typeProtos, "a type"),
            (.tensors, "a list of tensors"),
        ]
        for (type, kind) in cases {
            var node = ModelBuilder.node("If", inputs: ["x"], outputs: ["y"])
            node.attribute = [ModelBuilder.attribute("then_branch", type) { _ in }]
            #expect(throws: ModelError.unsupportedOp(
                file: "m", node: "If_0", op: "If",
                reason: "attribute 'then_branch' is \(kind), which adapt-top does not support")) {
                try ONNXImporter.load(data: serialize(ModelBuilder.model(nodes: [node])), source: "m")
            }
        }
        // An untyped attribute carrying a graph is recognized by its content.
        var untyped = ModelBuilder.node("Loop", inputs: ["x"], outputs: ["y"])
        untyped.attribute = [ModelBuilder.attribute("body", .undefined) { $0.g = Onnx_GraphProto() }]
        let error = try #require(importError(ModelBuilder.model(nodes: [untyped])))
        #expect(error == .unsupportedOp(
            file: "m", node: "Loop_0", op: "Loop", reason: "attribute 'body' is a subgraph, which adapt-top does not support"))
    }

    @Test func functionAttributeReferencesAreUnsupported() throws {
        var node = ModelBuilder.node("Relu", inputs: ["x"], outputs: ["y"])
        node.attribute = [ModelBuilder.attribute("alpha", .float) { $0.refAttrName = "outer_alpha" }]
        let error = try #require(importError(ModelBuilder.model(nodes: [node])))
        guard case .unsupportedOp(_, "Relu_0", "Relu", let reason) = error else {
            Issue.record("expected unsupportedOp, got \(error)")
            return
        }
        #expect(reason.contains("outer_alpha"))
    }

    @Test func sparseInitializersAreUnsupported() throws {
        var model = ModelBuilder.convRelu()
        var sparse = Onnx_SparseTensorProto()
        sparse.values = ModelBuilder.floatTensor("mask", dims: [1], values: [1])
        sparse.indices = ModelBuilder.int64Tensor("", dims: [1], values: [0])
        sparse.dims = [4]
        model.graph.sparseInitializer = [sparse]
        let error = try #require(importError(model))
        guard case .unsupportedModel(_, let reason) = error else {
            Issue.record("expected unsupportedModel, got \(error)")
            return
        }
        #expect(reason.contains("'mask' is a sparse tensor"))
    }

    @Test func nonTensorGraphInputsAreUnsupported() throws {
        var model = ModelBuilder.convRelu()
        var sequence = Onnx_ValueInfoProto()
        sequence.name = "seq"
        sequence.type.sequenceType = Onnx_TypeProto.Sequence()
        model.graph.input.append(sequence)
        let error = try #require(importError(model))
        #expect(error == .unsupportedModel(file: "m", reason: "graph input 'seq' is a sequence; adapt-top only handles tensors"))
    }

    @Test func malformedTensorInAttributeNamesTheNode() throws {
        var constant = Onnx_NodeProto()
        constant.opType = "Constant"
        constant.name = "k"
        constant.output = ["k"]
        constant.attribute = [ModelBuilder.attribute("value", .tensor) {
            $0.t = ModelBuilder.floatTensor("", dims: [3], values: [1])
        }]
        let error = try #require(importError(ModelBuilder.model(nodes: [constant])))
        guard case .invalidNode(_, "k", "Constant", let reason) = error else {
            Issue.record("expected invalidNode, got \(error)")
            return
        }
        #expect(reason.contains("float_data holds 1"))
    }

    // MARK: - Corrupt and hostile bytes

    @Test func emptyDataIsMalformed() {
        #expect(throws: ModelError.malformed(file: "empty.onnx", reason: "empty file")) {
            try ONNXImporter.load(data: [], source: "empty.onnx")
        }
    }

    @Test func everyTruncationImportsOrThrowsModelError() throws {
        let bytes = try serialize(ModelBuilder.convRelu())
        var failures = 0
        for length in 0..<bytes.count {
            // A cut at a field boundary is still a valid (smaller) message; anything else must throw.
            do {
                _ = try ONNXImporter.load(data: Array(bytes[..<length]), source: "cut")
            } catch {
                failures += 1
            }
        }
        #expect(failures > bytes.count / 2)
    }

    @Test func randomByteFlipsNeverCrash() throws {
        var models = [try serialize(ModelBuilder.convRelu())]
        // A real exporter's output too, when the fixtures are present.
        if let fixture = ONNXFixtureFiles.all.first(where: { $0.hasSuffix("/conv_bn_relu/model.onnx") }) {
            models.append(Array(try Data(contentsOf: URL(fileURLWithPath: fixture))))
        }
        var generator = SeededGenerator(seed: 0x0DDB_A11_5EED)
        for original in models {
            for _ in 0..<1500 {
                var corrupted = original
                for _ in 0...Int.random(in: 0..<4, using: &generator) {
                    let position = Int.random(in: 0..<corrupted.count, using: &generator)
                    corrupted[position] = UInt8.random(in: 0...255, using: &generator)
                }
                // A flipped byte can still decode into some valid model; it must only never crash.
                _ = try? ONNXImporter.load(data: corrupted, source: "flipped")
            }
        }
    }

    @Test func truncatedFixtureModelsNeverCrash() throws {
        guard let fixture = ONNXFixtureFiles.all.first(where: { $0.hasSuffix("/resnet_block/model.onnx") })
            ?? ONNXFixtureFiles.all.first else { return }
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: fixture)))
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<300 {
            let length = Int.random(in: 0..<bytes.count, using: &generator)
            _ = try? ONNXImporter.load(data: Array(bytes[..<length]), source: "cut")
        }
    }

    @Test func deepNestingHitsTheDepthLimit() throws {
        // Graph › Node › Attribute › Graph › … 600 levels deep, far beyond any real model.
        var graph: [UInt8] = []
        for _ in 0..<200 {
            let attribute = WireFormat.field(6, graph)  // AttributeProto.g
            let node = WireFormat.field(5, attribute)  // NodeProto.attribute
            graph = WireFormat.field(1, node)  // GraphProto.node
        }
        let model = WireFormat.field(7, graph)  // ModelProto.graph
        let error = try #require(importError(bytes: model))
        guard case .malformed(_, let reason) = error else {
            Issue.record("expected malformed, got \(error)")
            return
        }
        #expect(reason.contains("nested more than"))
    }

    @Test func deeplyNestedUnknownGroupsHitTheDepthLimit() throws {
        // Field 100, wire type 3 (start group), repeated: skipping unknown groups recurses.
        let startGroup: [UInt8] = [0xA3, 0x06]
        let bytes = Array([[UInt8]](repeating: startGroup, count: 100_000).joined())
        let error = try #require(importError(bytes: bytes))
        guard case .malformed = error else {
            Issue.record("expected malformed, got \(error)")
            return
        }
    }

    @Test func hugeDeclaredLengthsAreTruncationErrors() throws {
        // ModelProto.graph with a length of 2^63 - 1, then a few bytes.
        let hugeLength: [UInt8] = [0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3]
        // TensorProto.raw_data inside an initializer, declaring 4 GB.
        let tensor: [UInt8] = [0x4A, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0]
        let model = WireFormat.field(7, WireFormat.field(5, tensor))
        for bytes in [hugeLength, model, [0xFF], [0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]] {
            let error = try #require(importError(bytes: bytes))
            guard case .malformed = error else {
                Issue.record("expected malformed, got \(error)")
                continue
            }
        }
    }

    @Test func packedAndUnpackedRepeatedScalarsBothDecode() throws {
        // ONNX declares TensorProto.dims unpacked and float_data packed; writers emit either encoding.
        let one = Float(1).bitPattern, two = Float(2).bitPattern
        let unpackedDims: [UInt8] = [0x08, 2, 0x08, 1]
        let packedDims: [UInt8] = [0x0A, 2, 2, 1]
        let packedFloats: [UInt8] = [0x22, 8] + littleEndianArray([one, two])
        let unpackedFloats: [UInt8] = [0x25] + littleEndianArray([one]) + [0x25] + littleEndianArray([two])
        let header: [UInt8] = [0x10, 1] + WireFormat.field(8, Array("w".utf8))  // data_type FLOAT, name
        for dims in [unpackedDims, packedDims] {
            for floats in [packedFloats, unpackedFloats] {
                let tensor = try Onnx_TensorProto(serializedBytes: header + dims + floats)
                #expect(tensor.dims == [2, 1])
                #expect(tensor.floatData == [1, 2])
                #expect(try importInitializer(tensor) == Tensor(shape: [2, 1], floats: [1, 2]))
            }
        }
        // AttributeProto.ints is unpacked in the spec; a packed encoding decodes the same.
        let packedInts: [UInt8] = WireFormat.field(1, Array("pads".utf8)) + [0xA0, 0x01, 7] + [0x42, 3, 1, 2, 3]
        let attribute = try Onnx_AttributeProto(serializedBytes: packedInts)
        #expect(attribute.ints == [1, 2, 3])
    }

    // MARK: - Fixtures

    @Test(.enabled(if: !ONNXFixtureFiles.all.isEmpty, "no ONNX fixtures in Tests/Fixtures/onnx"))
    func everyFixtureModelImports() {
        for path in ONNXFixtureFiles.all {
            do {
                let graph = try ONNXImporter.load(contentsOf: path)
                #expect(!graph.nodes.isEmpty, "\(path) imported without nodes")
                #expect(!graph.outputs.isEmpty, "\(path) imported without outputs")
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    // MARK: - Helpers

    private func serialize(_ model: Onnx_ModelProto) throws -> [UInt8] {
        try model.serializedBytes()
    }

    /// Imports a model holding just `tensor` as its initializer and returns it.
    private func importInitializer(_ tensor: Onnx_TensorProto) throws -> Tensor? {
        var named = tensor
        if named.name.isEmpty { named.name = "t" }
        let graph = try ONNXImporter.load(data: serialize(ModelBuilder.model(initializers: [named])), source: "m")
        return graph.initializers[named.name]
    }

    /// The error importing `model` throws, or nil when it imports.
    private func importError(_ model: Onnx_ModelProto) -> ModelError? {
        guard let bytes = try? serialize(model) else {
            Issue.record("could not serialize the test model")
            return nil
        }
        return importError(bytes: bytes)
    }

    private func importError(bytes: [UInt8]) -> ModelError? {
        do {
            _ = try ONNXImporter.load(data: bytes, source: "m")
            return nil
        } catch {
            return error
        }
    }

    private func expectMalformed(_ tensor: Onnx_TensorProto, mentioning fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let error = try #require(importError(ModelBuilder.model(initializers: [tensor])), sourceLocation: sourceLocation)
            guard case .malformed(_, let reason) = error else {
                Issue.record("expected malformed, got \(error)", sourceLocation: sourceLocation)
                return
            }
            #expect(reason.contains(fragment), "\(reason)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(error)", sourceLocation: sourceLocation)
        }
    }
}

// MARK: - Model construction

/// ONNX `TensorProto.DataType` codes, as the `Int32` the format stores.
private enum ONNXCode {
    static let float: Int32 = 1
    static let uint8: Int32 = 2
    static let int8: Int32 = 3
    static let int16: Int32 = 5
    static let int32: Int32 = 6
    static let int64: Int32 = 7
    static let string: Int32 = 8
    static let bool: Int32 = 9
    static let float16: Int32 = 10
    static let double: Int32 = 11
    static let complex64: Int32 = 14
    static let bfloat16: Int32 = 16
}

private enum ONNXTensorFactory {
    static func make(_ code: Int32, dims: [Int64], name: String = "") -> Onnx_TensorProto {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dims = dims
        tensor.dataType = code
        return tensor
    }
}

private enum ModelBuilder {
    /// x[N,3,4,4] → Conv(W[2,3,3,3] float_data, B[2] raw_data, pads 1) → Relu (unnamed) → y, opset 13.
    static func convRelu() -> Onnx_ModelProto {
        var conv = node("Conv", inputs: ["x", "W", "B"], outputs: ["c"])
        conv.name = "conv0"
        conv.attribute = [
            attribute("kernel_shape", .ints) { $0.ints = [3, 3] },
            attribute("pads", .ints) { $0.ints = [1, 1, 1, 1] },
            attribute("group", .int) { $0.i = 1 },
            attribute("auto_pad", .string) { $0.s = Data("NOTSET".utf8) },
        ]
        var bias = Onnx_TensorProto()
        bias.name = "B"
        bias.dims = [2]
        bias.dataType = ONNXCode.float
        bias.rawData = littleEndianBytes([Float(0.5), -1.5].map(\.bitPattern))

        var model = model(
            nodes: [conv, node("Relu", inputs: ["c"], outputs: ["y"])],
            initializers: [floatTensor("W", dims: [2, 3, 3, 3], values: (0..<54).map { Float($0) / 8 }), bias])
        var input = valueInfo("x", dims: [0, 3, 4, 4])
        input.type.tensorType.shape.dim[0] = dimension(param: "N")
        var output = valueInfo("y", dims: [0, 2, 4, 4])
        output.type.tensorType.shape.dim[0] = dimension(param: "N")
        model.graph.input = [input]
        model.graph.output = [output]
        model.graph.name = "conv_relu"
        return model
    }

    /// A model at opset 13 whose graph has `nodes`, `initializers`, input `x` and output `y` (both [1, 4]).
    static func model(nodes: [Onnx_NodeProto] = [], initializers: [Onnx_TensorProto] = []) -> Onnx_ModelProto {
        var model = Onnx_ModelProto()
        model.irVersion = 8
        model.producerName = "ONNXImportTests"
        model.opsetImport = [opset(13)]
        model.graph.name = "test"
        model.graph.node = nodes
        model.graph.initializer = initializers
        model.graph.input = [valueInfo("x", dims: [1, 4])]
        model.graph.output = [valueInfo("y", dims: [1, 4])]
        return model
    }

    static func opset(_ version: Int64, domain: String = "") -> Onnx_OperatorSetIdProto {
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = domain
        opset.version = version
        return opset
    }

    static func node(_ opType: String, inputs: [String], outputs: [String]) -> Onnx_NodeProto {
        var node = Onnx_NodeProto()
        node.opType = opType
        node.input = inputs
        node.output = outputs
        return node
    }

    static func attribute(
        _ name: String, _ type: Onnx_AttributeProto.AttributeType, _ fill: (inout Onnx_AttributeProto) -> Void
    ) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        if type != .undefined { attribute.type = type }
        fill(&attribute)
        return attribute
    }

    static func floatTensor(_ name: String, dims: [Int64], values: [Float]) -> Onnx_TensorProto {
        var tensor = ONNXTensorFactory.make(ONNXCode.float, dims: dims, name: name)
        tensor.floatData = values
        return tensor
    }

    static func int64Tensor(_ name: String, dims: [Int64], values: [Int64]) -> Onnx_TensorProto {
        var tensor = ONNXTensorFactory.make(ONNXCode.int64, dims: dims, name: name)
        tensor.int64Data = values
        return tensor
    }

    /// A float tensor value info with fixed dimensions.
    static func valueInfo(_ name: String, dims: [Int64]) -> Onnx_ValueInfoProto {
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type.tensorType.elemType = ONNXCode.float
        info.type.tensorType.shape.dim = dims.map { dimension($0) }
        return info
    }

    static func dimension(_ value: Int64) -> Onnx_TensorShapeProto.Dimension {
        var dimension = Onnx_TensorShapeProto.Dimension()
        dimension.dimValue = value
        return dimension
    }

    static func dimension(param: String) -> Onnx_TensorShapeProto.Dimension {
        var dimension = Onnx_TensorShapeProto.Dimension()
        dimension.dimParam = param
        return dimension
    }

    static func entry(_ key: String, _ value: String) -> Onnx_StringStringEntryProto {
        var entry = Onnx_StringStringEntryProto()
        entry.key = key
        entry.value = value
        return entry
    }
}

/// Hand-built protobuf wire bytes, for inputs the generated types cannot produce.
private enum WireFormat {
    /// A length-delimited field: tag, varint length, payload.
    static func field(_ number: UInt64, _ payload: [UInt8]) -> [UInt8] {
        varint(number << 3 | 2) + varint(UInt64(payload.count)) + payload
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        repeat {
            let low = UInt8(value & 0x7F)
            value >>= 7
            bytes.append(value == 0 ? low : low | 0x80)
        } while value != 0
        return bytes
    }
}

private func littleEndianArray<Value: FixedWidthInteger>(_ values: [Value]) -> [UInt8] {
    values.flatMap { value in
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}

private func littleEndianBytes<Value: FixedWidthInteger>(_ values: [Value]) -> Data {
    Data(littleEndianArray(values))
}

/// The `model.onnx` files of the parity fixtures (`Tests/Fixtures/onnx/<case>/model.onnx`), found from this file's path.
private enum ONNXFixtureFiles {
    static let all: [String] = {
        let folder = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("Fixtures/onnx")
        let cases = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return cases.sorted()
            .map { folder.appendingPathComponent($0).appendingPathComponent("model.onnx").path }
            .filter { FileManager.default.fileExists(atPath: $0) }
    }()
}

