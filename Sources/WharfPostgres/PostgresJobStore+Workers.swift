public import WharfCore
import Foundation

extension PostgresJobStore: WorkerRegistry {
    public func register(_ worker: WorkerInfo) async throws {
        _ = try await run("register worker", WorkerRegister(
            id: worker.id.rawValue, host: worker.host, pid: Int32(truncatingIfNeeded: worker.pid),
            queues: worker.queues.map(\.rawValue), concurrency: Int32(worker.concurrency), version: worker.version))
    }

    public func heartbeat(_ id: WorkerID, activity: WorkerActivity) async throws -> Bool {
        let json = String(decoding: try JSONEncoder().encode(activity.queues), as: UTF8.self)
        return try await !run(
            "worker heartbeat", WorkerHeartbeat(id: id.rawValue, running: Int32(clamping: activity.running), activity: json)
        ).isEmpty
    }

    public func deregister(_ id: WorkerID) async throws {
        _ = try await run("deregister worker", WorkerDeregister(id: id.rawValue))
    }

    public func pruneStale(olderThan age: Duration) async throws -> [WorkerID] {
        try await run("prune workers", WorkerPruneStale(ageMicros: age.wharfMicroseconds)).map(WorkerID.init)
    }
}

extension PostgresJobStore: LeaderLock {
    public func tryAcquire(_ name: String, holder: WorkerID, ttl: Duration) async throws -> Bool {
        try await !run("acquire leadership", LeaderAcquire(name: name, holder: holder.rawValue, ttlMicros: ttl.wharfMicroseconds)).isEmpty
    }

    public func release(_ name: String, holder: WorkerID) async throws {
        _ = try await run("release leadership", LeaderRelease(name: name, holder: holder.rawValue))
    }
}
