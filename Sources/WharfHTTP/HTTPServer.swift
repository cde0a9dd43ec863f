public import Hummingbird
public import Logging
public import Prometheus
public import WharfCore
public import WharfRuntime
import Foundation

/// Where and how the HTTP side listens. Loopback by default: the API's reads show payloads.
public struct HTTPSettings: Sendable {
    public var host: String = "127.0.0.1"
    /// Default 9753.
    public var port: Int = defaultPort
    /// Guards the API's actions; `nil` turns them off.
    public var token: APIToken?
    /// Largest request body accepted: 2 MiB (a 1 MiB payload plus room for its escaping).
    public var bodyLimit: Int = 2 << 20
    /// How often queue figures are read from the database. Default 5 s.
    public var sampleInterval: Duration = .seconds(5)

    public static let defaultPort = 9753
    public init() {}

    /// Parses `HOST:PORT` (`[::1]:PORT` for IPv6, `:PORT` for all interfaces); `off` → `nil`.
    public static func parseAddress(_ text: String) throws(ValidationError) -> (host: String, port: Int)? {
        if text == "off" { return nil }
        let problem = ValidationError(
            field: "http address", value: text, rule: "must be HOST:PORT, :PORT or off", hint: "for example 127.0.0.1:\(defaultPort)")
        guard let colon = text.lastIndex(of: ":") else { throw problem }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else { throw problem }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        return (host, port)
    }
}

/// The HTTP side of a Wharf process: `/metrics`, `/healthz`, `/readyz`, the admin API and the
/// dashboard, as a Hummingbird application (a swift-service-lifecycle Service).
public enum WharfHTTPServer {
    public static func application(
        store: any AdminStore, sampler: MonitoringSampler, metrics: PrometheusCollectorRegistry, settings: HTTPSettings,
        lifecycle: LifecycleState, readiness: @escaping @Sendable () async throws -> Void, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = router(
            store: store, sampler: sampler, metrics: metrics, settings: settings, lifecycle: lifecycle, readiness: readiness, logger: logger)
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(settings.host, port: settings.port), serverName: "wharf"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
            logger: logger)
    }

    /// The routes, separately so tests can drive them without a socket.
    public static func router(
        store: any AdminStore, sampler: MonitoringSampler, metrics: PrometheusCollectorRegistry, settings: HTTPSettings,
        lifecycle: LifecycleState, readiness: @escaping @Sendable () async throws -> Void, logger: Logger
    ) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("healthz") { _, _ in API.json(["status": "alive"]) }
        router.get("readyz") { _, _ in
            if lifecycle.isShuttingDown { return API.json(["status": "shutting down"], status: .serviceUnavailable) }
            do {
                try await withTimeLimit(.seconds(2), "readiness check", readiness)
                return API.json(["status": "ready"])
            } catch {
                return API.json(["status": "not ready", "reason": "\(error)"], status: .serviceUnavailable)
            }
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
        AdminAPI(store: store, sampler: sampler, token: settings.token, bodyLimit: settings.bodyLimit, schemaGate: SchemaGate(readiness), logger: logger)
            .register(on: router)
        router.get("/") { _, _ in DashboardPage.page }
        router.get("jobs/:id") { _, _ in DashboardPage.page }
        router.get(RouterPath(DashboardPage.stylesheetPath)) { _, _ in DashboardPage.stylesheet }
        router.get(RouterPath(DashboardPage.scriptPath)) { _, _ in DashboardPage.script }
        return router
    }
}
