import Foundation
import CoreMetrics
import Prometheus
import Testing
import WharfCore
import WharfHTTP

@Suite("HTTP side: pure parts")
struct HTTPUnitTests {
    func worker(_ id: String, startedAt: Date, _ queues: [String: QueueActivity]) -> WorkerInfo {
        WorkerInfo(id: WorkerID(id), host: "h", pid: 1, queues: [], concurrency: 1, version: "t", startedAt: startedAt, activity: WorkerActivity(queues: queues))
    }

    @Test("rates are the growth of all workers' counts over the window; new workers count from zero, unknown baselines are skipped")
    func activityWindowRates() {
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        var window = ActivityWindow(window: 60)
        #expect(window.rates().isEmpty)
        window.observe([worker("a", startedAt: t0 - 100, ["q": QueueActivity(completed: 100, failed: 10)])], at: t0)
        window.observe([
            worker("a", startedAt: t0 - 100, ["q": QueueActivity(completed: 400, failed: 40, deadLettered: 2)]),
            // Started after the first observation: all of its counts are new.
            worker("b", startedAt: t0 + 5, ["q": QueueActivity(completed: 200), "r": QueueActivity(completed: 30)]),
            // Already running before the first observation but not seen then: baseline unknown, skipped.
            worker("c", startedAt: t0 - 50, ["q": QueueActivity(completed: 9999)]),
        ], at: t0 + 10)
        let rates = window.rates()
        #expect(rates["q"] == QueueRates(completed: 50, failed: 3, deadLettered: 0.2))
        #expect(rates["r"] == QueueRates(completed: 3))
    }

    @Test("a worker restarted under the same id counts from zero again instead of going negative")
    func activityWindowRestart() {
        let t0 = Date(timeIntervalSince1970: 3_000_000)
        var window = ActivityWindow(window: 60)
        window.observe([worker("host:1", startedAt: t0 - 100, ["q": QueueActivity(completed: 5000)])], at: t0)
        window.observe([worker("host:1", startedAt: t0 - 100, ["q": QueueActivity(completed: 50)])], at: t0 + 10)
        #expect(window.rates()["q"]?.completed == 5)
    }

    @Test("the window keeps one baseline at or before its start")
    func activityWindowTrims() {
        let t0 = Date(timeIntervalSince1970: 2_000_000)
        var window = ActivityWindow(window: 60)
        for step in 0...20 {
            window.observe([worker("a", startedAt: t0 - 1, ["q": QueueActivity(completed: step * 10)])], at: t0 + Double(step) * 10)
        }
        // Now t0+200: the baseline is the observation at t0+140 (60 s back), so 60 jobs in 60 s.
        #expect(window.rates()["q"]?.completed == 1)
    }

    @Test("HTTP addresses parse as HOST:PORT, :PORT, [v6]:PORT or off, and anything else is refused")
    func addresses() throws {
        #expect(try HTTPSettings.parseAddress("127.0.0.1:9753")! == ("127.0.0.1", 9753))  // safe: parses, asserted by the comparison
        #expect(try HTTPSettings.parseAddress(":8080")! == ("0.0.0.0", 8080))  // safe: as above
        #expect(try HTTPSettings.parseAddress("[::1]:9000")! == ("::1", 9000))  // safe: as above
        #expect(try HTTPSettings.parseAddress("off") == nil)
        for bad in ["9753", "host:", "host:99999", "host:port", ""] {
            #expect(throws: ValidationError.self, "\(bad)") { try HTTPSettings.parseAddress(bad) }
        }
    }

    @Test("API tokens: at least 16 characters, surrounding whitespace ignored")
    func tokens() throws {
        #expect(throws: ValidationError.self) { try APIToken("short") }
        _ = try APIToken("  0123456789abcdef\n")
    }

    @Test("metrics recorded through swift-metrics carry the catalogue's help text")
    func helpTexts() {
        let registry = PrometheusCollectorRegistry()
        let factory = CatalogMetricsFactory(registry: registry)
        factory.makeCounter(label: MetricCatalog.jobsCompleted.name, dimensions: [("queue", "q"), ("kind", "k")]).increment(by: 2)
        factory.makeTimer(label: MetricCatalog.jobRunDuration.name, dimensions: [("queue", "q"), ("kind", "k")]).recordNanoseconds(1_500_000)
        factory.makeRecorder(label: "some_library_gauge", dimensions: [], aggregate: false).record(Int64(1))
        let text = registry.emitToString()
        #expect(text.contains("# HELP wharf_jobs_completed_total \(MetricCatalog.jobsCompleted.help)"))
        #expect(text.contains(#"wharf_jobs_completed_total{queue="q",kind="k"} 2"#))
        #expect(text.contains(#"wharf_job_run_duration_seconds_bucket{queue="q",kind="k",le="0.0025"} 1"#), "seconds, catalogue buckets")
        #expect(text.contains("# HELP some_library_gauge"))
    }

    @Test("README documents every metric in the catalogue")
    func readmeListsMetrics() throws {
        let readme = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md"), encoding: .utf8)
        for metric in MetricCatalog.all {
            #expect(readme.contains("`\(metric.name)`"), "README is missing \(metric.name)")
        }
    }
}
