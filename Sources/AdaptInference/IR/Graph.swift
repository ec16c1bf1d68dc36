/// One operation of the graph, with ONNX semantics (NCHW, the op's opset version).
public struct Node: Sendable, Equatable {
    /// The node's name in the file, or a generated one (`"<op>_<index>"`) when the file has none.
    public var name: String
    public var opType: String
    /// Input value names; an empty string is an omitted optional input, as in ONNX.
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: Attribute]

    public init(name: String, opType: String, inputs: [String], outputs: [String], attributes: [String: Attribute] = [:]) {
        self.name = name
        self.opType = opType
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }
}

/// A graph input or output: a name, an element type and a shape (nil where the file leaves a dimension free).
public struct ValueInfo: Sendable, Equatable {
    public var name: String
    public var dataType: DataType
    /// Each dimension, or nil for a symbolic/unknown one (e.g. "batch").
    public var shape: [Int?]

    public init(name: String, dataType: DataType, shape: [Int?]) {
        self.name = name
        self.dataType = dataType
        self.shape = shape
    }
}

/// A model's computation: ONNX-shaped nodes in topological order, constants and the interface.
/// Backend-neutral: every pass takes a `Graph` and returns a `Graph`.
public struct Graph: Sendable, Equatable {
    public var name: String
    /// Where the graph came from (the file path), so every error can name it.
    public var source: String
    /// The default-domain opset the file imports; op semantics depend on it (Clip, Pad, Softmax, Squeeze…).
    public var opsetVersion: Int
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    public var initializers: [String: Tensor]
    public var nodes: [Node]
    /// Shapes of every value, filled by shape inference.
    public var shapes: [String: [Int]]
    /// BatchNorm statistics that were folded into a convolution, keyed by the convolution's node name,
    /// so that domain adaptation can re-estimate them later.
    public var foldedBatchNorms: [String: FoldedBatchNorm]
    /// Rank-4 values stored channels-last (NHWC) in memory; set by `LayoutAssignment`. Logical shapes stay NCHW.
    public var channelsLast: Set<String>
    /// Activations stored as int8 (qs8), with the scale and zero point that give their real values. A value not
    /// listed is float32. Set by int8 quantization and by importing a QDQ model; views and layout conversions of
    /// an int8 value are int8 with the same parameters.
    public var quantization: [String: QuantizationParameters]

    public init(
        name: String,
        source: String,
        opsetVersion: Int,
        inputs: [ValueInfo],
        outputs: [ValueInfo],
        initializers: [String: Tensor],
        nodes: [Node]
    ) {
        self.name = name
        self.source = source
        self.opsetVersion = opsetVersion
        self.inputs = inputs
        self.outputs = outputs
        self.initializers = initializers
        self.nodes = nodes
        self.shapes = [:]
        self.foldedBatchNorms = [:]
        self.channelsLast = []
        self.quantization = [:]
    }
}

/// The statistics and affine parameters of a BatchNormalization folded into the preceding Conv,
/// plus the convolution's weights and bias from before folding.
public struct FoldedBatchNorm: Sendable, Equatable {
    public var batchNormName: String
    public var scale: [Float]
    public var bias: [Float]
    public var mean: [Float]
    public var variance: [Float]
    public var epsilon: Float
    public var unfoldedWeights: Tensor
    public var unfoldedBias: Tensor?
}
