import ArgumentParser
import WharfHTTP
import Foundation
import WharfCore
import WharfPostgres

/// `wharf queues [list|pause|resume]`: live queue figures, and pausing a queue.
struct QueuesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queues", abstract: "Show queue depths; pause or resume a queue.",
        subcommands: [List.self, Pause.self, Resume.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Available, scheduled, running and dead jobs per queue, and which are paused.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await reportingErrors {
                let queues = try await DatabaseSession.with(connection) { store, _ in try await store.queueOverview() }
                if output.json {
                    Output.json(QueueList(queues.map(QueueOverviewShape.init)))
                    return
                }
                if queues.isEmpty { Output.line("no queues with jobs"); return }
                Output.table(
                    ["QUEUE", "AVAILABLE", "SCHEDULED", "RUNNING", "DEAD", "OLDEST WAIT", "PAUSED"],
                    queues.map { q in
                        [q.queue.rawValue, String(q.available), String(q.scheduled), String(q.running), String(q.dead),
                         q.oldestAvailableAgeSeconds.map { String(format: "%.1fs", $0) } ?? "-", q.paused ? "yes" : "no"]
                    })
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop claiming from a queue; its jobs stay, running ones finish.")
        @Argument(help: "The queue.") var queue: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws { try await QueuesCommand.setPaused(queue, true, connection) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Claim from a paused queue again.")
        @Argument(help: "The queue.") var queue: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws { try await QueuesCommand.setPaused(queue, false, connection) }
    }

    static func setPaused(_ name: String, _ paused: Bool, _ connection: ConnectionOptions) async throws {
        try await reportingErrors {
            let queue = try QueueName(name)
            try await DatabaseSession.with(connection) { store, _ in try await store.setPaused(queue, paused: paused) }
            Output.line("queue \(queue) \(paused ? "paused" : "resumed")")
        }
    }
}
