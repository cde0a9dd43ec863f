/// One forward-only schema change, from `migrations/NNNN_name.sql`.
public struct Migration: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var sql: String
}

extension Migration {
    /// The migrations compiled into this binary.
    public static var embedded: [Migration] { EmbeddedMigrations.all }
    /// The schema version this binary expects.
    public static var latestVersion: Int { EmbeddedMigrations.all.map(\.version).max() ?? 0 }
}
