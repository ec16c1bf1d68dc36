import CXNNPack

/// XNNPACK's process-wide state and the thread pool shared by the models one engine compiles.
///
/// Why the operator API and not the subgraph API: Debian's XNNPACK snapshot (2022-02) has no Concat, Transpose
/// or Tanh nodes in its subgraph API, while its operators take input/output strides (a Concat becomes strided
/// copies into one buffer), have `channel_shuffle_nc`, and bind their buffers once at setup — so with a planned
/// arena `run()` is just `xnn_run_operator` per step, and ops XNNPACK lacks slot in as native Swift kernels
/// between them.
final class XNNPACKRuntime: @unchecked Sendable {
    // @unchecked: the pool is created once, never mutated, and pthreadpool is itself thread-safe for submission
    // from one caller at a time, which is how compiled models use it (one inference thread each).
    let threadpool: pthreadpool_t?
    let threads: Int
    let useNativeKernels: Bool

    init(threads: Int, useNativeKernels: Bool) throws {
        let status = xnn_initialize(nil)
        guard status == xnn_status_success else {
            throw ModelError.backendUnavailable(backend: "xnnpack", reason: "xnn_initialize failed: \(XNNPACKRuntime.describe(status))")
        }
        self.threads = max(1, threads)
        self.useNativeKernels = useNativeKernels
        // One thread: run on the caller's thread with no pool, which saves the pool's dispatch cost.
        threadpool = self.threads > 1 ? pthreadpool_create(self.threads) : nil
    }

    deinit {
        if let threadpool { pthreadpool_destroy(threadpool) }
    }

    static func describe(_ status: xnn_status) -> String {
        switch status {
        case xnn_status_success: "success"
        case xnn_status_uninitialized: "XNNPACK is not initialised"
        case xnn_status_invalid_parameter: "invalid parameter"
        case xnn_status_invalid_state: "invalid state"
        case xnn_status_unsupported_parameter: "unsupported parameter"
        case xnn_status_unsupported_hardware: "unsupported hardware (this CPU lacks the instructions XNNPACK needs)"
        case xnn_status_out_of_memory: "out of memory"
        default: "status \(status.rawValue)"
        }
    }
}

/// One XNNPACK operator, deleted with its owner.
final class XNNPACKOperator {
    let handle: xnn_operator_t

    init(handle: xnn_operator_t) {
        self.handle = handle
    }

    deinit {
        xnn_delete_operator(handle)
    }
}
