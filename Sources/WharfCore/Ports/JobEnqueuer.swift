/// Putting jobs into the queue: the admin API, the CLI, the chaos driver and the benchmark. (SQL callers use the `enqueue` function the migrations create.)
public protocol JobEnqueuer: Sendable {
    /// Inserts the jobs in one round trip. Results are in request order; a request whose unique
    /// key an active job already holds gets that job's id with `inserted == false`.
    func enqueue(_ requests: [EnqueueRequest]) async throws -> [EnqueueResult]
}
