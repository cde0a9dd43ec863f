public import Testing

/// Polls `condition` until it holds or `timeout` passes; for outcomes that arrive
/// asynchronously (a notification, a worker's write). Returns whether it held; an error
/// thrown by `condition` ends the wait and is rethrown.
///
/// The default timeout is a ceiling for a wedged outcome, not a speed check: it returns as soon
/// as the condition holds. It is generous because the whole suite runs in parallel on two
/// cores, where a CI run once took 19 s for a retry cycle that takes under 1 s alone.
public func eventually(
    timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}

/// Records a test issue when `condition` does not come true within `timeout`.
public func expectEventually(
    _ comment: String = "condition did not hold in time", timeout: Duration = .seconds(30),
    sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async throws -> Bool
) async throws {
    if try await !eventually(timeout: timeout, condition) {
        Issue.record(Comment(rawValue: comment), sourceLocation: sourceLocation)
    }
}
