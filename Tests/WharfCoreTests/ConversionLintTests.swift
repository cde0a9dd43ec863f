import Foundation
import Testing

/// `Int64(x)` of a floating value traps on NaN, infinity and out-of-range values, and values
/// computed from rows and user input can be all three (a `run_at` of `-infinity` took down every
/// worker that way). The rule: in Sources/, a line that converts to an integer type and
/// involves floating point must go through `init(saturating:)` (WharfCore's TotalConversions)
/// or `init(exactly:)`. A line is "floating" when it rounds, names Double/Float/TimeInterval,
/// uses `wharfSeconds` or holds a decimal or exponent literal. A heuristic, so it errs on the
/// side of flagging; a flagged line that is safe gets rewritten through the same helpers.
@Suite("Source lint: no trapping float-to-integer conversions")
struct ConversionLintTests {
    static let integerInit = #"(?<![A-Za-z0-9_.])U?Int(?:8|16|32|64)?\((?!\s*(?:saturating|exactly|clamping|truncatingIfNeeded|bitPattern):)(?![0-9]+\))"#
    static let floating = #"\.rounded|Double|Float|TimeInterval|timeInterval|[0-9]\.[0-9]|[0-9]e[0-9]|wharfSeconds"#

    static func violations(in text: String) -> [String] {
        let integerInit = try? NSRegularExpression(pattern: Self.integerInit)
        let floating = try? NSRegularExpression(pattern: Self.floating)
        func matches(_ regex: NSRegularExpression?, _ text: String) -> Bool {
            regex?.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line in
            let code = line.components(separatedBy: "//").first ?? ""
            guard matches(integerInit, code), matches(floating, code) else { return nil }
            return "line \(index + 1): \(line.trimmingCharacters(in: .whitespaces))"
        }
    }

    @Test("the rule flags the shapes that trapped and passes the safe ones")
    func ruleWorks() {
        #expect((try? NSRegularExpression(pattern: Self.integerInit)) != nil)
        #expect(Self.violations(in: "recordNanoseconds(Int64(max(0, value) * 1e9))").count == 1)
        #expect(Self.violations(in: "let n = Int((seconds * 1_000_000).rounded())").count == 1)
        #expect(Self.violations(in: "let n = Int64(date.timeIntervalSince1970)").count == 1)
        #expect(Self.violations(in: "recordNanoseconds(Int64(saturating: max(0, value) * 1e9))").isEmpty)
        #expect(Self.violations(in: "let n = Int64(exactly: 2.5)").isEmpty)
        #expect(Self.violations(in: "let n = Int(text) // a Double comment").isEmpty)
        #expect(Self.violations(in: "reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) }").isEmpty)
    }

    @Test("no source file converts floating point to an integer with a trapping initializer")
    func sourcesFollowTheRule() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(files.count > 50)
        var found: [String] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            found += Self.violations(in: text).map { "\(file.lastPathComponent) \($0)" }
        }
        #expect(found == [], "use Int64(saturating:) / Duration.saturating(seconds:) (WharfCore/TotalConversions.swift)")
    }
}
