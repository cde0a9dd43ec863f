public import WharfCore

/// Everything that can go wrong talking to the job database, each with what happened, where,
/// and what to do. Never includes payloads or passwords.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No connection could be made.
    case unreachable(host: String, port: Int, reason: String)
    /// The server refused the credentials.
    case authenticationFailed(user: String, host: String, port: Int, reason: String)
    /// The database named in the URL does not exist.
    case databaseMissing(name: String)
    /// The URL could not be understood.
    case invalidURL(String)
    /// No Wharf schema (or not migrated at all) in the target schema.
    case schemaMissing(schema: String)
    /// The database is at an older schema version than this binary needs.
    case schemaBehind(schema: String, have: Int, want: Int)
    /// The database has a newer schema than this binary knows: running would risk damage.
    case schemaAhead(schema: String, have: Int, known: Int)
    /// An applied migration's text differs from the one this binary carries.
    case checksumMismatch(version: Int, name: String)
    case jobNotFound(Int64)
    case deadJobNotFound(Int64)
    /// An admin action the job's state does not allow (text from the state machine).
    case invalidTransition(id: Int64, reason: String)
    /// Retrying a dead job would make a second active job with the same unique key.
    case uniqueKeyTaken(id: Int64, key: String, holder: Int64?)
    /// A statement broke a unique constraint (SQLSTATE 23505); `detail` is the server's message.
    case uniqueViolation(operation: String, detail: String)
    /// The database refused the values themselves: a CHECK or NOT NULL constraint, an
    /// out-of-range number or time, a value over a limit (SQLSTATE classes 22 and 23, and 54000).
    /// Sending the same values again cannot succeed, so it is not transient.
    case rejected(operation: String, detail: String)
    /// A statement failed; `detail` is the server's message (no bind values).
    case query(operation: String, detail: String)

    public var description: String {
        switch self {
        case .unreachable(let host, let port, let reason):
            "cannot connect to PostgreSQL at \(host):\(port): \(reason). Is the server running, and are the host and port in the database URL right?"
        case .authenticationFailed(let user, let host, let port, let reason):
            "PostgreSQL at \(host):\(port) refused user \"\(user)\": \(reason). Check the user and password in the database URL."
        case .databaseMissing(let name):
            "database \"\(name)\" does not exist on the server. Create it (createdb \(name)) or fix the database name in the URL."
        case .invalidURL(let reason):
            "invalid database URL: \(reason). Expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]"
        case .schemaMissing(let schema):
            "the Wharf tables are missing from schema \"\(schema)\": run `wharf migrate` first"
        case .schemaBehind(let schema, let have, let want):
            "schema \"\(schema)\" is at version \(have), this wharf needs version \(want): run `wharf migrate`"
        case .schemaAhead(let schema, let have, let known):
            "schema \"\(schema)\" is at version \(have), newer than the newest this wharf knows (\(known)): upgrade wharf before using this database"
        case .checksumMismatch(let version, let name):
            "migration \(version) (\(name)) applied to the database differs from the one in this wharf binary: the schema was edited by hand or the binary was built from a modified migrations/ folder. Restore the original migration; never edit an applied one."
        case .jobNotFound(let id):
            "no job with id \(id) (it may be in the dead-letter table: `wharf dlq show \(id)`)"
        case .deadJobNotFound(let id):
            "no dead job with id \(id) (`wharf dlq list` shows the dead-letter table)"
        case .invalidTransition(let id, let reason):
            "job \(id): \(reason)"
        case .uniqueKeyTaken(let id, let key, let holder):
            "cannot retry dead job \(id): job \(holder.map(String.init) ?? "?") is active with the same unique key \"\(key)\". Wait for it to finish, or cancel it."
        case .query(let operation, let detail), .uniqueViolation(let operation, let detail):
            "\(operation) failed: \(detail)"
        case .rejected(let operation, let detail):
            "\(operation) refused by the database: \(detail)"
        }
    }
}

extension StoreError: InvalidInputFailure {
    /// Whether the failure lies in the request rather than in the database's availability:
    /// answered 400 by the API and exit 64 by the CLI.
    public var isInvalidInput: Bool {
        if case .rejected = self { return true }
        return false
    }
}

extension StoreError: TransientStoreFailure {
    public var isTransient: Bool {
        switch self {
        case .unreachable, .query: true
        default: false
        }
    }
}
