import Testing
import WharfCore

@Suite("Validation of names, payloads and options")
struct ValidationTests {
    @Test("valid queue names are accepted", arguments: ["default", "mail", "a", "billing.eu-1", "x:y_z", String(repeating: "q", count: 64)])
    func validQueueNames(name: String) throws {
        #expect(try QueueName(name).rawValue == name)
    }

    @Test(
        "invalid queue names are rejected with the rule broken",
        arguments: [("", "must not be empty"), ("-mail", "must start with a letter or digit"), ("ma il", "contains \" \""),
                    ("mail/eu", "contains \"/\""), (String(repeating: "q", count: 65), "the limit is 64")])
    func invalidQueueNames(name: String, rule: String) {
        #expect {
            try QueueName(name)
        } throws: { error in
            guard let error = error as? ValidationError else { return false }
            return error.field == "queue" && error.rule.contains(rule)
        }
    }

    @Test("kinds may contain slashes, queues may not")
    func kindsMayContainSlashes() throws {
        #expect(try JobKind("billing/invoice.send").rawValue == "billing/invoice.send")
        #expect(throws: ValidationError.self) { try QueueName("billing/invoice") }
    }

    @Test("priority must be 0-9", arguments: [-1, 10, 100])
    func priorityRange(value: Int) {
        #expect(throws: ValidationError.self) { try Priority(value) }
    }

    @Test("max attempts must be 1-1000 and a delay must not be negative")
    func enqueueOptionsRanges() {
        #expect(throws: ValidationError.self) { try EnqueueOptions(maxAttempts: 0) }
        #expect(throws: ValidationError.self) { try EnqueueOptions(maxAttempts: 1001) }
        #expect(throws: ValidationError.self) { try EnqueueOptions(schedule: .after(.seconds(-1))) }
        #expect(EnqueueOptions.default.maxAttempts == 20)
    }

    @Test("job ids parse from positive integers only", arguments: ["0", "-3", "abc", "", "1.5"])
    func jobIDsParse(text: String) {
        #expect(throws: ValidationError.self) { try JobID(parsing: text) }
    }

    @Test("a payload over 1 MiB is refused with its size")
    func oversizePayloadRefused() {
        let big = "\"" + String(repeating: "x", count: JobPayload.maxBytes) + "\""
        #expect {
            try JobPayload(json: big)
        } throws: { ($0 as? ValidationError)?.rule.contains("1 MiB") == true }
    }

    @Test("a bad payload's error names the source and the position")
    func badPayloadErrorNamesSourceAndPosition() {
        #expect {
            try JobPayload(json: "{\n  \"a\": [1,, 2]\n}", source: "payload (from file job.json)")
        } throws: { error in
            let text = "\(error)"
            return text.contains("payload (from file job.json)") && text.contains("line 2, column 11")
        }
    }
}

@Suite("Duration parsing")
struct DurationParsingTests {
    @Test(
        "human durations parse",
        arguments: [("250ms", Duration.milliseconds(250)), ("30s", .seconds(30)), ("5m", .seconds(300)), ("1h30m", .seconds(5400)),
                    ("2d", .seconds(172_800)), ("1.5", .milliseconds(1500)), ("0", .zero), (" 10s ", .seconds(10))])
    func humanDurationsParse(text: String, expected: Duration) throws {
        #expect(try DurationParsing.parse(text, field: "delay") == expected)
    }

    @Test("bad durations say what is wrong", arguments: [("", "is empty"), ("5x", "unknown unit"), ("m", "without a number"), ("-5", "non-negative"), ("5s!", "contains")])
    func badDurations(text: String, rule: String) {
        #expect {
            try DurationParsing.parse(text, field: "delay")
        } throws: { ($0 as? ValidationError)?.rule.contains(rule) == true }
    }
}
