import ArgumentParser
import WharfCore
import Wharf
import WharfPostgres

/// Errors of the command line itself.
enum CLIError: Error, CustomStringConvertible {
    case missingDatabaseURL
    case unreadablePayload(source: String, reason: String)
    case noSuchSchedule(String)
    case badBatch(problems: Int, details: String)
    case unreadableBatch(path: String, reason: String)

    var description: String {
        switch self {
        case .missingDatabaseURL:
            "no database given: pass --database-url postgres://USER@HOST:PORT/DB or set DATABASE_URL"
        case .unreadablePayload(let source, let reason):
            "cannot read payload from \(source): \(reason)"
        case .noSuchSchedule(let name):
            "no schedule named \"\(name)\" (wharf schedules list shows them)"
        case .unreadableBatch(let path, let reason):
            "cannot read the batch file \(path): \(reason)"
        case .badBatch(let problems, let details):
            "\(problems) bad line\(problems == 1 ? "" : "s") in the batch, nothing enqueued:\n  \(details)"
        }
    }
}

/// sysexits(3) codes, so scripts can tell a bad call from a down database.
enum ExitStatus {
    static let refused: Int32 = 1
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let unavailable: Int32 = 69
    static let noPermission: Int32 = 77
    static let config: Int32 = 78

    /// The one place errors become exit codes.
    static func code(for error: any Error) -> Int32 {
        switch error {
        case let error as StoreError:
            switch error {
            case .unreachable: unavailable
            case .authenticationFailed: noPermission
            case .invalidURL: usage
            case .databaseMissing, .schemaMissing, .schemaBehind, .schemaAhead, .checksumMismatch: config
            case .jobNotFound, .deadJobNotFound, .invalidTransition, .uniqueKeyTaken: refused
            case .query, .uniqueViolation: refused
            case .rejected: usage
            }
        case let error as WharfCore.ValidationError:
            error.field.contains("payload") ? dataError : usage
        case is ConfigError, is WorkerConfigurationError:
            config
        case is WorkerSettingsError:
            usage
        case let error as CLIError:
            switch error {
            case .missingDatabaseURL: usage
            case .unreadablePayload: dataError
            case .noSuchSchedule: refused
            case .badBatch, .unreadableBatch: dataError
            }
        default:
            refused
        }
    }
}

/// Runs a command body: prints any error as one `error:` line on stderr and exits with its code.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch {
        Output.error("error: \(error)")
        throw ExitCode(ExitStatus.code(for: error))
    }
}
