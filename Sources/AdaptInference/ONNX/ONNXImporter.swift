// Public because `load(data:source:)` takes `Data`.
public import Foundation
import SwiftProtobuf

/// Reads ONNX model files into the backend-neutral `Graph`.
///
/// The input is untrusted: every count, length and shape in the file is checked before it is used,
/// so a truncated, corrupted or hostile file ends in a `ModelError`, never in a crash or a huge
/// allocation. Everything adapt-top cannot run faithfully (other opsets, custom domains, external
/// weights, sparse tensors, subgraphs) is rejected here with a message naming it, rather than
/// being dropped and producing wrong results later.
public enum ONNXImporter {
    /// The default-domain opsets whose operator semantics adapt-top implements.
    public static let supportedOpsets: ClosedRange<Int> = 9...17

    /// How deeply protobuf messages may nest. A model we accept needs 7 levels
    /// (Model › Graph › ValueInfo › Type › Tensor › Shape › Dimension); the margin lets files with
    /// subgraphs decode far enough to be rejected by name, while hostile nesting cannot exhaust the stack.
    static let messageDepthLimit = 64

    /// Loads the ONNX model at `path`; errors name `path`.
    public static func load(contentsOf path: String) throws(ModelError) -> Graph {
        guard FileManager.default.fileExists(atPath: path) else {
            throw .unreadable(file: path, reason: "no such file")
        }
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(file: path, reason: error.localizedDescription)
        }
        return try decode(bytes, source: path)
    }

    /// Loads an ONNX model from its serialized bytes; `source` names it in the graph and in errors.
    public static func load(data: Data, source: String) throws(ModelError) -> Graph {
        try decode(data, source: source)
    }

    /// Loads an ONNX model from its serialized bytes; `source` names it in the graph and in errors.
    public static func load(data: [UInt8], source: String) throws(ModelError) -> Graph {
        try decode(data, source: source)
    }

    private static func decode(_ bytes: some SwiftProtobufContiguousBytes, source: String) throws(ModelError) -> Graph {
        // An empty buffer is a valid (all-default) protobuf message; say what actually happened.
        guard bytes.count > 0 else { throw .malformed(file: source, reason: "empty file") }
        var options = BinaryDecodingOptions()
        options.messageDepthLimit = messageDepthLimit
        // Nothing reads unknown fields (training info, model-local functions…); don't keep them in memory.
        options.discardUnknownFields = true
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: bytes, options: options)
        } catch {
            throw .malformed(file: source, reason: describeDecodingFailure(error))
        }
        return try ModelConverter(source: source).graph(from: model)
    }

    private static func describeDecodingFailure(_ error: any Error) -> String {
        guard let error = error as? BinaryDecodingError else { return "protobuf decoding failed: \(error)" }
        return switch error {
        case .truncated: "the data ends in the middle of a field (truncated or corrupted file)"
        case .malformedProtobuf: "invalid protobuf encoding (corrupted file, or not an ONNX model)"
        case .invalidUTF8: "a text field is not valid UTF-8 (corrupted file)"
        case .messageDepthLimit: "protobuf messages are nested more than \(messageDepthLimit) levels deep"
        case .trailingGarbage: "unexpected bytes after the end of the model"
        case .missingRequiredFields: "a required protobuf field is missing"
        case .internalExtensionError: "protobuf decoding failed (internal extension error)"
        @unknown default: "protobuf decoding failed: \(error)"
        }
    }
}

/// Why a `TensorProto` could not be converted; the caller turns it into the `ModelError` that fits
/// where the tensor sits (an initializer or a node attribute).
private enum TensorConversionFailure: Error {
    /// Valid ONNX that adapt-top does not handle (external data, string or complex elements…).
    case unsupported(String)
    /// Inconsistent content (negative dimension, data length not matching the shape…).
    case malformed(String)
}

/// Converts one decoded `ModelProto`; holds the source path so every error can name the file.
private struct ModelConverter {
    let source: String

