public import Logging
import PostgresNIO
public import WharfCore

/// LISTEN on `<schema>.jobs` over a dedicated connection (not from the pool: a LISTEN belongs
/// to its session). Reconnects with backoff after any failure. Each time the LISTEN is in
/// place, including the first, it wakes every queue: notifications sent before it (between
/// the producers' first claims and the LISTEN at start-up, or while disconnected) are gone,
/// and without the wake those jobs would wait for the poll interval.
public struct PostgresQueueWakeups: QueueWakeups {
    let database: DatabaseURL
    let logger: Logger

    public init(database: DatabaseURL, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public var channel: String { "\(database.schema).jobs" }

    public func run(queues: Set<QueueName>, onWake: @escaping @Sendable (QueueName) -> Void) async {
        var backoff = RetryBackoff()
        var connectionID = 0
        while !Task.isCancelled {
            connectionID += 1
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: try database.connectionConfiguration(), id: connectionID, logger: logger)
                do {
                    try await connection.listen(on: channel) { notifications in
                        logger.debug("Listening for new jobs", metadata: ["db.channel": "\(channel)"])
                        backoff.reset()
                        queues.forEach(onWake)
                        for try await notification in notifications {
                            let queue = QueueName(unchecked: notification.payload)
                            if queues.contains(queue) { onWake(queue) }
                        }
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch {
                if Task.isCancelled { return }
                logger.warning("Notification listener lost its connection; reconnecting", metadata: [
                    "db.channel": "\(channel)", "retry.delay": "\(backoff.upcoming)", "error.message": "\(String(reflecting: error))",
                ])
            }
            do { try await Task.sleep(for: backoff.next()) } catch { return }
        }
    }
}
