import Foundation
import PropertyBased
import Testing
import WharfCore

/// Every value type's validation, with generated input: whatever comes in, the parser either
/// returns a value inside its documented range or throws a ValidationError that names the
/// field. None of them may trap.
@Suite("Input ranges: total conversions, durations, timestamps, names, JSON, secrets")
struct InputRangeTests {
    // MARK: total conversions

    @Test("saturating conversions clamp NaN, infinities and out-of-range values instead of trapping")
    func saturatingEdges() {
        #expect(Int64(saturating: .nan) == 0)
        #expect(Int64(saturating: .infinity) == .max)
        #expect(Int64(saturating: -.infinity) == .min)
        #expect(Int64(saturating: 1e300) == .max)
        #expect(Int64(saturating: -1e300) == .min)
        #expect(Int64(saturating: 9.3e18) == .max)
        #expect(Int32(saturating: 3e9) == .max)
        #expect(UInt8(saturating: -1) == 0)
        #expect(Int64(saturating: 2.5) == 3)
        #expect(Int64(saturating: -2.4) == -2)
        #expect(Duration.saturating(seconds: -.infinity) < .zero)
        #expect(Duration.saturating(seconds: .nan) == .zero)
        // The value that crashed every worker: a wait measured from a run_at of -infinity.
        #expect(Int64(saturating: 9.2e12 * 1e9) == .max)
    }

    @Test("saturating conversion equals plain rounding wherever that is defined")
    func saturatingMatchesRounding() async {
        await propertyCheck(input: Gen.double(in: -9.2e18...9.2e18)) { value in
            #expect(Int64(saturating: value) == Int64(value.rounded()))
        }
    }

