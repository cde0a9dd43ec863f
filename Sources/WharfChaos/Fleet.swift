import Foundation
import WharfTesting

/// The worker processes of a chaos run: K slots, each running one `WharfTestWorker` at a time.
/// A killed or drained worker is replaced in its slot by a new process with a new id.
actor Fleet {
    struct Slot {
        var process: WorkerProcess
        var id: String
        var concurrency: Int
    }

    private(set) var slots: [Slot] = []
    /// Processes that were replaced and are draining or dead, kept for their logs.
    private(set) var retired: [(id: String, process: WorkerProcess)] = []
    private var generation = 0
    let environment: @Sendable (String, Int) -> [String: String]

    init(environment: @escaping @Sendable (String, Int) -> [String: String]) {
        self.environment = environment
    }

    func start(concurrencies: [Int]) throws {
        for concurrency in concurrencies { slots.append(try spawn(concurrency)) }
    }

    private func spawn(_ concurrency: Int) throws -> Slot {
        generation += 1
        let id = "chaos-w\(generation)"
        return Slot(process: try WorkerProcess("WharfTestWorker", environment: environment(id, concurrency)), id: id, concurrency: concurrency)
    }

    func slot(_ index: Int) -> Slot { slots[index] }

    /// Puts a fresh worker in the slot; the old process is kept for its log.
    func replace(_ index: Int) throws -> String {
        let old = slots[index]
        retired.append((old.id, old.process))
        slots[index] = try spawn(old.concurrency)
        return slots[index].id
    }

    /// SIGTERM to every worker, then waits for them; SIGKILL for any that hang.
    func stopAll() async -> [String] {
        var problems: [String] = []
        let everyone = slots.map { ($0.id, $0.process) } + retired
        for (_, process) in everyone where process.isRunning { process.signal(SIGTERM) }
        for (id, process) in everyone {
            if await process.waitForExit(timeout: .seconds(30)) == nil {
                problems.append("\(id) did not exit within 30 s of SIGTERM")
                process.signal(SIGKILL)
            }
        }
        return problems
    }

    func logs() -> [String: String] {
        Dictionary((slots.map { ($0.id, $0.process) } + retired).map { ($0.0, $0.1.log) }, uniquingKeysWith: { a, _ in a })
    }

    func cleanUp() {
        (slots.map(\.process) + retired.map(\.process)).forEach { $0.terminate() }
    }
}