    func graph(from model: Onnx_ModelProto) throws(ModelError) -> Graph {
        guard model.hasGraph else { throw .malformed(file: source, reason: "the model contains no graph") }
        let opset = try defaultDomainOpset(of: model)
        let proto = model.graph

        if let sparse = proto.sparseInitializer.first {
            throw .unsupportedModel(
                file: source,
                reason: "initializer '\(sparse.values.name)' is a sparse tensor, which adapt-top does not support; store it dense")
        }

        var initializers: [String: Tensor] = [:]
        for (index, tensorProto) in proto.initializer.enumerated() {
            guard !tensorProto.name.isEmpty else {
                throw .malformed(file: source, reason: "initializer #\(index) has no name")
            }
            guard initializers[tensorProto.name] == nil else {
                throw .malformed(file: source, reason: "two initializers are named '\(tensorProto.name)'")
            }
            do throws(TensorConversionFailure) {
                initializers[tensorProto.name] = try ONNXTensorDecoder.tensor(from: tensorProto, describedAs: "tensor '\(tensorProto.name)'")
            } catch {
                switch error {
                case .unsupported(let reason): throw .unsupportedModel(file: source, reason: reason)
                case .malformed(let reason): throw .malformed(file: source, reason: reason)
                }
            }
        }

        // Exporters before IR version 4 had to list every initializer as a graph input too;
        // those are weights, not values the caller feeds.
        let inputs = try proto.input
            .filter { initializers[$0.name] == nil }
            .map { (info) throws(ModelError) in try valueInfo(from: info, role: "input") }
        let outputs = try proto.output.map { (info) throws(ModelError) in try valueInfo(from: info, role: "output") }

        var nodes: [Node] = []
        nodes.reserveCapacity(proto.node.count)
        for (index, nodeProto) in proto.node.enumerated() {
            nodes.append(try node(from: nodeProto, index: index))
        }

        return Graph(
            name: proto.name,
            source: source,
            opsetVersion: opset,
            inputs: inputs,
            outputs: outputs,
            initializers: initializers,
            nodes: nodes)
    }

    /// The version of the default ONNX operator set the model imports, checked against what we support.
    private func defaultDomainOpset(of model: Onnx_ModelProto) throws(ModelError) -> Int {
        // The spec binds nodes to the highest version imported for their domain.
        let imported = model.opsetImport.filter { ONNXDomain.isDefault($0.domain) }.map(\.version).max()
        guard let imported else {
            throw .unsupportedModel(
                file: source,
                reason: "the model imports no version of the default ONNX operator set (opset_import has no entry for domain \"\")")
        }
        guard let opset = Int(exactly: imported), ONNXImporter.supportedOpsets.contains(opset) else {
            let supported = ONNXImporter.supportedOpsets
            throw .unsupportedModel(
                file: source,
                reason: "opset \(imported) of the default ONNX domain is not supported; adapt-top supports opsets "
                    + "\(supported.lowerBound)–\(supported.upperBound) (convert the model with onnx.version_converter)")
        }
        return opset
    }

    private func valueInfo(from proto: Onnx_ValueInfoProto, role: String) throws(ModelError) -> ValueInfo {
        guard !proto.name.isEmpty else { throw .malformed(file: source, reason: "a graph \(role) has no name") }
        let what = "graph \(role) '\(proto.name)'"
        let tensorType: Onnx_TypeProto.Tensor
        switch proto.type.value {
        case .tensorType(let type): tensorType = type
        case .sequenceType: throw .unsupportedModel(file: source, reason: "\(what) is a sequence; adapt-top only handles tensors")
        case .mapType: throw .unsupportedModel(file: source, reason: "\(what) is a map; adapt-top only handles tensors")
        case .optionalType: throw .unsupportedModel(file: source, reason: "\(what) is optional; adapt-top only handles tensors")
        case .sparseTensorType: throw .unsupportedModel(file: source, reason: "\(what) is a sparse tensor, which adapt-top does not support")
        case nil: throw .malformed(file: source, reason: "\(what) has no type")
        }
        guard let dataType = ONNXElementType.irDataType(forCode: tensorType.elemType) else {
            throw .unsupportedModel(
                file: source,
                reason: "\(what) has element type \(ONNXElementType.name(ofCode: tensorType.elemType)), which adapt-top does not support")
        }
        guard tensorType.hasShape else {
            // Without even the rank, inputs cannot be fed or planned for. Output shapes are recomputed
            // by shape inference, so a missing one is recorded as empty rather than rejected.
            if role == "input" {
                throw .unsupportedModel(file: source, reason: "\(what) has no shape; adapt-top needs at least its rank")
            }
            return ValueInfo(name: proto.name, dataType: dataType, shape: [])
        }
        let shape = tensorType.shape.dim.map { dimension -> Int? in
            // Some exporters write -1 for a free dimension; treat it like a symbolic one.
            if case .dimValue(let size)? = dimension.value, size >= 0 { Int(exactly: size) } else { nil }
        }
        return ValueInfo(name: proto.name, dataType: dataType, shape: shape)
    }

    private func node(from proto: Onnx_NodeProto, index: Int) throws(ModelError) -> Node {
        let opType = proto.opType
        let name = proto.name.isEmpty ? "\(opType)_\(index)" : proto.name
        guard !opType.isEmpty else {
            throw .malformed(file: source, reason: "node '\(name)' has no operator type")
        }
        guard ONNXDomain.isDefault(proto.domain) else {
            throw .unsupportedOp(
                file: source, node: name, op: opType,
                reason: "operator domain '\(proto.domain)' is not supported; only the default ONNX domain is")
        }
        var attributes: [String: Attribute] = [:]
        for attributeProto in proto.attribute {
            let key = attributeProto.name
            guard !key.isEmpty else {
                throw .invalidNode(file: source, node: name, op: opType, reason: "an attribute has no name")
            }
            guard attributes[key] == nil else {
                throw .invalidNode(file: source, node: name, op: opType, reason: "attribute '\(key)' is given twice")
            }
            attributes[key] = try attribute(from: attributeProto, node: name, op: opType)
        }
        return Node(name: name, opType: opType, inputs: proto.input, outputs: proto.output, attributes: attributes)
    }

    private func attribute(from proto: Onnx_AttributeProto, node: String, op: String) throws(ModelError) -> Attribute {
        let key = proto.name
        guard proto.refAttrName.isEmpty else {
            // Only meaningful inside function bodies, which adapt-top does not expand.
            throw .unsupportedOp(
                file: source, node: node, op: op,
                reason: "attribute '\(key)' refers to a function attribute ('\(proto.refAttrName)')")
        }
        func unsupported(_ kind: String) -> ModelError {
            .unsupportedOp(file: source, node: node, op: op, reason: "attribute '\(key)' is \(kind), which adapt-top does not support")
        }
        switch ONNXAttributeKind.of(proto) {
        case .float: return .float(proto.f)
        case .int: return .int(Int(proto.i))
        case .string: return .string(String(decoding: proto.s, as: UTF8.self))
        case .floats: return .floats(proto.floats)
        case .ints: return .ints(proto.ints.map { Int($0) })
        case .strings: return .strings(proto.strings.map { String(decoding: $0, as: UTF8.self) })
        case .tensor:
            do throws(TensorConversionFailure) {
                return .tensor(try ONNXTensorDecoder.tensor(
                    from: proto.t, describedAs: "tensor in attribute '\(key)' of node '\(node)'"))
            } catch {
                switch error {
                case .unsupported(let reason): throw .unsupportedModel(file: source, reason: reason)
                case .malformed(let reason): throw .invalidNode(file: source, node: node, op: op, reason: reason)
                }
            }
        case .tensors: throw unsupported("a list of tensors")
        case .graph, .graphs: throw unsupported("a subgraph")
        case .sparseTensor, .sparseTensors: throw unsupported("a sparse tensor")
        case .typeProto, .typeProtos: throw unsupported("a type")
        case .undefined:
            throw .invalidNode(file: source, node: node, op: op, reason: "attribute '\(key)' has no value")
        }
    }
}

/// Operator-set domains.
private enum ONNXDomain {
    /// "" and "ai.onnx" both name the default ONNX operator set.
    static func isDefault(_ domain: String) -> Bool { domain.isEmpty || domain == "ai.onnx" }
}

/// Which value an `AttributeProto` carries.
private enum ONNXAttributeKind {
    case undefined, float, int, string, tensor, graph, sparseTensor, typeProto
    case floats, ints, strings, tensors, graphs, sparseTensors, typeProtos

    static func of(_ proto: Onnx_AttributeProto) -> ONNXAttributeKind {
        switch proto.type {
        case .float: .float
        case .int: .int
        case .string: .string
        case .tensor: .tensor
        case .graph: .graph
        case .sparseTensor: .sparseTensor
        case .typeProto: .typeProto
        case .floats: .floats
        case .ints: .ints
        case .strings: .strings
        case .tensors: .tensors
        case .graphs: .graphs
        case .sparseTensors: .sparseTensors
        case .typeProtos: .typeProtos
        case .undefined: inferredFromContent(proto)
        }
    }

    /// IR version 1 files have no type discriminator: the value field that is present says it.
    private static func inferredFromContent(_ proto: Onnx_AttributeProto) -> ONNXAttributeKind {
        if proto.hasF { return .float }
        if proto.hasI { return .int }
        if proto.hasS { return .string }
        if proto.hasT { return .tensor }
        if proto.hasG { return .graph }
        if proto.hasSparseTensor { return .sparseTensor }
        if proto.hasTp { return .typeProto }
        if !proto.floats.isEmpty { return .floats }
        if !proto.ints.isEmpty { return .ints }
        if !proto.strings.isEmpty { return .strings }
        if !proto.tensors.isEmpty { return .tensors }
        if !proto.graphs.isEmpty { return .graphs }
        if !proto.sparseTensors.isEmpty { return .sparseTensors }
        if !proto.typeProtos.isEmpty { return .typeProtos }
        return .undefined
    }
}

