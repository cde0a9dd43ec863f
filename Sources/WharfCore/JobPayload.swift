/// A job's arguments: one JSON value, kept as its UTF-8 text. Checked to be well-formed JSON
/// when made, so a bad payload is rejected with its position before anything is written.
public struct JobPayload: Hashable, Sendable, CustomStringConvertible {
    /// The JSON text, exactly as given (the database normalises it to `jsonb`).
    public let json: String
    /// Largest payload accepted: 1 MiB. Job tables are hot; big blobs belong elsewhere.
    public static let maxBytes = 1 << 20
    public static let empty = JobPayload(unchecked: "{}")

    public init(json: String, source: String = "payload") throws(ValidationError) {
        let byteCount = json.utf8.count
        guard byteCount <= Self.maxBytes else {
            throw ValidationError(
                field: source, value: "\(byteCount) bytes", rule: "is larger than the 1 MiB limit",
                hint: "store large data elsewhere and put a reference in the payload")
        }
        do {
            try JSONSyntax.check(json)
        } catch {
            throw ValidationError(
                field: source, value: json, rule: "is not valid JSON: \(error)",
                hint: "pass one JSON value, for example '{\"user_id\": 42}'")
        }
        self.json = json
    }

    public init(unchecked json: String) { self.json = json }
    public var description: String { json }
}
