import ArgumentParser
import Foundation
import WharfCore
import WharfHTTP
import WharfPostgres

/// `wharf jobs list|show|cancel`.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "Inspect and cancel jobs.",
        subcommands: [List.self, Show.self, Cancel.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List jobs, newest first.")
        @OptionGroup var filter: FilterOptions
        @Option(help: "Only jobs in this state: available, running, completed, cancelled.")
        var state: String?
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await reportingErrors {
                var jobFilter = try filter.make()
                if let state {
                    guard let parsed = JobState(rawValue: state) else {
                        throw WharfCore.ValidationError(
                            field: "state", value: state, rule: "is not a job state",
                            hint: "one of \(JobState.allCases.map(\.rawValue).joined(separator: ", ")); dead jobs: wharf dlq list")
                    }
                    jobFilter.state = parsed
                }
                let query = jobFilter
                let jobs = try await DatabaseSession.with(connection) { store, _ in try await store.jobs(query) }
                if output.json {
                    Output.json(JobPage(jobs: jobs.map(JobShape.init), nextBefore: jobs.count == jobFilter.limit ? jobs.last?.id : nil))
                    return
                }
                Output.table(
                    ["ID", "STATE", "QUEUE", "KIND", "ATTEMPT", "RUN AT", "LAST ERROR"],
                    jobs.map { job in
                        [job.id.description, job.state.rawValue, job.queue.rawValue, job.kind.rawValue,
                         "\(job.attempt)/\(job.maxAttempts)", Output.relative(job.runAt),
                         String((job.errors.last?.error ?? "").prefix(60)).replacingOccurrences(of: "\n", with: " ")]
                    })
                if jobs.count == jobFilter.limit, let last = jobs.last {
                    Output.line("(more: --before \(last.id))")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one job with its errors and timeline.")
        @Argument(help: "The job id.") var id: String
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await reportingErrors {
                let id = try JobID(parsing: id)
                let job = try await DatabaseSession.with(connection) { store, _ in
                    guard let job = try await store.job(id) else { throw StoreError.jobNotFound(id.rawValue) }
                    return job
                }
                if output.json { Output.json(JobShape(job)) } else { printDetails(job) }
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel an available or running job.")
        @Argument(help: "The job id.") var id: String
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await reportingErrors {
                let id = try JobID(parsing: id)
                let job = try await DatabaseSession.with(connection) { store, _ in try await store.cancel(id) }
                if output.json { Output.json(JobShape(job)) } else { Output.line("cancelled job \(job.id)") }
            }
        }
    }
}

/// Filters shared by `jobs list` and `dlq list`.
struct FilterOptions: ParsableArguments {
    @Option(help: "Only this queue.") var queue: String?
    @Option(help: "Only this kind.") var kind: String?
    @Option(help: "Only jobs with a smaller id (the next page: pass the last id shown).") var before: String?
    @Option(help: "At most this many (1-1000). Default: 50.") var limit: Int = JobFilter.defaultLimit

    func make() throws -> JobFilter {
        guard (1...1000).contains(limit) else {
            throw WharfCore.ValidationError(field: "limit", value: String(limit), rule: "must be between 1 and 1000")
        }
        return JobFilter(
            queue: try queue.map { q throws(WharfCore.ValidationError) in try QueueName(q) },
            kind: try kind.map { k throws(WharfCore.ValidationError) in try JobKind(k) },
            before: try before.map { b throws(WharfCore.ValidationError) in try JobID(parsing: b) },
            limit: limit)
    }
}

/// The human view of one job (also used for dead jobs).
func printDetails(_ job: Job, dead: DeadJob? = nil) {
    let fields: [(String, String)] = [
        ("id", job.id.description),
        ("state", dead == nil ? job.state.rawValue : "dead (\(dead?.reason.rawValue ?? ""), \(Output.timestamp(dead?.diedAt)))"),
        ("queue", job.queue.rawValue), ("kind", job.kind.rawValue), ("priority", job.priority.description),
        ("attempt", "\(job.attempt) of \(job.maxAttempts)"),
        ("run at", "\(Output.timestamp(job.runAt)) (\(Output.relative(job.runAt)))"),
        ("unique key", job.uniqueKey?.rawValue ?? "-"),
        ("lease", job.lease.map { "\($0.owner), token \($0.token), expires \(Output.timestamp($0.expiresAt))" } ?? "-"),
        ("created", Output.timestamp(job.createdAt)), ("started", Output.timestamp(job.startedAt)),
        ("finished", Output.timestamp(job.finishedAt)), ("payload", job.payload.json),
    ]
    for (name, value) in fields { Output.line(name.padding(toLength: 11, withPad: " ", startingAt: 0) + value) }
    if !job.errors.isEmpty {
        Output.line("\nerrors:")
        for error in job.errors {
            Output.line("  attempt \(error.attempt)  \(Output.timestamp(error.at))  \(error.worker ?? "-")")
            for line in error.error.split(separator: "\n", omittingEmptySubsequences: false) { Output.line("    \(line)") }
        }
    }
    Output.line("\ntimeline:")
    for entry in job.history {
        let move = "\(entry.from ?? "-") -> \(entry.to)"
        Output.line("  \(Output.timestamp(entry.at))  \(entry.event.padding(toLength: 14, withPad: " ", startingAt: 0))\(move.padding(toLength: 24, withPad: " ", startingAt: 0))attempt \(entry.attempt)\(entry.worker.map { "  \($0)" } ?? "")")
    }
}
