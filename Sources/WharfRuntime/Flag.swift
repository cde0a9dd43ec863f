import Synchronization

/// A boolean that is set once and never cleared: graceful shutdown began, a handler ended.
final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
