public import PostgresNIO
public import WharfPostgres
public import WharfRuntime

/// How a worker process spends its database connections. With `commit_wait = enqueues` there
/// are two pools: the worker's own writes (claims, outcomes, lease renewals, reclaims, pruning)
/// on connections opened with `synchronous_commit = off`, and everything whose commit must
/// survive a database crash (the HTTP side's enqueues and actions, the schedule firer, the
/// schema check) on ordinary ones. With `all`, one ordinary pool.
public struct ConnectionPlan: Sendable {
    /// Most connections of the process, both pools together.
    public let total: Int
    public let durable: PostgresClient.Configuration
    /// `nil` with `commit_wait = all`: the worker's writes use the durable pool.
    public let relaxed: PostgresClient.Configuration?

    public init(database: DatabaseURL, configuration: WorkerConfiguration, poolSize: Int?, http: Bool) {
        // Claims, outcome writes, heartbeats and maintenance each want a connection at times,
        // and the HTTP side samples with up to five reads at once.
        let worker = max(4, configuration.queues.count + 3)
        let extra = http ? 2 : 0
        switch configuration.commitWait {
        case .all:
            total = poolSize ?? worker + extra
            durable = database.clientConfiguration(poolSize: total)
            relaxed = nil
        case .enqueues:
            // The durable side: the firer, the period pruner, the schema check, and the HTTP side.
            let wanted = 2 + extra
            total = poolSize ?? worker + wanted
            let durableSize = poolSize == nil ? wanted : max(1, min(wanted, total / 2))
            durable = database.clientConfiguration(poolSize: durableSize)
            relaxed = database.clientConfiguration(poolSize: max(1, total - durableSize), waitForDisk: false)
        }
    }
}
