import Hummingbird

/// The dashboard: a page, a stylesheet and a script (no CDN, no build step, no framework), kept
/// as real files in dashboard/ and compiled into the binary by `make generate`
/// (``EmbeddedDashboard``). The script reads `/api/v1/overview` every 2 s and the dead-letter
/// table every 5 s; the same page at `/jobs/ID` shows one job's timeline. Actions prompt for
/// the API token once per browser tab (kept in sessionStorage).
enum DashboardPage {
    /// Scripts only from this origin, none inline; styles may be set inline by the script.
    static let securityPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self'; img-src 'self' data:"

    static let page = response(EmbeddedDashboard.indexHTML, type: "text/html; charset=utf-8")
    static let stylesheet = response(EmbeddedDashboard.stylesheet, type: "text/css; charset=utf-8")
    static let script = response(EmbeddedDashboard.script, type: "text/javascript; charset=utf-8")

    /// Where the page finds its stylesheet and script (index.html names them).
    static let stylesheetPath = "/assets/dashboard.css"
    static let scriptPath = "/assets/dashboard.js"

    private static func response(_ text: String, type: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "no-store", .contentSecurityPolicy: securityPolicy],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

