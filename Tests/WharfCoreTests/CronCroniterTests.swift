import Foundation
import Testing
import WharfCore
import WharfTesting

/// Wharf's cron evaluator against croniter (PyPI), an independent implementation run as a Python
/// child: random expressions (five and six fields) from random start times, in zones without
/// daylight saving (on daylight-saving days the two differ on purpose: croniter fires a repeated
/// fixed time twice, Wharf once; CronTests pins Wharf's rule).
@Suite("Cron against croniter")
struct CronCroniterTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/croniter_ticks.py")

    struct Case: Encodable {
        var expr: String
        var zone: String
        var start: Int64
        var count: Int
    }

    @Test("the next five ticks of 3,000 random expressions agree with croniter")
    func agreesWithCroniter() async throws {
        var rng = SeededGenerator(seed: 2026)
        let zones = ["UTC", "Asia/Kolkata", "Asia/Tokyo"]
        let expressions = CronTests.randomExpressions(count: 2000, seed: 11, seconds: false)
            + CronTests.randomExpressions(count: 1000, seed: 12, seconds: true)
        let cases = expressions.map { expression in
            Case(expr: expression, zone: zones[rng.next(upTo: zones.count)], start: Int64(rng.next(in: 946_684_800...2_000_000_000)), count: 5)
        }
        let theirs = try await Self.croniter(cases)
        try #require(theirs.count == cases.count, "croniter answered \(theirs.count) of \(cases.count) cases")
        var disagreements: [String] = []
        for (index, item) in cases.enumerated() {
            let schedule = try CronSchedule(item.expr, timeZone: item.zone)
            let ours = schedule.ticks(after: Date(timeIntervalSince1970: Double(item.start)), until: .distantFuture, limit: item.count)
                .map { Int64($0.timeIntervalSince1970) }
            if ours != theirs[index] {
                disagreements.append("\"\(item.expr)\" in \(item.zone) after \(item.start): Wharf \(ours), croniter \(theirs[index])")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) of \(cases.count) disagree:\n\(disagreements.prefix(10).joined(separator: "\n"))")
    }

    /// Runs the fixture with `cases` on stdin, through ExternalTool (system(3) and files:
    /// Foundation's Process with pipes hung here when a test beside it spawned children).
    /// croniter comes from PyPI; `make test` installs it (scripts/ensure-test-tools.sh).
    static func croniter(_ cases: [Case]) async throws -> [[Int64]] {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-cron-\(UUID()).json")
        try JSONEncoder().encode(cases).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let result = await ExternalTool.run(["python3", script.path], stdinFile: input.path)
        guard result.status == 0 else {
            throw CroniterFailed(message: "python3 \(script.lastPathComponent) exited \(result.status): \(result.errors) (is croniter installed? make test installs it)")
        }
        return try JSONDecoder().decode([[Int64]].self, from: Data(result.output.utf8))
    }

    struct CroniterFailed: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
