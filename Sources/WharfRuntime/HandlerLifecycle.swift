public import WharfCore

/// A handler with something to set up before the first job and tear down after the last: a
/// pool of long-lived child processes, a connection, a cache. It is a class (or actor) because
/// that state is shared by every run, and a handler registered for several kinds is started once.
///
/// The worker calls ``start()`` before it claims anything (a failure stops the worker before it
/// registers, naming the kinds), and ``stop()`` after the drain, once every outcome is written.
public protocol LifecycleHandler: JobHandler, AnyObject {
    func start() async throws
    func stop() async
}

/// A handler that failed to start, and the kinds it serves.
public struct HandlerStartFailed: Error, CustomStringConvertible {
    public var kinds: [JobKind]
    public var underlying: any Error
    public var description: String {
        "the handler for \(kinds.map(\.rawValue).joined(separator: ", ")) failed to start: \(underlying)"
    }
}

extension HandlerRegistry {
    /// Every ``LifecycleHandler`` once, with the kinds it serves, in kind order.
    var lifecycleHandlers: [(handler: any LifecycleHandler, kinds: [JobKind])] {
        var order: [ObjectIdentifier] = []
        var found: [ObjectIdentifier: (handler: any LifecycleHandler, kinds: [JobKind])] = [:]
        for kind in kinds {
            guard let handler = entries[kind]?.handler as? any LifecycleHandler else { continue }
            let id = ObjectIdentifier(handler)
            if found[id] == nil { order.append(id) }
            found[id, default: (handler, [])].kinds.append(kind)
        }
        return order.compactMap { found[$0] }
    }

    /// Starts every lifecycle handler, in kind order; on a failure stops the ones already
    /// started and throws ``HandlerStartFailed``.
    func startHandlers() async throws {
        var started: [any LifecycleHandler] = []
        for (handler, kinds) in lifecycleHandlers {
            do {
                try await handler.start()
                started.append(handler)
            } catch {
                for handler in started.reversed() { await handler.stop() }
                throw HandlerStartFailed(kinds: kinds, underlying: error)
            }
        }
    }

    /// Stops every lifecycle handler, in reverse start order.
    func stopHandlers() async {
        for (handler, _) in lifecycleHandlers.reversed() { await handler.stop() }
    }
}
