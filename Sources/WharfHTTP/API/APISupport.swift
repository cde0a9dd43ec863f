public import Foundation
public import Hummingbird
public import WharfCore

/// The ports the admin API and the dashboard use: the operators' side only, so no route can
/// claim or complete a job. `PostgresJobStore` implements them all.
public typealias AdminStore = JobEnqueuer & JobAdministration & DeadLetterStore & MonitoringReader & QueueControl & ScheduleAdministration

/// The bearer token that guards the API's actions. Compared in constant time.
public struct APIToken: Sendable {
    /// Prints as `<redacted>`, and so does an APIToken or HTTPSettings holding it.
    let secret: Secret

    /// At least 16 characters: a token short enough to guess is worse than none, because it
    /// looks like protection.
    public init(_ value: String) throws(ValidationError) {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.utf8.count >= 16 else {
            throw ValidationError(
                field: "API token", value: "\(trimmed.utf8.count) characters", rule: "must be at least 16 characters",
                hint: "generate one with: openssl rand -hex 32")
        }
        self.secret = Secret(trimmed)
    }

    /// Whether `header` is `Bearer <this token>`.
    func accepts(authorization header: String?) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        let given = Array(header.dropFirst("Bearer ".count).utf8)
        let value = secret.revealedBytes
        var difference = UInt8(given.count == value.count ? 0 : 1)
        for index in value.indices {
            difference |= value[index] ^ (index < given.count ? given[index] : 0)
        }
        return difference == 0
    }
}

/// Building JSON responses and reading requests.
enum API {
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONShapes.data(value))))
    }

    static func bad(_ message: String) -> HTTPError { HTTPError(.badRequest, message: message) }

    /// The request body as a JSON object with only the `allowed` keys; an empty body is `{}`.
    static func jsonBody(_ request: inout Request, limit: Int, allowed: Set<String>) async throws -> [String: JSONValue] {
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw HTTPError(.contentTooLarge, message: "request body is larger than the \(limit)-byte limit")
        }
        if buffer.readableBytes == 0 { return [:] }
        let value: JSONValue
        do {
            value = try JSONValue.parse(String(decoding: buffer.readableBytesView, as: UTF8.self))
        } catch {
            throw bad("request body is not valid JSON (\(error)); send an object such as {\"queue\": \"default\"}")
        }
        guard case .object(let members) = value else { throw bad("request body must be a JSON object") }
        let dictionary = Dictionary(members.map { ($0.key, $0.value) }) { _, last in last }
        if let unknown = Set(dictionary.keys).subtracting(allowed).sorted().first {
            throw bad("unknown field \"\(unknown)\"; allowed: \(allowed.sorted().joined(separator: ", "))")
        }
        return dictionary
    }

    static func string(_ body: [String: JSONValue], _ key: String) throws -> String? {
        switch body[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw bad("field \"\(key)\" must be a string")
        }
    }

    static func integer(_ body: [String: JSONValue], _ key: String) throws -> Int? {
        switch body[key] {
        case nil, .null?: return nil
        case .integer(let number)?: return number
        // 3.0 is an integer written with a fraction; 3.5 and true are not integers.
        case .number(let number)?:
            guard let whole = Int(exactly: number) else { throw bad("field \"\(key)\" must be an integer") }
            return whole
        default: throw bad("field \"\(key)\" must be an integer")
        }
    }

    /// A number of any kind (`delay_seconds`); `nil` when absent or null.
    static func number(_ body: [String: JSONValue], _ key: String) -> Double?? {
        switch body[key] {
        case nil, .null?: return .some(nil)
        case .integer(let number)?: return .some(Double(number))
        case .number(let number)?: return .some(number)
        default: return nil
        }
    }

    static func boolean(_ body: [String: JSONValue], _ key: String) throws -> Bool? {
        switch body[key] {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        default: throw bad("field \"\(key)\" must be true or false")
        }
    }

    /// Runs a validation that throws ``ValidationError`` and answers 400 with its text.
    static func validated<T>(_ body: () throws(ValidationError) -> T) throws -> T {
        do { return try body() } catch { throw bad(error.description) }
    }

    static func jobID(_ context: some RequestContext) throws -> JobID {
        let text = context.parameters.get("id") ?? ""
        return try validated { () throws(ValidationError) in try JobID(parsing: text) }
    }

    /// Maps a store failure: values the database refused → 400, unreachable database → 503,
    /// anything else → 409 with its text (the request was well-formed, the job's state does not
    /// allow it).
    static func storeFailure(_ error: any Error) -> any Error {
        if error is HTTPError { return error }
        if let invalid = error as? any InvalidInputFailure, invalid.isInvalidInput {
            return HTTPError(.badRequest, message: "\(error)")
        }
        if let transient = error as? any TransientStoreFailure, transient.isTransient {
            return HTTPError(.serviceUnavailable, message: "database unavailable: \(error)")
        }
        return HTTPError(.conflict, message: "\(error)")
    }

    /// Keyset paging parameters shared by the job and dead-job listings.
    static func filter(_ request: Request, allowState: Bool) throws -> JobFilter {
        let query = request.uri.queryParameters
        var filter = JobFilter()
        if let queue = query.get("queue"), !queue.isEmpty { filter.queue = try validated { () throws(ValidationError) in try QueueName(queue) } }
        if let kind = query.get("kind"), !kind.isEmpty { filter.kind = try validated { () throws(ValidationError) in try JobKind(kind) } }
        if let state = query.get("state"), !state.isEmpty {
            guard allowState else { throw bad("state does not apply to dead jobs") }
            guard let parsed = JobState(rawValue: state) else {
                throw bad("state \"\(state)\" is not one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.state = parsed
        }
        if let before = query.get("before"), !before.isEmpty {
            filter.before = try validated { () throws(ValidationError) in try JobID(parsing: before) }
        }
        if let limit = query.get("limit"), !limit.isEmpty {
            guard let value = Int(limit), (1...1000).contains(value) else { throw bad("limit \"\(limit)\" must be an integer from 1 to 1000") }
            filter.limit = value
        }
        return filter
    }
}
