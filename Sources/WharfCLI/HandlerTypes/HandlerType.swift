import WharfCore
import WharfRuntime

/// One handler type of the configuration file: the key that selects it under `kinds.<kind>`
/// and how its value becomes a handler. A new type is one conforming file plus its entry in
/// ``HandlerTypes/builtIn``; the file reader has no list of its own.
protocol HandlerType: Sendable {
    /// The key under `kinds.<kind>`, such as `exec`.
    var key: String { get }
    /// A short example of the value, for "needs a handler" messages.
    var example: String { get }
    /// The handler for `value` (found at path `at`), or `nil` after recording every problem
    /// with it in `reader`.
    func makeHandler(_ value: JSONValue, at: String, reader: inout ConfigReader, environment: [String: String]) -> (any JobHandler)?
}

enum HandlerTypes {
    /// The types `wharf worker` knows, in the order messages list them.
    static let builtIn: [any HandlerType] = [ExecHandlerType(), WebhookHandlerType()]
}
