import Testing
import WharfCore

@Suite("Strict JSON syntax check")
struct JSONSyntaxTests {
    @Test(
        "valid JSON passes",
        arguments: ["{}", "[]", "0", "-1.5e+10", "\"x\"", "true", "null", "{\"a\": [1, {\"b\": null}], \"c\": \"\\u00e9\\n\"}",
                    " \n {\"é\": \"ü\"} \t", "[0.0, 1E3, -0]"])
    func validJSONPasses(text: String) throws {
        try JSONSyntax.check(text)
    }

    @Test(
        "invalid JSON is located by line and column",
        arguments: [
            ("{\"a\":1,}", 1, 8, "member name"),
            ("[1,2", 1, 5, "expected ',' or ']'"),
            ("{\n  \"a\": 1,\n  \"b\": [1, 2,, 3]\n}", 3, 14, "expected a value"),
            ("{'a':1}", 1, 2, "member name"),
            ("", 1, 1, "expected a value"),
            ("{\"a\": 1} x", 1, 10, "after the end"),
            ("\"abc", 1, 5, "unterminated string"),
            ("01", 1, 2, "leading zeros"),
            ("\"\\q\"", 1, 2, "invalid escape"),
            ("\"\\u0000\"", 1, 2, "jsonb cannot store"),
            ("[1.]", 1, 4, "after '.'"),
            ("{\"é\": \"ü\" \"x\"}", 1, 11, "expected ',' or '}'"),
            ("nul", 1, 1, "expected null"),
        ])
    func invalidJSONIsLocated(text: String, line: Int, column: Int, message: String) {
        #expect {
            try JSONSyntax.check(text)
        } throws: { error in
            guard let problem = error as? JSONSyntax.Problem else { return false }
            return problem.line == line && problem.column == column && problem.message.contains(message)
        }
    }

    @Test("nesting beyond the limit is refused rather than overflowing the stack")
    func deepNestingIsRefused() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntax.Problem.self) { try JSONSyntax.check(deep) }
    }
}

@Suite("Batch deduplication by unique key")
struct EnqueueDeduplicationTests {
    @Test("repeats of a key in one batch fold onto the first; keyless requests never fold")
    func repeatsFoldOntoTheFirst() throws {
        let kind = try JobKind("k")
        func request(_ key: String?) throws -> EnqueueRequest {
            EnqueueRequest(kind: kind, options: try EnqueueOptions(uniqueKey: try key.map { k throws(ValidationError) in try UniqueKey(k) }))
        }
        let (unique, mapping) = EnqueueRequest.deduplicated([try request("a"), try request(nil), try request("a"), try request(nil), try request("b"), try request("b")])
        #expect(unique.map { $0.options.uniqueKey?.rawValue } == ["a", nil, nil, "b"])
        #expect(mapping == [0, 1, 0, 2, 3, 3])
    }
}

@Suite("Duplicate member names")
struct JSONDuplicateKeyTests {
    @Test("refused where asked, with the place, in nested objects too; allowed by default, as JSON allows them")
    func duplicateKeys() throws {
        #expect {
            try JSONSyntax.check(#"{"a": 1, "a": 2}"#, refusingDuplicateKeys: true)
        } throws: { "\($0)" == "line 1, column 10: the member name \"a\" appears twice in this object; keep one" }
        #expect(throws: JSONSyntax.Problem.self) { try JSONSyntax.check(#"{"x": {"b": 1, "c": 2, "b": 3}}"#, refusingDuplicateKeys: true) }
        try JSONSyntax.check(#"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}"#, refusingDuplicateKeys: true)
        try JSONSyntax.check(#"{"a": 1, "a": 2}"#)
    }
}
