internal import Foundation

/// Stops a profile run from another thread (an operator's key, the engine shutting down): the profiler checks
/// it before each variant and every few hundred images, and throws `ProfileCancelled`.
public final class ProfileCancellation: @unchecked Sendable {
    // @unchecked: `cancelled` is only touched under `lock`.
    private let lock = NSLock()
    private var cancelled = false

    public init() {}

    public func cancel() {
        lock.withLock { cancelled = true }
    }

    public var isCancelled: Bool {
        lock.withLock { cancelled }
    }

    func check() throws(ProfileCancelled) {
        if isCancelled { throw ProfileCancelled() }
    }
}

public struct ProfileCancelled: Error, Equatable, CustomStringConvertible {
    public var description: String { "profiling was cancelled" }
}

/// Where a profile run is, for a progress bar.
public struct ProfileProgress: Sendable, Equatable {
    public var variant: String
    /// 0-based position of `variant` among `variantCount`.
    public var variantIndex: Int
    public var variantCount: Int
    public var imagesDone: Int
    public var imageCount: Int

    /// The share of the whole run done, counting each variant as one equal part.
    public var fraction: Double {
        guard variantCount > 0 else { return 1 }
        let within = imageCount > 0 ? Double(imagesDone) / Double(imageCount) : 1
        return (Double(variantIndex) + within) / Double(variantCount)
    }
}
