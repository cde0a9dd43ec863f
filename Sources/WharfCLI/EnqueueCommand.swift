import ArgumentParser
import Foundation
import WharfCore
import WharfHTTP
import WharfPostgres

/// `wharf enqueue KIND --payload JSON|@FILE|-`: put one job in a queue.
struct EnqueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Enqueue one job.",
        discussion: """
            Prints the job id. With a unique key that an available or running job holds (or, with --unique-for, \
            that a job enqueued within the period holds), prints that job's id instead and inserts nothing.
            """)

    @Argument(help: "The job kind, for example email.send.")
    var kind: String

    @Option(help: "The job's JSON payload: inline JSON, @FILE to read a file, or - to read stdin. Default: {}.")
    var payload: String?

    @Option(help: "Queue name. Default: default.")
    var queue: String = QueueName.default.rawValue

    @Option(help: "0 (runs first) to 9 (runs last). Default: 0.")
    var priority: Int = Priority.default.rawValue

    @Option(help: "Run no earlier than this long from now: 30s, 5m, 1h30m.")
    var delay: String?

    @Option(name: .customLong("run-at"), help: "Run no earlier than this ISO 8601 instant, e.g. 2026-12-01T09:00:00Z.")
    var runAt: String?

    @Option(name: .customLong("max-attempts"), help: "Attempts before the job is dead-lettered (1-1000). Default: 20.")
    var maxAttempts: Int = EnqueueOptions.defaultMaxAttempts

    @Option(name: .customLong("unique-key"), help: "At most one available or running job may hold this key.")
    var uniqueKey: String?

    @Option(name: .customLong("unique-for"), help: "Hold the unique key this long from now, even after the job finished: 1h, 1d. Needs --unique-key.")
    var uniqueFor: String?

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
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
        if delay != nil && runAt != nil {
            throw WharfCore.ValidationError(field: "schedule", value: "--delay \(delay ?? "") --run-at \(runAt ?? "")", rule: "give --delay or --run-at, not both")
        }
        var schedule = Schedule.now
        if let delay { schedule = .after(try DurationParsing.parse(delay, field: "delay")) }
        if let runAt { schedule = .at(try Timestamps.parse(runAt, field: "run-at")) }
        let options = try EnqueueOptions(
            queue: try QueueName(queue), priority: try Priority(priority), schedule: schedule,
            maxAttempts: maxAttempts, uniqueKey: try uniqueKey.map { key throws(WharfCore.ValidationError) in try UniqueKey(key) },
            uniqueFor: try uniqueFor.map { text throws(WharfCore.ValidationError) in
                try DurationParsing.parse(text, field: "unique-for", range: DurationParsing.positive)
            })
        let (json, source) = try readPayload()
        return EnqueueRequest(kind: try JobKind(kind), payload: try JobPayload(json: json, source: source), options: options)
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
