import ArgumentParser
import Foundation
import WharfCore
import WharfHTTP
import WharfPostgres

/// `wharf dlq list|show|retry|purge`: the dead-letter table.
struct DLQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq", abstract: "Inspect, retry and purge dead jobs.",
        subcommands: [List.self, Show.self, Retry.self, Purge.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dead jobs, newest first.")
        @OptionGroup var filter: FilterOptions
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await reportingErrors {
                let jobFilter = try filter.make()
                let dead = try await DatabaseSession.with(connection) { store, _ in try await store.deadJobs(jobFilter) }
                if output.json {
                    Output.json(JobPage(jobs: dead.map(JobShape.init), nextBefore: nil, dead: true))
                    return
                }
                Output.table(
                    ["ID", "QUEUE", "KIND", "ATTEMPTS", "DIED", "REASON", "LAST ERROR"],
                    dead.map { d in
                        [d.job.id.description, d.job.queue.rawValue, d.job.kind.rawValue, "\(d.job.attempt)/\(d.job.maxAttempts)",
                         Output.relative(d.diedAt), d.reason.rawValue,
                         String((d.job.errors.last?.error ?? "").prefix(60)).replacingOccurrences(of: "\n", with: " ")]
                    })
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one dead job with every attempt's error.")
        @Argument(help: "The job id.") var id: String
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await reportingErrors {
                let id = try JobID(parsing: id)
                let dead = try await DatabaseSession.with(connection) { store, _ in
                    guard let dead = try await store.deadJob(id) else { throw StoreError.deadJobNotFound(id.rawValue) }
                    return dead
                }
                if output.json { Output.json(JobShape(dead)) } else { printDetails(dead.job, dead: dead) }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move a dead job back to its queue with a fresh attempt count.")
        @Argument(help: "The job id.") var id: String?
        @Flag(help: "Retry every dead job (of --queue and --kind, when given).") var all = false
        @OptionGroup var selection: DeadJobSelectionOptions
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions

        func validate() throws { try selection.validate(id: id, all: all) }

        func run() async throws {
            try await reportingErrors {
                if let id {
                    let id = try JobID(parsing: id)
                    let job = try await DatabaseSession.with(connection) { store, _ in try await store.retryDead(id) }
                    if output.json { Output.json(JobShape(job)) } else { Output.line("job \(job.id) is back in queue \(job.queue), available now") }
                } else {
                    let chosen = try selection.selection()
                    let result = try await DatabaseSession.with(connection) { store, _ in try await store.retryAllDead(chosen) }
                    if output.json {
                        Output.json(BulkRetryShape(retried: result.retried, skipped: result.skipped))
                    } else {
                        Output.line("retried \(result.retried) dead job\(result.retried == 1 ? "" : "s")"
                            + (result.skipped > 0 ? "; \(result.skipped) left because an active job holds their unique key" : ""))
                    }
                }
            }
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete dead jobs for good: one by id, or --all (of --queue and --kind).")
        @Argument(help: "The job id.") var id: String?
        @Flag(help: "Delete every dead job (of --queue and --kind, when given).") var all = false
        @OptionGroup var selection: DeadJobSelectionOptions
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions

        func validate() throws { try selection.validate(id: id, all: all) }

        func run() async throws {
            try await reportingErrors {
                if let id {
                    let jobID = try JobID(parsing: id)
                    try await DatabaseSession.with(connection) { store, _ in try await store.purgeDead(jobID) }
                    if output.json { Output.json(PurgedShape(purged: 1)) } else { Output.line("purged dead job \(jobID)") }
                } else {
                    let chosen = try selection.selection()
                    let count = try await DatabaseSession.with(connection) { store, _ in try await store.purgeAllDead(chosen) }
                    if output.json { Output.json(PurgedShape(purged: count)) } else { Output.line("purged \(count) dead job\(count == 1 ? "" : "s")") }
                }
            }
        }
    }
}

/// `--queue` and `--kind` narrowing an `--all` action on dead jobs.
struct DeadJobSelectionOptions: ParsableArguments {
    @Option(help: "With --all: only this queue.") var queue: String?
    @Option(help: "With --all: only this kind.") var kind: String?

    func validate(id: String?, all: Bool) throws {
        if (id == nil) == !all {
            throw ArgumentParser.ValidationError("give a job id or --all, not both and not neither")
        }
        if (queue != nil || kind != nil) && !all {
            throw ArgumentParser.ValidationError("--queue and --kind only go with --all")
        }
    }

    func selection() throws(WharfCore.ValidationError) -> DeadJobSelection {
        DeadJobSelection(queue: try queue.map { q throws(WharfCore.ValidationError) in try QueueName(q) }, kind: try kind.map { k throws(WharfCore.ValidationError) in try JobKind(k) })
    }
}
