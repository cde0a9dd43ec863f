public import Foundation

/// When a job should first become claimable.
public enum Schedule: Sendable, Equatable {
    /// As soon as the enqueue commits.
    case now
    /// After this delay, measured on the database clock from the enqueue.
    case after(Duration)
    /// At this instant.
    case at(Date)
}

/// Everything about a job except what it does: where it goes, how urgent, when, how often it
/// may be tried, and its deduplication key.
public struct EnqueueOptions: Sendable, Equatable {
    public var queue: QueueName
    public var priority: Priority
    public var schedule: Schedule
    /// Attempts before the job is dead-lettered. Default 20 (the SQL function's default too).
    public var maxAttempts: Int
    public var uniqueKey: UniqueKey?
    /// Holds `uniqueKey` for this long from the enqueue, whatever becomes of the job: a second
    /// enqueue with the key within the period gets this job's id and inserts nothing, even after
    /// the job finished. `nil`: the key is held only while the job is available or running.
    public var uniqueFor: Duration?

    public static let defaultMaxAttempts = 20
    public static let maxAttemptsRange = 1...1000

    public init(
        queue: QueueName = .default, priority: Priority = .default, schedule: Schedule = .now,
        maxAttempts: Int = defaultMaxAttempts, uniqueKey: UniqueKey? = nil, uniqueFor: Duration? = nil
    ) throws(ValidationError) {
        guard Self.maxAttemptsRange.contains(maxAttempts) else {
            throw ValidationError(field: "max attempts", value: String(maxAttempts), rule: "must be between 1 and 1000")
        }
        switch schedule {
        case .now: break
        case .after(let delay):
            guard DurationParsing.anyLength.contains(delay) else {
                throw ValidationError(
                    field: "delay", value: "\(delay)",
                    rule: delay < .zero ? "must not be negative" : "is longer than the \(DurationParsing.describe(DurationParsing.maximum)) limit")
            }
        case .at(let date):
            _ = try Timestamps.check(date, field: "run_at")
        }
        if let uniqueFor {
            guard uniqueKey != nil else {
                throw ValidationError(field: "unique for", value: "\(uniqueFor)", rule: "needs a unique key", hint: "give the key to hold for the period as well")
            }
            guard DurationParsing.positive.contains(uniqueFor) else {
                throw ValidationError(
                    field: "unique for", value: "\(uniqueFor)",
                    rule: uniqueFor < DurationParsing.positive.lowerBound ? "must be greater than zero" : "is longer than the \(DurationParsing.describe(DurationParsing.maximum)) limit")
            }
        }
        self.queue = queue; self.priority = priority; self.schedule = schedule
        self.maxAttempts = maxAttempts; self.uniqueKey = uniqueKey; self.uniqueFor = uniqueFor
    }

    public static let `default` = try! EnqueueOptions()  // safe: every default passes validation (tested)
}

/// One job to enqueue.
public struct EnqueueRequest: Sendable, Equatable {
    public var kind: JobKind
    public var payload: JobPayload
    public var options: EnqueueOptions

    public init(kind: JobKind, payload: JobPayload = .empty, options: EnqueueOptions = .default) {
        self.kind = kind; self.payload = payload; self.options = options
    }
}

/// What enqueueing one request did.
public struct EnqueueResult: Sendable, Equatable {
    public var id: JobID
    /// `false` when an active job already held the unique key: `id` is that job's.
    public var inserted: Bool

    public init(id: JobID, inserted: Bool) { self.id = id; self.inserted = inserted }
}

extension EnqueueRequest {
    /// Folds requests that repeat a unique key within one batch onto the first of them, so the
    /// batch insert never sees two rows for one key. Returns the requests to send and, for each
    /// original position, the index of the sent request that stands for it.
    public static func deduplicated(_ requests: [EnqueueRequest]) -> (unique: [EnqueueRequest], mapping: [Int]) {
        var unique: [EnqueueRequest] = []
        var mapping: [Int] = []
        var firstIndexByKey: [UniqueKey: Int] = [:]
        unique.reserveCapacity(requests.count)
        mapping.reserveCapacity(requests.count)
        for request in requests {
            if let key = request.options.uniqueKey {
                if let existing = firstIndexByKey[key] {
                    mapping.append(existing)
                    continue
                }
                firstIndexByKey[key] = unique.count
            }
            mapping.append(unique.count)
            unique.append(request)
        }
        return (unique, mapping)
    }
}
