public import CoreMetrics
public import Prometheus
import Synchronization
import WharfCore

/// The swift-metrics backend of `wharf`: a Prometheus registry whose metrics carry the help
/// text and buckets of ``MetricCatalog``. (swift-prometheus's own factory registers every
/// metric with empty help, which `promtool check metrics` reports; and it cannot be mixed with
/// registrations that do carry help.) Metrics from libraries, not in the catalogue, get a
/// generic help line.
public struct CatalogMetricsFactory: MetricsFactory {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    private func help(_ label: String) -> String {
        MetricCatalog.descriptor(named: label)?.help ?? "\(label) (recorded by a library Wharf uses)"
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(name: label, labels: dimensions, help: help(label))
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(name: label, labels: dimensions, help: help(label))
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(name: label, labels: dimensions, help: help(label)) }
        let buckets = MetricCatalog.descriptor(named: label)?.buckets ?? [0.001, 0.01, 0.1, 1, 10, 100, 1000]
        return registry.makeValueHistogram(name: label, labels: dimensions, buckets: buckets, help: help(label))
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(name: label, labels: dimensions, help: help(label))
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let seconds = MetricCatalog.descriptor(named: label)?.buckets ?? [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
        let buckets = seconds.map { Duration.nanoseconds(Int64(saturating: $0 * 1e9)) }
        return registry.makeDurationHistogram(name: label, labels: dimensions, buckets: buckets, help: help(label))
    }

    public func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }
    public func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }
    public func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }
    public func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}

/// The process-wide Prometheus registry behind swift-metrics. swift-metrics can be bootstrapped
/// once per process, so this does it on first use and hands out the same registry after.
public enum WharfMetricsBackend {
    private static let bootstrapped: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        // A service embedding Wharf may have bootstrapped its own backend (a second bootstrap
        // would crash the process): then Wharf's metrics go to that backend instead.
        if MetricsSystem.factory is NOOPMetricsHandler {
            MetricsSystem.bootstrap(CatalogMetricsFactory(registry: registry))
        }
        return registry
    }()

    /// Bootstraps swift-metrics with the Prometheus registry (first call only) and returns it.
    public static func registry(version: String) -> PrometheusCollectorRegistry {
        let registry = bootstrapped
        Gauge(label: MetricCatalog.buildInfo.name, dimensions: [("version", version)]).record(1)
        return registry
    }
}
