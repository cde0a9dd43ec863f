import Foundation
import WharfCore

/// What one job is supposed to do, and so what the end state must be.
enum JobPlan: Equatable, Sendable {
    /// Writes its effect and succeeds (after `ms` of work).
    case succeeds(ms: Int)
    /// Runs longer than the lease TTL: only the heartbeat keeps its lease.
    case outlivesLease(ms: Int)
    /// Fails `failures` times, then succeeds.
    case transient(failures: Int)
    /// Overruns its kind's timeout on the first attempt, succeeds on the second.
    case timesOutOnce
    /// Fails every attempt: must end in the dead-letter table after `maxAttempts` attempts.
    case alwaysFails

    static let doomedMaxAttempts = 3

    var kind: String {
        switch self {
        case .succeeds, .outlivesLease: "sink"
        case .transient: "flaky"
        case .timesOutOnce: "overrun"
        case .alwaysFails: "doomed"
        }
    }

    var maxAttempts: Int { self == .alwaysFails ? Self.doomedMaxAttempts : 25 }
    var writesEffect: Bool { self != .alwaysFails }

    func payload(key: String) -> String {
        switch self {
        case .succeeds(let ms), .outlivesLease(let ms): #"{"key": "\#(key)", "ms": \#(ms)}"#
        case .transient(let failures): #"{"key": "\#(key)", "failures": \#(failures)}"#
        case .timesOutOnce, .alwaysFails: #"{"key": "\#(key)"}"#
        }
    }

    /// The mix: mostly quick jobs; a few of each troublesome kind.
    static func make(count: Int, leaseTTLMillis: Int, using rng: inout SeededGenerator) -> [JobPlan] {
        (0..<count).map { _ in
            let roll = Int.random(in: 0..<1000, using: &rng)
            switch roll {
            case 0..<40: return .transient(failures: Int.random(in: 1...3, using: &rng))
            case 40..<70: return .alwaysFails
            case 70..<75: return .outlivesLease(ms: Int(saturating: Double(leaseTTLMillis) * Double.random(in: 1.5...2.5, using: &rng)))
            case 75..<85: return .timesOutOnce
            default: return .succeeds(ms: Int.random(in: 0...5, using: &rng))
            }
        }
    }
}

/// One disruption the driver carried out, for the report and the recovery measurement.
struct Disruption: Sendable {
    enum Kind: String, Sendable { case kill9 = "kill -9", freeze = "kill -STOP/-CONT", drain = "SIGTERM", terminateBackends = "pg_terminate_backend", restartPostgres = "restart PostgreSQL", holdXmin = "held xmin" }
    var kind: Kind
    var at: Double
    var worker: String?
    /// Jobs the worker held when it was killed.
    var heldJobs: [Int64] = []
    var detail: String = ""
}

/// Writes a line to stdout at once (print's buffer would hold progress back when stdout is a
/// file or a pipe).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