/// ONNX element type codes (`TensorProto.DataType`) and what the IR makes of them.
private enum ONNXElementType {
    /// The IR type for an ONNX element type code, or nil when adapt-top does not handle it.
    /// INT16 becomes `int32`: the IR has no 16-bit integer, and `int32` holds every int16 value.
    static func irDataType(forCode code: Int32) -> DataType? {
        switch Onnx_TensorProto.DataType(rawValue: Int(code)) {
        case .float: .float32
        case .float16: .float16
        case .double: .float64
        case .int8: .int8
        case .uint8: .uint8
        case .int16, .int32: .int32
        case .int64: .int64
        case .bool: .bool
        default: nil
        }
    }

    /// The spec's name for an element type code, for messages ("STRING", "BFLOAT16"…).
    static func name(ofCode code: Int32) -> String {
        guard let type = Onnx_TensorProto.DataType(rawValue: Int(code)) else { return "code \(code)" }
        return switch type {
        case .undefined: "UNDEFINED"
        case .float: "FLOAT"
        case .uint8: "UINT8"
        case .int8: "INT8"
        case .uint16: "UINT16"
        case .int16: "INT16"
        case .int32: "INT32"
        case .int64: "INT64"
        case .string: "STRING"
        case .bool: "BOOL"
        case .float16: "FLOAT16"
        case .double: "DOUBLE"
        case .uint32: "UINT32"
        case .uint64: "UINT64"
        case .complex64: "COMPLEX64"
        case .complex128: "COMPLEX128"
        case .bfloat16: "BFLOAT16"
        case .float8E4M3Fn: "FLOAT8E4M3FN"
        case .float8E4M3Fnuz: "FLOAT8E4M3FNUZ"
        case .float8E5M2: "FLOAT8E5M2"
        case .float8E5M2Fnuz: "FLOAT8E5M2FNUZ"
        case .uint4: "UINT4"
        case .int4: "INT4"
        }
    }
}

/// Turns `TensorProto`s into IR tensors, validating shape and data length first.
private enum ONNXTensorDecoder {
    /// `label` names the tensor in messages, e.g. "tensor 'conv1.weight'".
    static func tensor(from proto: Onnx_TensorProto, describedAs label: String) throws(TensorConversionFailure) -> Tensor {
        if proto.dataLocation == .external || !proto.externalData.isEmpty {
            let location = proto.externalData.first { $0.key == "location" }?.value ?? "no location given"
            throw .unsupported(
                "\(label) stores its data in an external file ('\(location)'), which adapt-top does not load; "
                    + "re-export with the weights embedded")
        }
        if proto.hasSegment {
            throw .unsupported("\(label) is split into segments, which adapt-top does not support")
        }
        let shape = try validatedShape(proto.dims, label: label)
        let count = shape.reduce(1, *)
        let code = proto.dataType
        let typeName = ONNXElementType.name(ofCode: code)
        guard let dataType = ONNXElementType.irDataType(forCode: code) else {
            throw .unsupported("\(label) has element type \(typeName), which adapt-top does not support")
        }
        let source = DataSource(proto: proto, count: count, shape: shape, typeName: typeName, label: label)

        switch dataType {
        case .float32:
            let values = try proto.hasRawData
                ? source.raw(UInt32.self) { Float(bitPattern: $0) }
                : source.typed(proto.floatData, field: "float_data") { $0 }
            return Tensor(shape: shape, floats: values)
        case .float64:
            let values = try proto.hasRawData
                ? source.raw(UInt64.self) { Float(Double(bitPattern: $0)) }
                : source.typed(proto.doubleData, field: "double_data") { Float($0) }
            var tensor = Tensor(shape: shape, floats: values)
            tensor.dataType = .float64
            return tensor
        case .float16:
            // int32_data holds each half's bit pattern in its low 16 bits.
            let values = try proto.hasRawData
                ? source.raw(UInt16.self) { HalfPrecision.float(fromBits: $0) }
                : source.typed(proto.int32Data, field: "int32_data") { HalfPrecision.float(fromBits: UInt16(truncatingIfNeeded: $0)) }
            var tensor = Tensor(shape: shape, floats: values)
            tensor.dataType = .float16
            return tensor
        case .int64:
            let values = try proto.hasRawData
                ? source.raw(UInt64.self) { Int64(bitPattern: $0) }
                : source.typed(proto.int64Data, field: "int64_data") { $0 }
            return Tensor(shape: shape, int64s: values, dataType: .int64)
        case .int32 where code == Onnx_TensorProto.DataType.int16.rawValue:
            let values = try proto.hasRawData
                ? source.raw(UInt16.self) { Int64(Int16(bitPattern: $0)) }
                : source.typed(proto.int32Data, field: "int32_data") { Int64(Int16(truncatingIfNeeded: $0)) }
            return Tensor(shape: shape, int64s: values, dataType: .int32)
        case .int32:
            let values = try proto.hasRawData
                ? source.raw(UInt32.self) { Int64(Int32(bitPattern: $0)) }
                : source.typed(proto.int32Data, field: "int32_data") { Int64($0) }
            return Tensor(shape: shape, int64s: values, dataType: .int32)
        case .int8:
            let values = try proto.hasRawData
                ? source.raw(UInt8.self) { Int64(Int8(bitPattern: $0)) }
                : source.typed(proto.int32Data, field: "int32_data") { Int64(Int8(truncatingIfNeeded: $0)) }
            return Tensor(shape: shape, int64s: values, dataType: .int8)
        case .uint8:
            let values = try proto.hasRawData
                ? source.raw(UInt8.self) { Int64($0) }
                : source.typed(proto.int32Data, field: "int32_data") { Int64(UInt8(truncatingIfNeeded: $0)) }
            return Tensor(shape: shape, int64s: values, dataType: .uint8)
        case .bool:
            let values: [Int64] = try proto.hasRawData
                ? source.raw(UInt8.self) { $0 != 0 ? 1 : 0 }
                : source.typed(proto.int32Data, field: "int32_data") { $0 != 0 ? 1 : 0 }
            return Tensor(shape: shape, int64s: values, dataType: .bool)
        }
    }

