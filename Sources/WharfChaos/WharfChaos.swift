import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import WharfCore
import WharfPostgres
import WharfTesting

/// `wharf-chaos` (`make chaos`): runs K real worker processes against a throwaway PostgreSQL
/// while killing, freezing and draining workers, cutting their connections, restarting the
/// server and holding back vacuum, then checks that no job was lost, none was left behind, no
/// effect was applied twice and every job's history is consistent.
@main
struct WharfChaos: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wharf-chaos", abstract: "Crash-and-chaos run against real worker processes; exits 1 when an invariant breaks.")

    @Option(help: "Jobs to enqueue (default 50000, or 2000 with --short).") var jobs: Int?
    @Option(help: "Worker processes, at least 3.") var workers = 4
    @Option(help: "Random seed: replays a run's job mix and disruption schedule.") var seed: UInt64?
    @Flag(help: "The short run of `make test`: fewer jobs, one of each disruption.") var short = false
    @Option(name: .customLong("lease-ttl-ms"), help: "Workers' lease TTL in milliseconds.") var leaseTTLMillis = 3000
    @Option(name: .customLong("time-limit"), help: "Give up (and fail) after this many seconds.") var timeLimit = 1200

    func validate() throws {
        guard workers >= 3 else { throw ValidationError("--workers must be at least 3") }
        guard (1000...60_000).contains(leaseTTLMillis) else { throw ValidationError("--lease-ttl-ms must be 1000-60000") }
    }

    func run() async throws {
        let seed = self.seed ?? UInt64.random(in: 1...(UInt64.max >> 1))
        let count = jobs ?? (short ? 2000 : 50_000)
        say("wharf-chaos: \(count) jobs, \(workers) workers, lease TTL \(leaseTTLMillis) ms, seed \(seed) (replay with --seed \(seed))")
        var rng = SeededGenerator(seed: seed)
        let plans = JobPlan.make(count: count, leaseTTLMillis: leaseTTLMillis, using: &rng)
        let cluster = try ThrowawayCluster()
        defer { cluster.destroy() }
        var logger = Logger(label: "wharf-chaos")
        logger.logLevel = .critical
        let database = try DatabaseURL(cluster.url)
        let client = PostgresClient(configuration: database.clientConfiguration(poolSize: 8), backgroundLogger: logger)
        let passed = try await withThrowingTaskGroup(of: Bool?.self) { group in
            group.addTask { await client.run(); return nil }
            let run = ChaosRun(
                plans: plans, rng: rng, short: short, workers: workers, leaseTTLMillis: leaseTTLMillis, timeLimit: .seconds(timeLimit),
                cluster: cluster, database: database, client: client, logger: logger)
            let passed = try await run.execute()
            group.cancelAll()
            return passed
        }
        if !passed { throw ExitCode(1) }
    }
}
