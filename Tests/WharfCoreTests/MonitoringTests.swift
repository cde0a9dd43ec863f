import Testing
import WharfCore

@Suite("Monitoring figures")
struct MonitoringTests {
    @Test("percentiles by nearest rank report observed values")
    func percentiles() {
        let samples = (1...100).map(Double.init).shuffled()
        #expect(Percentiles.of(samples, [0.5, 0.95, 0.99, 1]) == [50, 95, 99, 100])
        #expect(Percentiles.of([7], [0.5, 0.99]) == [7, 7])
        #expect(Percentiles.of([], [0.5]) == [nil])
        #expect(Percentiles.of([1, 2, 3, 4], [0]) == [1])
    }

    @Test("the metric catalogue follows Prometheus naming: wharf_ prefix, _total counters, base units, unique names")
    func catalogue() {
        let names = MetricCatalog.all.map(\.name)
        #expect(Set(names).count == names.count)
        for metric in MetricCatalog.all {
            #expect(metric.name.hasPrefix("wharf_"), "\(metric.name)")
            #expect((metric.kind == .counter) == metric.name.hasSuffix("_total"), "\(metric.name)")
            #expect(!metric.help.isEmpty)
            #expect(!metric.labels.contains("job_id") && !metric.labels.contains("id"), "no per-job labels")
            if metric.kind == .histogram {
                #expect(metric.name.hasSuffix("_seconds"))
                #expect(!metric.buckets.isEmpty && metric.buckets == metric.buckets.sorted())
            }
            #expect(!metric.name.contains("milliseconds"), "base units")
        }
        #expect(MetricCatalog.descriptor(named: "wharf_jobs_completed_total") == MetricCatalog.jobsCompleted)
    }

    @Test("activity growth never goes negative and adds up per queue")
    func activity() {
        let later = QueueActivity(completed: 10, failed: 3, deadLettered: 1)
        #expect(later.since(QueueActivity(completed: 4, failed: 5, deadLettered: 0)) == QueueActivity(completed: 6, failed: 0, deadLettered: 1))
        let worker = WorkerActivity(running: 2, queues: ["a": later, "b": QueueActivity(completed: 1)])
        #expect(worker.total == QueueActivity(completed: 11, failed: 3, deadLettered: 1))
    }
}
