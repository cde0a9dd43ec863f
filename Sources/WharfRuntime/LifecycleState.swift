import Synchronization

/// Whether the process has begun shutting down, for `/readyz`: the worker service sets it when
/// its graceful shutdown starts, while the HTTP server keeps answering until the drain is over.
public final class LifecycleState: Sendable {
    private let shuttingDown = Atomic<Bool>(false)
    public init() {}
    public var isShuttingDown: Bool { shuttingDown.load(ordering: .relaxed) }
    public func beginShutdown() { shuttingDown.store(true, ordering: .relaxed) }
}
