public import WharfCore
import Foundation

extension PostgresJobStore: MonitoringReader {
    public func queueOverview() async throws -> [QueueOverview] {
        try await run("queue overview", QueueOverviewGet()).map { row in
            QueueOverview(
                queue: QueueName(unchecked: row.0), available: Int(row.1), scheduled: Int(row.2), running: Int(row.3),
                dead: Int(row.4), oldestAvailableAgeSeconds: row.5, paused: row.6)
        }
    }

    public func recentTimings(limit: Int) async throws -> [JobTiming] {
        try await run("recent timings", JobTimingsRecent(limit: Int64(max(1, min(limit, 10_000))))).map { row in
            JobTiming(queue: QueueName(unchecked: row.0), kind: JobKind(unchecked: row.1), waitSeconds: row.2, runSeconds: row.3, finishedAt: row.4)
        }
    }

    public func recentFailures(limit: Int) async throws -> [RecentFailure] {
        let rows = try await run("recent failures", JobFailuresRecent(limit: Int64(max(1, min(limit, 1000)))))
        let failures = rows.map { row in
            RecentFailure(
                jobID: JobID(row.0), queue: QueueName(unchecked: row.1), kind: JobKind(unchecked: row.2), attempt: Int(row.3),
                maxAttempts: Int(row.4), error: row.5, at: row.6, dead: row.7)
        }
        return Array(failures.sorted { $0.at > $1.at }.prefix(limit))
    }

    public func jobsInsertedTotal() async throws -> Int64? {
        try await run("count inserted jobs", JobInsertsTotal()).first
    }

    public func queueCounts() async throws -> [QueueCounts] {
        var byQueue: [String: QueueCounts] = [:]
        for row in try await run("count jobs", QueueCountsGet()) {
            var counts = byQueue[row.0] ?? QueueCounts(queue: QueueName(unchecked: row.0))
            counts.available += Int(row.1); counts.scheduled += Int(row.2); counts.running += Int(row.3)
            counts.completed += Int(row.4); counts.cancelled += Int(row.5); counts.dead += Int(row.6)
            byQueue[row.0] = counts
        }
        return byQueue.values.sorted { $0.queue < $1.queue }
    }

    public func workers() async throws -> [WorkerInfo] {
        try await run("list workers", WorkerList()).map { row in
            WorkerInfo(
                id: WorkerID(row.0), host: row.1, pid: Int(row.2), queues: row.3.map(QueueName.init(unchecked:)),
                concurrency: Int(row.4), version: row.5, startedAt: row.6, heartbeatAt: row.7,
                activity: WorkerActivity(
                    running: Int(row.8),
                    // A row written by hand with another shape shows as no activity rather than
                    // failing the whole listing.
                    queues: (try? JSONDecoder().decode([String: QueueActivity].self, from: Data(row.9.utf8))) ?? [:]))
        }
    }
}

extension PostgresJobStore: QueueControl {
    public func setPaused(_ queue: QueueName, paused: Bool) async throws {
        _ = try await run(paused ? "pause queue" : "resume queue", QueueSetPaused(queue: queue.rawValue, paused: paused))
    }

    public func pausedQueues() async throws -> Set<QueueName> {
        Set(try await run("list paused queues", QueuePausedList()).map(QueueName.init(unchecked:)))
    }
}
