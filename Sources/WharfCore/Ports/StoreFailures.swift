/// Lets the runtime tell a passing failure (database unreachable) from one that retrying will
/// not fix (schema missing), without knowing the adapter's error type.
public protocol TransientStoreFailure: Error {
    var isTransient: Bool { get }
}

/// Lets the HTTP and CLI adapters tell values the database refused (a CHECK constraint, a value
/// out of range: the caller's mistake, 400 / exit 64) from an outage, without knowing the
/// adapter's error type.
public protocol InvalidInputFailure: Error {
    var isInvalidInput: Bool { get }
}
