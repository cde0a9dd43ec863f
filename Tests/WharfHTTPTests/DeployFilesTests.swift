import Foundation
import Testing
import WharfCore
import WharfTesting

/// deploy/prometheus and deploy/grafana: valid for Prometheus's own tool, every alert proven to
/// fire by promtool's rule tests, and no reference to a metric Wharf does not export.
@Suite("Prometheus and Grafana files")
struct DeployFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    func promtool() async throws -> String {
        try #require(await ExternalTool.which("promtool"), "promtool is not installed: `make test` installs it (Debian package prometheus)")
    }

    @Test("scrape config and alert rules pass promtool check")
    func promtoolChecks() async throws {
        let promtool = try await promtool()
        let config = await ExternalTool.run([promtool, "check", "config", Self.path("deploy/prometheus/scrape.yml")])
        #expect(config.status == 0, "\(config.output)\(config.errors)")
        let rules = await ExternalTool.run([promtool, "check", "rules", Self.path("deploy/prometheus/alerts.yml")])
        #expect(rules.status == 0, "\(rules.output)\(rules.errors)")
    }

    @Test("promtool test rules proves every alert fires (and the quiet cases stay quiet)")
    func alertTests() async throws {
        let promtool = try await promtool()
        let result = await ExternalTool.run(["/bin/sh", "-c", "cd '\(Self.path("deploy/prometheus"))' && '\(promtool)' test rules alerts.test.yml"])
        #expect(result.status == 0, "\(result.output)\(result.errors)")
        let alerts = try String(contentsOfFile: Self.path("deploy/prometheus/alerts.yml"), encoding: .utf8)
        let tests = try String(contentsOfFile: Self.path("deploy/prometheus/alerts.test.yml"), encoding: .utf8)
        let names = alerts.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.hasPrefix("- alert:") ? trimmed.dropFirst("- alert:".count).trimmingCharacters(in: .whitespaces) : nil
        }
        #expect(names.count >= 6)
        for name in names {
            #expect(tests.contains("alertname: \(name)"), "\(name) has a promtool test")
        }
    }

    @Test("the alert rules and the Grafana dashboard only use metrics Wharf exports", arguments: ["deploy/prometheus/alerts.yml", "deploy/grafana/wharf.json"])
    func metricNamesExist(_ file: String) throws {
        let text = try String(contentsOfFile: Self.path(file), encoding: .utf8)
        let known = Set(MetricCatalog.all.map(\.name))
        let regex = try NSRegularExpression(pattern: "wharf_[a-z_]+")
        let used = Set(regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Range($0.range, in: text).map { String(text[$0]) } })
        #expect(!used.isEmpty)
        for name in used {
            let base = ["_bucket", "_count", "_sum"].reduce(name) { $0.hasSuffix($1) ? String($0.dropLast($1.count)) : $0 }
            #expect(known.contains(base), "\(file) uses \(name), which Wharf does not export")
        }
        if file.hasSuffix(".json") {
            #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) is [String: Any])
        }
    }
}
