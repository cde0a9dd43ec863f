import Foundation
import PostgresNIO
import Synchronization
import Testing
import WharfCore
import WharfPostgres
import WharfRuntime
import WharfTesting

/// A handler that records its lifecycle and every run, and can refuse to start.
final class RecordingHandler: LifecycleHandler {
    struct Refused: Error, CustomStringConvertible { var description: String { "pool would not start" } }
    let refuseStart: Bool
    private let events = Mutex<[String]>([])
    init(refuseStart: Bool = false) { self.refuseStart = refuseStart }
    var log: [String] { events.withLock { $0 } }
    func start() async throws {
        events.withLock { $0.append("start") }
        if refuseStart { throw Refused() }
    }
    func stop() async { events.withLock { $0.append("stop") } }
    func handle(_ context: JobContext) async throws -> HandlerOutcome {
        events.withLock { $0.append("run") }
        return .success
    }
}

@Suite("Handlers with a lifecycle")
struct HandlerLifecycleTests {
    @Test("started once before the first job, though registered for two kinds; stopped after the drain")
    func startedOnceStoppedAfterDrain() async throws {
        try await withTestDatabase { db in
            let handler = RecordingHandler()
            var handlers = HandlerRegistry()
            handlers.register(try JobKind("a"), handler: handler)
            handlers.register(try JobKind("b"), handler: handler)
            _ = try await db.store.enqueue([EnqueueRequest(kind: try JobKind("a")), EnqueueRequest(kind: try JobKind("b"))])
            let worker = try makeWorker(db, handlers: handlers)
            try await running(worker) {
                try await expectEventually("both jobs completed") {
                    try await count(db, "SELECT count(*) FROM jobs WHERE state = 'completed'") == 2
                }
                #expect(!handler.log.contains("stop"), "not stopped while the worker runs")
            }
            #expect(handler.log == ["start", "run", "run", "stop"])
        }
    }

    @Test("a handler that fails to start stops the worker before it registers, naming its kinds")
    func failedStartStopsTheWorker() async throws {
        try await withTestDatabase { db in
            let healthy = RecordingHandler(), refusing = RecordingHandler(refuseStart: true)
            var handlers = HandlerRegistry()
            handlers.register(try JobKind("a"), handler: healthy)
            handlers.register(try JobKind("b"), handler: refusing)
            let worker = try makeWorker(db, handlers: handlers)
            await #expect {
                try await worker.run()
            } throws: { error in
                "\(error)" == "the handler for b failed to start: pool would not start"
            }
            #expect(healthy.log == ["start", "stop"], "the handler already started is stopped again")
            #expect(try await db.store.workers().isEmpty, "the worker never registered")
        }
    }
}
