public import Logging
public import WharfCore
import Synchronization

/// Log lines of one test, with their metadata, for asserting what a worker or the API said.
public final class CapturedLog: Sendable {
    public struct Line: Sendable {
        public var message: String
        /// The logger's metadata merged with the line's, rendered as text.
        public var metadata: [String: String]
    }

    private let lines = Mutex<[Line]>([])
    public init() {}
    func append(_ line: Line) { lines.withLock { $0.append(line) } }
    public var lineRecords: [Line] { lines.withLock { $0 } }
    /// The messages alone.
    public var all: [String] { lineRecords.map(\.message) }

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

    public var logger: Logger { Logger(label: "wharf.test.captured") { _ in Handler(log: self) } }
}

/// A state-change line a test expects: the README's promise of one structured line per change.
public struct ExpectedStateChange: Sendable {
    public var job: JobID
    public var message: String
    public var from: String
    public var to: String
    /// Keys beyond those every state-change line carries.
    public var extraKeys: [String]

    /// What every state-change line carries, whoever made the change.
    public static let commonKeys = ["job.queue", "job.kind", "job.attempt"]

    public init(job: JobID, message: String, from: String, to: String, extraKeys: [String] = []) {
        self.job = job; self.message = message; self.from = from; self.to = to; self.extraKeys = extraKeys
    }
}

extension CapturedLog {
    /// What is wrong with the captured lines against `expected` (empty when every change was
    /// logged with its states and keys): one sentence per problem, naming the job and the line.
    public func problems(_ expected: [ExpectedStateChange], requiredKeys: [String]) -> [String] {
        let lines = lineRecords
        var problems: [String] = []
        for change in expected {
            guard let line = lines.first(where: { $0.message == change.message && $0.metadata["job.id"] == "\(change.job)" }) else {
                problems.append("no \"\(change.message)\" line for job \(change.job); lines: \(lines.map(\.message))")
                continue
            }
            if line.metadata["job.state.from"] != change.from || line.metadata["job.state.to"] != change.to {
                problems.append("\(change.message) for job \(change.job): expected \(change.from) → \(change.to), got \(line.metadata)")
            }
            for key in requiredKeys + change.extraKeys where line.metadata[key]?.isEmpty != false {
                problems.append("\(change.message) for job \(change.job) lacks \(key): \(line.metadata)")
            }
        }
        return problems
    }
}
