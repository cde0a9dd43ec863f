import Foundation
import HTTPTypes
import WharfPostgres
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import WharfCore
import WharfHTTP
import WharfRuntime
import WharfTesting

let testToken = "test-token-0123456789abcdef"

/// Runs `body` against the HTTP routes in-process (no socket) on a fresh schema.
func withAPI(
    token: String? = testToken, bodyLimit: Int? = nil, lifecycle: LifecycleState = LifecycleState(),
    readiness: @escaping @Sendable () async throws -> Void = {}, logger: Logger? = nil,
    _ body: @Sendable (TestDatabase, any TestClientProtocol, MonitoringSampler) async throws -> Void
) async throws {
    try await withTestDatabase { db in
        var settings = HTTPSettings()
        settings.token = try token.map { try APIToken($0) }
        if let bodyLimit { settings.bodyLimit = bodyLimit }
        let sampler = MonitoringSampler(reader: db.store, logger: db.logger)
        let router = WharfHTTPServer.router(
            store: db.store, sampler: sampler, metrics: PrometheusCollectorRegistry(), settings: settings, lifecycle: lifecycle,
            readiness: readiness, logger: logger ?? db.logger)
        try await Application(router: router).test(.router) { client in try await body(db, client, sampler) }
    }
}

extension TestClientProtocol {
    /// Sends a request; `token` adds `Authorization: Bearer`.
    func send(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, body: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }
    var errorMessage: String { ((json["error"] as? [String: Any])?["message"] as? String) ?? "" }
}
