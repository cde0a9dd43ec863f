public import Foundation
public import WharfCore

// The JSON shapes of the admin API and the CLI's --json output: one Encodable type per entity,
// shared by both, so `wharf jobs show 7 --json` and `GET /api/v1/jobs/7` print the same object.
// Absent values are `null`, never left out (a client reads the same keys every time), which is
// why most shapes encode by hand: synthesized Encodable drops nil keys. Keys are snake_case;
// times are ISO 8601 UTC with milliseconds.

public enum JSONShapes {
    /// ISO 8601 with milliseconds, UTC.
    public static func timestamp(_ date: Date?) -> String {
        guard let date else { return "-" }
        // A row written around the checks (`-infinity`, year 1) still prints, as what it is.
        return Timestamps.describe(date, fractionalSeconds: true)
    }

    /// Encodes `value` with sorted keys.
    public static func data(_ value: some Encodable, pretty: Bool = false) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        // Every shape holds only strings, integers, finite numbers (``FiniteNumber``), booleans
        // and JSON values parsed from the database, none of which can fail to encode.
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }
}

/// A number that is `null` when it is not finite: JSON has no NaN or infinity, and a row
/// written around the checks can make one.
public struct FiniteNumber: Encodable, Sendable, Equatable {
    public var value: Double?
    public init(_ value: Double?) { self.value = value.flatMap { $0.isFinite ? $0 : nil } }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value { try container.encode(value) } else { try container.encodeNil() }
    }
}

/// A job, or a dead job (`state` "dead", with `died_at` and `reason` instead of `lease` and
/// `finished_at`).
public struct JobShape: Encodable, Sendable {
    public var job: Job
    /// Set for a dead job.
    public var death: (diedAt: Date, reason: DeathReason)?

    public init(_ job: Job) { self.job = job }
    public init(_ dead: DeadJob) {
        self.job = dead.job
        self.death = (dead.diedAt, dead.reason)
    }

    enum Keys: String, CodingKey {
        case id, queue, kind, priority, state, attempt, payload, errors, history, lease, reason
        case maxAttempts = "max_attempts", runAt = "run_at", createdAt = "created_at", uniqueKey = "unique_key"
        case startedAt = "started_at", finishedAt = "finished_at", diedAt = "died_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(job.id.rawValue, forKey: .id)
        try container.encode(job.queue.rawValue, forKey: .queue)
        try container.encode(job.kind.rawValue, forKey: .kind)
        try container.encode(job.priority.rawValue, forKey: .priority)
        try container.encode(death == nil ? job.state.rawValue : "dead", forKey: .state)
        try container.encode(job.attempt, forKey: .attempt)
        try container.encode(job.maxAttempts, forKey: .maxAttempts)
        try container.encode(JSONShapes.timestamp(job.runAt), forKey: .runAt)
        try container.encode(JSONShapes.timestamp(job.createdAt), forKey: .createdAt)
        try container.encode(PayloadShape(job.payload), forKey: .payload)
        try container.encode(job.errors.map(AttemptErrorShape.init), forKey: .errors)
        try container.encode(job.history.map(HistoryShape.init), forKey: .history)
        try container.encode(job.uniqueKey?.rawValue, forKey: .uniqueKey)
        try container.encode(job.startedAt.map(JSONShapes.timestamp), forKey: .startedAt)
        if let death {
            try container.encode(JSONShapes.timestamp(death.diedAt), forKey: .diedAt)
            try container.encode(death.reason.rawValue, forKey: .reason)
        } else {
            try container.encode(job.finishedAt.map(JSONShapes.timestamp), forKey: .finishedAt)
            try container.encode(job.lease.map(LeaseShape.init), forKey: .lease)
        }
    }
}

/// The payload as the JSON it is; text the database holds that is not JSON (it cannot be, the
/// column is jsonb, but a reader should not trap on it) as a string.
struct PayloadShape: Encodable {
    var value: JSONValue
    init(_ payload: JobPayload) { value = (try? JSONValue.parse(payload.json)) ?? .string(payload.json) }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

struct LeaseShape: Encodable {
    var owner: String
    var token: Int64
    var expiresAt: String
    init(_ lease: Lease) { owner = lease.owner.rawValue; token = lease.token.rawValue; expiresAt = JSONShapes.timestamp(lease.expiresAt) }
    enum CodingKeys: String, CodingKey { case owner, token, expiresAt = "expires_at" }
}

struct AttemptErrorShape: Encodable {
    var error: AttemptError
    init(_ error: AttemptError) { self.error = error }
    enum Keys: String, CodingKey { case attempt, at, error, worker }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(error.attempt, forKey: .attempt)
        try container.encode(JSONShapes.timestamp(error.at), forKey: .at)
        try container.encode(error.error, forKey: .error)
        try container.encode(error.worker, forKey: .worker)
    }
}

struct HistoryShape: Encodable {
    var entry: HistoryEntry
    init(_ entry: HistoryEntry) { self.entry = entry }
    enum Keys: String, CodingKey { case at, event, from, to, attempt, worker }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(JSONShapes.timestamp(entry.at), forKey: .at)
        try container.encode(entry.event, forKey: .event)
        try container.encode(entry.from, forKey: .from)
        try container.encode(entry.to, forKey: .to)
        try container.encode(entry.attempt, forKey: .attempt)
        try container.encode(entry.worker, forKey: .worker)
    }
}

/// A worker process with its load and counts since it started.
public struct WorkerShape: Encodable, Sendable {
    public var worker: WorkerInfo
    /// Seconds since its last heartbeat, as of `now`.
    public var heartbeatAge: FiniteNumber

