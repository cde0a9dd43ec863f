/// A strict RFC 8259 syntax check that says where a payload went wrong ("line 3, column 12:
/// expected a value, found ','"). Foundation's parser accepts some invalid JSON (a trailing
/// comma) and reports "end of file" without a place; PostgreSQL's jsonb would then reject the
/// job at insert time with a less helpful message. No values are built: it only walks the bytes.
public enum JSONSyntax {
    /// Where and why the text is not JSON.
    public struct Problem: Error, Equatable, Sendable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var message: String
        public var description: String { "line \(line), column \(column): \(message)" }
    }

    /// Deeper nesting is refused: PostgreSQL's parser has a stack limit, and no job needs it.
    public static let maxDepth = 512

    /// With `refusingDuplicateKeys`, an object that names a member twice is a problem too:
    /// JSON allows it and the last one wins, which in a config file silently drops the first
    /// (payloads keep JSON's rule, as jsonb does).
    public static func check(_ text: String, refusingDuplicateKeys: Bool = false) throws(Problem) {
        var scanner = Scanner(bytes: Array(text.utf8), refusingDuplicateKeys: refusingDuplicateKeys)
        scanner.skipWhitespace()
        try scanner.value(depth: 0)
        scanner.skipWhitespace()
        if !scanner.atEnd { throw scanner.problem("unexpected \(scanner.found) after the end of the JSON value") }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var refusingDuplicateKeys = false
        var index = 0

        var atEnd: Bool { index >= bytes.count }
        var current: UInt8? { atEnd ? nil : bytes[index] }

        /// The character at the cursor, for messages.
        var found: String {
            guard let byte = current else { return "the end of the text" }
            if byte < 0x20 { return "a control character" }
            let tail = bytes[index...].prefix(4)
            let scalar = String(decoding: tail, as: UTF8.self).first.map(String.init) ?? "?"
            return "'\(scalar)'"
        }

        func problem(_ message: String) -> Problem {
            var line = 1
            var column = 1
            for byte in bytes[..<min(index, bytes.count)] {
                if byte == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else if byte & 0xC0 != 0x80 {  // count characters, not UTF-8 continuation bytes
                    column += 1
                }
            }
            return Problem(line: line, column: column, message: message)
        }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        mutating func value(depth: Int) throws(Problem) {
            guard depth < JSONSyntax.maxDepth else { throw problem("nesting deeper than \(JSONSyntax.maxDepth) levels") }
            switch current {
            case UInt8(ascii: "{"): try object(depth: depth)
            case UInt8(ascii: "["): try array(depth: depth)
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case let byte? where byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte):
                try number()
            default:
                throw problem("expected a value (object, array, string, number, true, false or null), found \(found)")
            }
        }

        mutating func object(depth: Int) throws(Problem) {
            index += 1
            skipWhitespace()
            if current == UInt8(ascii: "}") { index += 1; return }
            var names = Set<ArraySlice<UInt8>>()
            while true {
                guard current == UInt8(ascii: "\"") else {
                    throw problem("expected a member name in double quotes, found \(found)")
                }
                let start = index
                try string()
                if refusingDuplicateKeys, !names.insert(bytes[start..<index]).inserted {
                    let name = String(decoding: bytes[start..<index], as: UTF8.self)
                    index = start
                    throw problem("the member name \(name) appears twice in this object; keep one")
                }
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw problem("expected ':' after the member name, found \(found)") }
                index += 1
                skipWhitespace()
                try value(depth: depth + 1)
                skipWhitespace()
                if current == UInt8(ascii: ",") {
                    index += 1
                    skipWhitespace()
                    continue
                }
                guard current == UInt8(ascii: "}") else { throw problem("expected ',' or '}' in the object, found \(found)") }
                index += 1
                return
            }
        }

        mutating func array(depth: Int) throws(Problem) {
            index += 1
            skipWhitespace()
            if current == UInt8(ascii: "]") { index += 1; return }
            while true {
                try value(depth: depth + 1)
                skipWhitespace()
                if current == UInt8(ascii: ",") {
                    index += 1
                    skipWhitespace()
                    continue
                }
                guard current == UInt8(ascii: "]") else { throw problem("expected ',' or ']' in the array, found \(found)") }
                index += 1
                return
            }
        }

        mutating func string() throws(Problem) {
            index += 1
            while let byte = current {
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return
                case UInt8(ascii: "\\"):
                    index += 1
                    guard let escaped = current else { break }
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                        UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        index += 1
                    case UInt8(ascii: "u"):
                        let digits = bytes[(index + 1)...].prefix(4)
                        guard digits.count == 4, digits.allSatisfy(\.isHexDigit) else {
                            throw problem("\\u must be followed by four hex digits")
                        }
                        if digits.allSatisfy({ $0 == UInt8(ascii: "0") }) {
                            index -= 1
                            throw problem("\\u0000 is valid JSON but PostgreSQL jsonb cannot store it")
                        }
                        index += 5
                    default:
                        index -= 1
                        throw problem("invalid escape \\\(String(decoding: [escaped], as: UTF8.self)) in a string")
                    }
                case 0x00..<0x20:
                    throw problem("control character in a string: write it escaped, like \\n or \\t")
                default:
                    index += 1
                }
            }
            throw problem("unterminated string: missing the closing '\"'")
        }

        mutating func literal(_ word: String) throws(Problem) {
            let expected = Array(word.utf8)
            guard bytes[index...].starts(with: expected) else {
                throw problem("expected \(word), found \(found)")
            }
            index += expected.count
        }

        mutating func number() throws(Problem) {
            if current == UInt8(ascii: "-") { index += 1 }
            guard let first = current, first.isDigit else { throw problem("expected a digit, found \(found)") }
            index += 1
            if first == UInt8(ascii: "0"), let next = current, next.isDigit {
                throw problem("numbers must not have leading zeros")
            }
            while let byte = current, byte.isDigit { index += 1 }
            if current == UInt8(ascii: ".") {
                index += 1
                guard let byte = current, byte.isDigit else { throw problem("expected a digit after '.', found \(found)") }
                while let byte = current, byte.isDigit { index += 1 }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard let byte = current, byte.isDigit else { throw problem("expected a digit in the exponent, found \(found)") }
                while let byte = current, byte.isDigit { index += 1 }
            }
        }
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
    fileprivate var isHexDigit: Bool {
        isDigit || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}
