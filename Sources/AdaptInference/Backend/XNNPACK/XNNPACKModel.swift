import CXNNPack

/// A graph lowered to a flat list of steps over one planned arena; `run()` only walks the list.
final class XNNPACKModel: CompiledModel {
    enum Step {
        case xnnpack(XNNPACKOperator)
        case native(() -> Void)
    }

    let inputs: [TensorDescription]
    let outputs: [TensorDescription]
    /// Every node's implementation in order, steps that run nothing (`kernel` "view" or "in place") included.
    private(set) var steps: [StepDescription] = []
    /// For each program entry, its index in `steps`.
    private var stepIndexOfProgram: [Int] = []
    let arenaBytes: Int
    var constantBytes: Int { constants.byteCount }

    private let runtime: XNNPACKRuntime
    private let arena: UnsafeMutablePointer<Float>
    private let constants = ConstantPool()
    private var program: [Step] = []
    private let inputPointers: [UnsafeMutablePointer<Float>]
    private let outputPointers: [UnsafeMutablePointer<Float>]

    init(graph: Graph, runtime: XNNPACKRuntime) throws {
        self.runtime = runtime
        try graph.checkFloatInterface()
        inputs = try graph.inputs.map { TensorDescription(name: $0.name, shape: try Self.shape(of: $0.name, in: graph)) }
        outputs = try graph.outputs.map { TensorDescription(name: $0.name, shape: try Self.shape(of: $0.name, in: graph)) }

        let views = try XNNPACKLowering.views(in: graph)
        let slices = try XNNPACKLowering.concatSlices(in: graph, views: views)
        // The plan counts floats; an int8 value takes a quarter of its element count (rounded up).
        func planCount(_ value: String) -> Int {
            let elements = graph.shapes[value]?.reduce(1, *) ?? 0
            return graph.quantization[value] == nil ? elements : (elements + 3) / 4
        }
        var requests: [MemoryPlan.Request] = graph.inputs.map { .init(name: $0.name, count: planCount($0.name)) }
        var stepValues: [(reads: [String], writes: [String])] = []
        for node in graph.nodes {
            for output in node.outputs where !output.isEmpty {
                requests.append(.init(
                    name: output, count: planCount(output),
                    viewOf: views[output] ?? slices[output]?.concat, viewOffset: slices[output]?.channelOffset ?? 0))
            }
            stepValues.append((node.inputs.filter { graph.initializers[$0] == nil }, node.outputs))
        }
        let pinned = Set(graph.inputs.map(\.name) + graph.outputs.map(\.name))
        let plan = MemoryPlan(steps: stepValues, requests: requests, pinned: pinned)

        // XNNPACK may read up to XNN_EXTRA_BYTES past a buffer; pad the arena's end so that stays inside it.
        let byteCount = plan.arenaCount * MemoryLayout<Float>.stride + CXNNPack_extraBytes()
        arenaBytes = byteCount
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 64), alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 64))
        arena = raw.bindMemory(to: Float.self, capacity: max(byteCount, 64) / MemoryLayout<Float>.stride)

        let arena = arena
        func pointer(_ value: String) -> UnsafeMutablePointer<Float>? {
            plan.offsets[value].map { arena + $0 }
        }
        inputPointers = graph.inputs.map { pointer($0.name) ?? arena }
        outputPointers = try graph.outputs.map {
            guard let output = pointer($0.name) else {
                throw ModelError.unsupportedModel(file: graph.source, reason: "output '\($0.name)' is not computed by any node")
            }
            return output
        }

        var lowering = XNNPACKLowering(
            graph: graph, views: views, concatSlices: slices, pointers: plan.offsets.mapValues { arena + $0 },
            constants: constants, threadpool: runtime.threadpool, useNativeKernels: runtime.useNativeKernels)
        for node in graph.nodes {
            let lowered = try lowering.lower(node)
            for (step, kernel) in lowered {
                program.append(step)
                stepIndexOfProgram.append(steps.count)
                steps.append(StepDescription(node: node.name, op: node.opType, kernel: kernel))
            }
            if lowered.isEmpty {
                // Nothing runs: a view of its input, or a Concat whose inputs were all written into place.
                let kernel = node.opType == "Concat" ? "in place" : "view"
                steps.append(StepDescription(node: node.name, op: node.opType, kernel: kernel))
            }
        }
    }

    deinit {
        program.removeAll()
        UnsafeMutableRawPointer(arena).deallocate()
    }

    func inputBuffer(_ index: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: inputPointers[index], count: inputs[index].count)
    }

    func outputBuffer(_ index: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: outputPointers[index], count: outputs[index].count)
    }

    func run() throws {
        for index in program.indices { try runStep(index) }
    }

    func runTimingSteps(into stepTimes: inout [Duration]) throws {
        if stepTimes.count != steps.count { stepTimes = Array(repeating: .zero, count: steps.count) }
        let clock = ContinuousClock()
        for index in program.indices {
            let start = clock.now
            try runStep(index)
            stepTimes[stepIndexOfProgram[index]] += start.duration(to: clock.now)
        }
    }

    @inline(__always)
    private func runStep(_ index: Int) throws {
        switch program[index] {
        case .xnnpack(let op):
            let status = xnn_run_operator(op.handle, runtime.threadpool)
            if status != xnn_status_success {
                let step = steps[stepIndexOfProgram[index]]
                throw ModelError.backend(
                    node: step.node, op: step.op, reason: "xnn_run_operator: \(XNNPACKRuntime.describe(status))")
            }
        case .native(let body):
            body()
        }
    }

    private static func shape(of value: String, in graph: Graph) throws -> [Int] {
        guard let shape = graph.shapes[value] else {
            throw ModelError.unsupportedModel(file: graph.source, reason: "shape of '\(value)' is unknown")
        }
        return shape
    }
}

/// Constants the backend reads at run time (binary-op operands, copies of constant Concat inputs),
/// each padded like the arena because XNNPACK may read a little past them.
final class ConstantPool {
    private var buffers: [UnsafeMutableRawPointer] = []
    private(set) var byteCount = 0

    /// `count` zeros, aligned to 64 bytes.
    func store(count: Int) -> UnsafeMutablePointer<Float> {
        store([Float](repeating: 0, count: count))
    }

    func store(_ values: [Float]) -> UnsafeMutablePointer<Float> {
        let bytes = values.count * MemoryLayout<Float>.stride + CXNNPack_extraBytes()
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        let floats = raw.bindMemory(to: Float.self, capacity: bytes / MemoryLayout<Float>.stride)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { floats.update(from: base, count: values.count) }
        }
        buffers.append(raw)
        byteCount += bytes
        return floats
    }

    deinit {
        for buffer in buffers { buffer.deallocate() }
    }
}
