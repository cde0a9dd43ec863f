import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import Synchronization
import WharfCore
import WharfPostgres

/// `WharfBench enqueue`: the batch enqueue rate through the store (JobInsertMany), for
/// `make bench` (scripts/bench.sh drives everything else with the real binaries and pgbench).
@main
struct WharfBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wharf-bench", subcommands: [Enqueue.self])

    struct Enqueue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enqueue --count no-op jobs in batches over --connections; prints jobs/s.")
        @Option var count = 200_000
        @Option var batch = 1000
        @Option var connections = 4
        @Option var queue = "enqueue-bench"

        func run() async throws {
            guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"] else { throw ValidationError("DATABASE_URL is required") }
            var logger = Logger(label: "wharf-bench")
            logger.logLevel = .error
            let database = try DatabaseURL(url)
            let client = PostgresClient(configuration: database.clientConfiguration(poolSize: connections), backgroundLogger: logger)
            let store = PostgresJobStore(client: client, database: database, logger: logger)
            let kind = try JobKind("noop")
            let options = try EnqueueOptions(queue: try QueueName(queue))
            let batchRequests = (0..<batch).map { _ in EnqueueRequest(kind: kind, options: options) }
            let batches = count / batch
            let seconds = try await withThrowingTaskGroup(of: Double.self) { group in
                group.addTask { await client.run(); return 0 }
                _ = try await store.enqueue(Array(batchRequests.prefix(1)))  // connect and prepare first
                let clock = ContinuousClock()
                let started = clock.now
                try await withThrowingTaskGroup(of: Void.self) { workers in
                    let next = Counter()
                    for _ in 0..<connections {
                        workers.addTask {
                            while next.take() < batches { _ = try await store.enqueue(batchRequests) }
                        }
                    }
                    try await workers.waitForAll()
                }
                let elapsed = clock.now - started
                group.cancelAll()
                return elapsed.wharfSeconds
            }
            print(String(format: "%.0f", Double(batches * batch) / seconds))
        }
    }
}

/// Hands out batch numbers to the concurrent enqueuers.
final class Counter: Sendable {
    private let value = Mutex(0)
    func take() -> Int {
        value.withLock { current in
            defer { current += 1 }
            return current
        }
    }
}
