public import Logging
public import WharfHTTP
public import WharfPostgres
import Foundation
import PostgresNIO
import ServiceLifecycle
import WharfRuntime

/// Serves only the HTTP side (metrics, health, admin API, dashboard) without running jobs: a
/// separate monitoring process (`wharf serve`), so the dashboard stays up while workers are
/// redeployed and queue gauges come from one place.
public enum WharfServer {
    public static func run(database: DatabaseURL, http: HTTPSettings, version: String, logger: Logger) async throws {
        let poolSize = 4
        let client = PostgresClient(configuration: database.clientConfiguration(poolSize: poolSize), backgroundLogger: logger)
        let store = PostgresJobStore(client: client, database: database, logger: logger)
        let lifecycle = LifecycleState()
        let services = WharfWorker.httpServices(
            store: store, settings: http, lifecycle: lifecycle,
            readiness: WharfWorker.schemaCheck(client: client, database: database, logger: logger),
            poolSize: poolSize, version: version, logger: logger)
        // The server ending (graceful shutdown) ends the process.
        var configured: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: client)]
        configured += services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0.service, successTerminationBehavior: .gracefullyShutdownGroup) }
        try await WharfWorker.runGroup(configured, logger: logger)
    }
}
