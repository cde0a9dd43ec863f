import ArgumentParser
import Foundation
import WharfCore
import WharfHTTP
import WharfPostgres

/// `wharf workers`: the live worker processes and how long ago each one beat.
struct WorkersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "workers", abstract: "List registered worker processes and their heartbeats.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors {
            let workers = try await DatabaseSession.with(connection) { store, _ in try await store.workers() }
            if output.json {
                Output.json(WorkerList(workers.map { WorkerShape($0) }))
                return
            }
            if workers.isEmpty { Output.line("no workers registered"); return }
            Output.table(
                ["ID", "HOST", "PID", "QUEUES", "RUNNING", "CONCURRENCY", "VERSION", "STARTED", "LAST HEARTBEAT"],
                workers.map { w in
                    [w.id.rawValue, w.host, String(w.pid), w.queues.map(\.rawValue).joined(separator: ","), String(w.activity.running),
                     String(w.concurrency), w.version,
                     w.startedAt.map { Output.relative($0) } ?? "-", w.heartbeatAt.map { Output.relative($0) } ?? "-"]
                })
        }
    }
}
