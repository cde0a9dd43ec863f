import ArgumentParser
import Foundation
import WharfCore
import WharfHTTP
import WharfPostgres

/// `wharf enqueue KIND --payload JSON|@FILE|-`: put one job in a queue; `wharf enqueue --batch
/// FILE|-`: many, one JSON object per line.
struct EnqueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Enqueue one job, or a batch of them from JSON lines.",
        discussion: """
            Prints the job id. With a unique key that an available or running job holds (or, with --unique-for, \
            that a job enqueued within the period holds), prints that job's id instead and inserts nothing.

            --batch FILE (or - for stdin) reads one job per line, each a JSON object with the fields of \
            POST /api/v1/jobs (kind, payload, queue, priority, run_at or delay_seconds, max_attempts, \
            unique_key, unique_for_seconds); blank lines are skipped. Every line is checked before anything \
            is sent; a bad line is reported with its number and nothing is enqueued. The jobs are then sent \
            \(EnqueueCommand.batchChunk) to a statement, each chunk committed on its own.
            """)

    @Argument(help: "The job kind, for example email.send (not with --batch).")
    var kind: String?

    @Option(help: "Enqueue the jobs of this file (- for stdin): one JSON object per line.")
    var batch: String?

    @Option(help: "The job's JSON payload: inline JSON, @FILE to read a file, or - to read stdin. Default: {}.")
    var payload: String?

    @Option(help: "Queue name. Default: default.")
    var queue: String?

    @Option(help: "0 (runs first) to 9 (runs last). Default: 0.")
    var priority: Int?

    @Option(help: "Run no earlier than this long from now: 30s, 5m, 1h30m.")
    var delay: String?

    @Option(name: .customLong("run-at"), help: "Run no earlier than this ISO 8601 instant, e.g. 2026-12-01T09:00:00Z.")
    var runAt: String?

    @Option(name: .customLong("max-attempts"), help: "Attempts before the job is dead-lettered (1-1000). Default: 20.")
    var maxAttempts: Int?

    @Option(name: .customLong("unique-key"), help: "At most one available or running job may hold this key.")
    var uniqueKey: String?

    @Option(name: .customLong("unique-for"), help: "Hold the unique key this long from now, even after the job finished: 1h, 1d. Needs --unique-key.")
    var uniqueFor: String?

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    /// Jobs per store call in batch mode.
    static let batchChunk = 10_000

    func run() async throws {
        if let batch {
            try await reportingErrors { try await runBatch(batch) }
            return
        }
        try await reportingErrors {
            let request = try makeRequest()
            let result = try await DatabaseSession.with(connection) { store, _ in
                try await store.enqueue([request])[0]
            }
            if output.json {
                Output.json(EnqueuedShape(id: result.id.rawValue, inserted: result.inserted))
            } else if result.inserted {
                Output.line("enqueued job \(result.id) (kind \(request.kind), queue \(request.options.queue))")
            } else {
                Output.line("job \(result.id) already holds unique key \"\(request.options.uniqueKey?.rawValue ?? "")\"\(uniqueFor == nil ? "" : " (within its period)"); nothing enqueued")
            }
        }
    }

    func makeRequest() throws -> EnqueueRequest {
        guard let kind else {
            throw WharfCore.ValidationError(field: "kind", value: "", rule: "is required", hint: "give the job kind, for example wharf enqueue email.send, or --batch FILE")
        }
        if delay != nil && runAt != nil {
            throw WharfCore.ValidationError(field: "schedule", value: "--delay \(delay ?? "") --run-at \(runAt ?? "")", rule: "give --delay or --run-at, not both")
        }
        var schedule = Schedule.now
        if let delay { schedule = .after(try DurationParsing.parse(delay, field: "delay")) }
        if let runAt { schedule = .at(try Timestamps.parse(runAt, field: "run-at")) }
        let options = try EnqueueOptions(
            queue: try QueueName(queue ?? QueueName.default.rawValue), priority: try Priority(priority ?? Priority.default.rawValue),
            schedule: schedule, maxAttempts: maxAttempts ?? EnqueueOptions.defaultMaxAttempts, uniqueKey: try uniqueKey.map { key throws(WharfCore.ValidationError) in try UniqueKey(key) },
            uniqueFor: try uniqueFor.map { text throws(WharfCore.ValidationError) in
                try DurationParsing.parse(text, field: "unique-for", range: DurationParsing.positive)
            })
        let (json, source) = try readPayload()
        return EnqueueRequest(kind: try JobKind(kind), payload: try JobPayload(json: json, source: source), options: options)
    }

    func runBatch(_ source: String) async throws {
        let perJob = [
            kind.map { "KIND \($0)" }, payload.map { _ in "--payload" }, delay.map { _ in "--delay" }, runAt.map { _ in "--run-at" },
            uniqueKey.map { _ in "--unique-key" }, uniqueFor.map { _ in "--unique-for" },
            queue.map { _ in "--queue" }, priority.map { _ in "--priority" }, maxAttempts.map { _ in "--max-attempts" },
        ].compactMap { $0 }
        if let first = perJob.first {
            throw WharfCore.ValidationError(field: "batch", value: first, rule: "takes each job's fields from its line", hint: "put them in the JSON lines")
        }
        let requests = try Self.batchRequests(try readBatch(source), source: source == "-" ? "stdin" : source)
        let results = try await DatabaseSession.with(connection) { store, _ in
            var results: [EnqueueResult] = []
            for start in stride(from: 0, to: requests.count, by: Self.batchChunk) {
                let chunk = Array(requests[start..<min(start + Self.batchChunk, requests.count)])
                do {
                    results += try await store.enqueue(chunk)
                } catch {
                    if start > 0 { Output.error("the first \(start) jobs of the batch were enqueued before this error; the rest were not") }
                    throw error
                }
            }
            return results
        }
        if output.json {
            Output.json(EnqueuedBatchShape(jobs: results.map { EnqueuedShape(id: $0.id.rawValue, inserted: $0.inserted) }))
        } else {
            let held = results.filter { !$0.inserted }.count
            Output.line("enqueued \(results.count - held) jobs" + (held > 0 ? "; \(held) unique keys already held, nothing enqueued for those" : ""))
        }
    }

    /// Every non-blank line as a request; all bad lines are reported (the first 20), by number.
    static func batchRequests(_ text: String, source: String) throws -> [EnqueueRequest] {
        var requests: [EnqueueRequest] = []
        var problems: [String] = []
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy(\.isWhitespace) { continue }
            do {
                requests.append(try EnqueueBody.request(fromJSON: String(line)))
            } catch {
                problems.append("\(source) line \(lineNumber): \(error)")
            }
        }
        guard problems.isEmpty else {
            let shown = problems.prefix(20).joined(separator: "\n  ")
            throw CLIError.badBatch(problems: problems.count, details: shown + (problems.count > 20 ? "\n  ..." : ""))
        }
        return requests
    }

    func readBatch(_ source: String) throws -> String {
        if source == "-" { return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) }
        do {
            return String(decoding: try Data(contentsOf: URL(fileURLWithPath: source)), as: UTF8.self)
        } catch {
            throw CLIError.unreadableBatch(path: source, reason: (error as NSError).localizedDescription)
        }
    }

    /// The payload text and a name for where it came from, used in error messages.
    func readPayload() throws -> (String, String) {
        guard let payload else { return ("{}", "payload") }
        if payload == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            return (String(decoding: data, as: UTF8.self), "payload (from stdin)")
        }
        if payload.hasPrefix("@") {
            let path = String(payload.dropFirst())
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                return (String(decoding: data, as: UTF8.self), "payload (from file \(path))")
            } catch {
                throw CLIError.unreadablePayload(source: "file \(path)", reason: (error as NSError).localizedDescription)
            }
        }
        return (payload, "payload")
    }
}
