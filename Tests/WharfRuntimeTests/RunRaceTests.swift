import Foundation
import Logging
import Synchronization
import Testing
import WharfCore
@testable import WharfRuntime
import WharfTesting

/// The per-job race (handler against stop signal) and the process-wide deadline watcher, without
/// a database: pure concurrency logic.
@Suite("Running one job: stop signal and deadlines")
struct RunRaceTests {
    static func context() throws -> JobContext {
        let job = Job(
            id: JobID(1), queue: .default, kind: try JobKind("k"), payload: try JobPayload(json: "{}"), priority: try Priority(0),
            state: .running, attempt: 1, maxAttempts: 3, runAt: Date(), lease: nil, uniqueKey: nil, errors: [], history: [],
            createdAt: Date(), startedAt: Date(), finishedAt: nil)
        return JobContext(job: job, workerID: WorkerID("w"), idempotencyKey: "k", deadline: .now + .seconds(60), timeout: .seconds(60), logger: Logger(label: "test"))
    }

    /// A handler that ignores cancellation: it returns only when the test releases it.
    final class Stubborn: JobHandler {
        let parked = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let started = Mutex(false)
        func handle(_ context: JobContext) async throws -> HandlerOutcome {
            await withCheckedContinuation { continuation in
                parked.withLock { $0 = continuation }
                started.withLock { $0 = true }
            }
            return .success
        }
        func release() { parked.withLock { $0.take() }?.resume() }
    }

    @Test(
        "a stopped run ends with its stop reason after the grace period, without waiting for a handler that ignores cancellation",
        .timeLimit(.minutes(1)))
    func stoppedRunAbandonsAStubbornHandler() async throws {
        let handler = Stubborn()
        defer { handler.release() }
        let signal = StopSignal()
        let context = try Self.context()
        let run = Task { await RunRace.run(handler, context, signal: signal, grace: .milliseconds(200)) }
        try await expectEventually { handler.started.withLock { $0 } }
        signal.stop(.leaseLost)
        let result = await run.value
        guard case .stopped(.leaseLost) = result else {
            Issue.record("expected .stopped(.leaseLost), got \(result)")
            return
        }
    }

    @Test("a stop cancels the handler, and a handler that honours it ends the run before the grace period", .timeLimit(.minutes(1)))
    func stopCancelsTheHandler() async throws {
        let sawCancellation = Mutex(false)
        let started = Mutex(false)
        let handler = ClosureHandler { _ in
            started.withLock { $0 = true }
            do { try await Task.sleep(for: .seconds(3600)) } catch { sawCancellation.withLock { $0 = true } }
            return .success
        }
        let signal = StopSignal()
        let context = try Self.context()
        // A grace longer than the time limit: the run can only end in time if the handler ended.
        let run = Task { await RunRace.run(handler, context, signal: signal, grace: .seconds(3600)) }
        try await expectEventually { started.withLock { $0 } }
        signal.stop(.timedOut)
        let result = await run.value
        guard case .stopped(.timedOut) = result else {
            Issue.record("expected .stopped(.timedOut), got \(result)")
            return
        }
        #expect(sawCancellation.withLock { $0 })
    }

    @Test("a handler that finishes first decides the run; a later stop changes nothing")
    func finishedHandlerWins() async throws {
        let signal = StopSignal()
        let result = await RunRace.run(ClosureHandler { _ in .failure("nope") }, try Self.context(), signal: signal, grace: .seconds(10))
        signal.stop(.shutdown)
        guard case .finished(.failure("nope")) = result else {
            Issue.record("expected the handler's failure, got \(result)")
            return
        }
    }

    @Test("a signal stopped before the run starts ends it at once")
    func alreadyStopped() async throws {
        let signal = StopSignal()
        signal.stop(.shutdown)
        let result = await RunRace.run(ClosureHandler { _ in .success }, try Self.context(), signal: signal, grace: .zero)
        guard case .stopped(.shutdown) = result else {
            Issue.record("expected .stopped(.shutdown), got \(result)")
            return
        }
    }

    @Test("a deadline sooner than the watcher's next look wakes it", .timeLimit(.minutes(1)))
    func soonerDeadlineWakesTheWatcher() async throws {
        // Without the wake-up the watcher would sleep for its idle check, an hour here, and the
        // expectation below (10 s) would fail.
        let deadlines = JobDeadlines(idleCheck: .seconds(3600))
        let watcher = Task { await deadlines.run() }
        defer { watcher.cancel() }
        try await Task.sleep(for: .milliseconds(100))  // let it go to sleep first
        let signal = StopSignal()
        _ = deadlines.arm(signal, at: .now + .milliseconds(50))
        try await expectEventually { signal.reason == .timedOut }
    }

    @Test("the deadline watcher stops armed runs whose deadline passed, and not disarmed or later ones")
    func deadlinesFireOnlyForArmedRuns() async throws {
        let deadlines = JobDeadlines()
        let watcher = Task { await deadlines.run() }
        defer { watcher.cancel() }
        let (due, disarmed, later) = (StopSignal(), StopSignal(), StopSignal())
        _ = deadlines.arm(later, at: .now + .seconds(3600))
        _ = deadlines.arm(due, at: .now + .milliseconds(50))
        deadlines.disarm(deadlines.arm(disarmed, at: .now + .milliseconds(50)))
        try await expectEventually { due.reason == .timedOut }
        // Both short deadlines passed before the watcher stopped `due`, so one check covers them.
        #expect(disarmed.reason == nil)
        #expect(later.reason == nil)
    }
}
