import WharfCore

/// A store call that did not finish in time.
struct StoreCallTimedOut: Error, CustomStringConvertible {
    var operation: String
    var timeout: Duration
    var description: String { "\(operation) did not complete within \(timeout); abandoned and will be retried" }
}

/// Runs `body` with a time limit that holds even when `body` ignores cancellation.
///
/// A database call that never completes (a request lost inside the driver while the server
/// restarted, seen in testing) must not hold up the loop that made it: on timeout the call is
/// cancelled and left behind, and the caller gets ``StoreCallTimedOut`` at once and retries
/// like after any store failure.
public func withTimeLimit<T: Sendable>(
    _ timeout: Duration, _ operation: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let started = ContinuousClock.now
    let result: Result<T, any Error> = await firstOf(
        [
            {
                do { return .success(try await body()) } catch { return .failure(error) }
            },
            {
                do { try await Task.sleep(for: timeout) } catch { return nil }
                return .failure(StoreCallTimedOut(operation: operation, timeout: timeout))
            },
        ],
        ifCancelled: .failure(CancellationError()))
    if case .failure(let error) = result, error is CancellationError {
        return try result.get()
    }
    let failed = if case .failure = result { true } else { false }
    RuntimeMetrics.storeCall(operation, seconds: (ContinuousClock.now - started).wharfSeconds, failed: failed)
    return try result.get()
}

/// The ports the runtime uses, each call bounded by ``withTimeLimit(_:_:_:)``. Only the
/// worker's ports: the operators' (``JobAdministration``, ``DeadLetterStore``) are not reachable
/// from here.
struct TimeLimitedPorts: WorkerJobStore, WorkerRegistry, LeaderLock {
    let store: any WorkerJobStore
    let registry: any WorkerRegistry
    let leader: any LeaderLock
    let timeout: Duration

    func claim(queue: QueueName, limit: Int, worker: WorkerID, leaseTTL: Duration) async throws -> [Job] {
        try await withTimeLimit(timeout, "claim") { [store] in try await store.claim(queue: queue, limit: limit, worker: worker, leaseTTL: leaseTTL) }
    }
    func complete(_ refs: [ClaimRef]) async throws -> [FencedOutcome] {
        try await withTimeLimit(timeout, "complete") { [store] in try await store.complete(refs) }
    }
    func completeAndClaim(_ refs: [ClaimRef], queue: QueueName, limit: Int, worker: WorkerID, leaseTTL: Duration) async throws
        -> CompletedAndClaimed
    {
        try await withTimeLimit(timeout, "complete and claim") { [store] in
            try await store.completeAndClaim(refs, queue: queue, limit: limit, worker: worker, leaseTTL: leaseTTL)
        }
    }
    func fail(_ ref: ClaimRef, failure: Failure, decision: FailureDecision) async throws -> FencedOutcome {
        try await withTimeLimit(timeout, "fail") { [store] in try await store.fail(ref, failure: failure, decision: decision) }
    }
    func snooze(_ ref: ClaimRef, for delay: Duration, maxSnoozes: Int) async throws -> SnoozeResult {
        try await withTimeLimit(timeout, "snooze") { [store] in try await store.snooze(ref, for: delay, maxSnoozes: maxSnoozes) }
    }

    func release(_ refs: [ClaimRef]) async throws -> [FencedOutcome] {
        try await withTimeLimit(timeout, "release") { [store] in try await store.release(refs) }
    }
    func extendLeases(_ refs: [ClaimRef], ttl: Duration) async throws -> Set<ClaimRef> {
        try await withTimeLimit(timeout, "extend leases") { [store] in try await store.extendLeases(refs, ttl: ttl) }
    }
    func reclaimExpired(limit: Int) async throws -> ReclaimResult {
        try await withTimeLimit(timeout, "reclaim expired leases") { [store] in try await store.reclaimExpired(limit: limit) }
    }
    func pruneFinished(olderThan retention: Duration, limit: Int) async throws -> Int {
        try await withTimeLimit(timeout, "prune finished jobs") { [store] in try await store.pruneFinished(olderThan: retention, limit: limit) }
    }
    func job(_ id: JobID) async throws -> Job? {
        try await withTimeLimit(timeout, "get job") { [store] in try await store.job(id) }
    }
    func register(_ worker: WorkerInfo) async throws {
        try await withTimeLimit(timeout, "register worker") { [registry] in try await registry.register(worker) }
    }
    func heartbeat(_ id: WorkerID, activity: WorkerActivity) async throws -> Bool {
        try await withTimeLimit(timeout, "worker heartbeat") { [registry] in try await registry.heartbeat(id, activity: activity) }
    }
    func deregister(_ id: WorkerID) async throws {
        try await withTimeLimit(timeout, "deregister worker") { [registry] in try await registry.deregister(id) }
    }
    func pruneStale(olderThan age: Duration) async throws -> [WorkerID] {
        try await withTimeLimit(timeout, "prune workers") { [registry] in try await registry.pruneStale(olderThan: age) }
    }
    func tryAcquire(_ name: String, holder: WorkerID, ttl: Duration) async throws -> Bool {
        try await withTimeLimit(timeout, "acquire leadership") { [leader] in try await leader.tryAcquire(name, holder: holder, ttl: ttl) }
    }
    func release(_ name: String, holder: WorkerID) async throws {
        try await withTimeLimit(timeout, "release leadership") { [leader] in try await leader.release(name, holder: holder) }
    }
}
