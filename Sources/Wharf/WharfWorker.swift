public import Logging
public import WharfHTTP
public import WharfPostgres
public import WharfRuntime
import Foundation
import PostgresNIO
import Metrics
import ServiceLifecycle
import WharfCore
import UnixSignals
import WharfCore

/// Runs a Wharf worker backed by PostgreSQL in this process: for Swift services that embed
/// Wharf with their own handlers, and for `wharf worker`.
///
/// ```swift
/// var handlers = HandlerRegistry()
/// handlers.register(try JobKind("email.send"), as: Email.self, timeout: .seconds(30)) { email, context in
///     try await mailer.send(email)
///     return .success
/// }
/// try await WharfWorker.run(database: try DatabaseURL(url), configuration: config, handlers: handlers, logger: logger)
/// ```
///
/// SIGTERM or SIGINT starts a graceful shutdown; a second one exits at once (leases then
/// expire and the reaper hands the jobs to other workers).
public enum WharfWorker {
    /// With `http`, the process also serves `/metrics`, `/healthz`, `/readyz`, the admin API
    /// and the dashboard (see ``WharfHTTPServer``); `nil` serves nothing.
    public static func run(
        database: DatabaseURL, configuration: WorkerConfiguration, handlers: HandlerRegistry, poolSize: Int? = nil,
        http: HTTPSettings? = nil, version: String = "embedded", logger: Logger
    ) async throws {
        let problems = configuration.validate()
        guard problems.isEmpty else { throw WorkerConfigurationError(problems: problems) }
        let plan = ConnectionPlan(database: database, configuration: configuration, poolSize: poolSize, http: http != nil)
        let client = PostgresClient(configuration: plan.durable, backgroundLogger: logger)
        let store = PostgresJobStore(client: client, database: database, logger: logger)
        // The worker's own writes (claims, outcomes, leases, reclaims, pruning), on their own pool
        // when they need not wait for the disk; enqueues and operator actions stay on `store`.
        let hotClient = plan.relaxed.map { PostgresClient(configuration: $0, backgroundLogger: logger) }
        let hotStore = hotClient.map { PostgresJobStore(client: $0, database: database, logger: logger) } ?? store
        let lifecycle = LifecycleState()
        let preflight = schemaCheck(client: client, database: database, logger: logger)
        let worker = WorkerService(
            configuration: configuration, store: hotStore, registry: hotStore, leader: hotStore,
            wakeups: PostgresQueueWakeups(database: database, logger: logger), handlers: handlers,
            notifier: SystemdNotifier(environment: ProcessInfo.processInfo.environment), version: version, logger: logger,
            preflight: { [configuration] in
                try await preflight()
                if let schedules = configuration.schedules {
                    try await syncSchedules(schedules, deployment: configuration.deployment, store: store, logger: logger)
                }
            },
            lifecycle: lifecycle,
            maintenance: [
                ScheduleFirer(store: store, timeout: configuration.storeCallTimeout, logger: logger),
                UniqueWindowPruner(store: store, interval: configuration.reaperInterval, timeout: configuration.storeCallTimeout, logger: logger),
            ])
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: client)] + (hotClient.map { [.init(service: $0)] } ?? [])
        if let http {
            services += httpServices(
                store: store, settings: http, lifecycle: lifecycle, readiness: preflight, poolSize: plan.total, version: version, logger: logger)
        }
        // Last, so it is the first to receive the graceful shutdown: it drains while the HTTP
        // side keeps answering (/readyz says "shutting down").
        services.append(.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup))
        try await runGroup(services, logger: logger)
    }

    /// The HTTP side of a process: the sampler that reads queue figures, and the server.
    static func httpServices(
        store: PostgresJobStore, settings: HTTPSettings, lifecycle: LifecycleState, readiness: @escaping @Sendable () async throws -> Void,
        poolSize: Int, version: String, logger: Logger
    ) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let registry = WharfMetricsBackend.registry(version: version)
        Gauge(label: MetricCatalog.dbPoolConnections.name).record(poolSize)
        let sampler = MonitoringSampler(reader: store, interval: settings.sampleInterval, logger: logger)
        let application = WharfHTTPServer.application(
            store: store, sampler: sampler, metrics: registry, settings: settings, lifecycle: lifecycle, readiness: readiness, logger: logger,
            onServerRunning: { port in
                logger.notice("HTTP server listening", metadata: [
                    "http.address": "\(settings.host):\(port)", "api.actions": "\(settings.token == nil ? "off (no token)" : "on")",
                ])
            })
        return [.init(service: sampler), .init(service: application)]
    }

    /// Makes the deployment's config schedules the configured ones, before the worker claims
    /// anything. A name another source owns is left alone, with a warning.
    static func syncSchedules(_ schedules: [ScheduleDefinition], deployment: String, store: any ScheduleStore, logger: Logger) async throws {
        let taken = try await store.syncConfigSchedules(schedules, deployment: deployment)
        logger.notice("Config schedules synced", metadata: [
            "schedules.deployment": "\(deployment)", "schedules.count": "\(schedules.count - taken.count)",
        ])
        for name in taken {
            logger.warning("Config schedule not applied: another source owns a schedule of that name", metadata: [
                "schedule.name": "\(name)", "schedules.deployment": "\(deployment)",
                "hint": "rename it in the config file, or remove the other one (wharf schedules remove \(name))",
            ])
        }
    }

    /// Fails unless the database answers and its schema is the version this binary needs: the
    /// worker's preflight and `/readyz`.
    static func schemaCheck(client: PostgresClient, database: DatabaseURL, logger: Logger) -> @Sendable () async throws -> Void {
        { try await Migrator(client: client, database: database, logger: logger).checkCurrent() }
    }

    static func runGroup(_ services: [ServiceGroupConfiguration.ServiceConfiguration], logger: Logger) async throws {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await exitOnSecondSignal(logger: logger) }
            try await group.run()
            tasks.cancelAll()
        }
    }

    /// The first SIGTERM/SIGINT is the ServiceGroup's (graceful shutdown); a second one means
    /// "now": exit without waiting. Running jobs' leases expire and other workers take them over.
    static func exitOnSecondSignal(logger: Logger) async {
        var received = 0
        for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
            received += 1
            if received >= 2 {
                logger.critical("Second signal: exiting now; running jobs' leases will expire and other workers will take them over", metadata: ["signal": "\(signal)"])
                exit(signal == .sigint ? 130 : 143)
            }
        }
    }
}

/// Problems found in a worker configuration, listed all at once.
public struct WorkerConfigurationError: Error, CustomStringConvertible {
    public var problems: [String]
    public var description: String {
        "invalid worker configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
