import Foundation
public import WharfCore
public import PostgresNIO
import NIOSSL

/// A parsed `postgres://` URL plus the Wharf schema to use, turned into a PostgresNIO client
/// configuration. The schema is selected with the `search_path` startup parameter, so every
/// statement in this module stays static.
public struct DatabaseURL: Sendable, Equatable {
    public enum SSLMode: String, Sendable, Equatable { case disable, prefer, require }

    public var host: String
    public var port: Int
    public var user: String
    /// Prints as `<redacted>`, and so does a `DatabaseURL` holding it.
    public var password: Secret?
    public var database: String
    public var sslMode: SSLMode
    /// Schema holding the Wharf tables. Default `wharf`.
    public var schema: String
    /// What `pg_stat_activity` shows for these connections (`?application_name=`, as in libpq).
    /// Default `wharf`.
    public var applicationName: String

    public static let defaultSchema = "wharf"
    public static let defaultPort = 5432
    public static let defaultApplicationName = "wharf"

    /// Parses `postgres://user:pass@host:port/db?sslmode=...`. `schema` must be a plain
    /// lower-case identifier (letters, digits, `_`), since it is sent as `search_path`.
    public init(_ text: String, schema: String = defaultSchema) throws(StoreError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme else {
            throw .invalidURL("\"\(Self.redacted(text))\" is not a URL")
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw .invalidURL("scheme \"\(scheme)\" is not postgres:// or postgresql://")
        }
        guard let host = components.host, !host.isEmpty else {
            throw .invalidURL("no host in \"\(Self.redacted(text))\"")
        }
        self.host = host
        self.port = components.port ?? Self.defaultPort
        guard (1...65535).contains(port) else { throw .invalidURL("port \(port) is out of range") }
        self.user = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        self.password = components.password.flatMap { $0.removingPercentEncoding }.map(Secret.init)
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? user : (path.removingPercentEncoding ?? path)
        var sslMode = SSLMode.prefer
        var applicationName = Self.defaultApplicationName
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = SSLMode(rawValue: value) else {
                    throw .invalidURL("sslmode \"\(item.value ?? "")\" is not one of disable, prefer, require")
                }
                sslMode = mode
            case "application_name":
                // PostgreSQL would truncate a longer name and replace other characters with "?".
                guard let value = item.value, (1...63).contains(value.utf8.count), value.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
                    throw .invalidURL("application_name \"\(item.value ?? "")\" must be 1-63 printable ASCII characters")
                }
                applicationName = value
            case "schema":
                // Accept ?schema= as a convenience; the explicit argument still wins when set.
                break
            default:
                throw .invalidURL("unknown parameter \"\(item.name)\" (known: sslmode, schema, application_name)")
            }
        }
        self.sslMode = sslMode
        self.applicationName = applicationName
        let urlSchema = components.queryItems?.first(where: { $0.name == "schema" })?.value
        let chosen = schema == Self.defaultSchema ? (urlSchema ?? schema) : schema
        guard Self.isValidSchemaName(chosen) else {
            throw .invalidURL("schema \"\(chosen)\" must be 1-63 characters: lower-case letters, digits, _ (not starting with a digit)")
        }
        self.schema = chosen
    }

    static func isValidSchemaName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 63 else { return false }
        let lower: ClosedRange<Unicode.Scalar> = "a"..."z"
        let digits: ClosedRange<Unicode.Scalar> = "0"..."9"
        return (lower.contains(first) || first == "_")
            && name.unicodeScalars.allSatisfy { lower.contains($0) || digits.contains($0) || $0 == "_" }
    }

    /// The URL with any password replaced, for messages. Works on text that is not a valid URL
    /// too (that is when it gets echoed): everything between `://` and the last `@` before the
    /// host is treated as credentials, and whatever follows the user name's `:` is dropped.
    public static func redacted(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://") else {
            // Not URL-shaped at all: a password could be anywhere, so show only its shape.
            return text.contains("@") || text.contains(":") ? "<\(text.count) characters, redacted>" : text
        }
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return text }
        let credentials = rest[..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":" + Secret.redacted + String(rest[at...])
    }

    /// A pooled client configuration. `poolSize` is the most connections it opens.
    /// `waitForDisk: false` opens every connection with `synchronous_commit = off`: its commits
    /// return before the WAL is flushed, so a database crash may undo the last few hundred
    /// milliseconds of them. For writes whose loss only makes a job run again.
    public func clientConfiguration(poolSize: Int = 10, waitForDisk: Bool = true) -> PostgresClient.Configuration {
        var config = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password?.revealedText, database: database, tls: tls)
        config.options.additionalStartupParameters = [("search_path", schema), ("application_name", applicationName)]
        if !waitForDisk { config.options.additionalStartupParameters.append(("synchronous_commit", "off")) }
        config.options.maximumConnections = max(1, poolSize)
        config.options.connectTimeout = .seconds(5)
        return config
    }

    /// A single-connection configuration, used for the connectivity probe and LISTEN.
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch sslMode {
            case .disable: .disable
            case .prefer: .prefer(try NIOSSLContext(configuration: tlsConfiguration))
            case .require: .require(try NIOSSLContext(configuration: tlsConfiguration))
            }
        var config = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password?.revealedText, database: database, tls: tls)
        config.options.additionalStartupParameters = [("search_path", schema), ("application_name", applicationName)]
        config.options.connectTimeout = TimeAmount.seconds(5)
        return config
    }

    private var tls: PostgresClient.Configuration.TLS {
        switch sslMode {
        case .disable: .disable
        case .prefer: .prefer(tlsConfiguration)
        case .require: .require(tlsConfiguration)
        }
    }

    private var tlsConfiguration: TLSConfiguration { .makeClientConfiguration() }
}
