import Foundation
import Logging
import WharfCore
import WharfRuntime

/// A context for running a handler directly, outside a worker.
func context(kind: String = "test.kind", payload: String = "{}", attempt: Int = 1, timeout: Duration = .seconds(30)) -> JobContext {
    let job = Job(
        id: JobID(42), queue: .default, kind: JobKind(unchecked: kind), payload: JobPayload(unchecked: payload), priority: .default,
        state: .running, attempt: attempt, maxAttempts: 5, runAt: Date(), lease: nil, uniqueKey: nil, errors: [], history: [],
        createdAt: Date(), startedAt: Date(), finishedAt: nil)
    return JobContext(
        job: job, workerID: WorkerID("handler-test"), idempotencyKey: "wharf-job-42", deadline: .now + timeout, timeout: timeout,
        logger: Logger(label: "handler-test"))
}

func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("wharf-\(UUID().uuidString.prefix(8))-\(name)").path
}

func processExists(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }
