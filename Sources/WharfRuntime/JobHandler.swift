public import Logging
public import WharfCore
import Foundation

/// What a handler reports about one run of a job. Mirrors Oban's `:ok | {:error, _} |
/// {:cancel, _} | {:snooze, _}`.
public enum HandlerOutcome: Sendable, Equatable {
    /// Done: the job is completed.
    case success
    /// Try again later: recorded as a failed attempt with `reason`; `after` (if given) replaces
    /// the backoff delay for this retry.
    case retry(after: Duration?, reason: String)
    /// Will never work: the job goes to the dead-letter table now.
    case permanentFailure(String)
    /// This attempt failed: retried with backoff while attempts remain.
    case failure(String)
    /// Not yet: run again after `for` without using an attempt (the job's history records each
    /// snooze). After `max_snoozes` snoozes it counts as a failed attempt instead.
    case snooze(for: Duration)
}

/// What a handler knows about the run it is doing.
public struct JobContext: Sendable {
    public var job: Job
    public var workerID: WorkerID
    /// Stable across attempts of the same job: use it to make side effects idempotent
    /// (Wharf runs jobs at least once).
    public var idempotencyKey: String
    /// The run is cancelled at this instant (the kind's timeout).
    public var deadline: ContinuousClock.Instant
    public var timeout: Duration
    private var baseLogger: Logger

    /// The worker's logger with `job.id` and `job.kind` attached. Built when read: most handlers
    /// never log, and attaching the metadata up front for every job was about 9% of a busy
    /// worker's CPU (swift-log's stream handler re-renders its metadata on every change).
    public var logger: Logger {
        var logger = baseLogger
        logger[metadataKey: "job.id"] = "\(job.id)"
        logger[metadataKey: "job.kind"] = "\(job.kind)"
        return logger
    }

    /// For running a handler outside a worker (tests, tools). `logger` gets the job's metadata.
    public init(job: Job, workerID: WorkerID, idempotencyKey: String, deadline: ContinuousClock.Instant, timeout: Duration, logger: Logger) {
        self.job = job; self.workerID = workerID; self.idempotencyKey = idempotencyKey
        self.deadline = deadline; self.timeout = timeout; self.baseLogger = logger
    }
}

/// Runs jobs of one or more kinds.
public protocol JobHandler: Sendable {
    /// Runs `context.job`. Thrown errors count as `.failure`. Must respond to task cancellation
    /// (timeout, lease lost, shutdown) by returning promptly.
    func handle(_ context: JobContext) async throws -> HandlerOutcome
}

/// A handler from a closure.
public struct ClosureHandler: JobHandler {
    let body: @Sendable (JobContext) async throws -> HandlerOutcome
    public init(_ body: @escaping @Sendable (JobContext) async throws -> HandlerOutcome) { self.body = body }
    public func handle(_ context: JobContext) async throws -> HandlerOutcome { try await body(context) }
}

/// A handler whose payload is decoded into a `Codable` type first. A payload that does not
/// decode is a permanent failure: retrying cannot fix it.
public struct TypedHandler<Payload: Decodable & Sendable>: JobHandler {
    let body: @Sendable (Payload, JobContext) async throws -> HandlerOutcome

    public init(_ type: Payload.Type = Payload.self, _ body: @escaping @Sendable (Payload, JobContext) async throws -> HandlerOutcome) {
        self.body = body
    }

    public func handle(_ context: JobContext) async throws -> HandlerOutcome {
        let payload: Payload
        do {
            payload = try JSONDecoder().decode(Payload.self, from: Data(context.job.payload.json.utf8))
        } catch {
            return .permanentFailure("payload does not decode as \(Payload.self): \(Self.explain(error))")
        }
        return try await body(payload, context)
    }

    static func explain(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "the payload" : String(keys.drop { $0 == "." })
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing key \"\(key.stringValue)\" at \(path(context))"
        case .typeMismatch(let type, let context): return "\(path(context)) is not a \(type): \(context.debugDescription)"
        case .valueNotFound(let type, let context): return "\(path(context)) is null, expected \(type)"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

/// Which handler runs each kind, and how long it may take.
public struct HandlerRegistry: Sendable {
    public struct Entry: Sendable {
        public var handler: any JobHandler
        /// Longest a run may take before it is cancelled and counted as a failed attempt.
        public var timeout: Duration
    }

    /// Used for kinds registered without a timeout: 5 minutes.
    public static let defaultTimeout: Duration = .seconds(300)
    public private(set) var entries: [JobKind: Entry] = [:]

    public init() {}

    public mutating func register(_ kind: JobKind, timeout: Duration = defaultTimeout, handler: any JobHandler) {
        entries[kind] = Entry(handler: handler, timeout: timeout)
    }

    /// Registers a typed Swift handler: the payload is decoded as `Payload` first.
    public mutating func register<Payload: Decodable & Sendable>(
        _ kind: JobKind, as type: Payload.Type, timeout: Duration = defaultTimeout,
        _ body: @escaping @Sendable (Payload, JobContext) async throws -> HandlerOutcome
    ) {
        register(kind, timeout: timeout, handler: TypedHandler(type, body))
    }

    public func entry(for kind: JobKind) -> Entry? { entries[kind] }
    public var kinds: [JobKind] { entries.keys.sorted { $0.rawValue < $1.rawValue } }
}
