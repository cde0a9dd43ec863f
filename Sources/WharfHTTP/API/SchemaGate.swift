import Synchronization
import WharfRuntime

/// The schema check that runs before API actions, remembered for a few seconds after it passes:
/// `POST /api/v1/jobs` can be a busy path, and one query per request to `schema_migrations` is
/// work that a schema changing at most at an upgrade does not need. A failed check is not
/// remembered, so every action is refused until the check passes again.
final class SchemaGate: Sendable {
    private let check: @Sendable () async throws -> Void
    private let passedAt = Mutex<ContinuousClock.Instant?>(nil)
    static let remembered: Duration = .seconds(5)

    init(_ check: @escaping @Sendable () async throws -> Void) { self.check = check }

    func pass() async throws {
        let now = ContinuousClock.now
        if let last = passedAt.withLock({ $0 }), now - last < Self.remembered { return }
        try await withTimeLimit(.seconds(5), "schema check", check)
        passedAt.withLock { $0 = now }
    }
}
