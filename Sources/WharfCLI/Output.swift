import Foundation
import WharfCore
import WharfHTTP

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

    /// Prints a JSON document (one of the shapes the API answers with), keys sorted.
    static func json(_ value: some Encodable) {
        line(String(decoding: JSONShapes.data(value, pretty: true), as: UTF8.self))
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

    static func timestamp(_ date: Date?) -> String { JSONShapes.timestamp(date) }

    /// "in 5m" / "3s ago" next to scheduled times: easier to read than two timestamps.
    static func relative(_ date: Date, now: Date = Date()) -> String {
        // Clamped so a row's -infinity or year-1 time prints instead of trapping.
        let seconds = Int(saturating: max(-1e15, min(1e15, date.timeIntervalSince(now))))
        let magnitude = abs(seconds)
        let text =
            magnitude < 60 ? "\(magnitude)s"
            : magnitude < 3600 ? "\(magnitude / 60)m"
            : magnitude < 86_400 ? "\(magnitude / 3600)h" : "\(magnitude / 86_400)d"
        return seconds > 0 ? "in \(text)" : "\(text) ago"
    }
}

