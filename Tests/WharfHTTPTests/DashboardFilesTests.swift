import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import WharfHTTP

/// The dashboard lives in dashboard/ as real files; the binary carries a generated copy
/// (`make generate`). The copy must match, and the page, its stylesheet and its script must be
/// served with the right types and a policy that allows no inline script.
@Suite("The dashboard's files")
struct DashboardFilesTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("dashboard")

    @Test("the embedded copy matches dashboard/ (run `make generate` after editing)", arguments: [
        ("index.html", EmbeddedDashboard.indexHTML), ("dashboard.css", EmbeddedDashboard.stylesheet), ("dashboard.js", EmbeddedDashboard.script),
    ])
    func embeddedCopyMatches(file: String, embedded: String) throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent(file), encoding: .utf8)
        #expect(embedded == String(text.dropLast(text.hasSuffix("\n") ? 1 : 0)), "dashboard/\(file) drifted from EmbeddedDashboard.swift: run make generate")
    }

    @Test("the page names the stylesheet and script the server serves, and has no inline script")
    func pageNamesItsAssets() {
        #expect(EmbeddedDashboard.indexHTML.contains("href=\"\(DashboardPage.stylesheetPath)\""))
        #expect(EmbeddedDashboard.indexHTML.contains("<script src=\"\(DashboardPage.scriptPath)\"></script>"))
        #expect(!EmbeddedDashboard.indexHTML.contains("<script>") && !EmbeddedDashboard.indexHTML.contains("<style>"))
    }

    @Test("page, stylesheet and script are served with their types")
    func served() async throws {
        try await withAPI { _, client, _ in
            for (path, type, marker) in [
                ("/", "text/html", "<!doctype html>"), ("/jobs/12", "text/html", "<!doctype html>"),
                (DashboardPage.stylesheetPath, "text/css", "box-sizing"), (DashboardPage.scriptPath, "text/javascript", "/api/v1/overview"),
            ] {
                let response = try await client.send(.get, path)
                #expect(response.status == .ok, "\(path)")
                #expect(response.headers[.contentType]?.hasPrefix(type) == true, "\(path): \(response.headers[.contentType] ?? "")")
                #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self';") == true, "\(path)")
                #expect(String(decoding: response.body.readableBytesView, as: UTF8.self).contains(marker), "\(path)")
            }
        }
    }
}
