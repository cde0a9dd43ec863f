/// A password, token or signing key. It prints as `<redacted>` everywhere a value can end up in
/// text: `description`, `debugDescription`, string interpolation, `dump` and the reflection that
/// `String(describing:)` uses on a struct holding one (ServiceLifecycle logs services that way at
/// debug level). Code that needs the bytes asks for them by name, ``revealedBytes`` or
/// ``revealedText``, so a reader can find every use.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let bytes: [UInt8]

    public init(_ text: String) { bytes = Array(text.utf8) }
    public init(bytes: [UInt8]) { self.bytes = bytes }

    public static let redacted = "<redacted>"

    public var isEmpty: Bool { bytes.isEmpty }
    public var revealedBytes: [UInt8] { bytes }
    public var revealedText: String { String(decoding: bytes, as: UTF8.self) }

    public var description: String { Self.redacted }
    public var debugDescription: String { Self.redacted }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
