/// A graph lowered into one oneDNN net (plus a fallback model per node oneDNN cannot run): `run()` executes the
/// net's steps in runs between fallbacks.
final class OneDNNModel: CompiledModel {
    private enum Segment {
        case net(Range<Int>)
        case fallback(any CompiledModel)
    }

    let inputs: [TensorDescription]
    let outputs: [TensorDescription]
    private(set) var steps: [StepDescription] = []
    let arenaBytes: Int
    let constantBytes: Int

    private let net: OneDNNNet
    /// The whole model, consecutive net steps merged into one segment.
    private var program: [Segment] = []
    /// The same work one node at a time, with the index in `steps` each segment's time goes to.
    private var timedProgram: [(segment: Segment, step: Int)] = []
    private let buffers: [UnsafeMutablePointer<Float>]
    private let inputPointers: [UnsafeMutablePointer<Float>]
    private let outputPointers: [UnsafeMutablePointer<Float>]

    init(graph: Graph, context: OneDNNContext, fallback: any InferenceBackend) throws {
        try graph.checkFloatInterface()
        func shape(_ name: String) throws -> [Int] {
            guard let shape = graph.shapes[name] else {
                throw ModelError.unsupportedModel(file: graph.source, reason: "the shape of '\(name)' is unknown")
            }
            return shape
        }
        inputs = try graph.inputs.map { TensorDescription(name: $0.name, shape: try shape($0.name)) }
        outputs = try graph.outputs.map { TensorDescription(name: $0.name, shape: try shape($0.name)) }
        func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 16) * 4, alignment: 64)
                .bindMemory(to: Float.self, capacity: max(count, 16))
            pointer.initialize(repeating: 0, count: max(count, 16))
            return pointer
        }
        inputPointers = inputs.map { allocate($0.count) }
        outputPointers = outputs.map { allocate($0.count) }
        buffers = inputPointers + outputPointers

        do {
            let net = try OneDNNNet(context: context)
            self.net = net
            var lowering = OneDNNLowering(graph: graph, net: net, fallback: fallback)
            for (index, input) in inputs.enumerated() {
                lowering.bind(input.name, try net.external(dims: input.shape, buffer: inputPointers[index]))
            }
            for node in graph.nodes {
                let stepIndex = steps.count
                switch try lowering.lower(node) {
                case .net(let range):
                    let implementations = range.map { net.implementation(ofStep: $0) }
                    let kernel = !implementations.isEmpty ? "onednn " + implementations.joined(separator: " + ")
                        : lowering.addsDone.contains(node.name) ? "in the convolution (post-op)" : "view"
                    steps.append(StepDescription(node: node.name, op: node.opType, kernel: kernel))
                    if !range.isEmpty { timedProgram.append((.net(range), stepIndex)) }
                case .fallback(let copies, let model, let reason):
                    let kernels = model.steps.map(\.kernel).joined(separator: " + ")
                    steps.append(StepDescription(node: node.name, op: node.opType, kernel: "\(kernels) (fallback: \(reason))"))
                    if !copies.isEmpty { timedProgram.append((.net(copies), stepIndex)) }
                    timedProgram.append((.fallback(model), stepIndex))
                }
            }
            for (index, output) in outputs.enumerated() {
                let node = Node(name: output.name, opType: "Output", inputs: [output.name], outputs: [])
                let first = net.stepCount
                try net.copy(try lowering.value(output.name, of: node), into: try net.external(dims: output.shape, buffer: outputPointers[index]))
                steps.append(StepDescription(node: output.name, op: "Output", kernel: "onednn " + net.implementation(ofStep: first)))
                timedProgram.append((.net(first..<net.stepCount), steps.count - 1))
            }
        } catch let error as OneDNNError {
            // Nodes oneDNN refuses fall back one by one; what is left is binding the model's inputs and outputs.
            buffers.forEach { $0.deallocate() }
            throw ModelError.unsupportedModel(file: graph.source, reason: "the model's inputs or outputs: \(error)")
        } catch {
            buffers.forEach { $0.deallocate() }
            throw error
        }
        for (segment, _) in timedProgram {
            if case .net(let range) = segment, case .net(let previous)? = program.last {
                program[program.count - 1] = .net(previous.lowerBound..<range.upperBound)
            } else {
                program.append(segment)
            }
        }
        let bytes = net.bytes
        let fallbackArenas = timedProgram.reduce(0) { total, entry in
            if case .fallback(let model) = entry.segment { return total + model.arenaBytes }
            return total
        }
        arenaBytes = bytes.activations + (inputs + outputs).reduce(0) { $0 + $1.count * 4 } + fallbackArenas
        constantBytes = bytes.constants
    }

    deinit {
        program.removeAll()
        timedProgram.removeAll()
        buffers.forEach { $0.deallocate() }
    }

    func inputBuffer(_ index: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: inputPointers[index], count: inputs[index].count)
    }

    func outputBuffer(_ index: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: outputPointers[index], count: outputs[index].count)
    }

    private func run(_ segment: Segment) throws {
        switch segment {
        case .net(let range):
            do { try net.run(range) } catch { throw ModelError.backend(node: "oneDNN net", op: "run", reason: error.description) }
        case .fallback(let model):
            try model.run()
        }
    }

    func run() throws {
        for segment in program { try run(segment) }
    }

    func runTimingSteps(into stepTimes: inout [Duration]) throws {
        if stepTimes.count != steps.count { stepTimes = Array(repeating: .zero, count: steps.count) }
        let clock = ContinuousClock()
        for (segment, step) in timedProgram {
            let start = clock.now
            try run(segment)
            stepTimes[step] += start.duration(to: clock.now)
        }
    }
}
