import Foundation
import PostgresNIO
import WharfCore

// The `workers` and `leaders` tables.

/// Inserts a worker row, or refreshes it when the id exists (a re-registration).
struct WorkerRegister: PostgresPreparedStatement {
    static let sql = """
        INSERT INTO workers (id, host, pid, queues, concurrency, version)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (id) DO UPDATE SET
            host = EXCLUDED.host, pid = EXCLUDED.pid, queues = EXCLUDED.queues,
            concurrency = EXCLUDED.concurrency, version = EXCLUDED.version, heartbeat_at = now()
        """
    typealias Row = Void
    var id: String
    var host: String
    var pid: Int32
    var queues: [String]
    var concurrency: Int32
    var version: String

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 6)
        b.append(id); b.append(host); b.append(pid); b.append(queues); b.append(concurrency); b.append(version)
        return b
    }
}

/// Stamps the heartbeat and records the worker's load and counts since it started.
struct WorkerHeartbeat: PostgresPreparedStatement {
    static let sql = """
        UPDATE workers SET heartbeat_at = now(), running = $2, activity = $3::jsonb
        WHERE id = $1 RETURNING id
        """
    typealias Row = String
    var id: String
    var running: Int32
    /// WorkerActivity.queues as JSON.
    var activity: String

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 3)
        b.append(id); b.append(running); b.append(activity)
        return b
    }
}

struct WorkerDeregister: TextParameterStatement {
    static let sql = "DELETE FROM workers WHERE id = $1"
    typealias Row = Void
    var id: String
    var parameter: String { id }
}

/// Removes workers whose heartbeat is older than the given age (database clock).
struct WorkerPruneStale: PostgresPreparedStatement {
    static let sql = "DELETE FROM workers WHERE heartbeat_at < now() - $1::bigint * interval '1 microsecond' RETURNING id"
    typealias Row = String
    var ageMicros: Int64

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 1)
        b.append(ageMicros)
        return b
    }
}

struct WorkerList: PostgresPreparedStatement {
    static let sql = """
        SELECT id, host, pid, queues, concurrency, version, started_at, heartbeat_at, running, activity::text
        FROM workers ORDER BY started_at, id
        """
    typealias Row = (String, String, Int32, [String], Int32, String, Date, Date, Int32, String)

    func makeBindings() throws -> PostgresBindings { PostgresBindings() }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// Takes or renews leadership of a named task. Succeeds when nobody holds it, when we already
/// hold it, or when the holder's lease expired; otherwise the WHERE of the upsert matches
/// nothing and no row comes back.
struct LeaderAcquire: PostgresPreparedStatement {
    static let sql = """
        INSERT INTO leaders AS l (name, holder, expires_at)
        VALUES ($1, $2, now() + $3::bigint * interval '1 microsecond')
        ON CONFLICT (name) DO UPDATE SET
            holder = EXCLUDED.holder,
            expires_at = EXCLUDED.expires_at,
            elected_at = CASE WHEN l.holder = EXCLUDED.holder THEN l.elected_at ELSE now() END
        WHERE l.holder = EXCLUDED.holder OR l.expires_at < now()
        RETURNING holder
        """
    typealias Row = String
    var name: String
    var holder: String
    var ttlMicros: Int64

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 3)
        b.append(name); b.append(holder); b.append(ttlMicros)
        return b
    }
}

struct LeaderRelease: PostgresPreparedStatement {
    static let sql = "DELETE FROM leaders WHERE name = $1 AND holder = $2"
    typealias Row = Void
    var name: String
    var holder: String

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 2)
        b.append(name); b.append(holder)
        return b
    }
}
