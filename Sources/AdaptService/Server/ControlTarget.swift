public import AdaptEngine

/// What the control socket serves: a running engine, or one still starting (the service listens while it
/// profiles, so a client sees the start's progress instead of a refused connection).
public protocol ControlTarget: Sendable {
    /// The family's name, for the server's hello.
    var family: String { get }
    /// The latest snapshot; called on the server's loop thread, so it must not block for long.
    var snapshot: EngineSnapshot { get }
    /// Applies a command (on the server's command queue, never its loop); a thrown error's description is the reply.
    func send(_ command: EngineCommand) throws
}

extension AdaptiveEngine: ControlTarget {}
