import Logging
import Synchronization

/// Log lines of one test, with their metadata, for asserting what the worker said.
final class CapturedLog: Sendable {
    struct Line: Sendable {
        var message: String
        /// The logger's metadata merged with the line's, rendered as text.
        var metadata: [String: String]
    }

    private let lines = Mutex<[Line]>([])
    func append(_ line: Line) { lines.withLock { $0.append(line) } }
    var lineRecords: [Line] { lines.withLock { $0 } }
    /// The messages alone.
    var all: [String] { lineRecords.map(\.message) }

    struct Handler: LogHandler {
        let log: CapturedLog
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            log.append(Line(message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        }
    }

    var logger: Logger { Logger(label: "wharf.test.captured") { _ in Handler(log: self) } }
}
