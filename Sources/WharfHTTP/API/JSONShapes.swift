public import Foundation
public import WharfCore

// The JSON shapes of jobs, dead jobs, errors and history entries, shared by the admin API and
// the CLI's --json output (documented in README, "JSON shapes").

public enum JSONShapes {
    /// ISO 8601 with milliseconds, UTC.
    public static func timestamp(_ date: Date?) -> String {
        guard let date else { return "-" }
        // A row written around the checks (`-infinity`, year 1) still prints, as what it is.
        return Timestamps.describe(date, fractionalSeconds: true)
    }

    /// Serialises a JSON object with sorted keys.
    public static func data(_ object: Any, pretty: Bool = false) -> Data {
        var options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        if pretty { options.insert(.prettyPrinted) }
        // Only ever called with dictionaries built from strings, numbers, NSNull and arrays.
        return (try? JSONSerialization.data(withJSONObject: object, options: options)) ?? Data("{}".utf8)
    }
}


extension Job {
    /// The job as the API and `--json` show it (documented in README, "JSON shapes").
    public var jsonObject: [String: Any] {
        var object: [String: Any] = [
            "id": id.rawValue, "queue": queue.rawValue, "kind": kind.rawValue, "priority": priority.rawValue,
            "state": state.rawValue, "attempt": attempt, "max_attempts": maxAttempts,
            "run_at": JSONShapes.timestamp(runAt), "created_at": JSONShapes.timestamp(createdAt),
            "payload": payloadObject(payload),
            "errors": errors.map(\.jsonObject), "history": history.map(\.jsonObject),
        ]
        object["unique_key"] = uniqueKey?.rawValue ?? NSNull()
        object["started_at"] = startedAt.map { JSONShapes.timestamp($0) } ?? NSNull()
        object["finished_at"] = finishedAt.map { JSONShapes.timestamp($0) } ?? NSNull()
        if let lease {
            object["lease"] = ["owner": lease.owner.rawValue, "token": lease.token.rawValue, "expires_at": JSONShapes.timestamp(lease.expiresAt)]
        } else {
            object["lease"] = NSNull()
        }
        return object
    }
}

extension DeadJob {
    public var jsonObject: [String: Any] {
        var object = job.jsonObject
        object["state"] = "dead"
        object["lease"] = nil
        object["finished_at"] = nil
        object["died_at"] = JSONShapes.timestamp(diedAt)
        object["reason"] = reason.rawValue
        return object
    }
}

extension AttemptError {
    public var jsonObject: [String: Any] {
        ["attempt": attempt, "at": JSONShapes.timestamp(at), "error": error, "worker": worker ?? NSNull()]
    }
}

extension HistoryEntry {
    public var jsonObject: [String: Any] {
        ["at": JSONShapes.timestamp(at), "event": event, "from": from ?? NSNull(), "to": to, "attempt": attempt, "worker": worker ?? NSNull()]
    }
}

private func payloadObject(_ payload: JobPayload) -> Any {
    (try? JSONSerialization.jsonObject(with: Data(payload.json.utf8), options: [.fragmentsAllowed])) ?? payload.json
}

extension WorkerInfo {
    /// A worker process with its load and counts since it started.
    public var jsonObject: [String: Any] {
        let total = activity.total
        return [
            "id": id.rawValue, "host": host, "pid": pid, "queues": queues.map(\.rawValue),
            "concurrency": concurrency, "running": activity.running, "version": version,
            "started_at": startedAt.map(JSONShapes.timestamp) ?? NSNull(),
            "heartbeat_at": heartbeatAt.map(JSONShapes.timestamp) ?? NSNull(),
            "heartbeat_age_seconds": heartbeatAt.map { Date().timeIntervalSince($0) as Any } ?? NSNull(),
            "completed": total.completed, "failed": total.failed, "dead_lettered": total.deadLettered,
        ]
    }
}
