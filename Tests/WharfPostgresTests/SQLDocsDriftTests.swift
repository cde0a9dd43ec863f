import Foundation
import PostgresNIO
import Testing
@testable import WharfPostgres

/// docs/sql.md quotes the SQL that Wharf runs, and scripts/bench.sh runs Wharf's claim and
/// completion through pgbench. Both are copies, so both are checked against what the code sends:
/// each statement's `sql` value (its interpolations, such as `JobColumns.forClaim`, resolved)
/// and the files in migrations/. No database: these tests only read files.
///
/// The rules for an excerpt, a ```sql block of docs/sql.md:
/// - Whitespace and `--` comments are ignored on both sides: an excerpt may reflow lines, leave
///   out the source's comments and add its own.
/// - `...` (three full stops, in the SQL, not in a comment) marks text left out. The pieces
///   between the markers must all occur, in order, in one source.
/// - A line that is only `-- Name`, where Name is a statement type (or `Migrator.wrapped`, or a
///   migration such as `migrations/0001_init.sql`), ties the lines under it, up to the next such
///   line, to that source. One block can quote several statements that way. A capitalized
///   one-word comment that names nothing known fails, so a renamed statement's label is caught.
/// - A block whose nearest non-blank line above is `<!-- not a quote -->` is an example, not a
///   quote, and is not checked.
@Suite("SQL copies: docs/sql.md and scripts/bench.sh match the SQL the code runs")
struct SQLDocsDriftTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let elision = "..."
    static let notAQuote = "<!-- not a quote -->"
    /// An unlabelled excerpt that agrees with its closest source for fewer characters than this
    /// is reported as matching nothing.
    static let closeEnough = 20

    /// Every prepared statement under Sources/WharfPostgres/SQL/ (`everyStatementIsListed`
    /// fails when one is missing).
    static var statements: [any PostgresPreparedStatement.Type] {
        [
            // JobSQL.swift
            JobInsertMany.self, JobEnqueueEach.self, JobClaim.self, JobCompleteMany.self, JobCompleteAndClaim.self, JobFailRetry.self, JobFailDead.self,
            JobReleaseMany.self, JobSnooze.self, LeaseExtendMany.self, JobReclaimExpired.self, JobPruneFinished.self,
            // JobAdminSQL.swift
            JobGet.self, JobCancel.self, JobGetActiveByUniqueKey.self,
            // DeadJobSQL.swift
            DeadJobGet.self, DeadJobRetry.self, DeadJobPurge.self, DeadJobPurgeMatching.self,
            DeadJobRetryMatching.self, DeadJobCountMatching.self,
            // WorkerSQL.swift
            WorkerRegister.self, WorkerHeartbeat.self, WorkerDeregister.self, WorkerPruneStale.self,
            WorkerList.self, LeaderAcquire.self, LeaderRelease.self,
            // MonitoringSQL.swift
            QueueOverviewGet.self, JobTimingsRecent.self, JobFailuresRecent.self, JobInsertsTotal.self,
            QueueSetPaused.self, QueuePausedList.self, QueueCountsGet.self,
            // ScheduleSQL.swift
            ScheduleDueList.self, ScheduleNextDue.self, ScheduleFire.self, ScheduleSyncConfig.self,
            // UniqueWindowSQL.swift
            UniqueWindowPrune.self,
            // ScheduleAdminSQL.swift
            ScheduleStatusList.self, ScheduleDefine.self, ScheduleSetPaused.self, ScheduleTrigger.self, ScheduleRemove.self,
            // CommitConfirmSQL.swift
            CommitConfirm.self,
        ]
    }

    /// A text an excerpt may quote.
    struct Source {
        var name: String
        /// Without comments, whitespace collapsed.
        var normalized: String

        init(_ name: String, sql: String) {
            self.name = name
            normalized = SQLText.normalized(sql)
        }
    }

    /// The statements, the migrator's wrapper around a migration file (with a placeholder for
    /// the file's text) and every file in migrations/.
    static func sources() throws -> [Source] {
        var sources = statements.map { Source(String(describing: $0), sql: $0.sql) }
        let wrapped = try Migrator.wrapped(Migration(version: 0, name: "example", sql: "<file text>"))
        sources.append(Source("Migrator.wrapped", sql: wrapped.sql))
        let folder = root.appendingPathComponent("migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            sources.append(Source("migrations/\(file)", sql: text))
        }
        return sources
    }

    // MARK: - Reading docs/sql.md

    /// One ```sql block of docs/sql.md.
    struct Excerpt {
        /// The 1-based line of the opening fence.
        var line: Int
        var body: [String]
        var isQuote: Bool
        var closed: Bool

        var firstLine: String {
            body.map { $0.trimmingCharacters(in: .whitespaces) }.first(where: { !$0.isEmpty }) ?? ""
        }
    }

    static func excerpts(in markdown: String) -> [Excerpt] {
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
        var excerpts: [Excerpt] = []
        var index = 0
        while index < lines.count {
            guard lines[index].trimmingCharacters(in: .whitespaces) == "```sql" else {
                index += 1
                continue
            }
            let fence = index
            let above = lines[..<fence].last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty })
            var body: [String] = []
            index += 1
            while index < lines.count, lines[index].trimmingCharacters(in: .whitespaces) != "```" {
                body.append(lines[index])
                index += 1
            }
            excerpts.append(Excerpt(
                line: fence + 1, body: body,
                isQuote: above?.trimmingCharacters(in: .whitespaces) != notAQuote,
                closed: index < lines.count))
            index += 1
        }
        return excerpts
    }

    /// A run of an excerpt's lines: under a `-- Name` label, or (label nil) before any label.
    struct Part {
        var label: String?
        var text: String
    }

    /// The name a line labels, if it is a label: a comment that is one word, either a source's
    /// name or capitalized like a statement type (so that a renamed statement's label fails
    /// rather than turning into an ordinary comment).
    static func label(in line: String, sourceNames: Set<String>) -> String? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("--") else { return nil }
        let name = trimmed.dropFirst(2).trimmingCharacters(in: .whitespaces)
        guard let first = name.first, !name.contains(where: { $0.isWhitespace }) else { return nil }
        return sourceNames.contains(name) || first.isUppercase ? name : nil
    }

    static func parts(of body: [String], sourceNames: Set<String>) -> [Part] {
        var parts: [Part] = []
        var label: String?
        var lines: [String] = []
        for line in body {
            if let name = Self.label(in: line, sourceNames: sourceNames) {
                if label != nil || !lines.isEmpty { parts.append(Part(label: label, text: lines.joined(separator: "\n"))) }
                label = name
                lines = []
            } else {
                lines.append(line)
            }
        }
        if label != nil || !lines.isEmpty { parts.append(Part(label: label, text: lines.joined(separator: "\n"))) }
        return parts
    }

    /// The pieces of an excerpt between elision markers, normalized, empty ones dropped.
    static func fragments(of text: String) -> [String] {
        SQLText.strippingComments(text).components(separatedBy: elision)
            .map { SQLText.collapsingWhitespace($0) }
            .filter { !$0.isEmpty }
    }

    /// How far an excerpt's fragments got in a source before one was not found.
    struct Mismatch {
        /// Characters of the excerpt that the source agrees with.
        var agreed: Int
        /// The end of the text they agree on, and what follows in each.
        var agreedTail: String
        var excerptNext: String
        var sourceNext: String
    }

    /// nil when every fragment occurs in `source`, in order.
    static func firstMismatch(of fragments: [String], in source: String) -> Mismatch? {
        var position = source.startIndex
        var agreed = 0
        for fragment in fragments {
            if let found = source.range(of: fragment, range: position..<source.endIndex) {
                position = found.upperBound
                agreed += fragment.count
                continue
            }
            // The longest prefix of the fragment that occurs after `position`. Whether a prefix
            // occurs is monotonic in its length, so a binary search finds it.
            var low = 0
            var high = fragment.count
            while low < high {
                let length = (low + high + 1) / 2
                if source.range(of: String(fragment.prefix(length)), range: position..<source.endIndex) != nil {
                    low = length
                } else {
                    high = length - 1
                }
            }
            let common = String(fragment.prefix(low))
            var sourceRest = source[position...]
            if low > 0, let found = source.range(of: common, range: position..<source.endIndex) {
                sourceRest = source[found.upperBound...]
            }
            return Mismatch(
                agreed: agreed + low, agreedTail: String(common.suffix(50)),
                excerptNext: String(fragment.dropFirst(low).prefix(70)), sourceNext: String(sourceRest.prefix(70)))
        }
        return nil
    }

    /// What is wrong with an excerpt, one message per problem; empty when it quotes its source.
    static func problems(with excerpt: Excerpt, sources: [Source]) -> [String] {
        let place = "docs/sql.md:\(excerpt.line), the ```sql block starting `\(excerpt.firstLine.prefix(70))`"
        guard excerpt.closed else { return ["\(place), has no closing ```."] }
        let names = Set(sources.map(\.name))
        var problems: [String] = []
        for part in Self.parts(of: excerpt.body, sourceNames: names) {
            var fix = "Update the excerpt from the source: whitespace and `--` comments do not matter, and `...` marks text left out (rules: SQLDocsDriftTests)."
            if part.text.contains("…") { fix += " The elision marker is `...`, three full stops, not `…`." }
            let fragments = Self.fragments(of: part.text)
            let candidates: [Source]
            if let label = part.label {
                guard let source = sources.first(where: { $0.name == label }) else {
                    problems.append("\(place): the label `-- \(label)` names no statement or migration this test knows. Fix the label, or add the type to SQLDocsDriftTests.statements.")
                    continue
                }
                guard !fragments.isEmpty else {
                    problems.append("\(place): the label `-- \(label)` has no SQL under it.")
                    continue
                }
                candidates = [source]
            } else {
                guard !fragments.isEmpty else { continue }
                candidates = sources
            }
            var closest: (source: Source, mismatch: Mismatch)?
            var found = false
            for source in candidates {
                guard let mismatch = firstMismatch(of: fragments, in: source.normalized) else {
                    found = true
                    break
                }
                if closest.map({ mismatch.agreed > $0.mismatch.agreed }) ?? true {
                    closest = (source: source, mismatch: mismatch)
                }
            }
            guard !found, let best = closest else { continue }
            let (source, mismatch) = best
            let whereItParts = "they agree up to `…\(mismatch.agreedTail)`, then the excerpt has `\(mismatch.excerptNext)` where \(source.name) has `\(mismatch.sourceNext)`"
            if let label = part.label {
                problems.append("\(place): the lines under `-- \(label)` are not in \(label): \(whereItParts). \(fix)")
            } else if mismatch.agreed >= closeEnough {
                problems.append("\(place): not found in any statement or migration. Closest is \(source.name): \(whereItParts). \(fix)")
            } else {
                problems.append("\(place): not found in any statement or migration, and none comes close. \(fix) If the block is an example rather than a quote, put `\(notAQuote)` on the line before it.")
            }
        }
        return problems
    }

    @Test("every sql block in docs/sql.md is found in the statement or migration it quotes")
    func docExcerptsQuoteTheCurrentSQL() throws {
        let sources = try Self.sources()
        let markdown = try String(contentsOf: Self.root.appendingPathComponent("docs/sql.md"), encoding: .utf8)
        let excerpts = Self.excerpts(in: markdown)
        // A reader that finds no blocks would pass without checking anything.
        #expect(excerpts.filter(\.isQuote).count >= 20, "found only \(excerpts.count) ```sql blocks in docs/sql.md")
        for excerpt in excerpts where excerpt.isQuote {
            for problem in Self.problems(with: excerpt, sources: sources) {
                Issue.record("\(problem)")
            }
        }
    }

    @Test("the excerpt rules: whitespace and comments are free, elided pieces keep their order, labels pin the source")
    func excerptRulesWork() {
        let sources = [
            Source("A", sql: "SELECT alpha, beta, gamma\nFROM things -- the table\nWHERE x = $1"),
            Source("B", sql: "DELETE FROM things WHERE id = $1"),
        ]
        func check(_ block: String) -> [String] {
            let body = block.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
            return Self.problems(with: Excerpt(line: 1, body: body, isQuote: true, closed: true), sources: sources)
        }
        #expect(check("SELECT alpha,   beta, gamma FROM things\n  -- a note of the doc's own\nWHERE x = $1") == [])
        #expect(check("SELECT alpha, ... FROM things ...") == [])
        #expect(check("-- B\nDELETE FROM things ...") == [])
        #expect(check("-- A\nSELECT alpha, beta, gamma\n\n-- B\nDELETE FROM things") == [])
        #expect(check("FROM things ... SELECT alpha").count == 1, "elided pieces must keep their order")
        #expect(check("-- A\nDELETE FROM things").first?.contains("are not in A") == true)
        #expect(check("-- NoSuchStatement\nSELECT alpha").first?.contains("names no statement") == true)
        #expect(check("SELECT alpha, beta, gamma FROM others").first?.contains("Closest is A") == true)
        #expect(check("VACUUM").first?.contains("none comes close") == true)
        #expect(Self.excerpts(in: "text\n\n\(Self.notAQuote)\n```sql\nVACUUM\n```\n```sql\nVACUUM\n```").map(\.isQuote) == [false, true])
        #expect(SQLText.strippingComments("SELECT '--not a comment' -- a comment\nFROM t") == "SELECT '--not a comment' \nFROM t")
    }

    @Test("the statement list covers every prepared statement under Sources/WharfPostgres/SQL/")
    func everyStatementIsListed() throws {
        let folder = Self.root.appendingPathComponent("Sources/WharfPostgres/SQL")
        var declared: Set<String> = []
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".swift") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("struct ") {
                declared.insert(String(line.dropFirst("struct ".count).prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" })))
            }
        }
        let listed = Set(Self.statements.map { String(describing: $0) })
        #expect(declared.count >= 30, "found only \(declared.count) statement types under Sources/WharfPostgres/SQL/")
        #expect(declared.subtracting(listed).sorted() == [], "add these to SQLDocsDriftTests.statements")
        #expect(listed.subtracting(declared).sorted() == [], "these are not declared under Sources/WharfPostgres/SQL/")
    }

    // MARK: - scripts/bench.sh

    /// What scripts/bench.sh's pgbench loop puts where JobClaim binds a parameter: the queue it
    /// loads, pgbench's batch-size variable, a worker name, and a 30 s lease in microseconds.
    static let benchClaimValues: [Int: String] = [1: "'raw'", 2: ":batch", 3: "'pgbench'", 4: "30000000"]
    /// ... and where JobCompleteMany does: the claimed ids and tokens, which `\gset` stored.
    static let benchCompleteValues: [Int: String] = [1: ":ids", 2: ":tokens"]

    /// pgbench keeps no rows, so the script runs the claim inside a CTE, and `\gset` stores the
    /// claimed ids and tokens as array literals in the variables `ids` and `tokens`.
    static func benchClaim(_ claim: String) -> String {
        [
            "WITH claimed AS (",
            claim,
            ")",
            "SELECT quote_literal(coalesce(array_agg(id), '{}')::text) AS ids, quote_literal(coalesce(array_agg(lease_token), '{}')::text) AS tokens FROM claimed \\gset",
        ].joined(separator: "\n")
    }

    /// A pgbench script ends an SQL command with `;` (or with a meta-command such as `\gset`).
    static func benchComplete(_ complete: String) -> String {
        complete + ";"
    }

    /// `sql` with each `$n` replaced by `values[n]` (kept as it is when `values` has no entry),
    /// and the parameters it found.
    static func substituting(_ values: [Int: String], in sql: String) -> (sql: String, parameters: Set<Int>) {
        var result = ""
        var parameters: Set<Int> = []
        var index = sql.startIndex
        while index < sql.endIndex {
            if sql[index] == "$" {
                let digits = sql[sql.index(after: index)...].prefix(while: { $0.isASCII && $0.isNumber })
                if let number = Int(digits) {
                    parameters.insert(number)
                    result += values[number] ?? "$\(digits)"
                    index = digits.endIndex
                    continue
                }
            }
            result.append(sql[index])
            index = sql.index(after: index)
        }
        return (result, parameters)
    }

    /// Where two normalized texts part; nil when they are equal.
    static func difference(script: String, expected: String) -> String? {
        guard script != expected else { return nil }
        let common = zip(script, expected).prefix(while: { pair in pair.0 == pair.1 }).count
        return "after `…\(script.prefix(common).suffix(50))` the heredoc has `\(script.dropFirst(common).prefix(70))` where it should have `\(expected.dropFirst(common).prefix(70))`"
    }

    @Test("scripts/bench.sh runs JobClaim and JobCompleteMany as they are, with pgbench values for their parameters")
    func benchRunsWharfsStatements() throws {
        let script = try String(contentsOf: Self.root.appendingPathComponent("scripts/bench.sh"), encoding: .utf8)
        let lines = script.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
        let start = try #require(lines.firstIndex(of: #"cat > "$dir/wharf-sql.sql" <<'SQL'"#), "scripts/bench.sh has no wharf-sql.sql heredoc")
        let end = try #require(lines[(start + 1)...].firstIndex(of: "SQL"), "the wharf-sql.sql heredoc in scripts/bench.sh has no closing SQL line")
        let heredoc = lines[(start + 1)..<end].joined(separator: "\n")
        let gset = try #require(heredoc.range(of: "\\gset"), "the wharf-sql.sql heredoc has no \\gset ending the claim")

        let claim = Self.substituting(Self.benchClaimValues, in: SQLText.strippingComments(JobClaim.sql))
        let complete = Self.substituting(Self.benchCompleteValues, in: SQLText.strippingComments(JobCompleteMany.sql))
        #expect(claim.parameters == Set(Self.benchClaimValues.keys), "JobClaim's parameters changed: update SQLDocsDriftTests.benchClaimValues and the heredoc")
        #expect(complete.parameters == Set(Self.benchCompleteValues.keys), "JobCompleteMany's parameters changed: update SQLDocsDriftTests.benchCompleteValues and the heredoc")

        let fix = "Update the wharf-sql.sql heredoc in scripts/bench.sh: the statement's sql (comments may go), with its parameters replaced as SQLDocsDriftTests.benchClaimValues and benchCompleteValues say, the claim inside the CTE that ends in \\gset."
        if let difference = Self.difference(
            script: SQLText.normalized(String(heredoc[..<gset.upperBound])), expected: SQLText.normalized(Self.benchClaim(claim.sql)))
        {
            Issue.record("scripts/bench.sh's claim is not JobClaim.sql: \(difference). \(fix)")
        }
        if let difference = Self.difference(
            script: SQLText.normalized(String(heredoc[gset.upperBound...])), expected: SQLText.normalized(Self.benchComplete(complete.sql)))
        {
            Issue.record("scripts/bench.sh's completion is not JobCompleteMany.sql: \(difference). \(fix)")
        }
        // The statements name no schema, as Wharf's do, so the run has to set the search_path.
        let run = lines.first(where: { $0.contains(#"-f "$dir/wharf-sql.sql""#) })
        #expect(run?.contains("search_path=wharf") == true, "the pgbench run of wharf-sql.sql must set search_path=wharf (PGOPTIONS)")
    }
}

/// The text operations both comparisons use.
enum SQLText {
    /// `sql` without its `--` comments (each up to the end of its line). A `--` inside a quoted
    /// literal is kept; the statements hold no other kind of quoting around one.
    static func strippingComments(_ sql: String) -> String {
        var result = ""
        var inLiteral = false
        var inComment = false
        var previous: Character?
        for character in sql {
            if inComment {
                if character.isNewline {
                    inComment = false
                    result.append(character)
                }
                continue
            }
            if character == "'" { inLiteral.toggle() }
            if !inLiteral, character == "-", previous == "-" {
                // `previous` is always the last character appended, so there is one to remove.
                result.removeLast()
                inComment = true
                previous = nil
                continue
            }
            result.append(character)
            previous = character
        }
        return result
    }

    /// Runs of whitespace collapsed to one space, and none at either end.
    static func collapsingWhitespace(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    static func normalized(_ sql: String) -> String {
        collapsingWhitespace(strippingComments(sql))
    }
}