    @Test("microseconds of any duration never overflow")
    func microsecondsAreTotal() async {
        await propertyCheck(input: Gen.int64(in: .min ... .max)) { seconds in
            let micros = Duration.seconds(seconds).wharfMicroseconds
            if seconds > 9_223_372_036_854 { #expect(micros == .max) }
            if seconds < -9_223_372_036_854 { #expect(micros == .min) }
            if abs(seconds) < 9_000_000_000_000 { #expect(micros == seconds * 1_000_000) }
        }
    }

    // MARK: durations

    @Test("huge, negative, non-finite and zero durations are refused with the field named")
    func durationLimits() throws {
        for (text, rule) in [
            ("99999999999d", "limit"), ("1e300", "limit"), ("3651d", "limit"), ("-5s", "contains \"-\""), ("inf", "finite"),
            ("nan", "finite"), ("1e400", "finite"),
        ] {
            #expect {
                try DurationParsing.parse(text, field: "lease_ttl")
            } throws: { error in
                guard let error = error as? ValidationError else { return false }
                return error.field == "lease_ttl" && error.rule.contains(rule)
            }
        }
        #expect(throws: ValidationError.self) { try DurationParsing.parse("0s", field: "timeout", range: DurationParsing.positive) }
        #expect(throws: ValidationError.self) { try DurationParsing.check(seconds: -1, field: "delay_seconds") }
        #expect(throws: ValidationError.self) { try DurationParsing.check(seconds: .infinity, field: "delay_seconds") }
        #expect(try DurationParsing.parse("0s", field: "grace_period") == .zero)
        #expect(try DurationParsing.parse("3650d", field: "retention") == DurationParsing.maximum)
        #expect(try DurationParsing.parse("1h30m", field: "x") == .seconds(5400))
    }

    @Test("every whole number of seconds within the limit round-trips through its text")
    func durationsRoundTrip() async {
        let units = Gen<String?>.element(of: ["s", "ms", ""]).compactMap { $0 }
        await propertyCheck(input: Gen.int(in: 0...(3650 * 86_400)), units) { seconds, unit in
            let text = unit == "ms" ? "\(seconds)000ms" : "\(seconds)\(unit)"
            #expect((try? DurationParsing.parse(text, field: "d")) == .seconds(seconds))
        }
    }

    @Test("any text either parses into the accepted range or is refused; nothing traps")
    func durationsAreTotal() async {
        let alphabet = Gen<Character?>.element(of: Array("0123456789.-+e smhdx\u{0}٣é") as [Character]).compactMap { $0 }
        await propertyCheck(count: 500, input: alphabet.string(of: 0...14)) { text in
            do {
                let duration = try DurationParsing.parse(text, field: "d")
                #expect(DurationParsing.anyLength.contains(duration))
            } catch {
                #expect((error as? ValidationError)?.field == "d")
            }
        }
    }

    // MARK: timestamps

    @Test("run_at outside 1970-9999 is refused at every door's shared check", arguments: [
        "0001-01-01T00:00:00Z", "1700-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "10000-01-01T00:00:00Z",
    ])
    func timestampsOutOfRange(text: String) {
        #expect {
            try Timestamps.parse(text, field: "run_at")
        } throws: { error in
            guard let error = error as? ValidationError else { return false }
            return error.field == "run_at" && (error.rule.contains("accepted range") || error.rule.contains("ISO 8601"))
        }
    }

    @Test("instants inside the range are accepted, with or without fractions and offsets")
    func timestampsInRange() throws {
        #expect(try Timestamps.parse("1970-01-01T00:00:00Z", field: "run_at") == Timestamps.earliest)
        #expect(try Timestamps.parse("9999-12-31T23:59:59Z", field: "run_at") == Timestamps.latest)
        #expect(try Timestamps.parse("2026-12-01T10:00:00.250+01:00", field: "run_at").timeIntervalSince1970 == 1_796_115_600.25)
        #expect(throws: ValidationError.self) { try EnqueueOptions(schedule: .at(Date(timeIntervalSince1970: -1))) }
        #expect(throws: ValidationError.self) { try EnqueueOptions(schedule: .at(Date(timeIntervalSince1970: 253_402_300_800))) }
        #expect(throws: ValidationError.self) { try EnqueueOptions(schedule: .after(.seconds(3651 * 86_400))) }
    }

    @Test("any instant is either in range or refused, and always printable")
    func timestampsAreTotal() async {
        await propertyCheck(count: 500, input: Gen.double(in: -1e14...1e14)) { seconds in
            let date = Date(timeIntervalSince1970: seconds)
            let inRange = (0...253_402_300_799).contains(seconds)
            #expect((try? Timestamps.check(date, field: "run_at")) != nil ? inRange : !inRange)
            #expect(!Timestamps.describe(date).isEmpty)
        }
        #expect(Timestamps.describe(Date(timeIntervalSince1970: -.infinity)) == "-infinity")
    }

    // MARK: names and keys

    @Test("any text is a valid queue name exactly when it matches the SQL CHECK's pattern")
    func queueNamesMatchTheConstraint() async {
        let pattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/
        let alphabet = Gen<Character?>.element(of: Array("aZ09_.:-/ é\u{0}\n") as [Character]).compactMap { $0 }
        await propertyCheck(count: 500, input: alphabet.string(of: 0...70)) { text in
            let accepted = (try? QueueName(text)) != nil
            #expect(accepted == (text.wholeMatch(of: pattern) != nil))
        }
    }

    @Test("unique keys are counted as PostgreSQL's length() counts them: Unicode scalars")
    func uniqueKeyLength() throws {
        let flag = "🇩🇪"  // one Character, two scalars
        #expect(try UniqueKey(String(repeating: flag, count: 127)).rawValue.unicodeScalars.count == 254)
        #expect(throws: ValidationError.self) { try UniqueKey(String(repeating: flag, count: 128)) }
        #expect(throws: ValidationError.self) { try UniqueKey("a\u{0}b") }
    }

    @Test("a retry policy reports every problem, not just the first")
    func retryPolicyProblems() {
        let problems = RetryPolicy.problems(base: .zero, cap: .seconds(-1), maxAttempts: 0)
        #expect(problems.map(\.field) == ["retry.base", "retry.cap", "retry.max_attempts"])
    }

    // MARK: JSON values

    @Test("configuration JSON keeps its types apart and refuses what Foundation would accept")
    func jsonValueIsStrict() throws {
        let value = try JSONValue.parse(#"{"a": true, "b": 1, "c": 1.5, "d": "x", "e": null, "f": [1]}"#)
        #expect(value["a"] == .bool(true))
        #expect(value["b"] == .integer(1))
        #expect(value["c"] == .number(1.5))
        #expect(value["d"] == .string("x"))
        #expect(value["e"] == .null)
        #expect(value["f"] == .array([.integer(1)]))
        #expect {
            try JSONValue.parse("{\n  \"queues\": {\"default\": 10,}\n}")
        } throws: { error in
            (error as? JSONSyntax.Problem).map { $0.line == 2 && $0.column == 28 } ?? false
        }
    }

    @Test("generated JSON documents parse back to the same values")
    func jsonRoundTrips() async throws {
        let scalar = Gen.oneOf(
            Gen.int(in: -1_000_000...1_000_000).map { JSONValue.integer($0) },
            Gen.bool.map { JSONValue.bool($0) },
            Gen.letterOrNumber.string(of: 0...8).map { JSONValue.string($0) },
            Gen.always(JSONValue.null))
        let member = zip(Gen.letter.string(of: 1...6), scalar)
        await propertyCheck(count: 300, input: member.array(of: 0...6)) { members in
            var seen = Set<String>()
            let unique = members.filter { seen.insert($0.0).inserted }
            let document = JSONValue.object(unique.map { (key: $0.0, value: $0.1) })
            let text = "{" + unique.map { "\"\($0.0)\": \(render($0.1))" }.joined(separator: ", ") + "}"
            let parsed = try JSONValue.parse(text)
            for (key, value) in unique { #expect(parsed[key] == value) }
            #expect(unique.count == { if case .object(let m) = parsed { return m.count } else { return -1 } }())
            _ = document
        }
    }

    private func render(_ value: JSONValue) -> String {
        switch value {
        case .integer(let n): "\(n)"
        case .bool(let b): "\(b)"
        case .string(let s): "\"\(s)\""
        case .null: "null"
        default: "null"
        }
    }

    // MARK: secrets

    @Test("a secret prints as <redacted> in every way a value reaches text")
    func secretsAreRedacted() {
        struct Holder { var name = "hook"; var secret = Secret("hunter2-signing-key") }
        let secret = Secret("hunter2-signing-key")
        var dumped = ""
        dump(Holder(), to: &dumped)
        for text in ["\(secret)", String(describing: secret), String(reflecting: secret), String(describing: Holder()),
                     String(reflecting: Holder()), dumped, "\([secret])", "\(Optional(secret) as Any)"] {
            #expect(!text.contains("hunter2"), "leaked in: \(text)")
        }
        #expect(String(describing: Holder()).contains("<redacted>"))
        #expect(secret.revealedText == "hunter2-signing-key")
    }
}
