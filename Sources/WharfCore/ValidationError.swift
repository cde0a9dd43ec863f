/// A value was rejected before it reached the database: says which field, what was given,
/// which rule it broke and what to do instead.
public struct ValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The field or argument that was wrong, for example `queue` or `payload`.
    public var field: String
    /// The rejected value, shortened for display.
    public var value: String
    /// The rule that was broken.
    public var rule: String
    /// What to do instead.
    public var hint: String?

    public init(field: String, value: String, rule: String, hint: String? = nil) {
        self.field = field
        self.value = value.count > 80 ? String(value.prefix(77)) + "..." : value
        self.rule = rule
        self.hint = hint
    }

    public var description: String {
        var text = "invalid \(field) \"\(value)\": \(rule)"
        if let hint { text += " (\(hint))" }
        return text
    }
}

/// Character-class checks shared by the name types; kept here so the rules match the SQL
/// CHECK constraints in migrations/0001_init.sql in one place on the Swift side.
enum NameRules {
    static func isAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
    }

    /// Checks `text` against: non-empty, at most `maxLength`, first character a letter or digit,
    /// the rest letters, digits or one of `extra`.
    static func check(_ text: String, field: String, maxLength: Int, extra: Set<Unicode.Scalar>) throws(ValidationError) {
        let allowed = "letters, digits and " + extra.map { String($0) }.sorted().joined(separator: " ")
        guard !text.isEmpty else {
            throw ValidationError(field: field, value: text, rule: "must not be empty", hint: "1-\(maxLength) characters: \(allowed)")
        }
        let scalars = Array(text.unicodeScalars)
        guard scalars.count <= maxLength else {
            throw ValidationError(field: field, value: text, rule: "is \(scalars.count) characters, the limit is \(maxLength)")
        }
        guard let first = scalars.first, isAlphanumeric(first) else {
            throw ValidationError(field: field, value: text, rule: "must start with a letter or digit")
        }
        if let bad = scalars.first(where: { !isAlphanumeric($0) && !extra.contains($0) }) {
            throw ValidationError(
                field: field, value: text, rule: "contains \"\(bad)\", which is not allowed",
                hint: "use \(allowed)")
        }
    }
}