    /// The dimensions as `Int`s, rejecting negative sizes and shapes whose element count overflows.
    private static func validatedShape(_ dims: [Int64], label: String) throws(TensorConversionFailure) -> [Int] {
        var shape: [Int] = []
        shape.reserveCapacity(dims.count)
        // Product of the non-zero dimensions: a zero-sized tensor like [0, 2^62, 4] holds no elements,
        // but code computing strides would still overflow on it, so it is rejected too.
        var nonZeroProduct = 1
        for dim in dims {
            guard dim >= 0, let size = Int(exactly: dim) else {
                throw .malformed("\(label) has a negative dimension in its shape \(dims)")
            }
            let (product, overflow) = nonZeroProduct.multipliedReportingOverflow(by: max(size, 1))
            guard !overflow else {
                throw .malformed("\(label) has shape \(dims), whose element count does not fit in a 64-bit integer")
            }
            nonZeroProduct = product
            shape.append(size)
        }
        return shape
    }

    /// One tensor's element data, read either from `raw_data` or from a typed repeated field.
    private struct DataSource {
        let proto: Onnx_TensorProto
        /// Elements the shape declares.
        let count: Int
        let shape: [Int]
        let typeName: String
        let label: String

        /// Decodes `raw_data` as `count` fixed-width little-endian `Raw` values.
        func raw<Raw: FixedWidthInteger, Value>(
            _: Raw.Type, _ convert: (Raw) -> Value
        ) throws(TensorConversionFailure) -> [Value] {
            let bytes = proto.rawData
            let width = MemoryLayout<Raw>.size
            let (expected, overflow) = count.multipliedReportingOverflow(by: width)
            guard !overflow, bytes.count == expected else {
                throw .malformed(
                    "\(label) (\(typeName), shape \(shape)) needs \(count) × \(width) bytes of raw_data but has \(bytes.count)")
            }
            return bytes.withUnsafeBytes { buffer in
                (0..<count).map { index in
                    convert(Raw(littleEndian: buffer.loadUnaligned(fromByteOffset: index * width, as: Raw.self)))
                }
            }
        }

        /// Converts a typed repeated field (`float_data`, `int32_data`…), which must hold exactly `count` values.
        func typed<Stored, Value>(
            _ values: [Stored], field: String, _ convert: (Stored) -> Value
        ) throws(TensorConversionFailure) -> [Value] {
            guard values.count == count else {
                throw .malformed("\(label) (\(typeName), shape \(shape)) has \(count) elements but \(field) holds \(values.count)")
            }
            return values.map(convert)
        }
    }
}

