import ArgumentParser
import Foundation
import Testing
import Wharf
import WharfCore
import WharfRuntime
@testable import WharfCLI

/// The worker's settings are defined once (``WorkerSettings/table``); the flags, the resolver
/// and the table in docs/operations.md follow from it.
@Suite("The settings table")
struct SettingsTableTests {
    static let operationsDoc = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/operations.md")

    /// The table's rows as docs/operations.md must show them.
    static func renderedRows() -> [String] {
        func code(_ text: String?) -> String { text.map { "`\($0)`" } ?? "—" }
        return WorkerSettings.table.map { setting in
            "| \(setting.name) | \(code(setting.flagSpelling)) | \(code(setting.environment)) | \(code(setting.fileKey)) | \(setting.unit) | \(setting.defaultText) |"
        }
    }

    @Test("docs/operations.md's worker settings table is the settings table")
    func docsTableMatches() throws {
        let lines = try String(contentsOf: Self.operationsDoc, encoding: .utf8).components(separatedBy: "\n")
        let heading = try #require(lines.firstIndex(of: "### Worker settings"), "docs/operations.md has no \"### Worker settings\" section")
        let header = try #require(lines[heading...].firstIndex { $0.hasPrefix("| setting |") }, "no table under \"### Worker settings\"")
        let rows = lines[(header + 2)...].prefix { $0.hasPrefix("|") }
        let expected = Self.renderedRows()
        #expect(Array(rows) == expected, """
            docs/operations.md's worker settings table differs from WorkerSettings.table \
            (Sources/Wharf/WorkerSettingsTable.swift); replace its rows with:
            \(expected.joined(separator: "\n"))
            """)
    }

    @Test("every setting has exactly one entry, and names are unique in each source")
    func everySettingOnce() {
        #expect(WorkerSettings.table.map(\.id.rawValue).sorted() == WorkerSettingID.allCases.map(\.rawValue).sorted())
        for names in [WorkerSettings.table.compactMap(\.flag), WorkerSettings.table.compactMap(\.environment), WorkerSettings.fileKeys] {
            #expect(Set(names).count == names.count, "\(names)")
        }
    }

    @Test("every flag in the table is one `wharf worker` accepts, with the table's help")
    func flagsAreDeclared() {
        let help = WorkerCommand.helpMessage(columns: 10_000)
        for setting in WorkerSettings.table {
            guard let flag = setting.flagSpelling else { continue }
            #expect(help.contains(flag), "\(flag) is missing from wharf worker --help")
            #expect(help.contains(setting.help), "the help of \(flag) is not the table's")
        }
    }

    @Test("the defaults the table shows are the defaults the worker uses")
    func defaultsAreReal() throws {
        let configuration = ResolvedSettings(environment: [:]).configuration { WorkerID("w") }
        let actual: [WorkerSettingID: Duration?] = [
            .leaseTTL: configuration.leaseTTL, .heartbeatInterval: configuration.heartbeatInterval,
            .pollInterval: configuration.pollInterval, .gracePeriod: configuration.gracePeriod,
            .reaperInterval: configuration.reaperInterval, .storeCallTimeout: configuration.storeCallTimeout,
            .retention: configuration.retention,
        ]
        for (id, value) in actual {
            let shown = WorkerSettings[id].defaultText.replacingOccurrences(of: "`", with: "")
            #expect(try WorkerSettings.parse(shown, as: WorkerSettings[id]) == .duration(try #require(value)), "\(id)")
        }
        #expect(WorkerSettings[.completionBatchSize].defaultText == "`\(configuration.completionBatchSize)`")
        #expect(WorkerSettings[.queues].defaultText == "`\(configuration.queues.map { "\($0.name)=\($0.concurrency)" }.joined(separator: ","))`")
    }

    @Test("a flag beats its variable, which beats the file; every bad value is reported at once, naming where it came from")
    func resolverLayersAndReportsAll() {
        let layered = ResolvedSettings(
            flags: [.leaseTTL: "60s"], environment: ["WHARF_LEASE_TTL": "50s", "WHARF_POLL_INTERVAL": "2s"],
            file: [.leaseTTL: .duration(.seconds(40)), .pollInterval: .duration(.seconds(3)), .gracePeriod: .duration(.seconds(4))])
        #expect(layered.duration(.leaseTTL) == .seconds(60) && layered.sources[.leaseTTL] == .flag)
        #expect(layered.duration(.pollInterval) == .seconds(2) && layered.sources[.pollInterval] == .environment)
        #expect(layered.duration(.gracePeriod) == .seconds(4) && layered.sources[.gracePeriod] == .file)
        #expect(layered.problems.isEmpty)

        let bad = ResolvedSettings(
            flags: [.leaseTTL: "soon", .poolSize: "0"], environment: ["WHARF_RETENTION": "-1s", "WHARF_LOG_FORMAT": "xml"])
        #expect(bad.problems.count == 4, "\(bad.problems)")
        for origin in ["--lease-ttl", "--pool-size", "WHARF_RETENTION", "WHARF_LOG_FORMAT"] {
            #expect(bad.problems.contains { $0.hasPrefix("\(origin): ") }, "no problem from \(origin): \(bad.problems)")
        }
        #expect(throws: WorkerSettingsError.self) { try bad.check() }
        #expect(ExitStatus.code(for: WorkerSettingsError(problems: bad.problems)) == ExitStatus.usage)
    }

    @Test("a misspelt WHARF_ variable gets a did-you-mean warning; the operator's own variables do not")
    func misspeltVariablesWarn() {
        let settings = ResolvedSettings(environment: ["WHARF_LEASE_TTLL": "5s", "WHARF_PAYMENTS_HOOK_SECRET": "x", "WHARF_SCHEMA": "w"])
        #expect(settings.warnings == ["WHARF_LEASE_TTLL is not a Wharf setting and is ignored; did you mean WHARF_LEASE_TTL?"])
        #expect(settings.duration(.leaseTTL) == nil)
    }

    @Test("the file and the flags are checked together: both files' and flags' problems in one error")
    func fileAndFlagProblemsTogether() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-\(UUID()).json")
        try Data(#"{"lease_ttl": true, "poll_intervall": "1s"}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let command = try WorkerCommand.parse(["--config", file.path, "--grace-period", "later"])
        #expect {
            try command.makeConfiguration(environment: [:])
        } throws: { error in
            let text = "\(error)"
            return error is ConfigError && text.contains("lease_ttl: must be a duration") && text.contains("did you mean \"poll_interval\"")
                && text.contains("--grace-period: ")
        }
    }
}
