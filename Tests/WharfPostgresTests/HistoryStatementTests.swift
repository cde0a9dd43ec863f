import Foundation
import PostgresNIO
import Testing
import WharfCore
@testable import WharfPostgres

/// Every `history_entry(event, from, to, …)` that SQL appends (the statements and the
/// migrations' functions) names a ``JobEvent`` and ``JobPlacement``s that ``JobStateMachine``
/// allows: nothing in SQL writes a move the machine would refuse, and every event the machine
/// knows is written by some statement. No database: the texts are read.
@Suite("History written by SQL follows the state machine")
struct HistoryStatementTests {
    /// One `history_entry(...)` call found in a source.
    struct Call: CustomStringConvertible {
        var source: String
        var arguments: [String]
        var description: String { "\(source): history_entry(\(arguments.joined(separator: ", ")))" }
    }

    /// Statements whose `from` is the row's own state: the states their WHERE clause allows,
    /// which the test also finds in the statement's text.
    static let stateFrom: [String: (placements: [JobPlacement], guardText: String)] = [
        "JobCancel": ([.state(.available), .state(.running)], "j.state IN ('available', 'running')")
    ]

    static func calls() throws -> [Call] {
        var texts = SQLDocsDriftTests.statements.map { (String(describing: $0), $0.sql) }
        let folder = SQLDocsDriftTests.root.appendingPathComponent("migrations")
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).filter({ $0.hasSuffix(".sql") }).sorted() {
            texts.append(("migrations/\(file)", try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)))
        }
        var calls: [Call] = []
        for (source, text) in texts {
            var rest = Substring(SQLText.strippingComments(text))
            while let start = rest.range(of: "history_entry(") {
                rest = rest[start.upperBound...]
                let arguments = Self.arguments(&rest)
                // The function's own definition (`history_entry(event text, …)`) is not a call.
                if arguments.first?.hasPrefix("event ") == true { continue }
                calls.append(Call(source: source, arguments: arguments))
            }
        }
        return calls
    }

    /// The comma-separated arguments up to the closing parenthesis, nested parentheses kept.
    static func arguments(_ text: inout Substring) -> [String] {
        var arguments: [String] = [], current = "", depth = 0, inLiteral = false
        while let character = text.popFirst() {
            if character == "'" { inLiteral.toggle() }
            if !inLiteral {
                if character == "(" { depth += 1 }
                if character == ")" {
                    if depth == 0 { break }
                    depth -= 1
                }
                if character == ",", depth == 0 {
                    arguments.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
                    current = ""
                    continue
                }
            }
            current.append(character)
        }
        arguments.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
        return arguments
    }

    /// `'text'` as `text`; `nil` for anything that is not a literal.
    static func literal(_ argument: String) -> String? {
        guard argument.count >= 2, argument.hasPrefix("'"), argument.hasSuffix("'") else { return nil }
        return String(argument.dropFirst().dropLast())
    }

    /// Where a call says the job came from: one placement for a literal or NULL, the WHERE
    /// clause's states for the row's own state.
    static func fromPlacements(_ call: Call, sql: String?) -> [JobPlacement]? {
        let argument = call.arguments[1]
        if argument == "NULL" { return [.new] }
        if let name = literal(argument) { return JobPlacement(historyName: name).map { [$0] } }
        guard let dynamic = stateFrom[call.source], let sql, sql.contains(dynamic.guardText) else { return nil }
        return dynamic.placements
    }

    @Test("every history_entry in SQL is a move JobStateMachine allows, from where the statement's WHERE clause allows")
    func everyWrittenMoveIsLegal() throws {
        let calls = try Self.calls()
        let sqlByName = Dictionary(SQLDocsDriftTests.statements.map { (String(describing: $0), $0.sql) }) { first, _ in first }
        #expect(calls.count >= 12, "found only \(calls.count) history_entry calls; has the parsing broken? \(calls)")
        for call in calls {
            guard call.arguments.count == 5 else {
                Issue.record("\(call): expected 5 arguments (event, from, to, attempt, worker)")
                continue
            }
            guard let eventName = Self.literal(call.arguments[0]), let event = JobEvent(rawValue: eventName) else {
                Issue.record("\(call): the event is not a JobEvent raw value (\(JobEvent.allCases.map(\.rawValue)))")
                continue
            }
            guard let toName = Self.literal(call.arguments[2]), let to = JobPlacement(historyName: toName) else {
                Issue.record("\(call): the target is not a literal JobPlacement name")
                continue
            }
            guard let froms = Self.fromPlacements(call, sql: sqlByName[call.source]) else {
                Issue.record("\(call): the source placement is neither NULL, a literal, nor a state this test knows the WHERE clause of (stateFrom)")
                continue
            }
            for from in froms {
                do {
                    let transition = try JobStateMachine.apply(event, from: from)
                    #expect(transition.to == to, "\(call): the machine takes \(event.rawValue) from \(from) to \(transition.to), the SQL writes \(to)")
                } catch {
                    Issue.record("\(call): \(error)")
                }
            }
        }
    }

    @Test("every event the state machine knows is written by some statement")
    func everyEventIsWritten() throws {
        let written = Set(try Self.calls().compactMap { $0.arguments.first.flatMap(Self.literal) })
        for event in JobEvent.allCases {
            #expect(written.contains(event.rawValue), "no SQL writes the \(event.rawValue) event")
        }
    }

    @Test("the parser reads literals, NULL, nested calls and the row's own state")
    func parserReadsCalls() {
        var text = Substring("'claimed', 'available', 'running', least(j.attempt, 1000) + 1, $3) || rest")
        #expect(Self.arguments(&text) == ["'claimed'", "'available'", "'running'", "least(j.attempt, 1000) + 1", "$3"])
        #expect(text == " || rest")
        let cancel = Call(source: "JobCancel", arguments: ["'cancelled'", "j.state", "'cancelled'", "j.attempt", "NULL"])
        #expect(Self.fromPlacements(cancel, sql: "WHERE j.id = $1 AND j.state IN ('available', 'running')") == [.state(.available), .state(.running)])
        #expect(Self.fromPlacements(cancel, sql: "WHERE j.id = $1") == nil, "a cancel without its state guard is not accepted")
        #expect(Self.fromPlacements(Call(source: "X", arguments: ["'enqueued'", "NULL", "'available'", "0", "NULL"]), sql: nil) == [.new])
    }
}