    public init(_ worker: WorkerInfo, now: Date = Date()) {
        self.init(worker, heartbeatAge: worker.heartbeatAt.map { now.timeIntervalSince($0) })
    }

    public init(_ worker: WorkerInfo, heartbeatAge: Double?) {
        self.worker = worker
        self.heartbeatAge = FiniteNumber(heartbeatAge)
    }

    enum Keys: String, CodingKey {
        case id, host, pid, queues, concurrency, running, version, completed, failed
        case startedAt = "started_at", heartbeatAt = "heartbeat_at", heartbeatAgeSeconds = "heartbeat_age_seconds"
        case deadLettered = "dead_lettered"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        let total = worker.activity.total
        try container.encode(worker.id.rawValue, forKey: .id)
        try container.encode(worker.host, forKey: .host)
        try container.encode(worker.pid, forKey: .pid)
        try container.encode(worker.queues.map(\.rawValue), forKey: .queues)
        try container.encode(worker.concurrency, forKey: .concurrency)
        try container.encode(worker.activity.running, forKey: .running)
        try container.encode(worker.version, forKey: .version)
        try container.encode(worker.startedAt.map(JSONShapes.timestamp), forKey: .startedAt)
        try container.encode(worker.heartbeatAt.map(JSONShapes.timestamp), forKey: .heartbeatAt)
        try container.encode(heartbeatAge, forKey: .heartbeatAgeSeconds)
        try container.encode(total.completed, forKey: .completed)
        try container.encode(total.failed, forKey: .failed)
        try container.encode(total.deadLettered, forKey: .deadLettered)
    }
}

/// A page of a keyset listing: `next_before` is the `before` of the next page, `null` on the last.
public struct JobPage: Encodable, Sendable {
    public var jobs: [JobShape]
    public var nextBefore: Int64?
    /// `dead_jobs` for the dead-letter listing, `jobs` otherwise.
    public var dead: Bool

    public init(jobs: [JobShape], nextBefore: JobID?, dead: Bool = false) {
        self.jobs = jobs; self.nextBefore = nextBefore?.rawValue; self.dead = dead
    }

    enum Keys: String, CodingKey { case jobs, deadJobs = "dead_jobs", nextBefore = "next_before" }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(jobs, forKey: dead ? .deadJobs : .jobs)
        try container.encode(nextBefore, forKey: .nextBefore)
    }
}

/// `{"workers": [...]}`.
public struct WorkerList: Encodable, Sendable {
    public var workers: [WorkerShape]
    public init(_ workers: [WorkerShape]) { self.workers = workers }
}

/// One queue's live figures. `wharf queues --json` shows these; the API adds the sampler's
/// rates and timings.
public struct QueueOverviewShape: Encodable, Sendable {
    public var overview: QueueOverview
    var rates: RatesShape?
    var timings: TimingsShape?
    public init(_ overview: QueueOverview) { self.overview = overview }

    enum Keys: String, CodingKey {
        case queue, available, scheduled, running, dead, paused, rates, timings
        case oldestAvailableAgeSeconds = "oldest_available_age_seconds"
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(overview.queue.rawValue, forKey: .queue)
        try container.encode(overview.available, forKey: .available)
        try container.encode(overview.scheduled, forKey: .scheduled)
        try container.encode(overview.running, forKey: .running)
        try container.encode(overview.dead, forKey: .dead)
        try container.encode(FiniteNumber(overview.oldestAvailableAgeSeconds), forKey: .oldestAvailableAgeSeconds)
        try container.encode(overview.paused, forKey: .paused)
        try container.encodeIfPresent(rates, forKey: .rates)
        try container.encodeIfPresent(timings, forKey: .timings)
    }
}

/// Every state's count in one queue (`wharf stats --json`).
public struct QueueCountsShape: Encodable, Sendable {
    public var queue: String
    public var available, scheduled, running, completed, cancelled, dead: Int
    public init(_ counts: QueueCounts) {
        queue = counts.queue.rawValue
        available = counts.available; scheduled = counts.scheduled; running = counts.running
        completed = counts.completed; cancelled = counts.cancelled; dead = counts.dead
    }
}

/// `{"queues": [...]}`, for the CLI's queue listings.
public struct QueueList<Shape: Encodable & Sendable>: Encodable, Sendable {
    public var queues: [Shape]
    public init(_ queues: [Shape]) { self.queues = queues }
}

/// The answers of the actions, through the API and the CLI alike.
public struct EnqueuedShape: Encodable, Sendable {
    public var id: Int64
    public var inserted: Bool
    public init(id: Int64, inserted: Bool) { self.id = id; self.inserted = inserted }
}

/// A batch enqueue's answer: one entry per job, in request order.
public struct EnqueuedBatchShape: Encodable, Sendable {
    public var jobs: [EnqueuedShape]
    public init(jobs: [EnqueuedShape]) { self.jobs = jobs }
}

public struct PurgedShape: Encodable, Sendable {
    public var purged: Int
    public init(purged: Int) { self.purged = purged }
}

public struct BulkRetryShape: Encodable, Sendable {
    public var retried: Int
    public var skipped: Int
    public init(retried: Int, skipped: Int) { self.retried = retried; self.skipped = skipped }
}

public struct QueuePausedShape: Encodable, Sendable {
    public var queue: String
    public var paused: Bool
    public init(queue: String, paused: Bool) { self.queue = queue; self.paused = paused }
}

/// `wharf migrate --json`: the schema, the versions applied now, the version it is at.
public struct MigratedShape: Encodable, Sendable {
    public var schema: String
    public var applied: [Int]
    public var version: Int
    public init(schema: String, applied: [Int], version: Int) { self.schema = schema; self.applied = applied; self.version = version }
}
