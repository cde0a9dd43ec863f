import PostgresNIO

/// Follows a statement whose rows may only be used once its transaction has committed (see
/// `PostgresJobStore.runCommitted`). Its answer is the confirmation; its row is ignored.
struct CommitConfirm: PostgresPreparedStatement {
    // The server reads this only after it has ended the previous statement's implicit
    // transaction (at that statement's Sync), so an answer means that commit happened. Prepared,
    // so it costs a Bind and an Execute, not a parse.
    static let sql = "SELECT 1::bigint"
    typealias Row = Int64

    func makeBindings() throws -> PostgresBindings { PostgresBindings() }
}
