import Foundation
import WharfCore

/// Where commands write. Tests swap the sinks with `Output.$sinks.withValue` to run commands
/// in-process and read what they printed.
enum Output {
    struct Sinks: Sendable {
        var out: @Sendable (String) -> Void
        var err: @Sendable (String) -> Void
    }

    @TaskLocal static var sinks = Sinks(
        out: { print($0) },
        err: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })

    static func line(_ text: String) { sinks.out(text) }
    static func error(_ text: String) { sinks.err(text) }

    /// Prints a JSON document with sorted keys.
    static func json(_ object: Any) {
        let options: JSONSerialization.WritingOptions = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: options) else {
            error("error: could not encode output as JSON")
            return
        }
        line(String(decoding: data, as: UTF8.self))
    }

    /// Columns padded to their widest cell.
    static func table(_ header: [String], _ rows: [[String]]) {
        let widths = header.indices.map { column in
            ([header[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        func render(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        line(render(header))
        rows.forEach { line(render($0)) }
    }

    static func timestamp(_ date: Date?) -> String {
        guard let date else { return "-" }
        return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// "in 5m" / "3s ago" next to scheduled times: easier to read than two timestamps.
    static func relative(_ date: Date, now: Date = Date()) -> String {
        let seconds = Int(date.timeIntervalSince(now).rounded())
        let magnitude = abs(seconds)
        let text =
            magnitude < 60 ? "\(magnitude)s"
            : magnitude < 3600 ? "\(magnitude / 60)m"
            : magnitude < 86_400 ? "\(magnitude / 3600)h" : "\(magnitude / 86_400)d"
        return seconds > 0 ? "in \(text)" : "\(text) ago"
    }
}

// MARK: - JSON shapes (documented in README: "JSON output")

extension Job {
    var jsonObject: [String: Any] {
        var object: [String: Any] = [
            "id": id.rawValue, "queue": queue.rawValue, "kind": kind.rawValue, "priority": priority.rawValue,
            "state": state.rawValue, "attempt": attempt, "max_attempts": maxAttempts,
            "run_at": Output.timestamp(runAt), "created_at": Output.timestamp(createdAt),
            "payload": payloadObject(payload),
            "errors": errors.map(\.jsonObject), "history": history.map(\.jsonObject),
        ]
        object["unique_key"] = uniqueKey?.rawValue ?? NSNull()
        object["started_at"] = startedAt.map { Output.timestamp($0) } ?? NSNull()
        object["finished_at"] = finishedAt.map { Output.timestamp($0) } ?? NSNull()
        if let lease {
            object["lease"] = ["owner": lease.owner.rawValue, "token": lease.token.rawValue, "expires_at": Output.timestamp(lease.expiresAt)]
        } else {
            object["lease"] = NSNull()
        }
        return object
    }
}

extension DeadJob {
    var jsonObject: [String: Any] {
        var object = job.jsonObject
        object["state"] = "dead"
        object["lease"] = nil
        object["finished_at"] = nil
        object["died_at"] = Output.timestamp(diedAt)
        object["reason"] = reason.rawValue
        return object
    }
}

extension AttemptError {
    var jsonObject: [String: Any] {
        ["attempt": attempt, "at": Output.timestamp(at), "error": error, "worker": worker ?? NSNull()]
    }
}

extension HistoryEntry {
    var jsonObject: [String: Any] {
        ["at": Output.timestamp(at), "event": event, "from": from ?? NSNull(), "to": to, "attempt": attempt, "worker": worker ?? NSNull()]
    }
}

private func payloadObject(_ payload: JobPayload) -> Any {
    (try? JSONSerialization.jsonObject(with: Data(payload.json.utf8), options: [.fragmentsAllowed])) ?? payload.json
}
