/// A tensor at a compiled model's boundary: its name and logical (ONNX, NCHW) shape.
public struct TensorDescription: Sendable, Equatable {
    public var name: String
    public var shape: [Int]

    public init(name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
    }

    public var count: Int { shape.reduce(1, *) }
}

/// What runs one node of the graph, for `model inspect` and for the later device/edge split.
public struct StepDescription: Sendable, Equatable {
    /// The graph node this step implements (a layout conversion has its own generated name).
    public var node: String
    public var op: String
    /// The implementation, e.g. `xnnpack convolution2d_nhwc_f32`, `native LRN` or `view` for a free reshape.
    public var kernel: String
}

/// Turns an optimised `Graph` into something that runs. One backend value owns one thread pool, shared by
/// every model it compiles (an engine holds one backend for all its variants). Implementations keep these rules:
/// - `compile` does every allocation and weight repacking; `CompiledModel.run()` allocates nothing.
/// - Inputs are read from and outputs written to the buffers the compiled model exposes, in NCHW order.
/// - Errors are `ModelError`s naming the node and op; a failed compile leaves nothing running behind.
public protocol InferenceBackend: Sendable {
    /// Short name shown to users (`xnnpack`, later `onednn`).
    var name: String { get }
    /// Threads of the backend's pool (1: models run on the caller's thread).
    var threads: Int { get }
    func compile(_ graph: Graph) throws -> any CompiledModel
}

/// A model ready to run on one backend. Owned by one thread at a time; not `Sendable` on purpose.
public protocol CompiledModel: AnyObject {
    var inputs: [TensorDescription] { get }
    var outputs: [TensorDescription] { get }
    var steps: [StepDescription] { get }
    /// Bytes of the activation arena (all intermediate tensors, inputs and outputs).
    var arenaBytes: Int { get }
    /// Bytes of constants the backend keeps (packed weights excluded where the backend hides them).
    var constantBytes: Int { get }
    /// The input's buffer (NCHW float32), valid for the model's lifetime: write it, then `run()`.
    func inputBuffer(_ index: Int) -> UnsafeMutableBufferPointer<Float>
    /// The output's buffer, valid for the model's lifetime and rewritten by every `run()`.
    func outputBuffer(_ index: Int) -> UnsafeBufferPointer<Float>
    func run() throws
    /// Runs once like `run()`, adding each step's wall time to `stepTimes` (one entry per `steps` element;
    /// views stay at zero).
    func runTimingSteps(into stepTimes: inout [Duration]) throws
}
