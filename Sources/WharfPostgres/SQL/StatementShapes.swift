import PostgresNIO

// Shared shapes of the prepared statements, so each statement spells out only its SQL and
// parameters.

/// A statement whose only parameter is one job id.
protocol JobIDStatement: PostgresPreparedStatement {
    var id: Int64 { get }
}

extension JobIDStatement {
    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(id)
        return bindings
    }
}

/// A statement whose only parameter is a row limit.
protocol LimitStatement: PostgresPreparedStatement {
    var limit: Int64 { get }
}

extension LimitStatement {
    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(limit)
        return bindings
    }
}

/// A statement whose only parameter is one text value (a worker id, a key, a queue name).
protocol TextParameterStatement: PostgresPreparedStatement {
    var parameter: String { get }
}

extension TextParameterStatement {
    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(parameter)
        return bindings
    }
}

/// A statement selecting by queue and kind, '' standing for "any" (PostgresNIO binds no
/// typed NULL for an absent String without an explicit cast, and '' is never a valid name).
protocol QueueKindStatement: PostgresPreparedStatement {
    var queue: String { get }
    var kind: String { get }
}

extension QueueKindStatement {
    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(queue)
        bindings.append(kind)
        return bindings
    }
}

/// A fenced write of a batch of claims, given as `(id, token)` pairs (job ids and their lease
/// tokens as parallel arrays). It returns the pairs it applied, not just the ids: one batch can
/// hold a stale and a fresh claim of the same job (a worker that lost a lease and then claimed
/// the job again), and only the pair tells them apart.
protocol ClaimBatchStatement: PostgresPreparedStatement where Row == (Int64, Int64) {
    var ids: [Int64] { get }
    var tokens: [Int64] { get }
}

extension ClaimBatchStatement {
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(ids)
        bindings.append(tokens)
        return bindings
    }
}

// Row decoding for the row types statements share.

extension PostgresPreparedStatement where Row == Int64 {
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Int64.self) }
}

extension PostgresPreparedStatement where Row == String {
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(String.self) }
}

extension PostgresPreparedStatement where Row == Void {
    func decodeRow(_ row: PostgresRow) throws -> Void {}
}

extension PostgresPreparedStatement where Row == JobRow.Columns {
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

extension PostgresPreparedStatement where Row == JobRow.ClaimedColumns {
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

extension PostgresPreparedStatement where Row == JobRow.CompletedAndClaimedColumns {
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

extension PostgresPreparedStatement where Row == JobRow.DeadColumns {
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
