public import PostgresNIO
import Synchronization
import WharfCore

/// The connection closed while a request on it was unanswered.
struct ConnectionClosedUnderRequest: Error, CustomStringConvertible {
    var description: String { "the database connection closed before the request was answered" }
}

/// Makes a request fail at once when its connection closes, instead of waiting forever.
///
/// PostgresNIO 1.33.2 never answers a request written to a connection whose channel has just
/// closed: the request reaches the channel after its handler is gone, the write fails with no one
/// listening, and the caller's promise is never completed (docs/operations.md, "Known limits";
/// reproducer: `PostgresNIOHangRepro`). After `pg_terminate_backend` that hit both the pool (a
/// just-closed connection leased before the pool heard of the close) and a transaction's next
/// statement (COMMIT written after the server's FATAL). Each request therefore runs in a task of
/// its own, raced against its connection's close: the caller gets
/// ``ConnectionClosedUnderRequest`` as soon as the connection is gone, and a request the driver
/// lost is left behind (it holds a few hundred bytes, nothing else).
///
/// One close callback per connection, not per request: an `EventLoopFuture` cannot forget a
/// callback, so registering one per request would grow without bound on a long-lived connection.
public final class ClosedConnectionGuard: Sendable {
    private struct Watched {
        var closed = false
        var onClose: [UInt64: @Sendable () -> Void] = [:]
    }

    private struct State {
        var connections: [PostgresConnection.ID: Watched] = [:]
        var nextToken: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Closed connections remembered (a request may still arrive for one); the oldest go first.
    private static let closedRemembered = 64

    /// Runs `body`, which uses `connection`, and returns its result, or throws
    /// ``ConnectionClosedUnderRequest`` as soon as `connection` closes (at once if it has).
    public func run<T: Sendable>(on connection: PostgresConnection, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let race = Race<Result<T, any Error>>()
        return try await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                race.install(continuation)
                guard let token = watch(connection, onClose: { race.finish(.failure(ConnectionClosedUnderRequest())) }) else {
                    race.finish(.failure(ConnectionClosedUnderRequest()))
                    return
                }
                // Unstructured on purpose: a request the driver lost never returns (see above).
                race.add(Task {
                    let result: Result<T, any Error>
                    do { result = .success(try await body()) } catch { result = .failure(error) }
                    self.unwatch(connection.id, token)
                    race.finish(result)
                })
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }.get()
    }

    /// Leases a connection from `client` and runs `body` on it under this guard.
    public func withConnection<T: Sendable>(
        from client: PostgresClient, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await client.withConnection { connection in
            try await self.run(on: connection) { try await body(connection) }
        }
    }

    /// Registers `onClose` for `connection`; `nil` if the connection is already closed.
    private func watch(_ connection: PostgresConnection, onClose: @escaping @Sendable () -> Void) -> UInt64? {
        if connection.isClosed { return nil }
        let (token, firstSeen) = state.withLock { state -> (UInt64?, Bool) in
            let firstSeen = state.connections[connection.id] == nil
            if state.connections[connection.id]?.closed == true { return (nil, false) }
            state.nextToken &+= 1
            state.connections[connection.id, default: Watched()].onClose[state.nextToken] = onClose
            return (state.nextToken, firstSeen)
        }
        // Runs at once if the channel closed in the meantime, which then calls `onClose`.
        if firstSeen { connection.closeFuture.whenComplete { [self] _ in closed(connection.id) } }
        return token
    }

    private func unwatch(_ id: PostgresConnection.ID, _ token: UInt64) {
        state.withLock { _ = $0.connections[id]?.onClose.removeValue(forKey: token) }
    }

    private func closed(_ id: PostgresConnection.ID) {
        let callbacks = state.withLock { state -> [@Sendable () -> Void] in
            let callbacks = state.connections[id].map { Array($0.onClose.values) } ?? []
            state.connections[id] = Watched(closed: true)
            let closedIDs = state.connections.filter(\.value.closed).keys.sorted()
            for old in closedIDs.dropLast(Self.closedRemembered) { state.connections[old] = nil }
            return callbacks
        }
        callbacks.forEach { $0() }
    }
}
