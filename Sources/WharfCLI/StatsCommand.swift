import ArgumentParser
import WharfHTTP
import WharfCore
import WharfPostgres

/// `wharf stats`: job counts per queue and state.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Job counts per queue and state.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors {
            let counts = try await DatabaseSession.with(connection) { store, _ in try await store.queueCounts() }
            if output.json {
                Output.json(QueueList(counts.map(QueueCountsShape.init)))
                return
            }
            if counts.isEmpty { Output.line("no jobs yet"); return }
            Output.table(
                ["QUEUE", "AVAILABLE", "SCHEDULED", "RUNNING", "COMPLETED", "CANCELLED", "DEAD"],
                counts.map { c in
                    [c.queue.rawValue] + [c.available, c.scheduled, c.running, c.completed, c.cancelled, c.dead].map(String.init)
                })
        }
    }
}
