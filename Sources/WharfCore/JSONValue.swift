public import Foundation

/// A parsed JSON document with its types kept apart: `true` is not the number 1, `1.5` is not
/// an integer, and an object's keys keep their order. Parsing runs ``JSONSyntax/check(_:)``
/// first, so bad syntax (a trailing comma, which Foundation accepts) is refused with its line
/// and column, then decodes the values. For configuration files, where a lenient reading turns
/// `"concurrency": true` into 1.
public indirect enum JSONValue: Sendable, Equatable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// A number with no fraction or exponent that fits in Int.
    case integer(Int)
    /// Any other number.
    case number(Double)
    case bool(Bool)
    case null

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.array(let x), .array(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.integer(let x), .integer(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.bool(let x), .bool(let y)): x == y
        case (.null, .null): true
        default: false
        }
    }

    /// Parses `text`; throws ``JSONSyntax/Problem`` with line and column
    /// (``JSONSyntax/check(_:refusingDuplicateKeys:)`` says what `refusingDuplicateKeys` adds).
    public static func parse(_ text: String, refusingDuplicateKeys: Bool = false) throws(JSONSyntax.Problem) -> JSONValue {
        try JSONSyntax.check(text, refusingDuplicateKeys: refusingDuplicateKeys)
        do {
            return try JSONDecoder().decode(Decoded.self, from: Data(text.utf8)).value
        } catch {
            // The syntax check passed, so this is a value Foundation cannot represent.
            throw JSONSyntax.Problem(line: 1, column: 1, message: "cannot be decoded: \(error)")
        }
    }

    /// The name of the value's type, for messages: "a string", "true", "an object".
    public var typeDescription: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .integer, .number: "a number"
        case .bool(let value): "\(value)"
        case .null: "null"
        }
    }

    /// The member named `key` of an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.key == key })?.value
    }

    /// Decodes through a keyed container so that an object's keys keep their order.
    private struct Decoded: Decodable {
        var value: JSONValue

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            if let object = try? decoder.container(keyedBy: Key.self) {
                value = .object(try object.allKeys.map { key in (key.stringValue, try object.decode(Decoded.self, forKey: key).value) })
                return
            }
            if var array = try? decoder.unkeyedContainer() {
                var items: [JSONValue] = []
                while !array.isAtEnd { items.append(try array.decode(Decoded.self).value) }
                value = .array(items)
                return
            }
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                value = .null
            } else if let bool = try? single.decode(Bool.self) {
                value = .bool(bool)
            } else if let integer = try? single.decode(Int.self) {
                value = .integer(integer)
            } else if let number = try? single.decode(Double.self) {
                value = .number(number)
            } else {
                value = .string(try single.decode(String.self))
            }
        }
    }
}

extension JSONValue: Encodable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Writes the value back as the JSON it was: integers stay integers, keys keep their order
    /// (unless the encoder sorts them).
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .object(let members):
            var container = encoder.container(keyedBy: Key.self)
            for member in members { try container.encode(member.value, forKey: Key(stringValue: member.key)) }
        case .array(let items):
            var container = encoder.unkeyedContainer()
            for item in items { try container.encode(item) }
        case .string(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .integer(let number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .number(let number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .bool(let flag):
            var container = encoder.singleValueContainer()
            try container.encode(flag)
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        }
    }
}
