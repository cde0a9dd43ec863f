import ArgumentParser
import Foundation
import WharfCore
import WharfHTTP
import WharfPostgres

/// `wharf schedules [list|show|pause|resume|trigger|remove]`: the cron schedules.
struct SchedulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedules", abstract: "Show cron schedules; pause, resume, trigger or remove one.",
        discussion: """
            Schedules come from worker config files (`schedules`), from SQL (wharf.schedule(...)) and from \
            the API (PUT /api/v1/schedules/NAME); docs/operations.md, "Cron schedules", explains them.
            """,
        subcommands: [List.self, Show.self, Pause.self, Resume.self, Trigger.self, Remove.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every schedule: expression, next and last tick, the last job's state.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await reportingErrors {
                let schedules = try await DatabaseSession.with(connection) { store, _ in try await store.schedules() }
                if output.json { Output.json(ScheduleList(schedules)); return }
                if schedules.isEmpty { Output.line("no schedules"); return }
                let now = Date()
                Output.table(
                    ["NAME", "CRON", "ZONE", "KIND", "NEXT", "LAST", "LAST JOB", "SOURCE", "PAUSED"],
                    schedules.map { s in
                        [s.definition.name, s.definition.expression, s.definition.timeZone, s.definition.kind.rawValue,
                         s.paused ? "paused" : s.nextTick.map { Output.relative($0, now: now) } ?? (s.lastError == nil ? "pending" : "error"),
                         s.lastTick.map { Output.relative($0, now: now) } ?? "never", SchedulesCommand.lastJob(s), s.source, s.paused ? "yes" : "no"]
                    })
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One schedule in full.")
        @Argument(help: "The schedule's name.") var name: String
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await reportingErrors {
                let status = try await DatabaseSession.with(connection) { [name] store, _ in
                    guard let status = try await store.schedule(named: name) else { throw CLIError.noSuchSchedule(name) }
                    return status
                }
                if output.json { Output.json(ScheduleShape(status)); return }
                let d = status.definition
                let lines: [(String, String)] = [
                    ("name", d.name), ("cron", d.expression), ("time zone", d.timeZone), ("kind", d.kind.rawValue), ("queue", d.queue.rawValue),
                    ("payload", d.payload.json), ("priority", "\(d.priority.rawValue)"), ("max attempts", "\(d.maxAttempts)"),
                    ("missed ticks", d.missed == .all ? "all (up to \(d.catchUpLimit))" : d.missed.rawValue),
                    ("source", status.source), ("paused", status.paused ? "yes" : "no"),
                    ("last tick", Output.timestamp(status.lastTick)), ("next tick", Output.timestamp(status.nextTick)),
                    ("last job", SchedulesCommand.lastJob(status)),
                    ("last lag", status.lastLagSeconds.map { String(format: "%.3fs", $0) } ?? "-"),
                    ("last error", status.lastError ?? "-"),
                    ("created", Output.timestamp(status.createdAt)), ("updated", Output.timestamp(status.updatedAt)),
                ]
                for (label, value) in lines { Output.line(label.padding(toLength: 13, withPad: " ", startingAt: 0) + value) }
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop firing a schedule; resuming applies its missed-tick policy.")
        @Argument(help: "The schedule's name.") var name: String
        @OptionGroup var connection: ConnectionOptions
        func run() async throws { try await SchedulesCommand.setPaused(name, true, connection) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fire a paused schedule again; the ticks missed meanwhile follow its policy.")
        @Argument(help: "The schedule's name.") var name: String
        @OptionGroup var connection: ConnectionOptions
        func run() async throws { try await SchedulesCommand.setPaused(name, false, connection) }
    }

    struct Trigger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enqueue one job of a schedule now, outside its ticks.")
        @Argument(help: "The schedule's name.") var name: String
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await reportingErrors {
                let id = try await DatabaseSession.with(connection) { [name] store, _ in
                    guard let id = try await store.triggerSchedule(name) else { throw CLIError.noSuchSchedule(name) }
                    return id
                }
                if output.json {
                    Output.json(ScheduleActionShape(name: name, action: "triggered", jobID: id.rawValue))
                } else {
                    Output.line("schedule \(name) triggered: job \(id)")
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a schedule; jobs it already enqueued stay.")
        @Argument(help: "The schedule's name.") var name: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingErrors {
                let source = try await DatabaseSession.with(connection) { [name] store, _ in
                    guard let source = try await store.removeSchedule(name) else { throw CLIError.noSuchSchedule(name) }
                    return source
                }
                Output.line("schedule \(name) removed")
                if source.hasPrefix("config:") {
                    Output.error("note: it came from the config file of deployment \"\(source.dropFirst(7))\"; it returns when a worker of that deployment starts, unless it is removed from the file")
                }
            }
        }
    }

    static func setPaused(_ name: String, _ paused: Bool, _ connection: ConnectionOptions) async throws {
        try await reportingErrors {
            let found = try await DatabaseSession.with(connection) { store, _ in try await store.setSchedulePaused(name, paused: paused) }
            guard found else { throw CLIError.noSuchSchedule(name) }
            Output.line("schedule \(name) \(paused ? "paused" : "resumed")")
        }
    }

    static func lastJob(_ status: ScheduleStatus) -> String {
        guard let job = status.lastJob else { return "-" }
        return "\(job.id) \(job.state ?? "pruned")"
    }
}
