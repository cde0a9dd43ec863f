/// The name of a queue: 1-64 characters, letters, digits and `_ . : -`, starting with a letter
/// or digit. Matches the `jobs_queue_valid` constraint.
public struct QueueName: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public static let maxLength = 64
    /// The queue a job goes to when none is named.
    public static let `default` = QueueName(unchecked: "default")

    public init(_ rawValue: String) throws(ValidationError) {
        try NameRules.check(rawValue, field: "queue", maxLength: Self.maxLength, extra: ["_", ".", ":", "-"])
        self.rawValue = rawValue
    }

    /// For values read back from the database, which enforces the same rule.
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// What a job does, chosen by the application (`email.send`, `billing/invoice`): 1-128
/// characters, letters, digits and `_ . : / -`. Workers map kinds to handlers.
public struct JobKind: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public static let maxLength = 128

    public init(_ rawValue: String) throws(ValidationError) {
        try NameRules.check(rawValue, field: "kind", maxLength: Self.maxLength, extra: ["_", ".", ":", "/", "-"])
        self.rawValue = rawValue
    }

    public init(unchecked rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

/// Claim order within a queue: 0 runs first, 9 runs last (Oban's convention). Default 0.
public struct Priority: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: Int
    public static let range = 0...9
    public static let `default` = Priority(unchecked: 0)

    public init(_ rawValue: Int) throws(ValidationError) {
        guard Self.range.contains(rawValue) else {
            throw ValidationError(field: "priority", value: String(rawValue), rule: "must be between 0 and 9", hint: "0 runs first, 9 runs last")
        }
        self.rawValue = rawValue
    }

    public init(unchecked rawValue: Int) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// A key that at most one available-or-running job may hold at a time: enqueueing a second job
/// with the key returns the first job's id. 1-255 characters of any kind, counted as
/// PostgreSQL's `length()` counts them: Unicode scalars, not grapheme clusters (a flag emoji is 2).
public struct UniqueKey: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public static let maxLength = 255

    public init(_ rawValue: String) throws(ValidationError) {
        let length = rawValue.unicodeScalars.count
        guard (1...Self.maxLength).contains(length) else {
            throw ValidationError(field: "unique key", value: rawValue, rule: "must be 1-255 characters, got \(length)")
        }
        guard !rawValue.unicodeScalars.contains("\u{0}") else {
            throw ValidationError(field: "unique key", value: rawValue, rule: "contains a NUL character, which PostgreSQL text cannot store")
        }
        self.rawValue = rawValue
    }

    public init(unchecked rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

/// A job's id: the `jobs.id` bigint. Stable for the job's whole life, including a trip
/// through the dead-letter table and back.
public struct JobID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }

    /// Parses an id as typed by a person (`wharf jobs show 42`).
    public init(parsing text: String) throws(ValidationError) {
        guard let value = Int64(text), value > 0 else {
            throw ValidationError(field: "job id", value: text, rule: "must be a positive integer")
        }
        self.rawValue = value
    }

    public var description: String { String(rawValue) }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// Identifies one worker process, for example `host-1:4711:9f3c`. Written into a claimed job's
/// `lease_owner` and into the `workers` table.
public struct WorkerID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}
