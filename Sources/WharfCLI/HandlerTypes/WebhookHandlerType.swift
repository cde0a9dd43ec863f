import Foundation
import WharfCore
import WharfHandlers
import WharfRuntime

/// `"http": {"url": ..., ...}`: POSTs each job to a URL, signed when a secret is set
/// (``WebhookHandler``).
struct WebhookHandlerType: HandlerType {
    let key = "http"
    let example = "{\"url\": ...}"

    func makeHandler(_ value: JSONValue, at: String, reader: inout ConfigReader, environment: [String: String]) -> (any JobHandler)? {
        guard case .object = value else {
            reader.problem(at, "must be an object like {\"url\": \"https://…\", \"secret_file\": \"/etc/wharf/secret\"}, found \(value.typeDescription)")
            return nil
        }
        reader.checkKeys(value, allowed: ["url", "secret_file", "secret_env", "headers"], at: at)
        let before = reader.problems.count
        var url: String?
        if let text = value["url"].flatMap({ reader.string($0, at: "\(at).url", expected: "an http:// or https:// URL") }) {
            if let problemText = StartupChecks.urlProblem(text) { reader.problem("\(at).url", problemText) } else { url = text }
        } else if value["url"] == nil {
            reader.problem("\(at).url", "is required: an http:// or https:// URL")
        }
        var secret: Secret?
        switch (value["secret_file"], value["secret_env"]) {
        case (let file?, nil):
            if let file = reader.string(file, at: "\(at).secret_file", expected: "a file path") {
                if let data = FileManager.default.contents(atPath: file) {
                    secret = Secret(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
                    if secret?.isEmpty == true { reader.problem("\(at).secret_file", "\(file) is empty") }
                } else {
                    reader.problem("\(at).secret_file", "cannot read \(file) (does it exist, and may this user read it?)")
                }
            }
        case (nil, let name?):
            if let name = reader.string(name, at: "\(at).secret_env", expected: "an environment variable name") {
                if let text = environment[name], !text.isEmpty { secret = Secret(text) } else {
                    reader.problem("\(at).secret_env", "environment variable \(name) is not set")
                }
            }
        case (nil, nil):
            break
        default:
            reader.problem(at, "has both \"secret_file\" and \"secret_env\"; choose one")
        }
        let headers = reader.stringMap(value["headers"], at: "\(at).headers")
        guard reader.problems.count == before, let url, let headers else { return nil }
        return WebhookHandler(url: url, secret: secret, headers: headers)
    }
}
