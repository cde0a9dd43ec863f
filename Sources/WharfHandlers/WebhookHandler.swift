public import WharfRuntime
public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
public import WharfCore

/// Delivers a job as an HTTP POST of its payload to a fixed URL (webhooks out).
///
/// Headers: `Content-Type: application/json`, `Idempotency-Key` (stable across attempts),
/// `Wharf-Job-Id`, `Wharf-Job-Kind`, `Wharf-Attempt`, and, with a secret, `Wharf-Signature`
/// (see ``WebhookSignature``). Responses: 2xx success; 425 snooze (no attempt used, `Retry-After` or 60 s); 408, 429 and 5xx retry (honouring
/// `Retry-After`); other 4xx permanent failure; timeouts and connection errors retry.
public struct WebhookHandler: JobHandler {
    public var url: String
    /// The signing key; prints as `<redacted>`.
    public var secret: Secret?
    public var headers: [String: String]
    let client: HTTPClient

    /// Longest response-body excerpt kept in an error text.
    public static let bodyExcerptBytes = 512
    /// 425 Too Early: the receiver's "not yet" (a snooze; `Retry-After` gives the delay, 60 s
    /// without one).
    public static let snoozeStatus: UInt = 425

    public init(url: String, secret: Secret?, headers: [String: String] = [:], client: HTTPClient = .shared) {
        self.url = url
        self.secret = secret
        self.headers = headers
        self.client = client
    }

    public func handle(_ context: JobContext) async throws -> HandlerOutcome {
        let job = context.job
        let body = Array(job.payload.json.utf8)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "wharf")
        request.headers.add(name: "Idempotency-Key", value: context.idempotencyKey)
        request.headers.add(name: "Wharf-Job-Id", value: job.id.description)
        request.headers.add(name: "Wharf-Job-Kind", value: job.kind.rawValue)
        request.headers.add(name: "Wharf-Attempt", value: String(job.attempt))
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        if let secret {
            let timestamp = Int64(saturating: Date().timeIntervalSince1970.rounded(.down))
            request.headers.add(name: WebhookSignature.headerName, value: WebhookSignature.header(secret: secret.revealedBytes, timestamp: timestamp, body: body))
        }
        request.body = .bytes(ByteBuffer(bytes: body))

        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .nanoseconds(Int64(saturating: context.timeout.wharfSeconds * 1e9)))
        } catch {
            if Task.isCancelled { throw CancellationError() }
            return .failure("POST \(url) failed: \(error)")
        }
        let status = response.status.code
        let excerpt = try await Self.excerpt(response)
        let summary = "POST \(url) answered \(status)\(excerpt.isEmpty ? "" : ": \(excerpt)")"
        switch status {
        case 200..<300:
            return .success
        case Self.snoozeStatus:
            // "Too Early": not yet, without using an attempt; Retry-After gives the delay.
            let delay = response.headers.first(name: "Retry-After").flatMap { Self.parseRetryAfter($0) } ?? ExecHandler.defaultSnooze
            return .snooze(for: delay)
        case 408, 429, 500..<600:
            let retryAfter = response.headers.first(name: "Retry-After").flatMap { Self.parseRetryAfter($0) }
            return .retry(after: retryAfter, reason: summary)
        default:
            return .permanentFailure(summary)
        }
    }

    /// The start of the response body, for the error text; the rest is read and dropped.
    static func excerpt(_ response: HTTPClientResponse) async throws -> String {
        var kept = ByteBuffer()
        for try await var chunk in response.body where kept.readableBytes < bodyExcerptBytes {
            let room = bodyExcerptBytes - kept.readableBytes
            if var slice = chunk.readSlice(length: min(room, chunk.readableBytes)) { kept.writeBuffer(&slice) }
        }
        return String(buffer: kept).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `Retry-After: 120` or an HTTP date; at most ``DurationParsing/maximum`` (a receiver's
    /// `Retry-After: 99999999999` must not schedule past the accepted `run_at` range).
    static func parseRetryAfter(_ value: String, now: Date = Date()) -> Duration? {
        parseUnboundedRetryAfter(value, now: now).map { min($0, DurationParsing.maximum) }
    }

    private static func parseUnboundedRetryAfter(_ value: String, now: Date) -> Duration? {
        if let seconds = Int64(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 { return .seconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .saturating(seconds: max(0, date.timeIntervalSince(now)))
    }
}
