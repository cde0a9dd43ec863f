import PostgresNIO

/// Job counts per queue and state, plus dead jobs per queue.
struct QueueCountsGet: PostgresPreparedStatement {
    // A full scan of both tables: fine for `wharf stats` on demand. The worker's gauges and the
    // dashboard need a cheaper source at millions of rows (see docs/sql.md, "Counting").
    static let sql = """
        SELECT queue,
               count(*) FILTER (WHERE state = 'available' AND run_at <= now()),
               count(*) FILTER (WHERE state = 'available' AND run_at > now()),
               count(*) FILTER (WHERE state = 'running'),
               count(*) FILTER (WHERE state = 'completed'),
               count(*) FILTER (WHERE state = 'cancelled'),
               0::bigint
        FROM jobs GROUP BY queue
        UNION ALL
        SELECT queue, 0, 0, 0, 0, 0, count(*) FROM dead_jobs GROUP BY queue
        """
    typealias Row = (String, Int64, Int64, Int64, Int64, Int64, Int64)

    func makeBindings() throws -> PostgresBindings { PostgresBindings() }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
